import { describe, expect, it } from 'vitest';
import type { InspectorDay, InspectorPatrol, Roster, TrackDay } from '../src/backend/patrol';
import {
  changedCount, clearedDays, clockOf, isEmptyReport, clockOfMs, copyDay, coverageCells, coverageOf, coverageShade, dayFlags, daysOf,
  evidencePoints, formatDuration, formatKm, formatRate, indexAt, missedOn, positionAt, putShift, removeShift, rosterIndex,
  rosterToSave, shiftOf, shiftProblem, shiftTimes, sortInspectors, splitRuns, summarize, trackPoints, weekOf,
} from '../src/logic/patrol';
import { mayPatrol, mayPlanPatrol } from '../src/logic/roles';

const H = 3600_000;
/** 2026-12-07 00:00 Asia/Shanghai, ms. */
const DEC7 = Date.UTC(2026, 11, 7) - 8 * H;
const S7 = DEC7 / 1000;

describe('patrol: figures', () => {
  it('formats kilometres, rates and durations for people', () => {
    expect(formatKm(5249)).toBe('5.2');
    expect(formatKm(0)).toBe('0.0');
    expect(formatKm(NaN)).toBe('—');
    expect(formatKm(-1)).toBe('—');
    expect(formatRate(0.9375)).toBe('93.8%');
    expect(formatRate(1)).toBe('100.0%');
    expect(formatRate(1.2)).toBe('100.0%');
    expect(formatRate(null)).toBe('—');
    expect(formatDuration(0)).toBe('0');
    expect(formatDuration(45)).toBe('45秒');
    expect(formatDuration(720)).toBe('12分');
    expect(formatDuration(27_000)).toBe('7小时30分');
    expect(formatDuration(7200)).toBe('2小时');
    expect(formatDuration(undefined)).toBe('—');
  });
  it('shows times in Shanghai', () => {
    expect(clockOf(S7 + 8 * 3600 + 5 * 60 + 9)).toBe('08:05:09');
    expect(clockOfMs(DEC7 + 17.5 * H)).toBe('17:30');
  });
  it('lists the days of a period and a week', () => {
    expect(daysOf('2026-12-30', '2027-01-02')).toEqual(['2026-12-30', '2026-12-31', '2027-01-01', '2027-01-02']);
    expect(daysOf('2026-12-08', '2026-12-07')).toEqual([]);
    expect(daysOf('x', '2026-12-07')).toEqual([]);
    // 2026-12-07 is a Monday; Sunday the 13th late evening Shanghai is still that week.
    expect(weekOf(DEC7 + 10 * H)).toEqual(daysOf('2026-12-07', '2026-12-13'));
    expect(weekOf(DEC7 + 6 * 24 * H + 23 * H)[0]).toBe('2026-12-07');
    expect(weekOf(DEC7 + 7 * 24 * H)[0]).toBe('2026-12-14');
  });
  it('gates the screens by role', () => {
    expect(mayPatrol('leader')).toBe(true);
    expect(mayPlanPatrol('leader')).toBe(false);
    expect(mayPlanPatrol('shift_leader')).toBe(true);
    expect(mayPatrol('inspector')).toBe(false);
    expect(mayPatrol(undefined)).toBe(false);
  });
});

const day = (d: string, over: Partial<InspectorDay> = {}): InspectorDay => ({
  day: d, cells: [], metres: 0, outside: [], scheduled_s: 28_800, on_duty_s: 28_800, late_s: 0, early_leave_s: 0,
  missing_sign_out: false, signed_outside: false, ...over,
});
const inspector = (name: string, over: Partial<InspectorPatrol> = {}): InspectorPatrol => ({
  inspector: `id-${name}`, name, coverage_rate: 0, metres: 0, scheduled_s: 0, on_duty_s: 0, duty_rate: 0, days: [], missed: [], ...over,
});

