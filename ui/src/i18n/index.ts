// Message lookup: the chosen locale's table, then zh-CN (complete), then the key itself.
// The locale comes from navigator.language: English for "en*", zh-CN for everything else.
import { zh, type MessageKey } from './zh';
import { en } from './en';

export type { MessageKey };
export type Locale = 'zh-CN' | 'en';
export type Params = Record<string, string | number>;

const tables: Record<Locale, Partial<Record<string, string>>> = { 'zh-CN': zh, en };

export function pickLocale(language: string | null | undefined): Locale {
  const l = (language ?? '').toLowerCase();
  return l === 'en' || l.startsWith('en-') ? 'en' : 'zh-CN';
}

export function interpolate(s: string, params?: Params): string {
  if (!params) return s;
  return s.replace(/\{(\w+)\}/g, (m, k: string) => (k in params ? String(params[k]) : m));
}

export function lookup(locale: Locale, key: string, params?: Params): string {
  const s = tables[locale][key] ?? (zh as Record<string, string>)[key] ?? key;
  return interpolate(s, params);
}

let current: Locale = pickLocale(typeof navigator === 'undefined' ? null : navigator.language);

export function setLocale(l: Locale) { current = l; }
export function getLocale(): Locale { return current; }

/** Translates a known key. Use `tk` for keys built at run time. */
export function t(key: MessageKey, params?: Params): string {
  return lookup(current, key, params);
}

export function tk(key: string, params?: Params): string {
  return lookup(current, key, params);
}
