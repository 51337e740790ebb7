import { describe, expect, it } from 'vitest';
import { rankCategories, withRecent, filterKind } from '../src/logic/categories';
import { initialValues, toActionInput, validateAction } from '../src/logic/actions';
import { syncSummaryKey, uploadPercent } from '../src/logic/sync';
import { toApiError } from '../src/backend';
import type { ActionSpec, CaseDetail, Category, SyncStatus } from '../src/backend/types';

const c = (code: string, name: string, kind: Category['kind'] = 'matter'): Category => ({ ref: `${kind}:${code}`, kind, code, name, majorName: '市容环境', minorName: null });

describe('category ranking', () => {
  const list = [c('01006', '垃圾桶满溢'), c('01001', '暴露垃圾'), c('02001', '道路破损'), c('0101', '垃圾', 'component')];
  it('a code query puts the exact code, then prefixes first', () => {
    expect(rankCategories(list, '0100').map((x) => x.code)).toEqual(['01001', '01006', '02001', '0101']);
    expect(rankCategories(list, '01001')[0].code).toBe('01001');
  });
  it('a name query puts exact, then prefix, then contains', () => {
    expect(rankCategories(list, '垃圾').map((x) => x.name)).toEqual(['垃圾', '垃圾桶满溢', '暴露垃圾', '道路破损']);
  });
  it('recent first without duplicates, and kind filter', () => {
    expect(withRecent([list[2]], list).map((x) => x.code)).toEqual(['02001', '01006', '01001', '0101']);
    expect(filterKind(list, 'component').map((x) => x.code)).toEqual(['0101']);
  });
});

const detail = { row: { department: null }, suggestion: { departmentId: 'd-1', departmentName: '环卫局', basis: '权责清单' }, assignees: [{ userId: 'u-1', displayName: '王五' }], duplicates: [] } as unknown as CaseDetail;

describe('action forms', () => {
  const dispatch: ActionSpec = { kind: 'dispatch', label: '派遣', fields: ['department', 'limitValue', 'limitUnit', 'reason'], danger: false };
  it('pre-fills the suggested department and the only assignee', () => {
    expect(initialValues(dispatch, detail).department).toBe('d-1');
    expect(initialValues({ kind: 'request_check', label: '派核查', fields: ['assignee'], danger: false }, detail).assignee).toBe('u-1');
  });
  it('sends exactly the listed fields', () => {
    // A dispatch without an override sends no limit and no reason (the standard one is recorded).
    const v = { ...initialValues(dispatch, detail), limitHours: '48', reason: 'ignored', comment: 'not listed' };
    expect(toActionInput(dispatch, v)).toEqual({ kind: 'dispatch', departmentId: 'd-1' });
    const o = { ...v, limitValue: '2', limitUnit: 'natural_hours', reason: '夜间须当晚处置' };
    expect(toActionInput(dispatch, o)).toEqual({ kind: 'dispatch', departmentId: 'd-1', limitValue: 2, limitUnit: 'natural_hours', reason: '夜间须当晚处置' });
  });
  it('requires a reason to void and a result to check', () => {
    const voidSpec: ActionSpec = { kind: 'void', label: '作废', fields: ['reason'], danger: true };
    expect(validateAction(voidSpec, initialValues(voidSpec, detail))).toEqual({ reason: 'err.reasonRequired' });
    const check: ActionSpec = { kind: 'check', label: '核查', fields: ['passed', 'photos', 'comment'], danger: false };
    expect(validateAction(check, initialValues(check, detail))).toEqual({ passed: 'err.choiceRequired', photos: 'err.photosRequired' });
    const ext: ActionSpec = { kind: 'request_extension', label: '申请延期', fields: ['limitHours', 'reason'], danger: false };
    expect(validateAction(ext, { ...initialValues(ext, detail), limitHours: '-1', reason: '材料未到' })).toEqual({ limitHours: 'err.limitHoursInvalid' });
  });
  it('an override of the dispatch limit needs a whole value, a unit and a reason (issue 12, C5)', () => {
    const base = initialValues(dispatch, detail);
    expect(validateAction(dispatch, base)).toEqual({});
    expect(validateAction(dispatch, { ...base, limitValue: '2' })).toEqual({ limitUnit: 'err.limitUnitRequired', reason: 'err.overrideReasonRequired' });
    expect(validateAction(dispatch, { ...base, limitValue: '1.5', limitUnit: 'natural_hours', reason: '夜间' })).toEqual({ limitValue: 'err.limitValueInvalid' });
    expect(validateAction(dispatch, { ...base, limitUnit: 'natural_hours' })).toEqual({ limitValue: 'err.limitValueInvalid' });
    expect(validateAction(dispatch, { ...base, limitValue: '2', limitUnit: 'natural_hours', reason: '夜间须当晚处置' })).toEqual({});
  });
  it('filing names a 立案条件 when the category has them; verification sends a corrected fix', () => {
    const file: ActionSpec = { kind: 'file', label: '立案', fields: ['condition', 'comment'], danger: false };
    expect(validateAction(file, initialValues(file, detail), true)).toEqual({ condition: 'err.conditionRequired' });
    expect(validateAction(file, initialValues(file, detail), false)).toEqual({});
    expect(toActionInput(file, { ...initialValues(file, detail), condition: '0101-02' })).toEqual({ kind: 'file', condition: '0101-02' });
    const verify: ActionSpec = { kind: 'verify', label: '核实', fields: ['passed', 'photos', 'correctedLocation', 'comment'], danger: false };
    const fix = { lon: 103.83, lat: 36.06, accuracyM: 4, source: 'gps' as const };
    expect(toActionInput(verify, { ...initialValues(verify, detail), passed: true, corrected: fix }))
      .toEqual({ kind: 'verify', passed: true, photos: [], correctedLon: 103.83, correctedLat: 36.06, correctedAccuracyM: 4 });
  });
});

