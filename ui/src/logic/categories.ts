// Category search ranking (the backend returns at most 50 matches; this orders them the way a
// user typing a code or a name expects) and the recent-first merge.
import type { Category } from '../backend/types';

export function categoryScore(c: Category, query: string): number {
  const q = query.trim().toLowerCase();
  if (!q) return 0;
  const name = c.name.toLowerCase();
  if (/^\d+$/.test(q)) {
    if (c.code === q) return 100;
    if (c.code.startsWith(q)) return 80 - (c.code.length - q.length);
    if (c.code.includes(q)) return 40;
    return 0;
  }
  if (name === q) return 90;
  if (name.startsWith(q)) return 70;
  if (name.includes(q)) return 50;
  const major = c.majorName.toLowerCase();
  const minor = (c.minorName ?? '').toLowerCase();
  if (minor.includes(q) || major.includes(q)) return 20;
  return 0;
}

/** Stable sort by score (desc), then code; matches with score 0 keep their backend order at the end. */
export function rankCategories(list: Category[], query: string): Category[] {
  return list
    .map((c, i) => ({ c, i, s: categoryScore(c, query) }))
    .sort((a, b) => b.s - a.s || (a.s > 0 && b.s > 0 ? a.c.code.localeCompare(b.c.code) : a.i - b.i))
    .map((x) => x.c);
}

export function filterKind(list: Category[], kind: Category['kind'] | null): Category[] {
  return kind ? list.filter((c) => c.kind === kind) : list;
}

/** Recent choices first (deduplicated by ref), then the rest. */
export function withRecent(recent: Category[], list: Category[]): Category[] {
  const seen = new Set<string>();
  const out: Category[] = [];
  for (const c of [...recent, ...list]) {
    if (seen.has(c.ref)) continue;
    seen.add(c.ref);
    out.push(c);
  }
  return out;
}
