import { describe, expect, it } from 'vitest';
import { formatDateTime, formatDeadline, formatShort, formatSpan, lightRank, monthRange, parseDay, quarterRange, shanghaiMidnight } from '../src/logic/time';

// 2026-07-03 06:05:00 UTC = 14:05 in Shanghai.
const T = Date.UTC(2026, 6, 3, 6, 5, 0);

describe('Asia/Shanghai formatting', () => {
  it('formats in UTC+8 whatever the machine zone', () => {
    expect(formatDateTime(T)).toBe('2026-07-03 14:05');
    expect(formatDateTime(Date.UTC(2026, 11, 31, 16, 30))).toBe('2027-01-01 00:30');
  });
  it('shows a dash for missing times', () => {
    expect(formatDateTime(null)).toBe('—');
    expect(formatDateTime(NaN)).toBe('—');
  });
  it('short form depends on the Shanghai day, not the UTC day', () => {
    const late = Date.UTC(2026, 6, 3, 15, 59); // 23:59 Shanghai, same day
    expect(formatShort(late, T)).toBe('23:59');
    const next = Date.UTC(2026, 6, 3, 16, 1); // 00:01 next Shanghai day
    expect(formatShort(next, T)).toBe('07-04 00:01');
    expect(formatShort(Date.UTC(2025, 0, 1, 0, 0), T)).toBe('2025-01-01 08:00');
  });
  it('parses calendar days as Shanghai midnight and refuses bad dates', () => {
    expect(parseDay('2026-07-03')).toBe(Date.UTC(2026, 6, 2, 16, 0));
    expect(parseDay('2026-02-30')).toBeNull();
    expect(parseDay('2026-7-3')).toBeNull();
    expect(parseDay('')).toBeNull();
  });
});

describe('deadlines', () => {
  it('formats remaining and overdue time with the two largest units', () => {
    expect(formatDeadline(T + (2 * 60 + 15) * 60_000, T)).toBe('剩余 2小时15分钟');
    expect(formatDeadline(T - (27 * 60) * 60_000, T)).toBe('超时 1天3小时');
    expect(formatDeadline(T + 30_000, T)).toBe('剩余 不足1分钟');
    expect(formatDeadline(null, T)).toBeNull();
  });
  it('drops minutes when days are shown', () => {
    expect(formatSpan(((2 * 24 + 1) * 60 + 7) * 60_000)).toBe('2天1小时');
    expect(formatSpan((2 * 24 * 60 + 7) * 60_000)).toBe('2天7分钟');
  });
  it('orders lights red, yellow, green, none', () => {
    const ls = ['green', null, 'red', 'yellow'] as const;
    expect([...ls].sort((a, b) => lightRank(a) - lightRank(b))).toEqual(['red', 'yellow', 'green', null]);
  });
});

describe('periods', () => {
  it('months and quarters are Shanghai calendar periods', () => {
    expect(monthRange(T)).toEqual({ from: shanghaiMidnight(2026, 7, 1), to: shanghaiMidnight(2026, 8, 1) });
    expect(monthRange(Date.UTC(2026, 0, 15), 1)).toEqual({ from: shanghaiMidnight(2025, 12, 1), to: shanghaiMidnight(2026, 1, 1) });
    expect(quarterRange(Date.UTC(2026, 10, 5))).toEqual({ from: shanghaiMidnight(2026, 10, 1), to: shanghaiMidnight(2027, 1, 1) });
  });
});
