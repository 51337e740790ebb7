// 综合评价: pure shaping of the server's evaluation JSON (docs/evaluation.md) for the screen —
// levels, checking the shape, formatting figures, column headers with weights, sorting, grade
// colours, and the bars of the composite score chart.
import type {
  EvaluationColumn, EvaluationFigure, EvaluationLevel, EvaluationPublished, EvaluationReport, EvaluationRow,
} from '../backend/types';
import { formatDate, formatDateTime } from './time';

/** The tables in the order of the level select, with their zh labels and family. */
export const EVALUATION_LEVELS: { level: EvaluationLevel; label: string; family: 'region' | 'department' | 'position' }[] = [
  { level: 'street', label: '街道', family: 'region' },
  { level: 'community', label: '社区', family: 'region' },
  { level: 'cell', label: '单元网格', family: 'region' },
  { level: 'tenant', label: '全区', family: 'region' },
  { level: 'department', label: '专业部门', family: 'department' },
  { level: 'inspector', label: '监督员', family: 'position' },
  { level: 'intake_operator', label: '受理员', family: 'position' },
  { level: 'shift_leader', label: '值班长', family: 'position' },
  { level: 'dispatcher', label: '派遣员', family: 'position' },
];
export const DEFAULT_LEVEL: EvaluationLevel = 'street';

export function isEvaluationLevel(s: string): s is EvaluationLevel {
  return EVALUATION_LEVELS.some((l) => l.level === s);
}

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);
const obj = (v: unknown): Record<string, unknown> | null =>
  (v && typeof v === 'object' && !Array.isArray(v) ? v as Record<string, unknown> : null);

/**
 * Checks the JSON the backend passed through and fills what may be missing (absent `score` of a
 * figure, null `weight`). Null when it is not an evaluation table at all.
 */
export function toReport(json: unknown): EvaluationReport | null {
  const o = obj(json);
  if (!o || !Array.isArray(o.columns) || !Array.isArray(o.rows)) return null;
  const kindOf = (k: unknown) => (k === 'rate' || k === 'score' ? k : 'count') as EvaluationColumn['kind'];
  const columns: EvaluationColumn[] = [];
  for (const c of o.columns) {
    const co = obj(c);
    const key = co && str(co.key);
    if (!co || !key) continue;
    columns.push({ key, label: str(co.label) ?? key, kind: kindOf(co.kind), weight: num(co.weight) });
  }
  const rows: EvaluationRow[] = [];
  for (const r of o.rows) {
    const ro = obj(r);
    if (!ro) continue;
    const id = str(ro.id) ?? (typeof ro.id === 'number' ? String(ro.id) : null);
    if (id == null) continue;
    const figures: EvaluationFigure[] = [];
    for (const f of Array.isArray(ro.figures) ? ro.figures : []) {
      const fo = obj(f);
      const key = fo && str(fo.key);
      if (!fo || !key) continue;
      figures.push({
        key, label: str(fo.label) ?? key, kind: kindOf(fo.kind), value: num(fo.value),
        numerator: num(fo.numerator), denominator: num(fo.denominator), score: num(fo.score), weight: num(fo.weight),
      });
    }
    rows.push({ id, name: str(ro.name) ?? id, figures, score: num(ro.score), grade: str(ro.grade) });
  }
  return {
    tenant: str(o.tenant) ?? '', tenant_name: str(o.tenant_name) ?? '',
    family: (o.family === 'department' || o.family === 'position' ? o.family : 'region'),
    title: str(o.title) ?? '', level: str(o.level) ?? '',
    from: num(o.from) ?? NaN, to: num(o.to) ?? NaN, columns, rows,
    published: toPublished(o.published),
  };
}

/**
 * The `published` object of a published period (docs/evaluation.md "发布与冻结"); null for a
 * live recomputation or anything without a version.
 */
export function toPublished(v: unknown): EvaluationPublished | null {
  const p = obj(v);
  const version = p && num(p.version);
  if (!p || version == null) return null;
  return {
    version, published_at: num(p.published_at) ?? NaN, published_by: str(p.published_by) ?? '',
    published_by_name: str(p.published_by_name) ?? '', published_by_role: str(p.published_by_role) ?? '',
    reason: str(p.reason), case_count: num(p.case_count), period_ended: p.period_ended === true,
    rules_fingerprint: str(p.rules_fingerprint) ?? '', figures_sha256: str(p.figures_sha256) ?? '',
  };
}

/** "第 2 版 · 2026-04-01 09:00 · 张值班发布": who published which version when. */
export function publishedLine(p: EvaluationPublished): string {
  const parts = [`第 ${p.version} 版`];
  if (Number.isFinite(p.published_at)) parts.push(formatDateTime(p.published_at));
  if (p.published_by_name) parts.push(`${p.published_by_name}发布`);
  return parts.join(' · ');
}

/** "2026-03-01 至 2026-03-31": the JSON's period, `to` being exclusive. Empty when absent. */
export function periodLabel(from: number, to: number): string {
  if (!Number.isFinite(from) || !Number.isFinite(to)) return '';
  return `${formatDate(from)} 至 ${formatDate(Math.max(from, to - 1))}`;
}

/** The heading: "城关区 街道评价（2026-03-01 至 2026-03-31）". */
export function reportHeading(r: EvaluationReport): string {
  const period = periodLabel(r.from, r.to);
  const title = [r.tenant_name, r.title].filter(Boolean).join(' ');
  return period ? `${title}（${period}）` : title;
}

