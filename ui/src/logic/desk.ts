// The supervisor's desk (issue 15), as pure functions the screens call and Vitest checks:
// working-time countdowns, the queue badge, desk filters, batch eligibility, the next case
// after an action, keyboard shortcuts and photo warnings.
//
// Remaining time is never `dueAt - now`: the Rust side measures it on the tenant's working
// calendar (core `ClockReading::margin_ms`, holidays and 调休 included) and sends it as
// `remainingMs` with `remainingWorking`; this module only formats it.
import type { CaseRow, Light, QueueCount, Role } from '../backend/types';
import { formatDateTime, formatSpan, parseDay, shanghaiParts } from './time';

const p2 = (n: number) => String(n).padStart(2, '0');
const MINUTE = 60_000;
const HOUR = 3_600_000;

/** "12-01 09:30" within the year of `now` (Shanghai), else "2027-01-04 09:30". */
export function formatDue(ms: number, now: number): string {
  const a = shanghaiParts(ms);
  const b = shanghaiParts(now);
  if (a.year !== b.year) return formatDateTime(ms);
  return `${p2(a.month)}-${p2(a.day)} ${p2(a.hour)}:${p2(a.minute)}`;
}

/** Working time as "6 工作时", "4 工作时 30 分", "45 工作分钟"; natural time as "2天3小时". */
export function formatClockSpan(ms: number, working: boolean): string {
  const abs = Math.abs(ms);
  if (!working) return formatSpan(abs);
  const totalMin = Math.floor(abs / MINUTE);
  const h = Math.floor(totalMin / 60);
  const m = totalMin % 60;
  if (h === 0) return m === 0 ? '不足1工作分钟' : `${m} 工作分钟`;
  return m === 0 ? `${h} 工作时` : `${h} 工作时 ${m} 分`;
}

export type CountdownTone = 'left' | 'over' | 'ontime' | 'late';
export interface Countdown { text: string; tone: CountdownTone }

/** What a deadline badge says for a case row:
 *  a closed case: 按期结案 / 超期结案; a running clock: "剩余 6 工作时 · 截止 03-09 17:00" or
 *  "已超时 1 工作时 30 分 · 截止 …"; a deadline without a measured margin: "截止 …";
 *  otherwise null (the badge then says 无时限). */
export function countdown(row: Pick<CaseRow, 'dueAt' | 'remainingMs' | 'remainingWorking' | 'closedOnTime'>, now: number): Countdown | null {
  if (row.closedOnTime === true) return { text: '按期结案', tone: 'ontime' };
  if (row.closedOnTime === false) return { text: '超期结案', tone: 'late' };
  const due = row.dueAt != null ? ` · 截止 ${formatDue(row.dueAt, now)}` : '';
  if (row.remainingMs != null) {
    const span = formatClockSpan(row.remainingMs, !!row.remainingWorking);
    return row.remainingMs >= 0
      ? { text: `剩余 ${span}${due}`, tone: 'left' }
      : { text: `已超时 ${span}${due}`, tone: 'over' };
  }
  if (row.dueAt != null) return { text: `截止 ${formatDue(row.dueAt, now)}`, tone: 'left' };
  return null;
}

/** A stage clock in the detail: done → 按时/超时 by how much; running → as [`countdown`]. */
export function clockText(c: { done: boolean; onTime: boolean | null; dueAt: number | null; marginMs?: number | null; working?: boolean }, now: number): string | null {
  if (c.done) {
    if (c.onTime == null) return '已完成';
    const by = c.marginMs != null && c.marginMs !== 0 ? `（${c.onTime ? '提前' : '超时'} ${formatClockSpan(c.marginMs, !!c.working)}）` : '';
    return `${c.onTime ? '按时完成' : '超时完成'}${by}`;
  }
  return countdown({ dueAt: c.dueAt, remainingMs: c.marginMs ?? null, remainingWorking: !!c.working, closedOnTime: null }, now)?.text ?? null;
}

/** The queue badge: one count (the queue's total) coloured by its worst light, with the
 *  breakdown as a tooltip — never a second number beside it ("1 ●1" read as two cases). */
export function queueBadge(c: Pick<QueueCount, 'total' | 'red' | 'yellow' | 'green'>): { total: number; worst: Light | null; title: string } {
  const worst: Light | null = c.red > 0 ? 'red' : c.yellow > 0 ? 'yellow' : c.green > 0 ? 'green' : null;
  const parts = [`共 ${c.total} 件`];
  if (c.red) parts.push(`超期 ${c.red}`);
  if (c.yellow) parts.push(`预警 ${c.yellow}`);
  if (c.green) parts.push(`正常 ${c.green}`);
  return { total: c.total, worst, title: parts.join('，') };
}