describe('sync presentation and errors', () => {
  const base: SyncStatus = { running: false, online: true, lastSyncAt: 1, lastError: null, pendingCases: 0, pendingPhotos: 0, pendingContacts: 0,
    pendingPatrol: 0, refusedPatrol: 0, upload: null, quarantines: [] };
  it('summarises honestly', () => {
    expect(syncSummaryKey(null)).toBe('sync.summary.unknown');
    expect(syncSummaryKey({ ...base, online: false, pendingCases: 1 })).toBe('sync.summary.offlinePending');
    expect(syncSummaryKey({ ...base, lastError: { code: 'network', message: '网络不可用' } })).toBe('sync.summary.error');
    expect(syncSummaryKey(base)).toBe('sync.summary.done');
    expect(uploadPercent({ ...base, upload: { sha256: 'x', sent: 512, total: 2048 } })).toBe(25);
    expect(uploadPercent(base)).toBeNull();
  });
  it('normalises rejections into ApiError', () => {
    expect(toApiError({ code: 'network', message: '无法连接服务器' })).toEqual({ code: 'network', message: '无法连接服务器' });
    expect(toApiError('boom')).toEqual({ code: 'client_error', message: 'boom' });
    expect(toApiError(new Error('x'))).toEqual({ code: 'client_error', message: 'x' });
  });
});

import { validateSignIn } from '../src/screens/SignIn';
describe('sign-in validation', () => {
  const ok = { serverUrl: 'http://127.0.0.1:8080', tenant: '620102', username: 'inspector01', password: 'x', deviceName: 'Pad' };
  it('accepts a complete form and names each bad field', () => {
    expect(validateSignIn(ok)).toEqual({});
    expect(validateSignIn({ ...ok, serverUrl: '127.0.0.1', tenant: '62010', username: ' ', password: '', deviceName: '' }))
      .toEqual({ serverUrl: 'signin.err.serverUrl', tenant: 'signin.err.tenant', username: 'signin.err.username', password: 'signin.err.password', deviceName: 'signin.err.deviceName' });
  });
});

describe('常用语', () => {
  it('joins with a Chinese comma, never doubles, keeps the limit', async () => {
    const { appendPhrase, DESCRIPTION_MAX } = await import('../src/logic/phrases');
    expect(appendPhrase('', '影响通行')).toBe('影响通行');
    expect(appendPhrase('井盖破损', '影响通行')).toBe('井盖破损，影响通行');
    expect(appendPhrase('井盖破损。', '存在安全隐患')).toBe('井盖破损。存在安全隐患');
    expect(appendPhrase('井盖破损，影响通行', '影响通行')).toBe('井盖破损，影响通行');
    const full = '字'.repeat(DESCRIPTION_MAX - 2);
    expect(appendPhrase(full, '影响通行')).toBe(full);
  });
});
