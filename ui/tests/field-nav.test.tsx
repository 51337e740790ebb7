// @vitest-environment happy-dom
// The field app's navigation (issue 15 item 5: bottom navigation on tablets) over the in-memory
// test backend: every destination in one <nav> with its icon, label, count and test id, the
// active one marked, switching views, the content area cleared for the bar, the toasts lifted
// above it. happy-dom applies no layout and no comma-separated media query, so where the bar goes
// (bottom on a tablet or touch screen, top on a desktop) is checked in styles.css itself.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { render } from 'preact';
import { App } from '../src/app';
import { setLocale } from '../src/i18n';
import { FakeBackend } from './fake-backend';
import { recordingContext } from './recording-context';

if (!(globalThis as { ResizeObserver?: unknown }).ResizeObserver) {
  (globalThis as { ResizeObserver?: unknown }).ResizeObserver = class { observe() {} disconnect() {} unobserve() {} };
}
setLocale('zh-CN');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function until<T>(f: () => T | null | undefined, ms = 4000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = f();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out; body: ${document.body.innerHTML.slice(0, 3000)}`);
    await sleep(10);
  }
}
const q = (id: string) => document.querySelector<HTMLElement>(`[data-testid="${id}"]`);

// The map view draws with Leaflet: sizes and a recording 2D context, as in maps.test.tsx.
const sizes: [string, PropertyDescriptor | undefined][] = [];
const realGetContext = HTMLCanvasElement.prototype.getContext;
beforeAll(() => {
  for (const k of ['clientWidth', 'clientHeight'] as const) {
    sizes.push([k, Object.getOwnPropertyDescriptor(HTMLElement.prototype, k)]);
    Object.defineProperty(HTMLElement.prototype, k, { configurable: true, get() { return k === 'clientWidth' ? 800 : 600; } });
  }
  HTMLCanvasElement.prototype.getContext = (() => recordingContext().ctx) as never;
});
// getContext stays the recording one: a redraw Leaflet scheduled before the last unmount can fire
// after this file's hooks (see patrol-screens.test.tsx).
afterAll(() => { for (const [k, d] of sizes) if (d) Object.defineProperty(HTMLElement.prototype, k, d); void realGetContext; });

let root: HTMLElement;
function mount(b: FakeBackend) {
  root = document.createElement('div');
  document.body.appendChild(root);
  render(<App backend={b} />, root);
}
afterEach(async () => { await sleep(60); render(null, root); root.remove(); await sleep(20); });

const INSPECTOR_NAV = [
  ['nav-my_tasks', '我的任务', 'tasks'], ['nav-my_reports', '我的上报', 'reports'], ['new-report', '新建上报', 'new'],
  ['new-self-handle', '自行处置', 'selfHandle'], ['nav-patrol', '巡查', 'patrol'], ['nav-map', '地图', 'map'], ['nav-sync', '同步', 'sync'],
];
const navButtons = () => [...q('field-nav')!.querySelectorAll<HTMLButtonElement>('button')];
const current = () => navButtons().filter((b) => b.getAttribute('aria-current') === 'page').map((b) => b.dataset.testid);

describe('field navigation', () => {
  it('puts every destination of an inspector in one bar: test id, icon and label, my_tasks marked, counts shown', async () => {
    const b = new FakeBackend({ mode: 'field', cases: 30 });
    mount(b);
    const tasks = await until(() => q('nav-count-my_tasks'));
    const nav = q('field-nav')!;
    expect(nav.tagName).toBe('NAV');
    expect(nav.classList.contains('field-nav')).toBe(true);
    expect(nav.getAttribute('aria-label')).toBe('功能导航');
    // One bar, seven destinations, in this order; each a real <button> with its E2E test id.
    expect(navButtons().map((x) => [x.dataset.testid, x.querySelector('.tab-label')!.textContent, x.querySelector('svg.tab-icon')!.getAttribute('data-icon')]))
      .toEqual(INSPECTOR_NAV);
    for (const x of navButtons()) expect(x.querySelector('svg.tab-icon')!.getAttribute('aria-hidden')).toBe('true');
    expect(current()).toEqual(['nav-my_tasks']);
    expect(q('nav-my_tasks')!.classList.contains('on')).toBe(true);
    // The counts are the backend's, with their red/yellow/green split; only queues have one.
    const { counts } = await b.listCases({ queue: 'my_tasks', limit: 1 });
    for (const queue of ['my_tasks', 'my_reports'] as const) {
      const want = counts.find((c) => c.queue === queue)!;
      const badge = await until(() => q(`nav-count-${queue}`));
      expect(badge.dataset.total).toBe(String(want.total));
      expect(badge.classList.contains('tab-count')).toBe(true);
      expect(q(`nav-${queue}`)!.contains(badge)).toBe(true);
      const dots = [...badge.querySelectorAll('.cd')].map((d) => [d.className, d.textContent]);
      expect(dots).toEqual([['cd cd-red', want.red], ['cd cd-yellow', want.yellow], ['cd cd-green', want.green]]
        .filter(([, n]) => Number(n) > 0).map(([c, n]) => [c, String(n)]));
    }
    expect(tasks.textContent!.startsWith(tasks.dataset.total!)).toBe(true);
    expect(navButtons().filter((x) => x.querySelector('.tab-count')).map((x) => x.dataset.testid)).toEqual(['nav-my_tasks', 'nav-my_reports']);
    // Home: the large 拍照上报 first; the content area is cleared for the bar (styles.css).
    expect(q('home-report')!.textContent).toContain('拍照上报');
    const main = q('field-main')!;
    expect(main.tagName).toBe('MAIN');
    expect(main.classList.contains('clear-bottom-nav')).toBe(true);
    expect(main.parentElement).toBe(nav.parentElement);
    expect(main.parentElement!.classList.contains('field-app')).toBe(true);
  });

  it('switches views from the bar, moves the mark, and keeps the counts', async () => {
    const b = new FakeBackend({ mode: 'field', cases: 30 });
    mount(b);
    await until(() => q('nav-count-my_tasks'));
    const go = async (id: string, screen: string) => {
      q(id)!.click();
      await until(() => document.querySelector(screen.startsWith('[') ? screen : `[data-testid="${screen}"]`));
      expect(current()).toEqual([id]);
      expect(navButtons().filter((x) => x.classList.contains('on')).map((x) => x.dataset.testid)).toEqual([id]);
      // The bar stays, whole, under every screen.
      expect(navButtons().map((x) => x.dataset.testid)).toEqual(INSPECTOR_NAV.map(([t]) => t));
      expect(q('nav-count-my_tasks')).not.toBeNull();
    };
    await go('new-report', 'editor-report');
    await go('new-self-handle', 'editor-self_handle');
    await go('nav-patrol', 'patrol-panel');
    await go('nav-map', 'cases-map');
    // Let Leaflet's first canvas redraw run before the map is unmounted: happy-dom does not cancel
    // the pending one on removal, and it would then clear a canvas that is gone.
    await sleep(150);
    await go('nav-sync', 'sync-pending');
    await go('nav-my_reports', '[data-testid="case-list"][data-queue="my_reports"]');
    expect(q('home-report')).toBeNull();
    await go('nav-my_tasks', '[data-testid="case-list"][data-queue="my_tasks"]');
    expect(q('home-report')).not.toBeNull();
    // The home button opens the same editor as the bar's 新建上报, and the bar says so.
    q('home-report')!.click();
    await until(() => q('editor-report'));
    expect(current()).toEqual(['new-report']);
  });

  it('gives a department user (field mode, not an inspector) 我的任务, 地图 and 同步', async () => {
    const b = new FakeBackend({ mode: 'field', cases: 30, role: 'department' });
    mount(b);
    await until(() => q('nav-count-my_tasks'));
    expect(navButtons().map((x) => [x.dataset.testid, x.querySelector('.tab-label')!.textContent]))
      .toEqual([['nav-my_tasks', '我的任务'], ['nav-map', '地图'], ['nav-sync', '同步']]);
    expect(q('home-report')).toBeNull();
    expect(current()).toEqual(['nav-my_tasks']);
  });

  it('lifts the toasts above the bar in field mode only', async () => {
    const field = new FakeBackend({ mode: 'field', cases: 3 });
    mount(field);
    await until(() => q('field-nav'));
    expect(document.querySelector('.toasts')!.classList.contains('toasts-field')).toBe(true);
    render(null, root); root.remove();
    mount(new FakeBackend({ mode: 'supervisor', cases: 3 }));
    await until(() => q('nav-all'));
    expect(document.querySelector('.toasts')!.classList.contains('toasts-field')).toBe(false);
  });
});

describe('field navigation layout (styles.css)', () => {
  const css = readFileSync(join(process.cwd(), 'src/styles.css'), 'utf8');
  /** The body of the first block opened by `head` (brace-matched). */
  function block(head: string): string {
    const at = css.indexOf(head);
    expect(at, head).toBeGreaterThanOrEqual(0);
    let depth = 0;
    for (let i = css.indexOf('{', at); i < css.length; i++) {
      if (css[i] === '{') depth++;
      else if (css[i] === '}' && --depth === 0) return css.slice(css.indexOf('{', at) + 1, i);
    }
    throw new Error(`unclosed ${head}`);
  }
  const rule = (within: string, selector: string) => {
    const m = within.match(new RegExp(`(^|\\n|\\})\\s*${selector.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s*\\{([^}]*)\\}`));
    expect(m, selector).not.toBeNull();
    return m![2];
  };
  const tablet = block('@media (max-width: 1280px), (pointer: coarse)');

  it('moves the nav to the bottom on a tablet (≤ 1280 px wide) or a touch screen, with safe-area padding', () => {
    const nav = rule(tablet, '.field-nav');
    expect(nav).toMatch(/order:\s*1/);
    expect(nav).toContain('env(safe-area-inset-bottom)');
    expect(nav).toMatch(/border-top/);
    // Large touch targets: each item at least 48 px tall, the items sharing the width.
    const tab = rule(tablet, '.field-nav .tab');
    const h = Number(tab.match(/min-height:\s*(\d+)px/)![1]);
    expect(h).toBeGreaterThanOrEqual(48);
    expect(tab).toMatch(/flex:\s*1 1 0/);
    expect(tab).toMatch(/flex-direction:\s*column/);
    // The content above the bar scrolls on its own and ends with room to spare; toasts sit above it.
    expect(rule(tablet, '.field-main.clear-bottom-nav')).toMatch(/padding-bottom:/);
    expect(rule(tablet, '.toasts.toasts-field')).toMatch(/bottom:\s*calc\(var\(--field-nav-h\).*env\(safe-area-inset-bottom\)/);
  });

  it('keeps the tabs along the top on a desktop, the content scrolling under them', () => {
    const outside = css.replace(tablet, '');
    expect(rule(outside, '.tabs')).not.toMatch(/order:/);
    expect(rule(outside, '.field-app')).toMatch(/flex-direction:\s*column/);
    expect(rule(outside, '.field-main')).toMatch(/overflow:\s*auto/);
    expect(outside).not.toMatch(/\.field-nav[^{]*\{[^}]*position:\s*fixed/);
  });
});