describe('patrol: flags and summaries', () => {
  it('flags a day', () => {
    expect(dayFlags(day('2026-12-07'))).toEqual([]);
    expect(dayFlags(day('2026-12-07', { late_s: 600, signed_outside: true, missing_sign_out: true, outside: [[1, 2]] })))
      .toEqual(['late', 'signed_outside', 'missing_sign_out', 'outside']);
    expect(dayFlags(day('2026-12-07', { on_duty_s: 0 }))).toEqual(['absent']);
    // Not rostered and not signed in: nothing to flag.
    expect(dayFlags(day('2026-12-07', { scheduled_s: 0, on_duty_s: 0 }))).toEqual([]);
  });
  it('sums late arrivals, early leaves, flags and time outside over the period', () => {
    const s = summarize(inspector('李明', { days: [
      day('2026-12-07', { late_s: 600, outside: [[100, 400], [500, 560]] }),
      day('2026-12-08', { late_s: 300, early_leave_s: 1800, missing_sign_out: true }),
      day('2026-12-09', { scheduled_s: 0, on_duty_s: 0 }),
    ] }));
    expect(s.dutyDays).toBe(2);
    expect([s.lateDays, s.lateS, s.earlyDays, s.earlyS]).toEqual([2, 900, 1, 1800]);
    expect(s.flags.outside).toBe(1);
    expect(s.flags.missing_sign_out).toBe(1);
    expect(s.outsideS).toBe(360);
  });
  it('calls a period empty only when no inspector has a day or a 漏报 in it', () => {
    expect(isEmptyReport({ from: 'a', to: 'b', inspectors: [] })).toBe(true);
    expect(isEmptyReport({ from: 'a', to: 'b', inspectors: [inspector('李明'), inspector('张伟')] })).toBe(true);
    expect(isEmptyReport({ from: 'a', to: 'b', inspectors: [inspector('李明'), inspector('张伟', { days: [day('2026-12-07')] })] })).toBe(false);
    const m = { case_id: 'c', case_number: null, distance_m: 3, segment: [1, 2] as [number, number] };
    expect(isEmptyReport({ from: 'a', to: 'b', inspectors: [inspector('李明', { missed: [m] })] })).toBe(false);
  });
  it('sorts inspectors by a figure, ties and names in Chinese order', () => {
    const list = [inspector('张伟', { coverage_rate: 0.5 }), inspector('李明', { coverage_rate: 0.9 }), inspector('赵静', { coverage_rate: 0.5 })];
    expect(sortInspectors(list, 'coverage').map((p) => p.name)).toEqual(['李明', '张伟', '赵静']);
    expect(sortInspectors(list, 'name').map((p) => p.name)).toEqual(['李明', '张伟', '赵静']);
    expect(list[0].name).toBe('张伟'); // not sorted in place
  });
});

describe('patrol: coverage layer', () => {
  const p = inspector('李明', { days: [
    day('2026-12-07', { cells: [
      { cell: 'A', assigned: true, visited: true, metres: 100, seconds: 100 },
      { cell: 'B', assigned: true, visited: false, metres: 0, seconds: 0 },
      { cell: 'X', assigned: false, visited: true, metres: 30, seconds: 60 },
    ] }),
    day('2026-12-08', { cells: [
      { cell: 'A', assigned: true, visited: true, metres: 40, seconds: 640 },
      { cell: 'B', assigned: true, visited: true, metres: 2000, seconds: 2400 },
    ] }),
  ] });
  it('takes one day or adds up the period', () => {
    const d7 = coverageCells(p, '2026-12-07');
    expect(coverageOf(d7)).toEqual({ assigned: 2, visited: 1 });
    expect(d7.get('B')!.visited).toBe(false);
    const all = coverageCells(p, null);
    expect(all.get('A')).toEqual({ cell: 'A', assigned: true, visited: true, metres: 140, seconds: 740, days: 2 });
    expect(all.get('B')!.visited).toBe(true);
    expect(coverageCells(p, '2026-12-09').size).toBe(0);
  });
  it('shades by time spent, assigned-not-visited red, outside the beat apart', () => {
    const d7 = coverageCells(p, '2026-12-07');
    expect(coverageShade(d7.get('A'))).toBe('brief');
    expect(coverageShade(d7.get('B'))).toBe('missed');
    expect(coverageShade(d7.get('X'))).toBe('extra');
    expect(coverageShade(undefined)).toBe('none');
    const all = coverageCells(p, null);
    expect(coverageShade(all.get('A'))).toBe('some');
    expect(coverageShade(all.get('B'))).toBe('long');
  });
});

