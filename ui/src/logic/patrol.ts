// Pure logic of the supervisor's patrol screens (issue 16, docs/patrol.md): figures formatted
// for people (公里, 小时分钟, %), the flags of an inspector-day, the coverage layer's cells and
// shades, the playback (position at a time, the line split into inside/outside/gap runs, the 漏报
// evidence stretch) and the roster editor's edits. No I/O, no DOM: tested in tests/patrol.test.ts.
//
// Invariants: times inside tracks and report stretches are Unix seconds, roster shifts and sign
// events Unix ms (as the wire); days are Asia/Shanghai `YYYY-MM-DD`; every function takes data
// as the server sent it and never trusts it to be sorted or complete.
import type { CellDay, InspectorDay, InspectorPatrol, Missed, PatrolReport, Roster, RosterShift, TrackDay } from '../backend/patrol';
import { formatDate, parseDay, SHANGHAI_OFFSET_MS } from './time';

const DAY_MS = 86_400_000;

// ---- Figures ----

/** 巡查里程 in kilometres with one decimal ("5.2"); "—" for nothing usable. */
export function formatKm(metres: number | null | undefined): string {
  if (metres == null || !Number.isFinite(metres) || metres < 0) return '—';
  return (metres / 1000).toFixed(1);
}

/** A rate (0–1) as a percentage with one decimal ("93.8%"); "—" when absent. */
export function formatRate(rate: number | null | undefined): string {
  if (rate == null || !Number.isFinite(rate)) return '—';
  const pct = Math.round(Math.min(Math.max(rate, 0), 1) * 1000) / 10;
  return `${pct.toFixed(1)}%`;
}

export interface DurationLabels { hour: string; minute: string; second: string }
export const ZH_DURATION: DurationLabels = { hour: '小时', minute: '分', second: '秒' };

/** Seconds as "7小时30分", "12分", "45秒", "0"; "—" when absent. */
export function formatDuration(seconds: number | null | undefined, l: DurationLabels = ZH_DURATION): string {
  if (seconds == null || !Number.isFinite(seconds)) return '—';
  const s = Math.max(0, Math.round(seconds));
  if (s === 0) return '0';
  if (s < 60) return `${s}${l.second}`;
  const h = Math.floor(s / 3600); const m = Math.floor((s % 3600) / 60);
  return h ? `${h}${l.hour}${m ? `${m}${l.minute}` : ''}` : `${m}${l.minute}`;
}

