// 签收 / 下派 / 下级反馈 forms and the 下派 task stages (issue 15 item 6, docs/departments.md).
import { describe, expect, it } from 'vitest';
import { initialValues, toActionInput, validateAction } from '../src/logic/actions';
import { defaultDue, dueError, fromLocalInput, subTaskStage, toLocalInput } from '../src/logic/subdispatch';
import type { ActionSpec, CaseDetail, SubTask } from '../src/backend/types';

// 2026-12-08 17:30 Asia/Shanghai = 09:30 UTC.
const PARENT_DUE = Date.UTC(2026, 11, 8, 9, 30);
const NOW = Date.UTC(2026, 11, 8, 1, 0);
const detail = {
  row: { department: 'd-1', departmentName: '水务局' }, suggestion: null, assignees: [], duplicates: [], conditions: [],
  childUnits: [{ id: 'u-1', name: '城关供水所' }], parentDue: PARENT_DUE,
} as unknown as CaseDetail;

const subDispatch: ActionSpec = { kind: 'sub_dispatch', label: '下派', fields: ['unit', 'dueAt', 'comment'], danger: false };
const subFeedback: ActionSpec = { kind: 'sub_feedback', label: '下级反馈', fields: ['comment', 'photos'], danger: false };
const signFor: ActionSpec = { kind: 'sign_for', label: '签收', fields: ['comment'], danger: false };

describe('下派 deadline', () => {
  it('reads and writes Shanghai wall-clock time', () => {
    expect(toLocalInput(PARENT_DUE)).toBe('2026-12-08T17:30');
    expect(fromLocalInput('2026-12-08T17:30')).toBe(PARENT_DUE);
    expect(fromLocalInput('2026-02-30T10:00')).toBeNull();
    expect(fromLocalInput('明天')).toBeNull();
  });
  it('defaults to the parent deadline, never past it', () => {
    expect(defaultDue(PARENT_DUE + 59_000, NOW)).toBe('2026-12-08T17:30');
    expect(defaultDue(null, NOW)).toBe(toLocalInput(NOW + 24 * 3600_000));
  });
  it('refuses a deadline beyond the parent, in the past, or missing', () => {
    expect(dueError('2026-12-08T17:30', PARENT_DUE, NOW)).toBeNull();
    expect(dueError('2026-12-08T17:31', PARENT_DUE, NOW)).toBe('err.dueBeyondParent');
    expect(dueError('2026-12-08T08:00', PARENT_DUE, NOW)).toBe('err.duePast');
    expect(dueError('', PARENT_DUE, NOW)).toBe('err.dueRequired');
    // No handling limit on the parent: any future deadline.
    expect(dueError('2027-01-01T08:00', null, NOW)).toBeNull();
  });
});

describe('下派 forms', () => {
  it('pre-fills the only child unit and the parent deadline, and sends both', () => {
    const v = initialValues(subDispatch, detail);
    expect(v.unit).toBe('u-1');
    expect(v.dueAt).toBe('2026-12-08T17:30');
    expect(validateAction(subDispatch, v, false, { parentDue: PARENT_DUE, now: NOW })).toEqual({});
    expect(toActionInput(subDispatch, { ...v, comment: ' 今日处理 ' }))
      .toEqual({ kind: 'sub_dispatch', departmentId: 'u-1', dueAt: PARENT_DUE, comment: '今日处理' });
  });
  it('needs a unit and a deadline within the parent', () => {
    const v = { ...initialValues(subDispatch, detail), unit: '', dueAt: '2026-12-09T09:00' };
    expect(validateAction(subDispatch, v, false, { parentDue: PARENT_DUE, now: NOW }))
      .toEqual({ unit: 'err.unitRequired', dueAt: 'err.dueBeyondParent' });
  });
  it('a 下级反馈 needs its result; a 签收 needs nothing', () => {
    expect(validateAction(subFeedback, initialValues(subFeedback, detail))).toEqual({ comment: 'err.feedbackRequired' });
    expect(validateAction(subFeedback, { ...initialValues(subFeedback, detail), comment: '已更换' })).toEqual({});
    expect(validateAction(signFor, initialValues(signFor, detail))).toEqual({});
    expect(toActionInput(signFor, initialValues(signFor, detail))).toEqual({ kind: 'sign_for' });
  });
});

describe('下派 stages', () => {
  const task = (patch: Partial<SubTask>): SubTask => ({
    eventId: 'e', unit: 'u-1', unitName: '城关供水所', byName: '张三', at: NOW, dueAt: PARENT_DUE, note: '',
    signedAt: null, signedBy: null, result: null, reportedAt: null, onTime: null, lapsed: false, mine: false, ...patch,
  });
  it('awaiting sign-for, signed, reported, lapsed', () => {
    expect(subTaskStage(task({}))).toBe('sub.awaitingSign');
    expect(subTaskStage(task({ signedAt: NOW }))).toBe('sub.signed');
    expect(subTaskStage(task({ signedAt: NOW, result: '已更换', reportedAt: NOW }))).toBe('sub.reported');
    expect(subTaskStage(task({ lapsed: true }))).toBe('sub.lapsed');
  });
});
