// Pure logic of the 专项普查 screens (issue 16, docs/patrol.md "专项普查"): the task id the form
// keeps (UUIDv7, so sending the form again cannot make a second task), the form's checks (as the
// app and the server make them), the wire task built from the form, component ids pasted per
// cell, and the progress view's shaping. Tested in tests/survey.test.ts.
import type { CategoryRefWire, SurveyCell, SurveyProgress, SurveyTask } from '../backend/patrol';
import { SHANGHAI_OFFSET_MS } from './time';

/** A UUIDv7 from a Unix-ms time and 10 random bytes (the layout core's ids use). */
export function uuid7(unixMs: number, random: Uint8Array): string {
  const b = new Uint8Array(16);
  let t = Math.max(0, Math.floor(unixMs));
  for (let i = 5; i >= 0; i--) { b[i] = t % 256; t = Math.floor(t / 256); }
  for (let i = 0; i < 10; i++) b[6 + i] = random[i] ?? 0;
  b[6] = 0x70 | (b[6] & 0x0f);
  b[8] = 0x80 | (b[8] & 0x3f);
  const h = [...b].map((x) => x.toString(16).padStart(2, '0')).join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** A fresh task id (crypto randomness). */
export function newSurveyId(now = Date.now()): string {
  const r = new Uint8Array(10);
  globalThis.crypto.getRandomValues(r);
  return uuid7(now, r);
}

/** "YYYY-MM-DDTHH:MM" (an `<input type="datetime-local">`) read as Shanghai time; null when malformed. */
export function parseLocalDateTime(s: string): number | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})$/.exec(s.trim());
  if (!m) return null;
  const [y, mo, d, h, mi] = m.slice(1).map(Number);
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59) return null;
  const ms = Date.UTC(y, mo - 1, d, h, mi) - SHANGHAI_OFFSET_MS;
  const back = new Date(ms + SHANGHAI_OFFSET_MS);
  return back.getUTCDate() === d ? ms : null;
}

/** A Unix-ms instant as Shanghai "YYYY-MM-DDTHH:MM" (for the same inputs). */
export function toLocalDateTime(ms: number): string {
  return new Date(ms + SHANGHAI_OFFSET_MS).toISOString().slice(0, 16);
}

/** A component id: 17 digits, or the legacy 16. */
export const COMPONENT_ID = /^\d{16,17}$/;

/** Component ids pasted into a cell's box (separated by spaces, commas, 、 or new lines): the
 *  valid ones without repeats, in order, and the rejected pieces. */
export function parseComponentIds(text: string): { ids: string[]; bad: string[] } {
  const ids: string[] = []; const bad: string[] = [];
  for (const piece of text.split(/[\s,，、;；]+/).map((p) => p.trim()).filter(Boolean)) {
    if (!COMPONENT_ID.test(piece)) bad.push(piece);
    else if (!ids.includes(piece)) ids.push(piece);
  }
  return { ids, bad };
}

export interface SurveyForm {
  id: string;
  title: string;
  categories: CategoryRefWire[];
  /** inspector → cells. */
  assignments: Record<string, string[]>;
  /** cell → component ids (optional). */
  components: Record<string, string[]>;
  /** `<input type="datetime-local">` values. */
  start: string;
  due: string;
}

export type SurveyField = 'title' | 'categories' | 'assignments' | 'components' | 'start' | 'due';
export type SurveyErrors = Partial<Record<SurveyField, string>>;
export const MAX_TITLE = 100;

/** Error message keys per field (i18n `survey.err.*`), empty when the form may be sent. */
export function validateSurvey(f: SurveyForm): SurveyErrors {
  const e: SurveyErrors = {};
  const title = f.title.trim();
  if (!title) e.title = 'survey.err.title';
  else if ([...title].length > MAX_TITLE) e.title = 'survey.err.titleLong';
  if (!f.categories.length) e.categories = 'survey.err.categories';
  const entries = Object.entries(f.assignments).filter(([, cells]) => cells.length > 0);
  if (!entries.length) e.assignments = 'survey.err.assignments';
  const owner = new Map<string, string>();
  for (const [who, cells] of entries) {
    for (const c of cells) {
      const o = owner.get(c);
      if (o && o !== who) e.assignments = 'survey.err.shared';
      owner.set(c, who);
    }
  }
  for (const [cell, ids] of Object.entries(f.components)) {
    if (ids.length && !owner.has(cell)) e.components = 'survey.err.componentCell';
  }
  const s = parseLocalDateTime(f.start); const d = parseLocalDateTime(f.due);
  if (s == null) e.start = 'survey.err.time';
  if (d == null) e.due = 'survey.err.time';
  else if (s != null && d <= s) e.due = 'survey.err.due';
  return e;
}

