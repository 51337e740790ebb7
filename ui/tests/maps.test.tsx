// @vitest-environment happy-dom
// The map screens over the in-memory test backend: place search (typing, debounce, keyboard,
// choosing fills pin/cell/address in the hotline form; the supervisor map moves there), nearby
// components of the chosen category on the new-report map and in its list, clustered case
// markers, the roll-up level, and the offline basemap (tiles drawn from a GDAL-made MVT tile).
import { afterEach, beforeAll, afterAll, describe, expect, it, vi } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { render } from 'preact';
import { App } from '../src/app';
import { setLocale } from '../src/i18n';
import { FakeBackend, fakeCellAt } from './fake-backend';
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
const qq = (sel: string) => [...document.querySelectorAll<HTMLElement>(sel)];
function type(el: HTMLElement, value: string) {
  (el as HTMLInputElement).value = value;
  el.dispatchEvent(new Event('input', { bubbles: true }));
}
function key(el: HTMLElement, k: string) {
  el.dispatchEvent(new KeyboardEvent('keydown', { key: k, bubbles: true, cancelable: true }));
}

// Leaflet needs a sized container to request tiles and place markers.
const sizes: [string, PropertyDescriptor | undefined][] = [];
beforeAll(() => {
  for (const k of ['clientWidth', 'clientHeight'] as const) {
    sizes.push([k, Object.getOwnPropertyDescriptor(HTMLElement.prototype, k)]);
    Object.defineProperty(HTMLElement.prototype, k, { configurable: true, get() { return k === 'clientWidth' ? 800 : 600; } });
  }
});
afterAll(() => { for (const [k, d] of sizes) if (d) Object.defineProperty(HTMLElement.prototype, k, d); });
// happy-dom has no 2D canvas: Leaflet's canvas renderer and the basemap draw on a recording one.
const realGetContext = HTMLCanvasElement.prototype.getContext;
beforeAll(() => { HTMLCanvasElement.prototype.getContext = (() => recordingContext().ctx) as never; });
// getContext stays the recording one after the last test: a redraw Leaflet scheduled before the
// last unmount can fire after this file's hooks (see patrol-screens.test.tsx).
afterAll(() => { void realGetContext; });

let root: HTMLElement;
function mount(b: FakeBackend) {
  root = document.createElement('div');
  document.body.appendChild(root);
  render(<App backend={b} />, root);
}
// Let Leaflet's pending canvas redraws run before the map is removed.
afterEach(async () => { await sleep(60); render(null, root); root.remove(); await sleep(20); vi.unstubAllGlobals(); vi.restoreAllMocks(); });