describe('patrol: playback', () => {
  const track: TrackDay = { day: '2026-12-07', signs: [], points: [
    [S7 + 100, 103.80, 36.00, 5], [S7 + 110, 103.81, 36.00, 5], [S7 + 110, 103.99, 36.99, 5], // a repeated time is dropped
    [S7 + 120, 103.82, 36.01, 5], [S7 + 1000, 103.90, 36.01, 5], [S7 + 1010, 103.91, 36.01, Number.NaN],
  ] };
  const pts = trackPoints(track);
  it('keeps only finite, strictly later points', () => {
    expect(pts.map((p) => p.t - S7)).toEqual([100, 110, 120, 1000, 1010]);
    expect(pts[4].acc).toBe(0);
    expect(trackPoints({ day: 'x', signs: [], points: [[1, Number.POSITIVE_INFINITY, 0, 0]] })).toEqual([]);
  });
  it('finds the point at a time', () => {
    expect(indexAt(pts, S7)).toBe(-1);
    expect(indexAt(pts, S7 + 110)).toBe(1);
    expect(indexAt(pts, S7 + 115)).toBe(1);
    expect(indexAt(pts, S7 + 5000)).toBe(4);
  });
  it('interpolates the marker, holds it at the ends and across a hole', () => {
    const mid = positionAt(pts, S7 + 105)!;
    expect(mid.lon).toBeCloseTo(103.805, 9);
    expect(mid.lat).toBeCloseTo(36.0, 9);
    expect(positionAt(pts, S7)).toMatchObject({ lon: 103.80, i: 0 });
    expect(positionAt(pts, S7 + 99_999)).toMatchObject({ lon: 103.91, i: 4 });
    // 120 → 1000 s is a hole longer than 300 s: the marker waits at the last known point.
    expect(positionAt(pts, S7 + 500)).toMatchObject({ lon: 103.82, lat: 36.01, i: 2 });
    expect(positionAt([], S7)).toBeNull();
  });
  it('splits the line into inside, outside and gap runs sharing their ends', () => {
    const runs = splitRuns(pts, [[S7 + 112, S7 + 125]]);
    expect(runs.map((r) => [r.kind, r.points.map((p) => p.t - S7)])).toEqual([
      ['inside', [100, 110]], ['outside', [110, 120]], ['gap', [120, 1000]], ['inside', [1000, 1010]],
    ]);
    expect(splitRuns(pts.slice(0, 1), [])).toEqual([]);
  });
  it('picks the evidence stretch with the points that close it', () => {
    expect(evidencePoints(pts, [S7 + 105, S7 + 115]).map((p) => p.t - S7)).toEqual([100, 110, 120]);
    expect(evidencePoints(pts, [S7 + 110, S7 + 120]).map((p) => p.t - S7)).toEqual([110, 120]);
    expect(evidencePoints(pts, [S7 + 120, S7 + 110]).map((p) => p.t - S7)).toEqual([110, 120]);
    expect(evidencePoints(pts, [S7, S7 + 50]).map((p) => p.t - S7)).toEqual([100]);
  });
  it('files a 漏报 under the Shanghai day of its evidence', () => {
    const m = { case_id: 'c', case_number: null, distance_m: 3, segment: [S7 - 60, S7 + 10] as [number, number] };
    expect(missedOn([m], '2026-12-06')).toHaveLength(1);
    expect(missedOn([m], '2026-12-07')).toHaveLength(0);
  });
});

