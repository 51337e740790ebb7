// @vitest-environment happy-dom
// The supervisor's patrol screens (巡查考勤 with coverage map and playback, 排班, 专项普查) over the
// in-memory test backend: they render the contract's data, send the right calls, say so in
// Chinese when the period is empty or the server is out of reach, and gate by role.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { render } from 'preact';
import { App } from '../src/app';
import { setLocale } from '../src/i18n';
import { FakeBackend, FAKE_INSPECTORS } from './fake-backend';
import { recordingContext } from './recording-context';
import type { Role } from '../src/backend/types';

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
/** Types into a field and lets the screen re-render (as a person's next click would). */
async function type(el: HTMLElement, value: string) {
  (el as HTMLInputElement).value = value;
  el.dispatchEvent(new Event('input', { bubbles: true }));
  await sleep(15);
}

const sizes: [string, PropertyDescriptor | undefined][] = [];
const realGetContext = HTMLCanvasElement.prototype.getContext;
beforeAll(() => {
  for (const k of ['clientWidth', 'clientHeight'] as const) {
    sizes.push([k, Object.getOwnPropertyDescriptor(HTMLElement.prototype, k)]);
    Object.defineProperty(HTMLElement.prototype, k, { configurable: true, get() { return k === 'clientWidth' ? 800 : 600; } });
  }
  HTMLCanvasElement.prototype.getContext = (() => recordingContext().ctx) as never;
});
afterAll(() => {
  for (const [k, d] of sizes) if (d) Object.defineProperty(HTMLElement.prototype, k, d);
  // getContext stays the recording one: a canvas redraw Leaflet scheduled before the last
  // unmount can still fire after this hook (happy-dom's real getContext returns undefined, and
  // Leaflet's clearRect on it was an unhandled error that failed the run). Each test file has
  // its own environment, so nothing else sees it.
  void realGetContext;
});

let root: HTMLElement;
function mount(b: FakeBackend) {
  root = document.createElement('div');
  document.body.appendChild(root);
  render(<App backend={b} />, root);
}
afterEach(async () => { await sleep(60); render(null, root); root.remove(); await sleep(20); });

const [LI, ZHANG] = FAKE_INSPECTORS;

describe('patrol navigation', () => {
  it('巡查考勤, 排班 and 专项普查 only for shift leaders, leaders and admins', async () => {
    const navs = async (role: Role) => {
      const b = new FakeBackend({ mode: 'supervisor', cases: 3, role });
      mount(b);
      await until(() => q('nav-all'));
      const r = [!!q('nav-patrol'), !!q('nav-roster'), !!q('nav-surveys')];
      render(null, root); root.remove();
      return r;
    };
    expect(await navs('shift_leader')).toEqual([true, true, true]);
    expect(await navs('leader')).toEqual([true, true, true]);
    expect(await navs('admin')).toEqual([true, true, true]);
    expect(await navs('dispatcher')).toEqual([false, false, false]);
    expect(await navs('intake_operator')).toEqual([false, false, false]);
    root = document.createElement('div'); document.body.appendChild(root);
  });
});