describe('place search in the hotline form', () => {
  it('searches once after typing stops, lists hits in rank order with kind labels, and ↓↑ Enter fills pin, cell and address', async () => {
    const b = new FakeBackend({ mode: 'supervisor', role: 'intake_operator', cases: 5 });
    mount(b);
    (await until(() => q('nav-hotline'))).click();
    const input = await until(() => q('place-search-input'));
    type(input, 'z'); type(input, 'zy'); type(input, 'zyl');
    await until(() => qq('[data-testid="place-search-result"]').length > 0);
    expect(b.placeQueries.map((x) => x.query)).toEqual(['zyl']);
    expect(b.placeQueries[0].limit).toBe(10);
    const items = qq('[data-testid="place-search-result"]');
    expect(items.map((li) => li.querySelector('.place-name')!.textContent)).toEqual(['张掖路', '张掖路步行街']);
    expect(items[0].querySelector('.place-kind')!.textContent).toBe('道路');
    expect(items[1].querySelector('.place-kind')!.textContent).toBe('地名');
    expect(items[0].textContent).toContain('城关区 · 东岗街道 · 主干道');
    key(input, 'ArrowDown'); key(input, 'ArrowDown');
    await until(() => qq('[data-testid="place-search-result"]')[1].getAttribute('aria-selected') === 'true');
    key(input, 'ArrowUp');
    await until(() => qq('[data-testid="place-search-result"]')[0].getAttribute('aria-selected') === 'true');
    key(input, 'Enter');
    await until(() => q('placement-cell')?.textContent === '620102001001009');
    expect(fakeCellAt(103.8335, 36.0605)).toBe('620102001001009');
    expect(q('placement-address')!.textContent).toBe('城关区东岗街道东岗社区张掖路附近');
    expect(q('place-search-results')).toBeNull();
    expect((input as HTMLInputElement).value).toBe('张掖路');
    // The draft holds the pin (a manual position) and, after locate, keeps the hit's cell and address.
    await until(() => b.draft?.placement?.community === '东岗社区');
    expect(b.draft!.position).toEqual({ lon: 103.8335, lat: 36.0605, accuracyM: null, source: 'manual' });
    expect(b.draft!.placement!.cell).toBe('620102001001009');
    expect(b.draft!.placement!.address).toBe('城关区东岗街道东岗社区张掖路附近');
    expect(q('position-info')!.textContent).toContain('103.8335');
  });

  it('matches Chinese text, says when nothing matches, Esc closes then clears, and a click chooses', async () => {
    const b = new FakeBackend({ mode: 'supervisor', role: 'intake_operator', cases: 5 });
    mount(b);
    (await until(() => q('nav-hotline'))).click();
    const input = await until(() => q('place-search-input'));
    type(input, '没有这个地方');
    await until(() => q('place-search-none'));
    expect(q('place-search-none')!.textContent).toBe('没有找到匹配的地点');
    type(input, '秦安');
    await until(() => qq('[data-testid="place-search-result"]').length === 2);
    expect(qq('[data-testid="place-search-result"]').map((li) => li.dataset.kind)).toEqual(['road', 'place']);
    key(input, 'Escape');
    await until(() => !q('place-search-results'));
    expect((input as HTMLInputElement).value).toBe('秦安');
    input.dispatchEvent(new Event('focus'));
    key(input, 'ArrowDown');
    await until(() => q('place-search-results'));
    key(input, 'Escape');
    await until(() => !q('place-search-results'));
    key(input, 'Escape');
    await until(() => (input as HTMLInputElement).value === '');
    type(input, 'qaxk');
    const hit = await until(() => qq('[data-testid="place-search-result"]')[0]);
    hit.click();
    await until(() => q('placement-cell')?.textContent === fakeCellAt(103.8349, 36.0631));
    expect(q('placement-address')!.textContent).toBe('城关区东岗街道东岗社区秦安巷口附近');
    await until(() => b.draft?.placement?.cell === fakeCellAt(103.8349, 36.0631));
  });

  it('an older answer never replaces a newer one', async () => {
    const b = new FakeBackend({ mode: 'supervisor', role: 'intake_operator', cases: 5 });
    const real = b.placeSearch.bind(b);
    b.placeSearch = async (x) => { const r = await real(x); if (x.query === 'dg') await sleep(400); return r; };
    mount(b);
    (await until(() => q('nav-hotline'))).click();
    const input = await until(() => q('place-search-input'));
    type(input, 'dg');
    await until(() => b.placeQueries.length === 1);
    type(input, 'zyl');
    await until(() => qq('[data-testid="place-search-result"]').length === 2);
    await sleep(500);
    expect(qq('[data-testid="place-search-result"]').map((li) => li.querySelector('.place-name')!.textContent)).toEqual(['张掖路', '张掖路步行街']);
  });
});