/** The wire task of a valid form: inspectors without cells and cells without components left
 *  out, cells and ids sorted. */
export function toTask(f: SurveyForm): SurveyTask {
  const assignments: Record<string, string[]> = {};
  for (const [who, cells] of Object.entries(f.assignments)) if (cells.length) assignments[who] = [...new Set(cells)].sort();
  const components: Record<string, string[]> = {};
  for (const [cell, ids] of Object.entries(f.components)) if (ids.length) components[cell] = [...new Set(ids)].sort();
  return {
    id: f.id, title: f.title.trim(), categories: f.categories, assignments, components,
    starts_at: parseLocalDateTime(f.start) ?? 0, due_at: parseLocalDateTime(f.due) ?? 0,
  };
}

/** The form with `cell` given to `inspector` (and taken from whoever had it). */
export function assignCell(f: SurveyForm, inspector: string, cell: string, on: boolean): SurveyForm {
  const assignments: Record<string, string[]> = {};
  for (const [who, cells] of Object.entries(f.assignments)) assignments[who] = cells.filter((c) => c !== cell);
  if (on) assignments[inspector] = [...(assignments[inspector] ?? []), cell].sort();
  const components = { ...f.components };
  if (!on) delete components[cell];
  return { ...f, assignments, components };
}

/** Category references as the wire wants them from the picker's `kind:code`. */
export function categoryRef(ref: string): CategoryRefWire | null {
  const m = /^(component|matter):(\d+)$/.exec(ref);
  return m ? { kind: m[1] as CategoryRefWire['kind'], code: m[2] } : null;
}

export type TaskPhase = 'upcoming' | 'running' | 'ended';

export function taskPhase(t: SurveyTask, now: number): TaskPhase {
  if (now < t.starts_at) return 'upcoming';
  return now <= t.due_at ? 'running' : 'ended';
}

/** Cells of a task (all inspectors). */
export function taskCellCount(t: SurveyTask): number {
  return new Set(Object.values(t.assignments).flat()).size;
}

/** Progress cells grouped by inspector (by the inspectors' list order, then any others), each
 *  group's cells pending first, then found, then clear, by code. */
export function cellsByInspector(p: SurveyProgress): { inspector: string; name: string; cells: SurveyCell[] }[] {
  const order = new Map(p.inspectors.map((x, i) => [x.inspector, i]));
  const names = new Map(p.inspectors.map((x) => [x.inspector, x.name]));
  const groups = new Map<string, SurveyCell[]>();
  for (const c of p.cells) groups.set(c.inspector, [...(groups.get(c.inspector) ?? []), c]);
  const rank = (c: SurveyCell) => (c.done ? (c.status === 'found' ? 1 : 2) : 0);
  return [...groups.entries()]
    .sort(([a], [b]) => (order.get(a) ?? 1e9) - (order.get(b) ?? 1e9) || a.localeCompare(b))
    .map(([inspector, cells]) => ({
      inspector, name: names.get(inspector) ?? inspector,
      cells: [...cells].sort((x, y) => rank(x) - rank(y) || x.cell.localeCompare(y.cell)),
    }));
}

/** Key of a cell status's label (`survey.status.*`): pending, clear, found, or partial (some of
 *  its components checked, not all). */
export function statusKey(c: SurveyCell): 'pending' | 'clear' | 'found' | 'partial' {
  if (c.status === 'found') return 'found';
  if (c.status === 'clear') return c.done ? 'clear' : 'partial';
  return 'pending';
}
