import { describe, expect, it } from 'vitest';
import { interpolate, lookup, pickLocale } from '../src/i18n';
import { zh } from '../src/i18n/zh';
import { en } from '../src/i18n/en';

describe('i18n', () => {
  it('defaults to zh-CN and picks English only for en*', () => {
    expect(pickLocale(undefined)).toBe('zh-CN');
    expect(pickLocale('zh-TW')).toBe('zh-CN');
    expect(pickLocale('fr-FR')).toBe('zh-CN');
    expect(pickLocale('en-US')).toBe('en');
    expect(pickLocale('EN')).toBe('en');
    expect(pickLocale('eng')).toBe('zh-CN');
  });
  it('looks up the locale, falls back to zh-CN, then to the key', () => {
    expect(lookup('zh-CN', 'sync.now')).toBe('立即同步');
    expect(lookup('en', 'sync.now')).toBe('Sync now');
    expect(lookup('en', 'report.accuracyUnknown')).toBe(zh['report.accuracyUnknown']);
    expect(lookup('en', 'no.such.key')).toBe('no.such.key');
  });
  it('interpolates named parameters and leaves unknown ones', () => {
    expect(lookup('zh-CN', 'list.window', { first: 1, last: 100, total: 10000 })).toBe('第 1–100 条，共 10000 条');
    expect(interpolate('{a}-{b}', { a: 1 })).toBe('1-{b}');
  });
  it('the English table only holds keys that exist in zh-CN', () => {
    for (const k of Object.keys(en)) expect(zh).toHaveProperty([k]);
  });
  it('zh-CN texts are not empty and keep the parameters of the English ones', () => {
    for (const [k, v] of Object.entries(zh)) {
      expect(v.length, k).toBeGreaterThan(0);
      const ev = (en as Record<string, string>)[k];
      if (ev) {
        const ps = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
        expect(ps(ev), k).toEqual(ps(v));
      }
    }
  });
});