// ---- Filters and sort ----

export type DeskSort = 'updated' | 'remaining';
export interface DeskFilters { category: string; street: string; department: string; source: string; from: string; to: string }
export const NO_FILTERS: DeskFilters = { category: '', street: '', department: '', source: '', from: '', to: '' };

export type FilterErrors = Partial<Record<'from' | 'to', 'err.dayFormat' | 'err.dayRange'>>;

/** Dates are typed as 2026-12-01 (Shanghai days); `to` is inclusive. */
export function validateFilters(f: DeskFilters): FilterErrors {
  const e: FilterErrors = {};
  const from = f.from.trim() ? parseDay(f.from) : null;
  const to = f.to.trim() ? parseDay(f.to) : null;
  if (f.from.trim() && from == null) e.from = 'err.dayFormat';
  if (f.to.trim() && to == null) e.to = 'err.dayFormat';
  if (from != null && to != null && to < from) e.to = 'err.dayRange';
  return e;
}

/** The filters as CaseQuery fields (only those set, and only valid days). */
export function filtersToQuery(f: DeskFilters): { category?: string; street?: string; department?: string; source?: string; from?: number; to?: number } {
  const q: ReturnType<typeof filtersToQuery> = {};
  if (f.category) q.category = f.category;
  if (f.street) q.street = f.street;
  if (f.department) q.department = f.department;
  if (f.source) q.source = f.source;
  const errs = validateFilters(f);
  const from = f.from.trim() && !errs.from ? parseDay(f.from) : null;
  const to = f.to.trim() && !errs.to ? parseDay(f.to) : null;
  if (from != null) q.from = from;
  if (to != null) q.to = to + 24 * HOUR;
  return q;
}

export function activeFilterCount(f: DeskFilters): number {
  return (Object.keys(f) as (keyof DeskFilters)[]).filter((k) => f[k].trim() !== '').length;
}

/** The order `sort: 'remaining'` gives (the Rust side sorts the whole queue; this is the same
 *  rule for a page, used by the tests and any client-side re-sort): least time left first,
 *  cases without a deadline last. */
export function byRemaining(a: CaseRow, b: CaseRow): number {
  const ka = a.remainingMs ?? null;
  const kb = b.remainingMs ?? null;
  if (ka == null && kb == null) return 0;
  if (ka == null) return 1;
  if (kb == null) return -1;
  return ka - kb;
}

// ---- Batch actions ----

export type BatchKind = 'accept' | 'dispatch' | 'close';
export const BATCH_KINDS: BatchKind[] = ['accept', 'dispatch', 'close'];

/** Which role may do each batch action (the workflow's role table). */
const BATCH_ROLE: Record<BatchKind, Role> = { accept: 'intake_operator', dispatch: 'dispatcher', close: 'shift_leader' };

export type Eligibility = { ok: true } | { ok: false; reason: string };

/** Whether the desk offers `kind` for this case in a batch, and why not. The Rust side decides
 *  again per case through the normal action (the workflow is the authority); this preview
 *  keeps ineligible cases out of the request and says why. */
export function batchEligibility(kind: BatchKind, row: Pick<CaseRow, 'status' | 'syncState'> & Partial<Pick<CaseRow, 'verificationRequired'>>, role: Role | null | undefined): Eligibility {
  if (role !== BATCH_ROLE[kind]) return { ok: false, reason: 'batch.reason.role' };
  switch (kind) {
    case 'accept':
      if (row.status !== 'reported') return { ok: false, reason: 'batch.reason.notReported' };
      if (row.verificationRequired) return { ok: false, reason: 'batch.reason.needsVerification' };
      return { ok: true };
    case 'dispatch':
      return row.status === 'awaiting_dispatch' ? { ok: true } : { ok: false, reason: 'batch.reason.notDispatch' };
    case 'close':
      return row.status === 'awaiting_close' ? { ok: true } : { ok: false, reason: 'batch.reason.notClose' };
  }
}

/** The batch actions this role has at all (the buttons of the batch bar). */
export function batchKindsFor(role: Role | null | undefined): BatchKind[] {
  return BATCH_KINDS.filter((k) => BATCH_ROLE[k] === role);
}

/** Splits a selection into the cases the batch will send and those it leaves out (with why). */
export function partitionBatch<R extends Pick<CaseRow, 'caseId' | 'status' | 'syncState'> & Partial<Pick<CaseRow, 'verificationRequired'>>>(
  kind: BatchKind, rows: R[], role: Role | null | undefined,
): { eligible: R[]; skipped: { row: R; reason: string }[] } {
  const eligible: R[] = [];
  const skipped: { row: R; reason: string }[] = [];
  for (const r of rows) {
    const e = batchEligibility(kind, r, role);
    if (e.ok) eligible.push(r); else skipped.push({ row: r, reason: e.reason });
  }
  return { eligible, skipped };
}

