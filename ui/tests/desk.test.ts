// The desk's rules (issue 15): working-time countdowns, the queue badge, filters, batch
// eligibility, next case, keyboard commands, photo warnings.
import { describe, expect, it } from 'vitest';
import {
  activeFilterCount, batchEligibility, batchKindsFor, beforeAfter, byRemaining, clockText, countdown, filtersToQuery,
  formatClockSpan, formatDue, keyCommand, moveSelection, nextCaseAfter, NO_FILTERS, partitionBatch, photoWarningText,
  queueBadge, validateFilters,
} from '../src/logic/desk';
import type { CaseRow } from '../src/backend/types';

const H = 3_600_000;
// Saturday 2026-03-07 12:00 Shanghai.
const SAT_NOON = Date.UTC(2026, 2, 7, 4, 0);
// Monday 2026-03-09 17:00 Shanghai: the deadline of 8 工作时 from Friday 16:00 (core test
// `a_countdown_over_a_weekend_counts_working_time_only`).
const MON_17 = Date.UTC(2026, 2, 9, 9, 0);

describe('working-time countdown', () => {
  it('shows the working time the Rust side measured, not the wall-clock gap', () => {
    // Wall clock says 2天5小时; the calendar says 6 工作时.
    const c = countdown({ dueAt: MON_17, remainingMs: 6 * H, remainingWorking: true, closedOnTime: null }, SAT_NOON);
    expect(c).toEqual({ text: '剩余 6 工作时 · 截止 03-09 17:00', tone: 'left' });
    expect(c!.text).not.toContain('天');
  });
  it('says 已超时 with the working time overdue', () => {
    const c = countdown({ dueAt: MON_17, remainingMs: -(H + H / 2), remainingWorking: true, closedOnTime: null }, SAT_NOON);
    expect(c).toEqual({ text: '已超时 1 工作时 30 分 · 截止 03-09 17:00', tone: 'over' });
  });
  it('formats working and natural spans', () => {
    expect(formatClockSpan(45 * 60_000, true)).toBe('45 工作分钟');
    expect(formatClockSpan(20 * 30 * 60_000, true)).toBe('10 工作时');
    expect(formatClockSpan(30_000, true)).toBe('不足1工作分钟');
    expect(formatClockSpan(26 * H, false)).toBe('1天2小时');
  });
  it('closed cases say 按期结案 or 超期结案, never 无时限', () => {
    expect(countdown({ dueAt: null, remainingMs: null, remainingWorking: false, closedOnTime: true }, SAT_NOON)?.text).toBe('按期结案');
    expect(countdown({ dueAt: null, remainingMs: null, remainingWorking: false, closedOnTime: false }, SAT_NOON)).toEqual({ text: '超期结案', tone: 'late' });
    expect(countdown({ dueAt: null, remainingMs: null, remainingWorking: false, closedOnTime: null }, SAT_NOON)).toBeNull();
  });
  it('without a measured margin shows only the deadline (no wall-clock countdown)', () => {
    expect(countdown({ dueAt: MON_17, remainingMs: null, remainingWorking: false, closedOnTime: null }, SAT_NOON)?.text).toBe('截止 03-09 17:00');
  });
  it('dates are 03-09 17:00 this year and 2027-01-04 09:30 otherwise', () => {
    expect(formatDue(MON_17, SAT_NOON)).toBe('03-09 17:00');
    expect(formatDue(Date.UTC(2027, 0, 4, 1, 30), SAT_NOON)).toBe('2027-01-04 09:30');
  });
  it('a finished stage clock says how early or late it was', () => {
    expect(clockText({ done: true, onTime: true, dueAt: MON_17, marginMs: H, working: true }, SAT_NOON)).toBe('按时完成（提前 1 工作时）');
    expect(clockText({ done: true, onTime: false, dueAt: MON_17, marginMs: -30 * 60_000, working: true }, SAT_NOON)).toBe('超时完成（超时 30 工作分钟）');
    expect(clockText({ done: false, onTime: null, dueAt: MON_17, marginMs: 6 * H, working: true }, SAT_NOON)).toBe('剩余 6 工作时 · 截止 03-09 17:00');
  });
});

describe('queue badge', () => {
  it('shows one count coloured by the worst light', () => {
    expect(queueBadge({ total: 1, red: 1, yellow: 0, green: 0 })).toEqual({ total: 1, worst: 'red', title: '共 1 件，超期 1' });
    expect(queueBadge({ total: 5, red: 0, yellow: 2, green: 3 }).worst).toBe('yellow');
    expect(queueBadge({ total: 2, red: 0, yellow: 0, green: 0 }).worst).toBeNull();
  });
});

function row(id: string, patch: Partial<CaseRow> = {}): CaseRow {
  return {
    caseId: id, caseNumber: null, status: 'reported', statusLabel: '待受理', category: null, categoryName: null, cell: null,
    address: null, excerpt: null, urgency: 'normal', department: null, departmentName: null, light: null, dueAt: null,
    syncState: 'synced', conflictCount: 0, createdAt: 0, updatedAt: 0, lon: null, lat: null,
    remainingMs: null, remainingWorking: false, closedOnTime: null, source: null, sourceLabel: null, street: null,
    verificationRequired: false, escalationLevel: 0, escalationAwaitingReply: false, instructionPending: false,
    urgeCount: 0, isNew: false, ...patch,
  };
}