describe('supervisor map', () => {
  it('clusters case markers (every case once), shades by roll-up level, and moves to a search hit', async () => {
    const b = new FakeBackend({ mode: 'supervisor', cases: 40 });
    mount(b);
    (await until(() => q('nav-map'))).click();
    const map = await until(() => q('cases-map'));
    await until(() => qq('[data-testid="case-cluster"], [data-testid="case-marker"]').length > 0);
    const counted = () => qq('[data-testid="case-cluster"]').reduce((a, c) => a + Number(c.dataset.count), 0) + qq('[data-testid="case-marker"]').length;
    expect(counted()).toBe(40);
    const z0 = Number(map.dataset.zoom);
    await until(() => map.dataset.rollup === (z0 < 14 ? 'street' : z0 < 16 ? 'community' : 'cell'));
    // District zoom: clusters carry the count and the worst light; the roll-up is by street.
    for (let i = 0; i < 3; i++) document.querySelector<HTMLElement>('.leaflet-control-zoom-out')!.click();
    await until(() => Number(map.dataset.zoom) === z0 - 3 && qq('[data-testid="case-cluster"]').length > 0);
    expect(counted()).toBe(40);
    expect(qq('[data-testid="case-cluster"]').every((c) => ['red', 'yellow', 'green', 'none'].includes(c.dataset.light!))).toBe(true);
    await until(() => map.dataset.rollup === 'street');
    expect(q('map-legend')!.dataset.level).toBe('street');
    expect(qq('[data-testid="rollup-label"]').map((l) => l.dataset.unit)).toEqual(['东岗街道']);
    const input = q('place-search-input')!;
    type(input, 'dgxx');
    await until(() => qq('[data-testid="place-search-result"]').length === 1);
    key(input, 'Enter');
    const hit = await until(() => q('map-search-hit'));
    expect(hit.dataset.cell).toBe(fakeCellAt(103.8380, 36.0642));
    await until(() => map.dataset.zoom === '17' && map.dataset.rollup === 'cell' && q('map-legend')!.dataset.level === 'cell');
    // At zoom 17 every case is its own marker.
    await until(() => qq('[data-testid="case-cluster"]').length === 0);
    expect(b.placeQueries[0].lon).not.toBeNull();
  });
});

describe('new report: nearby components of the chosen category', () => {
  it('lists and marks only the category\'s components; a map marker chooses one; “show all” lists every one', async () => {
    const b = new FakeBackend({ mode: 'field', cases: 5 });
    mount(b);
    (await until(() => q('new-report'))).click();
    (await until(() => q('get-position'))).click();
    await until(() => q('placement'));
    (await until(() => q('category-kind-component'))).click();
    type(q('category-search')!, '井盖');
    (await until(() => q('category-option-01101'))).click();
    await until(() => q('components-field'));
    expect(q('components-field')!.textContent).toContain('附近的“污水井盖”');
    expect(qq('[data-testid^="component-option-"]').map((e) => e.dataset.testid)).toEqual(['component-option-62010201101000001', 'component-option-62010201101000002']);
    const markers = await until(() => { const m = qq('[data-testid="component-marker"]'); return m.length ? m : null; });
    expect(markers.map((m) => m.dataset.componentId)).toEqual(['62010201101000001', '62010201101000002']);
    // Tapping the marker's 44 px target chooses the component.
    markers[1].parentElement!.dispatchEvent(new MouseEvent('click', { bubbles: true }));
    await until(() => b.draft?.componentId === '62010201101000002');
    await until(() => q('component-option-62010201101000002')!.getAttribute('aria-pressed') === 'true');
    expect(qq('[data-testid="component-marker"]').find((m) => m.dataset.selected === 'true')!.dataset.componentId).toBe('62010201101000002');
    q('components-show-all')!.click();
    await until(() => qq('[data-testid^="component-option-"]').length === 3);
    expect(q('component-option-62010204001000007')).not.toBeNull();
  });
});

