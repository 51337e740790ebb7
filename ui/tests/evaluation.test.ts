import { describe, expect, it } from 'vitest';
import {
  columnHeader, DEFAULT_LEVEL, EVALUATION_LEVELS, figureTitle, formatFigure, formatScore, formatWeight, gradeColor,
  isEvaluationLevel, nextSort, periodLabel, publishedLine, reportHeading, scoreBars, sortRows, toPublished, toReport,
} from '../src/logic/evaluation';
import { mayEvaluate, mayHotline } from '../src/logic/roles';
import { eventLabel, isMergeEvent } from '../src/logic/timeline';
import type { EvaluationRow } from '../src/backend/types';

// The docs/evaluation.md example, as the server sends it.
const DOC = {
  tenant: '620102', tenant_name: '城关区', family: 'region', title: '街道评价', level: 'street',
  from: 1772294400000, to: 1774972800000,
  columns: [
    { key: 'reported', label: '上报数', kind: 'count', weight: 0.0 },
    { key: 'report_rate', label: '监督举报率', kind: 'rate', weight: 10.0 },
  ],
  rows: [
    { id: '620102001', name: '东街道', score: 65.05555555555556, grade: 'C',
      figures: [
        { key: 'reported', label: '上报数', kind: 'count', value: 24.0, weight: 0.0 },
        { key: 'filed_score', label: '立案数分值', kind: 'score', value: 0.0, score: 0.0, weight: 20.0 },
        { key: 'report_rate', label: '监督举报率', kind: 'rate', value: 0.05, numerator: 1, denominator: 20, score: 95.0, weight: 10.0 },
      ] },
    { id: '620102002', name: '西街道', score: null, grade: null,
      figures: [{ key: 'report_rate', label: '监督举报率', kind: 'rate', value: null, numerator: 0, denominator: 0, weight: 10.0 }] },
  ],
};

const row = (id: string, name: string, score: number | null, grade: string | null, rate: number | null = null): EvaluationRow =>
  ({ id, name, score, grade, figures: [{ key: 'close_rate', label: '结案率', kind: 'rate', value: rate }] });

describe('evaluation: reading the JSON', () => {
  it('reads a published period\'s version and marks everything else live', () => {
    expect(toReport(DOC)!.published).toBeNull();
    expect(toReport({ ...DOC, published: null })!.published).toBeNull();
    const published = {
      version: 2, published_at: 1775005200000, published_by: 'u-1', published_by_name: '张值班',
      published_by_role: 'shift_leader', reason: '补录迟到记录', case_count: 30, period_ended: true,
      rules_fingerprint: 'ab'.repeat(32), figures_sha256: 'cd'.repeat(32),
    };
    const r = toReport({ ...DOC, published })!;
    expect(r.published).toEqual(published);
    expect(publishedLine(r.published!)).toBe('第 2 版 · 2026-04-01 09:00 · 张值班发布');
    expect(toPublished({ reason: 'no version' })).toBeNull();
    expect(toPublished({ version: 1 })).toMatchObject({ version: 1, reason: null, period_ended: false });
  });
  it('takes the documented shape and keeps nulls', () => {
    const r = toReport(DOC)!;
    expect(r.title).toBe('街道评价');
    expect(r.columns.map((c) => [c.key, c.kind, c.weight])).toEqual([['reported', 'count', 0], ['report_rate', 'rate', 10]]);
    expect(r.rows[0].figures[2]).toMatchObject({ value: 0.05, numerator: 1, denominator: 20, score: 95 });
    expect(r.rows[1]).toMatchObject({ score: null, grade: null });
    expect(r.rows[1].figures[0].score).toBeNull(); // absent in the JSON
  });
  it('refuses what is not a table', () => {
    expect(toReport(null)).toBeNull();
    expect(toReport({ rows: [] })).toBeNull();
    expect(toReport([{ a: 1 }])).toBeNull();
    expect(toReport({ columns: [{ nokey: 1 }], rows: [{ name: 'no id' }] })).toMatchObject({ columns: [], rows: [] });
  });
  it('heads the table with the tenant, title and the inclusive period', () => {
    expect(periodLabel(DOC.from, DOC.to)).toBe('2026-03-01 至 2026-03-31');
    expect(reportHeading(toReport(DOC)!)).toBe('城关区 街道评价（2026-03-01 至 2026-03-31）');
    expect(periodLabel(NaN, 1)).toBe('');
  });
});