describe('巡查考勤', () => {
  it('shows the figures per inspector, expands days and cells, and plays a day back', async () => {
    const b = new FakeBackend({ mode: 'supervisor', cases: 3 });
    mount(b);
    (await until(() => q('nav-patrol'))).click();
    const table = await until(() => q('patrol-table'));
    expect(qq('[data-testid^="patrol-row-"]')).toHaveLength(3);
    const li = q(`patrol-row-${LI.id}`)!;
    expect(li.textContent).toContain('李明');
    expect(li.textContent).toMatch(/\d+\.\d%/);
    expect(li.querySelector('[data-key="missed"]')!.textContent).toBe('1');
    expect(li.querySelector('[data-flag="outside"]')!.textContent).toContain('越界巡查');
    expect(q(`patrol-row-${ZHANG.id}`)!.querySelector('[data-flag="missing_sign_out"]')!.textContent).toContain('未签退');
    // Sort by 漏报: 李明 (1) first.
    q('patrol-sort-missed')!.click();
    await until(() => table.dataset.sort === 'missed');
    expect(qq('[data-testid^="patrol-row-"]')[0].dataset.testid).toBe(`patrol-row-${LI.id}`);
    // Expand: days, a day's cells, the 漏报 list.
    q(`patrol-open-${LI.id}`)!.click();
    const days = await until(() => q(`patrol-days-${LI.id}`));
    const first = days.querySelector<HTMLElement>('tbody tr')!;
    const day = first.dataset.testid!.slice(`patrol-day-${LI.id}-`.length);
    expect(first.dataset.flags).toContain('outside');
    q(`patrol-day-cells-${day}`)!.click();
    const cells = await until(() => q(`patrol-cells-${day}`));
    expect(cells.querySelectorAll('tbody tr').length).toBe(4);
    expect(q(`patrol-missed-${LI.id}`)!.textContent).toContain('62010220260700001');
    // The day's coverage layer.
    q(`patrol-day-coverage-${day}`)!.click();
    const card = await until(() => q('patrol-map-card'));
    expect(card.dataset.mode).toBe('coverage');
    const counts = JSON.parse((await until(() => q('patrol-map')?.getAttribute('data-coverage')))!);
    expect(counts.missed + counts.brief + counts.some + counts.long + counts.extra).toBe(4);
    // Playback: the track is asked for, the slider moves the marker's time.
    q(`patrol-day-track-${day}`)!.click();
    await until(() => q('patrol-map-card')?.dataset.mode === 'track');
    const slider = await until(() => q('playback-slider') as HTMLInputElement);
    expect(b.patrolCalls).toContain(`track ${LI.id} ${day}`);
    await until(() => q('patrol-map')!.dataset.trackPoints === '232');
    await type(slider, String(Number(slider.min) + 3600));
    await until(() => q('playback-clock')!.textContent === '09:00:00');
    q('playback-play')!.click();
    await until(() => Number(q('patrol-map')!.dataset.time) > Number(slider.min) + 3600);
    q('playback-play')!.click();
  });

  it('opens the 漏报 evidence at its segment', async () => {
    const b = new FakeBackend({ mode: 'supervisor', cases: 3 });
    mount(b);
    (await until(() => q('nav-patrol'))).click();
    (await until(() => q(`patrol-open-${LI.id}`))).click();
    (await until(() => q('patrol-evidence-0190a1b2-0001-7000-8000-000000000000'))).click();
    const focus = await until(() => q('patrol-focus'));
    expect(focus.textContent).toContain('62010220260700001');
    expect(focus.textContent).toContain('08:50:00–08:54:00');
    await until(() => q('playback-clock')?.textContent === '08:50:00');
  });

  it('says so when the period is empty or the server cannot be reached', async () => {
    const b = new FakeBackend({ mode: 'supervisor', cases: 3 });
    mount(b);
    (await until(() => q('nav-patrol'))).click();
    await until(() => q('patrol-table'));
    await type(q('patrol-from')!, '2027-02-01');
    await type(q('patrol-to')!, '2027-02-28');
    q('patrol-run')!.click();
    expect((await until(() => q('patrol-empty'))).textContent).toContain('2027-02-01 至 2027-02-28 没有排班，也没有巡查轨迹');
    await type(q('patrol-from')!, '2026-01-01');
    await type(q('patrol-to')!, '2026-12-31');
    q('patrol-run')!.click();
    await until(() => document.body.textContent!.includes('查询期间不能超过 92 天'));
    b.online = false;
    await type(q('patrol-from')!, '2026-12-01');
    q('patrol-run')!.click();
    const err = await until(() => q('patrol-error'));
    expect(err.dataset.code).toBe('network');
    expect(err.textContent).toBe('巡查考勤需要联网，当前无法连接服务器');
  });
});

