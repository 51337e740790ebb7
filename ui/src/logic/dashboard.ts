// 综合看板: shaping the server's dashboard (GET /v1/dashboard via the `dashboard` command) for
// the screen — value formatting, trend against the previous period, the period presets
// (inclusive Shanghai days) and the drill-down rows. Pure: no I/O, no clock (callers pass `now`).
import { formatDate, monthRange, quarterRange } from './time';

const DAY = 86_400_000;

export type HeadlineKey = 'reported' | 'filed' | 'dispatched' | 'due_close' | 'closed' | 'ontime_closed' | 'ontime_close_rate';
export interface Span { from: number; to: number }
export interface Headline {
  key: HeadlineKey; label: string; kind: 'count' | 'rate';
  value: number | null; numerator?: number; denominator?: number;
  day: number | null; previous: number | null;
}
export interface DepartmentLine {
  id: string; name: string; due: number; handled: number; ontime_handle_rate: number | null;
  overdue_pending: number; overdue_now: number; score: number | null; grade: string | null;
}
export interface HotLine { id: string; name: string; class?: string; filed: number; closed: number; ontime_closed: number; due_close: number; previous_filed: number }
export interface DashboardData {
  tenant: string; tenant_name: string;
  periods: { current: Span; previous: Span; day: Span };
  figures: Headline[]; departments: DepartmentLine[];
  categories: HotLine[]; cells: HotLine[]; streets: HotLine[];
}
/** A server queue row (snake_case) as the drill-down lists it. */
export interface DrillRow {
  case_id: string; case_number: string | null; status: string; category: string | null; cell: string | null;
  department: string | null; light: string; address: string | null; description: string | null; created_at: number;
}
export interface DrillPage { total: number; rows: DrillRow[] }

/** What a click on a figure asks the server for (`dashboard_cases`). */
export interface Drill {
  scope: 'current' | 'previous' | 'day'; figure: string; title: string;
  category?: string; cell?: string; street?: string; department?: string;
}

/** The server's JSON, checked for the fields the screen reads; null when it is not a dashboard. */
export function toDashboard(json: unknown): DashboardData | null {
  if (!json || typeof json !== 'object') return null;
  const o = json as Record<string, unknown>;
  const p = o.periods as Record<string, unknown> | undefined;
  const lists = ['figures', 'departments', 'categories', 'cells', 'streets'];
  if (!p || typeof p.current !== 'object' || !lists.every((k) => Array.isArray(o[k]))) return null;
  return json as DashboardData;
}

/** A figure's value as shown: counts as integers, rates as percentages with one decimal. */
export function formatValue(kind: 'count' | 'rate', v: number | null | undefined): string {
  if (v == null || !Number.isFinite(v)) return '—';
  if (kind === 'rate') return `${(v * 100).toFixed(1)}%`;
  return String(Math.round(v));
}

export type Direction = 'up' | 'down' | 'flat' | 'none';
export interface Trend { dir: Direction; arrow: string; text: string }

/** The change against the previous period: counts by number and percent, rates in percentage
 *  points. `none` when either side has no value. */
export function trend(kind: 'count' | 'rate', value: number | null | undefined, previous: number | null | undefined): Trend {
  if (value == null || previous == null) return { dir: 'none', arrow: '', text: '上期无数据' };
  const d = value - previous;
  const dir: Direction = Math.abs(d) < 1e-9 ? 'flat' : d > 0 ? 'up' : 'down';
  const arrow = dir === 'up' ? '▲' : dir === 'down' ? '▼' : '—';
  if (dir === 'flat') return { dir, arrow, text: '与上期持平' };
  const sign = d > 0 ? '+' : '−';
  if (kind === 'rate') return { dir, arrow, text: `${sign}${Math.abs(d * 100).toFixed(1)} 个百分点` };
  const pct = previous > 0 ? `（${sign}${Math.abs((d / previous) * 100).toFixed(1)}%）` : '';
  return { dir, arrow, text: `${sign}${Math.abs(Math.round(d))}${pct}` };
}

/** Whether a change is good news (green), bad (red) or neither: more 按期 is good; the counts of
 *  work coming in are neutral. */
export function trendTone(key: string, dir: Direction): 'good' | 'bad' | 'neutral' {
  if (dir === 'flat' || dir === 'none') return 'neutral';
  if (key === 'ontime_close_rate' || key === 'ontime_closed' || key === 'closed') return dir === 'up' ? 'good' : 'bad';
  return 'neutral';
}

/** Inclusive first/last day `YYYY-MM-DD` of a half-open span. */
export function spanDays(s: Span): { from: string; to: string } {
  return { from: formatDate(s.from), to: formatDate(s.to - 1) };
}

/** `2026-11-01 至 2026-11-30`. */
export function spanLabel(s: Span): string {
  const d = spanDays(s);
  return d.from === d.to ? d.from : `${d.from} 至 ${d.to}`;
}

export type Preset = 'month' | 'quarter' | 'lastMonth';

/** A preset period as inclusive days: this month / quarter up to today, or the whole last month. */
export function presetDays(p: Preset, now: number): { from: string; to: string } {
  if (p === 'lastMonth') { const r = monthRange(now, 1); return { from: formatDate(r.from), to: formatDate(r.to - DAY) }; }
  const r = p === 'month' ? monthRange(now) : quarterRange(now);
  return { from: formatDate(r.from), to: formatDate(now) };
}

/** The month (`YYYY-MM`) and quarter (`YYYY-Qn`) holding a day `YYYY-MM-DD` (the report to export). */
export function reportPeriods(day: string): { month: string; quarter: string } | null {
  const m = /^(\d{4})-(\d{2})-\d{2}$/.exec(day);
  if (!m) return null;
  const month = Number(m[2]);
  if (month < 1 || month > 12) return null;
  return { month: `${m[1]}-${m[2]}`, quarter: `${m[1]}-Q${Math.floor((month - 1) / 3) + 1}` };
}

/** Whether the day span is today (its label then reads 今日, else 当日). */
export function isToday(day: Span, now: number): boolean {
  return day.from <= now && now < day.to;
}

/** The first `n` lines with cases in either period. */
export function top(lines: HotLine[], n: number): HotLine[] {
  return lines.filter((l) => l.filed + l.previous_filed > 0).slice(0, n);
}

const STATUS_ZH: Record<string, string> = {
  draft: '未上报', reported: '待受理', awaiting_verification: '待核实', awaiting_filing: '待立案',
  awaiting_dispatch: '待派遣', in_progress: '处置中', feedback_received: '待派核查', awaiting_check: '待核查',
  awaiting_close: '待结案', parked: '已挂账', self_handled_pending_review: '自行处置待审核', closed: '已结案',
  rejected: '不予立案', voided: '已作废', merged: '已合并',
};

/** A queue status in Chinese. */
export function statusZh(status: string): string {
  return STATUS_ZH[status] ?? status;
}