describe('evaluation: formatting', () => {
  it('rates as percent with one decimal, counts plain, scores with two, null as a dash', () => {
    expect(formatFigure('rate', 0.05)).toBe('5.0%');
    expect(formatFigure('rate', 1)).toBe('100.0%');
    expect(formatFigure('rate', 0.93456)).toBe('93.5%');
    expect(formatFigure('count', 24)).toBe('24');
    expect(formatFigure('score', 0)).toBe('0.00');
    expect(formatFigure('rate', null)).toBe('—');
    expect(formatFigure('count', undefined)).toBe('—');
    expect(formatScore(65.05555555555556)).toBe('65.06');
    expect(formatScore(null)).toBe('—');
  });
  it('shows a non-zero weight in the header', () => {
    expect(columnHeader({ label: '监督举报率', weight: 10 })).toBe('监督举报率（10%）');
    expect(columnHeader({ label: '按期结案率', weight: 14.285714 })).toBe('按期结案率（14.29%）');
    expect(columnHeader({ label: '上报数', weight: 0 })).toBe('上报数');
    expect(columnHeader({ label: '上报数', weight: null })).toBe('上报数');
    expect(formatWeight(40)).toBe('40');
  });
  it('explains a rate by its fraction', () => {
    const r = toReport(DOC)!;
    expect(figureTitle(r.rows[0].figures[2])).toBe('1 / 20');
    expect(figureTitle(r.rows[0].figures[0])).toBeUndefined();
  });
  it('colours grades A green … E red, anything else grey', () => {
    expect(gradeColor('A').bg).toBe('#1e9e4a');
    expect(gradeColor('e').bg).toBe('#d93025');
    expect(new Set(['A', 'B', 'C', 'D', 'E'].map((g) => gradeColor(g).bg)).size).toBe(5);
    expect(gradeColor(null)).toEqual(gradeColor('X'));
  });
});

describe('evaluation: sorting and the chart', () => {
  const rows = [row('1', '东岗街道', 65, 'C', 0.8), row('2', '雁北街道', 94.5, 'A', 0.95), row('3', '盐场路街道', null, null), row('4', '拱星墩街道', 48, 'D', 0.7)];
  it('sorts by composite score, rows without one last in either direction', () => {
    expect(sortRows(rows, { key: 'score', dir: 'desc' }).map((r) => r.id)).toEqual(['2', '1', '4', '3']);
    expect(sortRows(rows, { key: 'score', dir: 'asc' }).map((r) => r.id)).toEqual(['4', '1', '2', '3']);
  });
  it('sorts by a figure, by grade (A first) and by name', () => {
    expect(sortRows(rows, { key: 'close_rate', dir: 'asc' }).map((r) => r.id)).toEqual(['4', '1', '2', '3']);
    expect(sortRows(rows, { key: 'grade', dir: 'desc' }).map((r) => r.grade)).toEqual(['A', 'C', 'D', null]);
    expect(sortRows(rows, { key: 'name', dir: 'asc' }).map((r) => r.name)).toEqual(
      [...rows.map((r) => r.name)].sort((a, b) => a.localeCompare(b, 'zh-CN')));
    expect(sortRows(rows, { key: 'no_such', dir: 'desc' }).map((r) => r.id)).toEqual(['1', '2', '3', '4']);
  });
  it('a header click flips the same key, starts a new one descending (names ascending)', () => {
    expect(nextSort({ key: 'score', dir: 'desc' }, 'score')).toEqual({ key: 'score', dir: 'asc' });
    expect(nextSort({ key: 'score', dir: 'asc' }, 'close_rate')).toEqual({ key: 'close_rate', dir: 'desc' });
    expect(nextSort({ key: 'score', dir: 'desc' }, 'name')).toEqual({ key: 'name', dir: 'asc' });
  });
  it('bars: best first, width = score clamped to 0–100, scoreless rows counted apart', () => {
    const { bars, scoreless } = scoreBars([...rows, row('5', '超出', 120, 'A'), row('6', '负数', -3, 'E')]);
    expect(bars.map((b) => b.id)).toEqual(['5', '2', '1', '4', '6']);
    expect(bars.map((b) => b.widthPct)).toEqual([100, 94.5, 65, 48, 0]);
    expect(bars[1].label).toBe('94.50');
    expect(scoreless).toBe(1);
    expect(scoreBars([])).toEqual({ bars: [], scoreless: 0 });
  });
});

describe('evaluation levels and role gating', () => {
  it('offers the nine tables, street first', () => {
    expect(DEFAULT_LEVEL).toBe('street');
    expect(EVALUATION_LEVELS.map((l) => l.label)).toEqual(['街道', '社区', '单元网格', '全区', '专业部门', '监督员', '受理员', '值班长', '派遣员']);
    expect(isEvaluationLevel('dispatcher')).toBe(true);
    expect(isEvaluationLevel('region')).toBe(false);
  });
  it('综合评价 for shift leaders, leaders and admins; 热线受理 for intake operators and admins', () => {
    expect(['shift_leader', 'leader', 'admin'].every((r) => mayEvaluate(r as never))).toBe(true);
    expect(['inspector', 'intake_operator', 'dispatcher', 'department', 'system'].some((r) => mayEvaluate(r as never))).toBe(false);
    expect(mayEvaluate(null)).toBe(false);
    expect(mayHotline('intake_operator') && mayHotline('admin')).toBe(true);
    expect(mayHotline('shift_leader') || mayHotline('leader') || mayHotline(undefined)).toBe(false);
  });
});

describe('timeline labels', () => {
  it('names merge_from when the backend does not', () => {
    expect(eventLabel({ type: 'merge_from', label: '未知操作' })).toBe('合并重复案件');
    expect(eventLabel({ type: 'merge_from', label: '' })).toBe('合并重复案件');
    expect(eventLabel({ type: 'merge_from', label: '合并' })).toBe('合并');
    expect(eventLabel({ type: 'weird', label: '未知操作' })).toBe('未知操作');
    expect(isMergeEvent({ type: 'merge_from' })).toBe(true);
    expect(isMergeEvent({ type: 'dispatch' })).toBe(false);
  });
});
