// 签收 and 下派 (docs/departments.md): the 下派 form's deadline as a Shanghai wall-clock
// `datetime-local` value and back, its check against the parent's deadline (core checks the
// same again, and so does the server), and the status line of a 下派 task.
import type { SubTask } from '../backend/types';
import { SHANGHAI_OFFSET_MS, shanghaiParts } from './time';

const p2 = (n: number) => String(n).padStart(2, '0');

/** "2026-07-03T14:05" (Asia/Shanghai) for a `datetime-local` input; minutes are kept, seconds dropped. */
export function toLocalInput(ms: number): string {
  const w = shanghaiParts(ms);
  return `${w.year}-${p2(w.month)}-${p2(w.day)}T${p2(w.hour)}:${p2(w.minute)}`;
}

/** Parses a `datetime-local` value as Asia/Shanghai wall-clock time; null when malformed. */
export function fromLocalInput(s: string): number | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?$/.exec(s.trim());
  if (!m) return null;
  const [y, mo, d, h, mi] = [1, 2, 3, 4, 5].map((i) => Number(m[i]));
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59) return null;
  const ms = Date.UTC(y, mo - 1, d, h, mi) - SHANGHAI_OFFSET_MS;
  const back = shanghaiParts(ms);
  return back.month === mo && back.day === d ? ms : null;
}

/**
 * The default deadline of a 下派: the parent's (rounded down to the minute, so the form's value
 * never passes it), or a day from now when the case has none.
 */
export function defaultDue(parentDue: number | null | undefined, now: number): string {
  const due = parentDue ?? now + 24 * 3600_000;
  return toLocalInput(Math.floor(due / 60_000) * 60_000);
}

/** The error key for a 下派 deadline, or null when it is acceptable. */
export function dueError(value: string, parentDue: number | null | undefined, now: number): string | null {
  const ms = fromLocalInput(value);
  if (ms == null) return 'err.dueRequired';
  if (ms <= now) return 'err.duePast';
  if (parentDue != null && ms > parentDue) return 'err.dueBeyondParent';
  return null;
}

/** What stage a 下派 is at, as an i18n key: 已反馈 / 已签收 / 待签收 / 已失效. */
export function subTaskStage(t: SubTask): 'sub.reported' | 'sub.signed' | 'sub.awaitingSign' | 'sub.lapsed' {
  if (t.result != null) return 'sub.reported';
  if (t.lapsed) return 'sub.lapsed';
  if (t.signedAt != null) return 'sub.signed';
  return 'sub.awaitingSign';
}