describe('filters and sort', () => {
  it('only set filters go into the query; days are Shanghai days, `to` inclusive', () => {
    expect(filtersToQuery(NO_FILTERS)).toEqual({});
    const q = filtersToQuery({ ...NO_FILTERS, category: 'matter:01001', street: '东岗街道', source: 'public_hotline', from: '2026-03-02', to: '2026-03-06' });
    expect(q).toEqual({ category: 'matter:01001', street: '东岗街道', source: 'public_hotline',
      from: Date.UTC(2026, 2, 1, 16), to: Date.UTC(2026, 2, 6, 16) });
    expect(activeFilterCount({ ...NO_FILTERS, department: 'd', from: '2026-03-02' })).toBe(2);
  });
  it('refuses malformed days and a reversed range, and leaves them out of the query', () => {
    expect(validateFilters({ ...NO_FILTERS, from: '03/02/2026' })).toEqual({ from: 'err.dayFormat' });
    expect(validateFilters({ ...NO_FILTERS, from: '2026-03-06', to: '2026-03-02' })).toEqual({ to: 'err.dayRange' });
    expect(filtersToQuery({ ...NO_FILTERS, from: '03/02/2026' })).toEqual({});
  });
  it('sorts by remaining time: overdue first, no deadline last', () => {
    const rows = [row('none'), row('six', { remainingMs: 6 * H }), row('over', { remainingMs: -H }), row('one', { remainingMs: H })];
    expect([...rows].sort(byRemaining).map((r) => r.caseId)).toEqual(['over', 'one', 'six', 'none']);
  });
});

describe('batch rules', () => {
  it('受理 is for the intake operator on 待受理 cases that need no verification', () => {
    expect(batchEligibility('accept', row('a'), 'intake_operator')).toEqual({ ok: true });
    expect(batchEligibility('accept', row('a', { verificationRequired: true }), 'intake_operator')).toEqual({ ok: false, reason: 'batch.reason.needsVerification' });
    expect(batchEligibility('accept', row('a', { status: 'awaiting_filing' }), 'intake_operator')).toEqual({ ok: false, reason: 'batch.reason.notReported' });
    expect(batchEligibility('accept', row('a'), 'dispatcher')).toEqual({ ok: false, reason: 'batch.reason.role' });
  });
  it('派遣 is for dispatchers on 待派遣, 结案 for shift leaders on 待结案', () => {
    expect(batchEligibility('dispatch', row('d', { status: 'awaiting_dispatch' }), 'dispatcher').ok).toBe(true);
    expect(batchEligibility('dispatch', row('d', { status: 'in_progress' }), 'dispatcher').ok).toBe(false);
    expect(batchEligibility('close', row('c', { status: 'awaiting_close' }), 'shift_leader').ok).toBe(true);
    expect(batchEligibility('close', row('c', { status: 'awaiting_close' }), 'intake_operator').ok).toBe(false);
    expect(batchKindsFor('intake_operator')).toEqual(['accept']);
    expect(batchKindsFor('leader')).toEqual([]);
  });
  it('splits a mixed selection into sent and skipped with reasons', () => {
    const sel = [row('a'), row('b', { verificationRequired: true }), row('c'), row('d', { status: 'closed' })];
    const p = partitionBatch('accept', sel, 'intake_operator');
    expect(p.eligible.map((r) => r.caseId)).toEqual(['a', 'c']);
    expect(p.skipped.map((s) => [s.row.caseId, s.reason])).toEqual([['b', 'batch.reason.needsVerification'], ['d', 'batch.reason.notReported']]);
  });
});

describe('next case and keyboard', () => {
  it('opens the case below, else above, after an action', () => {
    expect(nextCaseAfter(['a', 'b', 'c'], 'b')).toBe('c');
    expect(nextCaseAfter(['a', 'b', 'c'], 'c')).toBe('b');
    expect(nextCaseAfter(['a'], 'a')).toBeNull();
    expect(nextCaseAfter(['a', 'b'], 'z')).toBe('a');
  });
  it('moves within the list', () => {
    expect(moveSelection(['a', 'b'], null, 1)).toBe('a');
    expect(moveSelection(['a', 'b'], 'a', 1)).toBe('b');
    expect(moveSelection(['a', 'b'], 'b', 1)).toBe('b');
    expect(moveSelection(['a', 'b'], 'b', -1)).toBe('a');
    expect(moveSelection([], 'a', 1)).toBeNull();
  });
  it('maps keys to commands and ignores typing in fields', () => {
    expect(keyCommand({ key: 'j' })).toEqual({ type: 'move', delta: 1 });
    expect(keyCommand({ key: 'ArrowUp' })).toEqual({ type: 'move', delta: -1 });
    expect(keyCommand({ key: 'Enter' })).toEqual({ type: 'open' });
    expect(keyCommand({ key: 's' })).toEqual({ type: 'action', kind: 'accept' });
    expect(keyCommand({ key: 'p' })).toEqual({ type: 'action', kind: 'dispatch' });
    expect(keyCommand({ key: 's', ctrlKey: true })).toBeNull();
    expect(keyCommand({ key: 'j', target: { tagName: 'input' } as unknown as EventTarget })).toBeNull();
    expect(keyCommand({ key: 'q' })).toBeNull();
  });
});

describe('photos', () => {
  it('words the warnings with days and metres', () => {
    const rep = Date.UTC(2026, 2, 9);
    expect(photoWarningText('old', { takenAt: rep - 60 * 24 * H }, rep)).toBe('拍摄时间早于上报 60 天');
    expect(photoWarningText('far', { distanceM: 333.4 }, rep)).toBe('拍摄位置距案件位置 333 米');
  });
  it('pairs the report photos with the after photos', () => {
    const ps = [{ role: 'before', id: 1 }, { role: 'verify', id: 2 }, { role: 'after', id: 3 }, { role: 'check', id: 4 }];
    expect(beforeAfter(ps)).toEqual({ before: [ps[0]], after: [ps[2], ps[3]] });
  });
});
