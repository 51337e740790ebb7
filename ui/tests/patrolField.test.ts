import { describe, expect, it } from 'vitest';
import type { PatrolStatus, Survey, MySurveyCell } from '../src/backend/types';
import { dutyLine, formatDistance, openTargets, patrolBacklog, surveyDraft, surveyOverdue, surveyProgress } from '../src/logic/patrolField';

const status = (p: Partial<PatrolStatus>): PatrolStatus => ({
  enabled: true, onDuty: false, since: null, day: '2026-12-07', points: 0, metres: 0, source: 'sim',
  pendingBlocks: 0, pendingSigns: 0, pendingMarks: 0, unsealedPoints: 0,
  refusedBlocks: 0, refusedSigns: 0, refusedMarks: 0, ...p,
});
const cell = (p: Partial<MySurveyCell>): MySurveyCell => ({
  cell: '620102001001001', community: null, status: 'pending', found: 0, done: false, components: [], ...p,
});

describe('patrol display', () => {
  it('formats distances in metres, then kilometres without rounding up', () => {
    expect(formatDistance(0)).toBe('0 米');
    expect(formatDistance(-5)).toBe('0 米');
    expect(formatDistance(Number.NaN)).toBe('0 米');
    expect(formatDistance(849.6)).toBe('850 米');
    expect(formatDistance(1000)).toBe('1.0 公里');
    expect(formatDistance(2349)).toBe('2.3 公里');
    expect(formatDistance(2399)).toBe('2.3 公里');
  });

  it('says the duty state', () => {
    expect(dutyLine(status({ onDuty: true, metres: 2300 }))).toBe('在岗 · 已巡查 2.3 公里');
    expect(dutyLine(status({}))).toBe('未签到');
    expect(dutyLine(status({ metres: 420 }))).toBe('已签退 · 今日巡查 420 米');
  });

  it('counts pending and refused patrol items', () => {
    expect(patrolBacklog(status({ pendingBlocks: 2, pendingSigns: 1, pendingMarks: 3, unsealedPoints: 40, refusedBlocks: 1, refusedMarks: 2 })))
      .toEqual({ pending: 7, refused: 3 });
    expect(patrolBacklog(status({}))).toEqual({ pending: 0, refused: 0 });
  });
});

describe('survey logic', () => {
  it('lists what is still open in a cell', () => {
    expect(openTargets(cell({}))).toEqual([null]);
    expect(openTargets(cell({ status: 'clear', done: true }))).toEqual([]);
    expect(openTargets(cell({ components: [{ id: 'a', status: 'clear' }, { id: 'b', status: 'pending' }, { id: 'c', status: 'found' }] })))
      .toEqual(['b']);
  });

  it('shows progress and overdue', () => {
    const s: Survey = { id: 's', title: '井盖专项普查', categories: [], startsAt: 0, dueAt: 1000, cells: [cell({}), cell({ done: true })], done: 1, pendingMarks: 0, refusedMarks: 0 };
    expect(surveyProgress(s)).toBe('已完成 1/2 个网格');
    expect(surveyOverdue(s, 999)).toBe(false);
    expect(surveyOverdue(s, 1001)).toBe(true);
    expect(surveyOverdue({ ...s, done: 2 }, 1001)).toBe(false);
  });

  it('opens a report linked to the survey cell and component', () => {
    const d = surveyDraft('s1', '620102001001001', '62010201101000001', 5);
    expect(d.kind).toBe('report');
    expect(d.survey).toEqual({ surveyId: 's1', cell: '620102001001001', componentId: '62010201101000001' });
    expect(d.componentId).toBeNull();
    expect(d.updatedAt).toBe(5);
  });
});