/** A Unix-seconds instant as Shanghai "HH:MM:SS". */
export function clockOf(unixS: number): string {
  const d = new Date(unixS * 1000 + SHANGHAI_OFFSET_MS);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())}`;
}

/** The server lists every inspector of the tenant: a period is empty when none of them has a
 *  rostered or recorded day or a 漏报 in it. */
export function isEmptyReport(r: PatrolReport): boolean {
  return r.inspectors.every((p) => p.days.length === 0 && p.missed.length === 0);
}

// ---- Flags ----

export type DayFlag = 'signed_outside' | 'missing_sign_out' | 'outside' | 'late' | 'early_leave' | 'absent';

/** The flags of one inspector-day, in a fixed order. `absent`: rostered, never on duty. */
export function dayFlags(d: InspectorDay): DayFlag[] {
  const out: DayFlag[] = [];
  if (d.scheduled_s > 0 && d.on_duty_s <= 0) out.push('absent');
  if (d.late_s > 0) out.push('late');
  if (d.early_leave_s > 0) out.push('early_leave');
  if (d.signed_outside) out.push('signed_outside');
  if (d.missing_sign_out) out.push('missing_sign_out');
  if (d.outside.length > 0) out.push('outside');
  return out;
}

export interface PeriodSummary {
  /** Days rostered. */
  dutyDays: number;
  lateDays: number; lateS: number;
  earlyDays: number; earlyS: number;
  /** Days per flag. */
  flags: Record<DayFlag, number>;
  /** Seconds outside the assigned area. */
  outsideS: number;
}

/** Late arrivals, early leaves and flags over an inspector's period. */
export function summarize(p: InspectorPatrol): PeriodSummary {
  const flags: Record<DayFlag, number> = { signed_outside: 0, missing_sign_out: 0, outside: 0, late: 0, early_leave: 0, absent: 0 };
  const s: PeriodSummary = { dutyDays: 0, lateDays: 0, lateS: 0, earlyDays: 0, earlyS: 0, flags, outsideS: 0 };
  for (const d of p.days) {
    if (d.scheduled_s > 0) s.dutyDays += 1;
    if (d.late_s > 0) { s.lateDays += 1; s.lateS += d.late_s; }
    if (d.early_leave_s > 0) { s.earlyDays += 1; s.earlyS += d.early_leave_s; }
    for (const f of dayFlags(d)) flags[f] += 1;
    for (const [a, b] of d.outside) s.outsideS += Math.max(0, b - a);
  }
  return s;
}

export type PatrolSortKey = 'name' | 'coverage' | 'metres' | 'on_duty' | 'duty_rate' | 'missed';

/** Inspectors sorted by a column (descending for figures, by name for ties and `name`). */
export function sortInspectors(list: InspectorPatrol[], key: PatrolSortKey): InspectorPatrol[] {
  const v = (p: InspectorPatrol): number => {
    switch (key) {
      case 'coverage': return p.coverage_rate;
      case 'metres': return p.metres;
      case 'on_duty': return p.on_duty_s;
      case 'duty_rate': return p.duty_rate;
      case 'missed': return p.missed.length;
      default: return 0;
    }
  };
  return [...list].sort((a, b) => (key === 'name' ? 0 : v(b) - v(a)) || a.name.localeCompare(b.name, 'zh-CN') || a.inspector.localeCompare(b.inspector));
}

/** Days in the period, first to last, inclusive (at most 400; [] when malformed or reversed). */
export function daysOf(from: string, to: string): string[] {
  const f = parseDay(from); const e = parseDay(to);
  if (f == null || e == null || e < f) return [];
  const out: string[] = [];
  for (let t = f; t <= e && out.length < 400; t += DAY_MS) out.push(formatDate(t));
  return out;
}

// ---- Coverage layer ----

export interface CoverageCell { cell: string; assigned: boolean; visited: boolean; metres: number; seconds: number; days: number }

/** Cells of one day (`day`) or of the whole period (`day` null): an assigned cell counts as
 *  visited when visited on any day, metres and seconds add up, `days` counts days visited. */
export function coverageCells(p: InspectorPatrol, day: string | null): Map<string, CoverageCell> {
  const out = new Map<string, CoverageCell>();
  for (const d of p.days) {
    if (day != null && d.day !== day) continue;
    for (const c of d.cells as CellDay[]) {
      const cur = out.get(c.cell) ?? { cell: c.cell, assigned: false, visited: false, metres: 0, seconds: 0, days: 0 };
      cur.assigned ||= c.assigned;
      cur.visited ||= c.visited;
      if (c.visited) cur.days += 1;
      if (Number.isFinite(c.metres) && c.metres > 0) cur.metres += c.metres;
      if (Number.isFinite(c.seconds) && c.seconds > 0) cur.seconds += c.seconds;
      out.set(c.cell, cur);
    }
  }
  return out;
}

/** Shade classes of the coverage layer: an assigned cell not visited, a visited cell by time
 *  spent (under 10 min, under 30 min, 30 min and more), a visited cell outside the assignment. */
export type CoverageShade = 'missed' | 'brief' | 'some' | 'long' | 'extra' | 'none';
export const COVERAGE_COLORS: Record<CoverageShade, string> = {
  missed: '#d93025', brief: '#b7e1c1', some: '#5cbf7a', long: '#1e7e3e', extra: '#7b8fb0', none: '#3b6ea5',
};
export const SHADE_BOUNDS_S = [600, 1800] as const;

export function coverageShade(c: CoverageCell | undefined): CoverageShade {
  if (!c) return 'none';
  if (!c.visited) return c.assigned ? 'missed' : 'none';
  if (!c.assigned) return 'extra';
  if (c.seconds < SHADE_BOUNDS_S[0]) return 'brief';
  if (c.seconds < SHADE_BOUNDS_S[1]) return 'some';
  return 'long';
}

/** Assigned cells visited ÷ assigned cells of a coverage map (the layer's own figure). */
export function coverageOf(cells: Map<string, CoverageCell>): { assigned: number; visited: number } {
  let assigned = 0; let visited = 0;
  for (const c of cells.values()) if (c.assigned) { assigned += 1; if (c.visited) visited += 1; }
  return { assigned, visited };
}

// ---- Playback ----

export type TrackPoint = { t: number; lon: number; lat: number; acc: number };

/** The track's points as objects, kept only when finite and strictly later than the one before. */
export function trackPoints(track: TrackDay): TrackPoint[] {
  const out: TrackPoint[] = [];
  for (const p of track.points ?? []) {
    if (!Array.isArray(p) || p.length < 3) continue;
    const [t, lon, lat, acc] = p;
    if (![t, lon, lat].every(Number.isFinite)) continue;
    if (out.length && t <= out[out.length - 1].t) continue;
    out.push({ t, lon, lat, acc: Number.isFinite(acc) ? acc : 0 });
  }
  return out;
}

/** Index of the last point at or before `t` (−1 before the first). */
export function indexAt(points: TrackPoint[], t: number): number {
  let lo = 0; let hi = points.length - 1; let ans = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (points[mid].t <= t) { ans = mid; lo = mid + 1; } else hi = mid - 1;
  }
  return ans;
}

/** The marker's position at `t`: interpolated between the points around it, held at the first
 *  before the start and at the last after the end; across a hole longer than `gapS` it stays at
 *  the point before the hole (nobody knows where the inspector was). */
export function positionAt(points: TrackPoint[], t: number, gapS = 300): { lon: number; lat: number; i: number } | null {
  if (!points.length) return null;
  const i = indexAt(points, t);
  if (i < 0) return { lon: points[0].lon, lat: points[0].lat, i: 0 };
  if (i >= points.length - 1) { const p = points[points.length - 1]; return { lon: p.lon, lat: p.lat, i: points.length - 1 }; }
  const a = points[i]; const b = points[i + 1];
  if (b.t - a.t > gapS) return { lon: a.lon, lat: a.lat, i };
  const f = (t - a.t) / (b.t - a.t);
  return { lon: a.lon + (b.lon - a.lon) * f, lat: a.lat + (b.lat - a.lat) * f, i };
}

export type RunKind = 'inside' | 'outside' | 'gap';
export interface Run { kind: RunKind; points: TrackPoint[] }

function within(stretches: [number, number][], a: number, b: number): boolean {
  const mid = (a + b) / 2;
  return stretches.some(([f, e]) => mid >= f && mid <= e);
}

/** The line split into runs for drawing: a segment whose midpoint time lies in an `outside`
 *  stretch is outside, one spanning more than `gapS` is a gap (drawn dashed), the rest inside.
 *  Consecutive segments of one kind share a run; runs share their end points. */
export function splitRuns(points: TrackPoint[], outside: [number, number][], gapS = 300): Run[] {
  const runs: Run[] = [];
  for (let i = 1; i < points.length; i++) {
    const a = points[i - 1]; const b = points[i];
    const kind: RunKind = b.t - a.t > gapS ? 'gap' : within(outside, a.t, b.t) ? 'outside' : 'inside';
    const last = runs[runs.length - 1];
    if (last && last.kind === kind) last.points.push(b);
    else runs.push({ kind, points: [a, b] });
  }
  return runs;
}

/** The points of an evidence segment `[from, to]` (with the neighbours that close it), for a
 *  highlighted line; a single point when the segment falls between two points. */
export function evidencePoints(points: TrackPoint[], segment: [number, number]): TrackPoint[] {
  const [from, to] = segment[0] <= segment[1] ? segment : [segment[1], segment[0]];
  const first = Math.max(0, indexAt(points, from));
  let last = indexAt(points, to);
  if (last < points.length - 1 && (last < 0 || points[last].t < to)) last += 1;
  return points.slice(first, Math.max(first, last) + 1);
}

/** The 漏报 of one day (their evidence segment starts on that Shanghai day). */
export function missedOn(missed: Missed[], day: string): Missed[] {
  return missed.filter((m) => formatDate(m.segment[0] * 1000) === day);
}

/** Playback speeds offered (track seconds per real second). */
export const SPEEDS = [30, 60, 120, 300, 600] as const;

// ---- Roster edits ----

const keyOf = (inspector: string, day: string) => `${inspector}|${day}`;

/** The roster as a lookup by inspector and day. */
export function rosterIndex(r: Roster): Map<string, RosterShift> {
  const m = new Map<string, RosterShift>();
  for (const s of r.shifts) m.set(keyOf(s.inspector, s.day), s);
  return m;
}

export function shiftOf(index: Map<string, RosterShift>, inspector: string, day: string): RosterShift | undefined {
  return index.get(keyOf(inspector, day));
}

/** The roster with `shift` put in place of the inspector's shift that day. */
export function putShift(r: Roster, shift: RosterShift): Roster {
  const shifts = r.shifts.filter((s) => !(s.inspector === shift.inspector && s.day === shift.day));
  shifts.push({ ...shift, cells: [...new Set(shift.cells)].sort() });
  return { shifts: sortShifts(shifts) };
}

export function removeShift(r: Roster, inspector: string, day: string): Roster {
  return { shifts: r.shifts.filter((s) => !(s.inspector === inspector && s.day === day)) };
}

function sortShifts(s: RosterShift[]): RosterShift[] {
  return [...s].sort((a, b) => a.day.localeCompare(b.day) || a.inspector.localeCompare(b.inspector));
}

/** Parses "HH:MM" into minutes after midnight; null when malformed. */
export function parseClock(s: string): number | null {
  const m = /^(\d{1,2}):(\d{2})$/.exec(s.trim());
  if (!m) return null;
  const h = Number(m[1]); const mi = Number(m[2]);
  return h < 24 && mi < 60 ? h * 60 + mi : null;
}

/** "HH:MM" of a Unix-ms instant in Shanghai. */
export function clockOfMs(ms: number): string {
  return clockOf(Math.floor(ms / 1000)).slice(0, 5);
}

/** A shift's start and end in Unix ms from its day and "HH:MM" times; an end at or before the
 *  start is on the next day (a night shift). Null when the day or a time is malformed. */
export function shiftTimes(day: string, start: string, end: string): { start: number; end: number } | null {
  const d = parseDay(day); const a = parseClock(start); const b = parseClock(end);
  if (d == null || a == null || b == null) return null;
  const s = d + a * 60_000;
  let e = d + b * 60_000;
  if (e <= s) e += DAY_MS;
  return { start: s, end: e };
}

/** Every shift of `fromDay` copied to `toDay` (same times of day, same cells), replacing what
 *  `toDay` held for those inspectors. */
export function copyDay(r: Roster, fromDay: string, toDay: string): Roster {
  const f = parseDay(fromDay); const t = parseDay(toDay);
  if (f == null || t == null) return r;
  const shift = t - f;
  let out = r;
  for (const s of r.shifts.filter((x) => x.day === fromDay)) {
    out = putShift(out, { ...s, day: toDay, start: s.start + shift, end: s.end + shift });
  }
  return out;
}

/** Days that held shifts before and hold none now: the save replaces only the days it names,
 *  so such a day keeps its old shifts on the server. */
export function clearedDays(before: Roster, after: Roster): string[] {
  const now = new Set(after.shifts.map((s) => s.day));
  return [...new Set(before.shifts.map((s) => s.day))].filter((d) => !now.has(d)).sort();
}

/** The shifts that differ between two rosters (for the 未保存 count). */
export function changedCount(before: Roster, after: Roster): number {
  const a = rosterIndex(before); const b = rosterIndex(after);
  let n = 0;
  const same = (x: RosterShift, y: RosterShift) => x.start === y.start && x.end === y.end
    && x.cells.length === y.cells.length && [...x.cells].sort().join() === [...y.cells].sort().join();
  for (const [k, s] of b) { const o = a.get(k); if (!o || !same(o, s)) n += 1; }
  for (const k of a.keys()) if (!b.has(k)) n += 1;
  return n;
}

/** The roster to send: only the shifts of the edited days within the period. */
export function rosterToSave(after: Roster, days: string[]): Roster {
  const set = new Set(days);
  return { shifts: sortShifts(after.shifts.filter((s) => set.has(s.day))) };
}

export type ShiftProblem = 'time' | 'long' | 'cells';

/** What is wrong with a shift as typed, or null. */
export function shiftProblem(day: string, start: string, end: string, cells: string[]): ShiftProblem | null {
  const t = shiftTimes(day, start, end);
  if (!t) return 'time';
  if (t.end - t.start > DAY_MS) return 'long';
  if (!cells.length) return 'cells';
  return null;
}

/** The Monday of the week holding `ms` (Shanghai) and the six days after it. */
export function weekOf(ms: number): string[] {
  const local = new Date(ms + SHANGHAI_OFFSET_MS);
  const dow = (local.getUTCDay() + 6) % 7; // Monday = 0
  const monday = parseDay(formatDate(ms))! - dow * DAY_MS;
  return Array.from({ length: 7 }, (_, i) => formatDate(monday + i * DAY_MS));
}
