import { describe, expect, it } from 'vitest';
import type { SurveyProgress, SurveyTask } from '../src/backend/patrol';
import {
  assignCell, categoryRef, cellsByInspector, newSurveyId, parseComponentIds, parseLocalDateTime, statusKey, taskCellCount,
  taskPhase, toLocalDateTime, toTask, uuid7, validateSurvey, type SurveyForm,
} from '../src/logic/survey';

const H = 3600_000;
const DEC7 = Date.UTC(2026, 11, 7) - 8 * H;

const form = (over: Partial<SurveyForm> = {}): SurveyForm => ({
  id: uuid7(DEC7, new Uint8Array(10)), title: '城关区井盖专项普查', categories: [{ kind: 'component', code: '01101' }],
  assignments: { a: ['c2', 'c1'], b: ['c3'] }, components: { c1: ['62010201101000001'] },
  start: '2026-12-07T08:00', due: '2026-12-14T18:00', ...over,
});

describe('survey: ids and times', () => {
  it('makes UUIDv7 ids that carry the time', () => {
    const id = uuid7(DEC7, new Uint8Array([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]));
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(parseInt(id.replace(/-/g, '').slice(0, 12), 16)).toBe(DEC7);
    expect(uuid7(DEC7, new Uint8Array(10))).toBe(`${DEC7.toString(16).padStart(12, '0').replace(/^(.{8})(.{4})$/, '$1-$2')}-7000-8000-000000000000`);
    const a = newSurveyId(DEC7); const b = newSurveyId(DEC7);
    expect(a).not.toBe(b);
    expect(a.slice(0, 13)).toBe(b.slice(0, 13));
  });
  it('reads datetime inputs as Shanghai time and back', () => {
    expect(parseLocalDateTime('2026-12-07T08:00')).toBe(DEC7 + 8 * H);
    expect(parseLocalDateTime('2026-02-30T08:00')).toBeNull();
    expect(parseLocalDateTime('2026-12-07 08:00')).toBeNull();
    expect(parseLocalDateTime('2026-12-07T24:00')).toBeNull();
    expect(toLocalDateTime(DEC7 + 8 * H)).toBe('2026-12-07T08:00');
  });
});

describe('survey: the form', () => {
  it('accepts a complete form and builds the wire task', () => {
    expect(validateSurvey(form())).toEqual({});
    const t = toTask(form({ title: '  井盖普查 ', assignments: { a: ['c2', 'c1', 'c2'], b: [], c: ['c3'] }, components: { c1: ['2', '1'], c3: [] } }));
    expect(t).toEqual({
      id: form().id, title: '井盖普查', categories: [{ kind: 'component', code: '01101' }],
      assignments: { a: ['c1', 'c2'], c: ['c3'] }, components: { c1: ['1', '2'] },
      starts_at: DEC7 + 8 * H, due_at: DEC7 + 7 * 24 * H + 18 * H,
    });
  });
  it('names each field at fault', () => {
    expect(validateSurvey(form({ title: '  ' }))).toEqual({ title: 'survey.err.title' });
    expect(validateSurvey(form({ title: '井'.repeat(101) }))).toEqual({ title: 'survey.err.titleLong' });
    expect(validateSurvey(form({ title: '井'.repeat(100) }))).toEqual({});
    expect(validateSurvey(form({ categories: [] }))).toEqual({ categories: 'survey.err.categories' });
    expect(validateSurvey(form({ assignments: { a: [] }, components: {} }))).toEqual({ assignments: 'survey.err.assignments' });
    expect(validateSurvey(form({ assignments: { a: ['c1'], b: ['c1'] } }))).toEqual({ assignments: 'survey.err.shared' });
    expect(validateSurvey(form({ components: { c9: ['62010201101000001'] } }))).toEqual({ components: 'survey.err.componentCell' });
    expect(validateSurvey(form({ due: '2026-12-07T08:00' }))).toEqual({ due: 'survey.err.due' });
    expect(validateSurvey(form({ start: 'x' }))).toEqual({ start: 'survey.err.time' });
  });
  it('moves a cell between inspectors and drops its components when unassigned', () => {
    const f = assignCell(form(), 'b', 'c1', true);
    expect(f.assignments).toEqual({ a: ['c2'], b: ['c1', 'c3'] });
    expect(f.components.c1).toEqual(['62010201101000001']);
    const g = assignCell(f, 'b', 'c1', false);
    expect(g.assignments.b).toEqual(['c3']);
    expect(g.components.c1).toBeUndefined();
  });
  it('reads pasted component ids', () => {
    expect(parseComponentIds('62010201101000001\n6201020110100002，62010201101000001、 abc 123')).toEqual({
      ids: ['62010201101000001', '6201020110100002'], bad: ['abc', '123'],
    });
    expect(parseComponentIds('  ')).toEqual({ ids: [], bad: [] });
  });
  it('turns the picker\'s references into wire categories', () => {
    expect(categoryRef('component:01101')).toEqual({ kind: 'component', code: '01101' });
    expect(categoryRef('matter:01001')).toEqual({ kind: 'matter', code: '01001' });
    expect(categoryRef('other:1')).toBeNull();
  });
});

describe('survey: progress', () => {
  const task: SurveyTask = { ...toTask(form()), starts_at: DEC7, due_at: DEC7 + 24 * H };
  it('knows the phase and the cell count', () => {
    expect(taskPhase(task, DEC7 - 1)).toBe('upcoming');
    expect(taskPhase(task, DEC7 + H)).toBe('running');
    expect(taskPhase(task, DEC7 + 25 * H)).toBe('ended');
    expect(taskCellCount({ ...task, assignments: { a: ['c1', 'c2'], b: ['c2', 'c3'] } })).toBe(3);
  });
  it('groups cells by inspector, pending first', () => {
    const p: SurveyProgress = { task, rate: 0.5, cases: 1, inspectors: [
      { inspector: 'b', name: '张伟', cells: 1, done: 0, reported: 0, clear: 0 },
      { inspector: 'a', name: '李明', cells: 2, done: 2, reported: 1, clear: 1 },
    ], cells: [
      { cell: 'c1', inspector: 'a', status: 'clear', found: 0, done: true },
      { cell: 'c2', inspector: 'a', status: 'found', found: 1, done: true },
      { cell: 'c4', inspector: 'a', status: 'clear', found: 0, done: false },
      { cell: 'c3', inspector: 'b', status: 'pending', found: 0, done: false },
      { cell: 'c9', inspector: 'z', status: 'pending', found: 0, done: false },
    ] };
    const g = cellsByInspector(p);
    expect(g.map((x) => x.name)).toEqual(['张伟', '李明', 'z']);
    expect(g[1].cells.map((c) => c.cell)).toEqual(['c4', 'c2', 'c1']);
    expect(g[1].cells.map(statusKey)).toEqual(['partial', 'found', 'clear']);
    expect(statusKey(p.cells[3])).toBe('pending');
  });
});