// ---- Next case, keyboard ----

/** The case to open after acting on `current`: the one below it in the list as it was shown,
 *  else the one above; null when it was the only one. */
export function nextCaseAfter(ids: string[], current: string): string | null {
  const i = ids.indexOf(current);
  if (i < 0) return ids[0] ?? null;
  return ids[i + 1] ?? ids[i - 1] ?? null;
}

/** Moves the highlight by `delta` rows, staying within the list. */
export function moveSelection(ids: string[], current: string | null, delta: number): string | null {
  if (!ids.length) return null;
  const i = current == null ? -1 : ids.indexOf(current);
  if (i < 0) return delta >= 0 ? ids[0] : ids[ids.length - 1];
  return ids[Math.min(ids.length - 1, Math.max(0, i + delta))];
}

/** Desk shortcuts: key → what it does. Action keys open the form of that action when the case
 *  offers it (the detail decides); letters are the pinyin initials of the actions. */
export const SHORTCUTS: { key: string; what: string; action?: string }[] = [
  { key: 'j / ↓', what: '下一件' },
  { key: 'k / ↑', what: '上一件' },
  { key: 'Enter', what: '打开案件' },
  { key: 'x', what: '选中 / 取消选中（批量）' },
  { key: '/', what: '搜索' },
  { key: 's', what: '受理', action: 'accept' },
  { key: 'h', what: '派发核实', action: 'request_verification' },
  { key: 'l', what: '立案', action: 'file' },
  { key: 'p', what: '派遣', action: 'dispatch' },
  { key: 'c', what: '派核查', action: 'request_check' },
  { key: 'e', what: '结案', action: 'close' },
  { key: '?', what: '显示快捷键' },
];

export type KeyCommand =
  | { type: 'move'; delta: number } | { type: 'open' } | { type: 'toggle' } | { type: 'search' }
  | { type: 'action'; kind: string } | { type: 'help' } | null;

/** The command of a key press on the desk; null for keys the desk leaves alone (typing in a
 *  field, modifier chords). */
export function keyCommand(e: { key: string; ctrlKey?: boolean; metaKey?: boolean; altKey?: boolean; target?: EventTarget | null }): KeyCommand {
  if (e.ctrlKey || e.metaKey || e.altKey) return null;
  const el = e.target as { tagName?: string; isContentEditable?: boolean } | null;
  const tag = el?.tagName?.toUpperCase();
  if (tag === 'INPUT' || tag === 'TEXTAREA' || tag === 'SELECT' || el?.isContentEditable) return null;
  switch (e.key) {
    case 'j': case 'ArrowDown': return { type: 'move', delta: 1 };
    case 'k': case 'ArrowUp': return { type: 'move', delta: -1 };
    case 'Enter': return { type: 'open' };
    case 'x': return { type: 'toggle' };
    case '/': return { type: 'search' };
    case '?': return { type: 'help' };
  }
  const s = SHORTCUTS.find((x) => x.action && x.key === e.key);
  return s?.action ? { type: 'action', kind: s.action } : null;
}

// ---- Photos ----

/** The zh text of a photo warning from the Rust side (`old`, `far`). */
export function photoWarningText(w: string, p: { takenAt?: number | null; distanceM?: number | null }, reportedAt: number | null): string {
  if (w === 'old') {
    const days = p.takenAt != null && reportedAt != null ? Math.floor((reportedAt - p.takenAt) / (24 * HOUR)) : null;
    return days != null ? `拍摄时间早于上报 ${days} 天` : '拍摄时间远早于上报';
  }
  if (w === 'far') return p.distanceM != null ? `拍摄位置距案件位置 ${Math.round(p.distanceM)} 米` : '拍摄位置远离案件位置';
  return w;
}

/** Before/after pairs for 核查 and 结案: the report's photos (上报/处置前) beside the latest
 *  after, check or verify photos. */
export function beforeAfter<P extends { role: string }>(photos: P[]): { before: P[]; after: P[] } {
  const before = photos.filter((p) => p.role === 'before');
  const after = photos.filter((p) => p.role === 'after' || p.role === 'check');
  return { before, after };
}

/** When the case was reported: the report event's time, else the row's creation. */
export function reportedAtOf(d: { timeline: { type: string; at: number }[]; row: { createdAt: number } }): number {
  return d.timeline.find((e) => e.type === 'report' || e.type === 'self_handle')?.at ?? d.row.createdAt;
}