describe('patrol: roster edits', () => {
  const A = 'ins-a'; const B = 'ins-b';
  const base: Roster = { shifts: [
    { inspector: A, day: '2026-12-07', start: DEC7 + 8 * H, end: DEC7 + 17 * H, cells: ['c2', 'c1'] },
    { inspector: B, day: '2026-12-07', start: DEC7 + 9 * H, end: DEC7 + 18 * H, cells: ['c3'] },
  ] };
  it('puts, replaces and removes shifts', () => {
    const r = putShift(base, { inspector: A, day: '2026-12-08', start: DEC7 + 32 * H, end: DEC7 + 41 * H, cells: ['c1', 'c1'] });
    expect(r.shifts).toHaveLength(3);
    expect(shiftOf(rosterIndex(r), A, '2026-12-08')!.cells).toEqual(['c1']);
    const r2 = putShift(r, { ...r.shifts[0], start: DEC7 + 7 * H });
    expect(r2.shifts).toHaveLength(3);
    expect(shiftOf(rosterIndex(r2), A, '2026-12-07')!.start).toBe(DEC7 + 7 * H);
    expect(removeShift(r2, A, '2026-12-07').shifts).toHaveLength(2);
    expect(base.shifts).toHaveLength(2);
  });
  it('reads shift times in Shanghai, a night shift ending next morning', () => {
    expect(shiftTimes('2026-12-07', '08:00', '17:30')).toEqual({ start: DEC7 + 8 * H, end: DEC7 + 17.5 * H });
    expect(shiftTimes('2026-12-07', '22:00', '06:00')).toEqual({ start: DEC7 + 22 * H, end: DEC7 + 30 * H });
    expect(shiftTimes('2026-12-07', '8', '17:00')).toBeNull();
    expect(shiftTimes('2026-12-07', '24:00', '17:00')).toBeNull();
    expect(shiftProblem('2026-12-07', '08:00', '17:00', [])).toBe('cells');
    expect(shiftProblem('2026-12-07', 'x', '17:00', ['c'])).toBe('time');
    expect(shiftProblem('2026-12-07', '08:00', '08:00', ['c'])).toBeNull(); // a full 24 h shift
  });
  it('copies a day with the same times of day', () => {
    const r = copyDay(base, '2026-12-07', '2026-12-08');
    const i = rosterIndex(r);
    expect(shiftOf(i, A, '2026-12-08')).toEqual({ inspector: A, day: '2026-12-08', start: DEC7 + 32 * H, end: DEC7 + 41 * H, cells: ['c1', 'c2'] });
    expect(shiftOf(i, B, '2026-12-08')!.cells).toEqual(['c3']);
    expect(r.shifts).toHaveLength(4);
  });
  it('counts changes, finds emptied days and sends only the period', () => {
    const moved = putShift(base, { ...base.shifts[0], cells: ['c1'] });
    expect(changedCount(base, base)).toBe(0);
    expect(changedCount(base, moved)).toBe(1);
    // The same cells in another order are no change.
    expect(changedCount(base, putShift(base, { ...base.shifts[0], cells: ['c1', 'c2'] }))).toBe(0);
    const emptied = removeShift(removeShift(base, A, '2026-12-07'), B, '2026-12-07');
    expect(clearedDays(base, emptied)).toEqual(['2026-12-07']);
    expect(changedCount(base, emptied)).toBe(2);
    const more = copyDay(base, '2026-12-07', '2026-12-14');
    expect(rosterToSave(more, daysOf('2026-12-07', '2026-12-13')).shifts.map((s) => s.day)).toEqual(['2026-12-07', '2026-12-07']);
  });
});