describe('offline basemap', () => {
  const tileBytes = readFileSync(join(process.cwd(), 'tests/fixtures/basemap-16-51670-25721.pbf'));

  it('without a package the maps draw no basemap and no error', async () => {
    const b = new FakeBackend({ mode: 'supervisor', cases: 3 });
    const fetchSpy = vi.fn();
    vi.stubGlobal('fetch', fetchSpy);
    mount(b);
    (await until(() => q('nav-map'))).click();
    await until(() => q('cases-map'));
    await sleep(100);
    expect(q('basemap-layer')).toBeNull();
    expect(q('cases-map')!.hasAttribute('data-tiles-drawn')).toBe(false);
    expect(fetchSpy).not.toHaveBeenCalled();
    expect(qq('[data-testid="toast"]').filter((x) => x.dataset.kind === 'error')).toEqual([]);
  });

  it('a failing basemap_info is the same as no package (no error shown)', async () => {
    const b = new FakeBackend({ mode: 'field', cases: 3 });
    b.basemapInfo = async () => { throw { code: 'internal', message: '底图读取失败' }; };
    mount(b);
    (await until(() => q('nav-map'))).click();
    await until(() => q('cases-map'));
    await sleep(100);
    expect(q('basemap-layer')).toBeNull();
    expect(qq('[data-testid="toast"]')).toEqual([]);
  });

  async function detailWithTiles(answer: (u: string) => Response, online?: { url: string; attribution: string }) {
    const b = new FakeBackend({ mode: 'supervisor', cases: 3, basemapUrl: 'basemap://localhost/{z}/{x}/{y}.pbf', onlineLayer: online });
    const urls: string[] = [];
    vi.stubGlobal('fetch', vi.fn(async (u: string) => { urls.push(u); return answer(u); }));
    mount(b);
    (await until(() => qq('[data-testid^="case-row-"]')[0])).click();
    const map = await until(() => q('detail-map'));
    const layer = await until(() => map.querySelector<HTMLElement>('[data-testid="basemap-layer"]'));
    await until(() => map.dataset.zoom === '17' && urls.some((u) => u.includes('/17/')));
    await sleep(150);
    return { map, layer, urls };
  }

  it('with a package the detail map fetches tiles from the template and counts every tile it painted', async () => {
    const { map, layer, urls } = await detailWithTiles(() => new Response(tileBytes, { status: 200, headers: { 'Content-Type': 'application/x-protobuf' } }));
    expect(urls.every((u) => /^basemap:\/\/localhost\/\d+\/\d+\/\d+\.pbf$/.test(u))).toBe(true);
    expect(map.dataset.basemap).toBe('f'.repeat(64));
    // Every zoom-17 tile (the case pin opens at 17) had data, so each one counts once.
    const z17 = new Set(urls.filter((u) => u.includes('/17/'))).size;
    expect(z17).toBeGreaterThan(0);
    expect(Number(layer.dataset.tilesDrawn)).toBeGreaterThanOrEqual(z17);
    expect(map.dataset.tilesDrawn).toBe(layer.dataset.tilesDrawn);
  });

  it('empty tiles (204) are not counted', async () => {
    const { map, layer, urls } = await detailWithTiles(() => new Response(null, { status: 204 }));
    expect(urls.length).toBeGreaterThan(0);
    expect(layer.dataset.tilesDrawn).toBe('0');
    expect(map.hasAttribute('data-tiles-drawn')).toBe(false);
  });

  it('an online layer, when configured, lies beneath the offline basemap, which then paints no background', async () => {
    const bg: unknown[] = [];
    const real = HTMLCanvasElement.prototype.getContext;
    HTMLCanvasElement.prototype.getContext = (() => {
      const r = recordingContext();
      bg.push(r.ops);
      return r.ctx;
    }) as never;
    try {
      const { map, layer } = await detailWithTiles(() => new Response(tileBytes, { status: 200 }),
        { url: 'https://t0.tianditu.gov.cn/vec_w/wmts?tk=KEY&x={x}&y={y}&l={z}', attribution: '天地图' });
      const online = await until(() => map.querySelector<HTMLElement>('[data-testid="online-layer"]'));
      expect(Number(getComputedStyle(online).zIndex || online.style.zIndex)).toBeLessThan(Number(layer.style.zIndex));
      expect(Number(layer.dataset.tilesDrawn)).toBeGreaterThan(0);
      const ops = (bg as { op: string }[][]).flat();
      expect(ops.some((o) => o.op === 'fill')).toBe(true);
      expect(ops.some((o) => o.op === 'fillRect')).toBe(false);
      expect(map.textContent).toContain('天地图');
    } finally {
      HTMLCanvasElement.prototype.getContext = real;
    }
  });
});
