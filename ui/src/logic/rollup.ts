//! Roll-up of open cases for the supervisor map's shading: at low zoom by street, at middle zoom
//! by community, at high zoom by cell. The cells GeoJSON carries `code`, `street`, `community`
//! and `openCases`; a unit's count is the sum over its cells. Pure.
//! Invariants: the sum over units equals the sum over cells at every level; a cell without a
//! street/community name falls in the unit named by its code prefix (9 / 12 digits).
import type * as GeoJSON from 'geojson';

export type RollupLevel = 'street' | 'community' | 'cell';

/** Zoom → level: street below 14, community at 14–15, cell from 16. */
export function rollupLevel(zoom: number): RollupLevel {
  if (zoom < 14) return 'street';
  if (zoom < 16) return 'community';
  return 'cell';
}

/** The key of the unit a cell belongs to at a level (name when present, else code prefix). */
export function unitKey(props: Record<string, unknown> | null | undefined, level: RollupLevel): string {
  const code = String(props?.code ?? '');
  if (level === 'cell') return code;
  if (level === 'street') return String(props?.street ?? '') || code.slice(0, 9);
  const street = String(props?.street ?? '') || code.slice(0, 9);
  const comm = String(props?.community ?? '') || code.slice(0, 12);
  return `${street}/${comm}`;
}

export interface Unit { key: string; label: string; open: number; cells: number }

/** Open cases per unit at the level, in first-seen order. */
export function rollup(cells: GeoJSON.FeatureCollection, level: RollupLevel): Map<string, Unit> {
  const out = new Map<string, Unit>();
  for (const f of cells.features) {
    const p = (f.properties ?? {}) as Record<string, unknown>;
    const key = unitKey(p, level);
    const label = level === 'cell' ? String(p.code ?? '') : level === 'street' ? key : String(p.community ?? '') || key;
    const u = out.get(key) ?? { key, label, open: 0, cells: 0 };
    u.open += Math.max(0, Number(p.openCases ?? 0) || 0);
    u.cells += 1;
    out.set(key, u);
  }
  return out;
}

/** Shade class 0–3 for a count at a level (street units hold many cells: wider bands). */
export function shadeClass(n: number, level: RollupLevel): 0 | 1 | 2 | 3 {
  const [a, b, c] = level === 'cell' ? [1, 3, 10] : level === 'community' ? [1, 10, 30] : [1, 30, 100];
  if (n < a) return 0;
  if (n < b) return 1;
  if (n < c) return 2;
  return 3;
}

export const SHADE_COLORS = ['#eef3f8', '#ffe9a8', '#ffb566', '#f06a4f'] as const;

/** The legend's bands for a level, e.g. ["0", "1–2", "3–9", "≥10"]. */
export function shadeBands(level: RollupLevel): string[] {
  const [a, b, c] = level === 'cell' ? [1, 3, 10] : level === 'community' ? [1, 10, 30] : [1, 30, 100];
  void a;
  return ['0', `1–${b - 1}`, `${b}–${c - 1}`, `≥${c}`];
}