describe('排班', () => {
  it('adds a shift with the inspector\'s usual cells, copies a day and saves the week', async () => {
    const b = new FakeBackend({ mode: 'supervisor', cases: 3 });
    mount(b);
    (await until(() => q('nav-roster'))).click();
    await until(() => q('roster-table'));
    const week = q('roster-week')!.textContent!;
    const monday = week.slice(0, 10); const tuesday = q('roster-table')!.querySelectorAll<HTMLElement>('th[data-day]')[1].dataset.day!;
    q(`roster-slot-${LI.id}-${monday}`)!.click();
    await until(() => q('roster-editor'));
    expect(qq('[data-testid^="shift-cell-"]:checked').length).toBe(3);
    await type(q('shift-start')!, '07:30');
    await type(q('shift-end')!, '16:00');
    q('shift-ok')!.click();
    await until(() => !q('roster-editor'));
    expect(q(`roster-slot-${LI.id}-${monday}`)!.textContent).toContain('07:30–16:00');
    q(`roster-copy-${tuesday}`)!.click();
    await until(() => q(`roster-slot-${LI.id}-${tuesday}`)!.textContent!.includes('07:30–16:00'));
    expect(q('roster-save')!.textContent).toContain('2 处修改');
    q('roster-save')!.click();
    await until(() => b.rosterSaves.length === 1);
    const saved = b.rosterSaves[0].shifts;
    expect(saved.map((s) => s.day)).toEqual([monday, tuesday]);
    expect(saved[0].cells).toEqual([...LI.cells].sort());
    expect(saved[1].start - saved[0].start).toBe(86_400_000);
    await until(() => (q('roster-save') as HTMLButtonElement).disabled);
  });

  it('refuses a shift without cells and is read-only for leaders', async () => {
    const b = new FakeBackend({ mode: 'supervisor', cases: 3 });
    mount(b);
    (await until(() => q('nav-roster'))).click();
    await until(() => q('roster-table'));
    const monday = q('roster-week')!.textContent!.slice(0, 10);
    q(`roster-slot-${ZHANG.id}-${monday}`)!.click();
    await until(() => q('roster-editor'));
    const boxes = qq('[data-testid^="shift-cell-"]:checked');
    expect(boxes).toHaveLength(2);
    for (const c of boxes) c.click();
    await sleep(20);
    expect(qq('[data-testid^="shift-cell-"]:checked'), document.querySelector('[data-testid="roster-editor"]')!.innerHTML.slice(0, 600)).toHaveLength(0);
    q('shift-ok')!.click();
    await until(() => document.body.textContent!.includes('请至少选择一个网格'));
    render(null, root); root.remove();
    mount(new FakeBackend({ mode: 'supervisor', cases: 3, role: 'leader' }));
    (await until(() => q('nav-roster'))).click();
    await until(() => q('roster-table'));
    expect(q('roster-save')).toBeNull();
    expect(document.body.textContent).toContain('修改排班请联系值班长或管理员');
  });
});

describe('专项普查', () => {
  it('creates a task from the form, shows its progress and exports it', async () => {
    const b = new FakeBackend({ mode: 'supervisor', cases: 3 });
    mount(b);
    (await until(() => q('nav-surveys'))).click();
    expect((await until(() => q('survey-empty'))).textContent).toBe('还没有专项普查任务');
    q('survey-new')!.click();
    await until(() => q('survey-form'));
    q('survey-submit')!.click();
    await until(() => document.body.textContent!.includes('请填写普查名称'));
    expect(document.body.textContent).toContain('请至少选择一个普查类别');
    expect(b.surveys).toHaveLength(0);
    await type(q('survey-title')!, '城关区井盖专项普查');
    q('category-kind-component')!.click();
    await type(q('category-search')!, '井盖');
    (await until(() => q('category-option-01101'))).click();
    await until(() => q('survey-categories')!.textContent!.includes('污水井盖'));
    q('survey-usual')!.click();
    await until(() => (q(`survey-cell-${LI.cells[0]}`) as HTMLInputElement | null)?.checked);
    (await until(() => q('survey-inventory'))).click();
    await until(() => document.body.textContent!.includes('已从部件库填入 4 个部件'));
    q('survey-submit')!.click();
    await until(() => q('survey-view'));
    expect(b.surveys).toHaveLength(1);
    const task = b.surveys[0];
    expect(task.title).toBe('城关区井盖专项普查');
    expect(task.categories).toEqual([{ kind: 'component', code: '01101' }]);
    expect(task.assignments[LI.id]).toEqual([...LI.cells].sort());
    expect(Object.keys(task.assignments)).toHaveLength(3);
    expect(Object.values(task.components).flat()).toHaveLength(4);
    expect(task.due_at).toBeGreaterThan(task.starts_at);
    expect(task.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7/);
    const summary = await until(() => q('survey-summary'));
    expect(summary.textContent).toContain('上报问题');
    await until(() => summary.textContent!.includes('普查类别：污水井盖 01101'));
    expect(q(`survey-inspector-${LI.id}`)!.textContent).toContain('李明');
    q('survey-export')!.click();
    await until(() => document.body.textContent!.includes('专项普查_城关区井盖专项普查_'));
    q('survey-back')!.click();
    await until(() => q(`survey-row-${task.id}`));
  });

  it('says so when offline', async () => {
    const b = new FakeBackend({ mode: 'supervisor', cases: 3 });
    b.online = false;
    mount(b);
    (await until(() => q('nav-surveys'))).click();
    expect((await until(() => q('survey-error'))).textContent).toBe('专项普查需要联网，当前无法连接服务器');
  });
});
