import { describe, expect, it } from 'vitest';
import { formatValue, isToday, presetDays, reportPeriods, spanLabel, statusZh, toDashboard, top, trend, trendTone } from '../src/logic/dashboard';
import { shanghaiMidnight } from '../src/logic/time';

const DAY = 86_400_000;
// 2026-12-07 15:00 Shanghai.
const NOW = shanghaiMidnight(2026, 12, 7) + 15 * 3_600_000;

describe('dashboard logic', () => {
  it('formats counts and rates, with a dash for no value', () => {
    expect(formatValue('count', 12)).toBe('12');
    expect(formatValue('rate', 2 / 3)).toBe('66.7%');
    expect(formatValue('rate', null)).toBe('—');
    expect(formatValue('count', Number.NaN)).toBe('—');
  });

  it('gives the trend against the previous period', () => {
    expect(trend('count', 12, 10)).toEqual({ dir: 'up', arrow: '▲', text: '+2（+20.0%）' });
    expect(trend('count', 8, 10)).toEqual({ dir: 'down', arrow: '▼', text: '−2（−20.0%）' });
    expect(trend('count', 3, 0)).toEqual({ dir: 'up', arrow: '▲', text: '+3' });
    expect(trend('count', 5, 5).dir).toBe('flat');
    expect(trend('rate', 0.9, 0.85).text).toBe('+5.0 个百分点');
    expect(trend('rate', null, 0.85).dir).toBe('none');
    expect(trendTone('ontime_close_rate', 'up')).toBe('good');
    expect(trendTone('ontime_close_rate', 'down')).toBe('bad');
    expect(trendTone('reported', 'up')).toBe('neutral');
  });

  it('turns presets into inclusive Shanghai days', () => {
    expect(presetDays('month', NOW)).toEqual({ from: '2026-12-01', to: '2026-12-07' });
    expect(presetDays('quarter', NOW)).toEqual({ from: '2026-10-01', to: '2026-12-07' });
    expect(presetDays('lastMonth', NOW)).toEqual({ from: '2026-11-01', to: '2026-11-30' });
    // Just after midnight Shanghai (still the previous day in UTC).
    const early = shanghaiMidnight(2027, 1, 1) + 60_000;
    expect(presetDays('month', early)).toEqual({ from: '2027-01-01', to: '2027-01-01' });
  });

  it('names the report periods of a day and labels spans', () => {
    expect(reportPeriods('2026-11-15')).toEqual({ month: '2026-11', quarter: '2026-Q4' });
    expect(reportPeriods('2026-01-01')).toEqual({ month: '2026-01', quarter: '2026-Q1' });
    expect(reportPeriods('2026-13-01')).toBeNull();
    expect(reportPeriods('20261101')).toBeNull();
    const nov = { from: shanghaiMidnight(2026, 11, 1), to: shanghaiMidnight(2026, 12, 1) };
    expect(spanLabel(nov)).toBe('2026-11-01 至 2026-11-30');
    expect(spanLabel({ from: nov.from, to: nov.from + DAY })).toBe('2026-11-01');
    expect(isToday({ from: shanghaiMidnight(2026, 12, 7), to: shanghaiMidnight(2026, 12, 8) }, NOW)).toBe(true);
    expect(isToday(nov, NOW)).toBe(false);
  });

  it('checks the server JSON and keeps the 高发 lines with cases', () => {
    expect(toDashboard(null)).toBeNull();
    expect(toDashboard({ periods: {} })).toBeNull();
    const ok = { periods: { current: { from: 0, to: 1 } }, figures: [], departments: [], categories: [], cells: [], streets: [] };
    expect(toDashboard(ok)).toBe(ok);
    const line = (id: string, filed: number, previous_filed: number) => ({ id, name: id, filed, closed: 0, ontime_closed: 0, due_close: 0, previous_filed });
    expect(top([line('a', 5, 0), line('b', 0, 2), line('c', 0, 0), line('d', 1, 1)], 2).map((l) => l.id)).toEqual(['a', 'b']);
    expect(statusZh('in_progress')).toBe('处置中');
    expect(statusZh('unknown')).toBe('unknown');
  });
});
