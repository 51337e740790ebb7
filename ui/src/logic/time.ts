// Times shown to users are Asia/Shanghai wall-clock time. China has had no daylight saving
// since 1991, so a fixed UTC+8 offset is exact and needs no Intl time-zone data (WebKitGTK
// builds without ICU data would otherwise fall back to the machine's zone).
import type { Light } from '../backend/types';

export const SHANGHAI_OFFSET_MS = 8 * 3600_000;

export interface WallClock { year: number; month: number; day: number; hour: number; minute: number; second: number }

export function shanghaiParts(ms: number): WallClock {
  const d = new Date(ms + SHANGHAI_OFFSET_MS);
  return {
    year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate(),
    hour: d.getUTCHours(), minute: d.getUTCMinutes(), second: d.getUTCSeconds(),
  };
}

const p2 = (n: number) => String(n).padStart(2, '0');

/** "2026-07-03 14:05" in Asia/Shanghai. */
export function formatDateTime(ms: number | null | undefined): string {
  if (ms == null || !Number.isFinite(ms)) return '—';
  const w = shanghaiParts(ms);
  return `${w.year}-${p2(w.month)}-${p2(w.day)} ${p2(w.hour)}:${p2(w.minute)}`;
}

/** "2026-07-03" in Asia/Shanghai. */
export function formatDate(ms: number): string {
  const w = shanghaiParts(ms);
  return `${w.year}-${p2(w.month)}-${p2(w.day)}`;
}

/** Short form for lists: "14:05" today, "07-03 14:05" this year, else the full date-time. */
export function formatShort(ms: number | null | undefined, now: number): string {
  if (ms == null || !Number.isFinite(ms)) return '—';
  const a = shanghaiParts(ms);
  const b = shanghaiParts(now);
  if (a.year === b.year && a.month === b.month && a.day === b.day) return `${p2(a.hour)}:${p2(a.minute)}`;
  if (a.year === b.year) return `${p2(a.month)}-${p2(a.day)} ${p2(a.hour)}:${p2(a.minute)}`;
  return formatDateTime(ms);
}

/** Unix ms of 00:00 Asia/Shanghai on the given calendar day. */
export function shanghaiMidnight(year: number, month: number, day: number): number {
  return Date.UTC(year, month - 1, day) - SHANGHAI_OFFSET_MS;
}

/** Parses "YYYY-MM-DD" as a Shanghai calendar day; null when malformed. */
export function parseDay(s: string): number | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s.trim());
  if (!m) return null;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (mo < 1 || mo > 12 || d < 1 || d > 31) return null;
  const t = shanghaiMidnight(y, mo, d);
  const back = shanghaiParts(t);
  return back.month === mo && back.day === d ? t : null;
}

export interface Span { days: number; hours: number; minutes: number }

export function splitDuration(ms: number): Span {
  const totalMin = Math.floor(Math.abs(ms) / 60_000);
  return { days: Math.floor(totalMin / 1440), hours: Math.floor((totalMin % 1440) / 60), minutes: totalMin % 60 };
}

export type Labels = { day: string; hour: string; minute: string; left: string; over: string; lessThanMinute: string };

export const ZH_LABELS: Labels = { day: '天', hour: '小时', minute: '分钟', left: '剩余', over: '超时', lessThanMinute: '不足1分钟' };

/** "2天3小时" — the two largest non-zero units. */
export function formatSpan(ms: number, l: Labels = ZH_LABELS): string {
  const s = splitDuration(ms);
  const parts: string[] = [];
  if (s.days) parts.push(`${s.days}${l.day}`);
  if (s.hours) parts.push(`${s.hours}${l.hour}`);
  if (s.minutes && parts.length < 2) parts.push(`${s.minutes}${l.minute}`);
  if (!parts.length) return l.lessThanMinute;
  return parts.slice(0, 2).join('');
}

/** "剩余 2小时15分钟" before the deadline, "超时 1天3小时" after; null without a deadline. */
export function formatDeadline(dueAt: number | null | undefined, now: number, l: Labels = ZH_LABELS): string | null {
  if (dueAt == null) return null;
  const d = dueAt - now;
  return d >= 0 ? `${l.left} ${formatSpan(d, l)}` : `${l.over} ${formatSpan(-d, l)}`;
}

export const LIGHT_ORDER: Light[] = ['red', 'yellow', 'green'];

/** Sort weight: red first, then yellow, green, none. */
export function lightRank(light: Light | null | undefined): number {
  return light == null ? 3 : LIGHT_ORDER.indexOf(light);
}

/** Start/end of the calendar month containing `now` (Shanghai), shifted by `monthsBack`. */
export function monthRange(now: number, monthsBack = 0): { from: number; to: number } {
  const w = shanghaiParts(now);
  let y = w.year;
  let m = w.month - monthsBack;
  while (m < 1) { m += 12; y -= 1; }
  const from = shanghaiMidnight(y, m, 1);
  const to = m === 12 ? shanghaiMidnight(y + 1, 1, 1) : shanghaiMidnight(y, m + 1, 1);
  return { from, to };
}

/** The quarter containing `now` (Shanghai). */
export function quarterRange(now: number): { from: number; to: number } {
  const w = shanghaiParts(now);
  const q0 = Math.floor((w.month - 1) / 3) * 3 + 1;
  const from = shanghaiMidnight(w.year, q0, 1);
  const to = q0 === 10 ? shanghaiMidnight(w.year + 1, 1, 1) : shanghaiMidnight(w.year, q0 + 3, 1);
  return { from, to };
}