/** "10", "14.29": a weight without trailing zeros. */
export function formatWeight(w: number): string {
  return String(Math.round(w * 100) / 100);
}

/**
 * A column header: "监督举报率（10%）" for a weighted column. A weight of 0 (the server's value
 * for an indicator outside the composite) is not shown.
 */
export function columnHeader(c: Pick<EvaluationColumn, 'label' | 'weight'>): string {
  return c.weight != null && c.weight !== 0 ? `${c.label}（${formatWeight(c.weight)}%）` : c.label;
}

/** A figure's cell: rates as percent with one decimal, counts as integers, scores with two. */
export function formatFigure(kind: EvaluationColumn['kind'], value: number | null | undefined): string {
  if (value == null || !Number.isFinite(value)) return '—';
  if (kind === 'rate') return `${(value * 100).toFixed(1)}%`;
  if (kind === 'count') return Number.isInteger(value) ? String(value) : value.toFixed(2);
  return value.toFixed(2);
}

/** The composite score (综合指标值) with two decimals, as the XLSX shows it. */
export function formatScore(score: number | null | undefined): string {
  return score == null || !Number.isFinite(score) ? '—' : score.toFixed(2);
}

/** Tooltip of a rate: "1 / 20". */
export function figureTitle(f: EvaluationFigure | undefined): string | undefined {
  if (!f || f.kind !== 'rate' || f.numerator == null || f.denominator == null) return undefined;
  return `${formatFigure('count', f.numerator)} / ${formatFigure('count', f.denominator)}`;
}

export function figureOf(row: EvaluationRow, key: string): EvaluationFigure | undefined {
  return row.figures.find((f) => f.key === key);
}

/** Sort keys: `name`, a column key, `score` (综合指标值) or `grade`. */
export type SortKey = string;
export interface Sort { key: SortKey; dir: 'asc' | 'desc' }
export const DEFAULT_SORT: Sort = { key: 'score', dir: 'desc' };

const GRADE_ORDER = ['A', 'B', 'C', 'D', 'E'];

function sortValue(row: EvaluationRow, key: SortKey): number | string | null {
  if (key === 'name') return row.name;
  if (key === 'score') return row.score;
  if (key === 'grade') {
    if (row.grade == null) return null;
    const i = GRADE_ORDER.indexOf(row.grade.toUpperCase());
    return i < 0 ? null : GRADE_ORDER.length - i; // A highest
  }
  return figureOf(row, key)?.value ?? null;
}

/**
 * Rows sorted by a key; rows without a value always come last (whatever the direction); ties
 * keep the server's order.
 */
export function sortRows(rows: EvaluationRow[], sort: Sort): EvaluationRow[] {
  const sign = sort.dir === 'asc' ? 1 : -1;
  return rows.map((r, i) => ({ r, i, v: sortValue(r, sort.key) }))
    .sort((a, b) => {
      if (a.v == null || b.v == null) return a.v == null && b.v == null ? a.i - b.i : a.v == null ? 1 : -1;
      const c = typeof a.v === 'string' || typeof b.v === 'string'
        ? String(a.v).localeCompare(String(b.v), 'zh-CN') : a.v - b.v;
      return c !== 0 ? sign * c : a.i - b.i;
    })
    .map((x) => x.r);
}

/** Clicking a header: the same key flips the direction; a new key starts descending (names ascending). */
export function nextSort(cur: Sort, key: SortKey): Sort {
  if (cur.key === key) return { key, dir: cur.dir === 'asc' ? 'desc' : 'asc' };
  return { key, dir: key === 'name' ? 'asc' : 'desc' };
}

export interface GradeColor { bg: string; fg: string }
const GRADE_COLORS: Record<string, GradeColor> = {
  A: { bg: '#1e9e4a', fg: '#fff' },   // green
  B: { bg: '#7cb342', fg: '#fff' },   // yellow-green
  C: { bg: '#e0a800', fg: '#1d2733' }, // yellow
  D: { bg: '#ef7d00', fg: '#fff' },   // orange
  E: { bg: '#d93025', fg: '#fff' },   // red
};
const NO_GRADE: GradeColor = { bg: '#d8dee6', fg: '#5f6b7a' };

/** Badge colours: A green … E red; no or unknown grade grey. */
export function gradeColor(grade: string | null | undefined): GradeColor {
  return (grade && GRADE_COLORS[grade.toUpperCase()]) || NO_GRADE;
}

export interface Bar { id: string; name: string; score: number; grade: string | null; widthPct: number; label: string }

/**
 * The composite-score chart: rows with a score, best first (ties by name), bar width = score on a
 * 0–100 scale (clamped). Rows without a score are left out (`scoreless` counts them).
 */
export function scoreBars(rows: EvaluationRow[]): { bars: Bar[]; scoreless: number } {
  const scored = rows.filter((r) => r.score != null && Number.isFinite(r.score));
  const bars = scored
    .map((r) => ({
      id: r.id, name: r.name, score: r.score as number, grade: r.grade,
      widthPct: Math.round(Math.min(100, Math.max(0, r.score as number)) * 10) / 10,
      label: formatScore(r.score),
    }))
    .sort((a, b) => b.score - a.score || a.name.localeCompare(b.name, 'zh-CN'));
  return { bars, scoreless: rows.length - scored.length };
}
