// 督办 / 批示 / 催办 forms, list tags and alert merging (issue 15 items 1–2).
import { describe, expect, it } from 'vitest';
import { initialValues, toActionInput, validateAction } from '../src/logic/actions';
import { MAX_ALERTS, mergeAlerts, supervisionTags } from '../src/logic/supervision';
import type { ActionSpec, Alert, CaseDetail, CaseRow } from '../src/backend/types';

const detail = { row: { department: 'd-1', departmentName: '环卫局' }, suggestion: null, assignees: [], duplicates: [], conditions: [] } as unknown as CaseDetail;

describe('supervision forms', () => {
  const escalate: ActionSpec = { kind: 'escalate', label: '督办', fields: ['level', 'target', 'replyHours', 'reason'], danger: false };
  const reply: ActionSpec = { kind: 'escalation_reply', label: '回复督办', fields: ['comment'], danger: false };
  it('a 督办 needs a reason and sends level, reply hours and the target when chosen', () => {
    const v = initialValues(escalate, detail);
    expect(validateAction(escalate, v)).toEqual({ reason: 'err.reasonRequired' });
    const filled = { ...v, reason: '群众反映强烈', level: '2' };
    expect(validateAction(escalate, filled)).toEqual({});
    expect(toActionInput(escalate, filled)).toEqual({ kind: 'escalate', level: 2, replyHours: 24, reason: '群众反映强烈' });
    expect(toActionInput(escalate, { ...filled, target: 'role:dispatcher', replyHours: '' }))
      .toEqual({ kind: 'escalate', level: 2, target: 'role:dispatcher', reason: '群众反映强烈' });
  });
  it('refuses a reply time out of range and an empty reply', () => {
    const v = { ...initialValues(escalate, detail), reason: '理由理由' };
    expect(validateAction(escalate, { ...v, replyHours: '0' })).toEqual({ replyHours: 'err.replyHoursInvalid' });
    expect(validateAction(escalate, { ...v, replyHours: '5000' })).toEqual({ replyHours: 'err.replyHoursInvalid' });
    expect(validateAction(reply, initialValues(reply, detail))).toEqual({ comment: 'err.replyRequired' });
  });
});

const row = (patch: Partial<CaseRow>): CaseRow => ({
  caseId: 'c', caseNumber: null, status: 'in_progress', statusLabel: '处置中', category: null, categoryName: null, cell: null,
  address: null, excerpt: null, urgency: null, department: null, departmentName: null, light: null, dueAt: null,
  syncState: 'synced', conflictCount: 0, createdAt: 0, updatedAt: 0, lon: null, lat: null,
    remainingMs: null, remainingWorking: false, closedOnTime: null, source: null, sourceLabel: null, street: null,
    verificationRequired: false, escalationLevel: 0, escalationAwaitingReply: false, instructionPending: false,
    urgeCount: 0, isNew: false, ...patch,
});

describe('list tags', () => {
  it('show 新, the 督办 level with 待回复, 批示待签收 and 催办', () => {
    expect(supervisionTags(row({}))).toEqual([]);
    const tags = supervisionTags(row({ isNew: true, escalationLevel: 2, escalationAwaitingReply: true, instructionPending: true, urgeCount: 1 }));
    expect(tags.map((x) => x.key)).toEqual(['new', 'escalated', 'instruction', 'urged']);
    expect(tags[1].text).toBe('2 级督办·待回复');
    expect(supervisionTags(row({ escalationLevel: 1 }))[0].text).toBe('1 级督办');
  });
});

const alert = (key: string): Alert => ({ key, kind: 'escalate', caseId: 'c', caseNumber: null, title: '督办', body: '', foundAt: 0 });

describe('alerts', () => {
  it('newest first, one per key, bounded', () => {
    const kept = mergeAlerts([], [alert('a'), alert('b')]);
    expect(kept.map((a) => a.key)).toEqual(['b', 'a']);
    expect(mergeAlerts(kept, [alert('a'), alert('c')]).map((a) => a.key)).toEqual(['c', 'a', 'b']);
    const many = Array.from({ length: 30 }, (_, i) => alert(`k${i}`));
    expect(mergeAlerts([], many)).toHaveLength(MAX_ALERTS);
  });
});
