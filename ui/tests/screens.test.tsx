// @vitest-environment happy-dom
// Smoke tests of the real screens against the in-memory test backend: they render, show the
// contract's data, and send the right commands.
import { afterEach, describe, expect, it } from 'vitest';
import { render } from 'preact';
import { App } from '../src/app';
import { setLocale } from '../src/i18n';
import { FakeBackend } from './fake-backend';

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
    if (Date.now() > end) throw new Error(`timed out; body: ${document.body.innerHTML.slice(0, 4000)}`);
    await sleep(10);
  }
}
const q = (id: string) => document.querySelector<HTMLElement>(`[data-testid="${id}"]`);
const qq = (sel: string) => document.querySelectorAll<HTMLElement>(sel);
function type(el: HTMLElement, value: string) {
  (el as HTMLInputElement).value = value;
  el.dispatchEvent(new Event('input', { bubbles: true }));
}

let root: HTMLElement;
function mount(b: FakeBackend) {
  root = document.createElement('div');
  document.body.appendChild(root);
  render(<App backend={b} />, root);
}
afterEach(() => { render(null, root); root.remove(); });

describe('sign-in', () => {
  it('pre-fills from the hint, validates, and shows the backend message', async () => {
    const b = new FakeBackend({ signedIn: false });
    mount(b);
    const url = await until(() => q('signin-serverUrl') as HTMLInputElement);
    expect(url.value).toBe('http://127.0.0.1:8080');
    expect((q('signin-tenant') as HTMLInputElement).value).toBe('620102');
    q('signin-submit')!.click();
    await until(() => document.body.textContent!.includes('请输入密码'));
    type(q('signin-password')!, 'wrong');
    q('signin-submit')!.click();
    expect((await until(() => q('signin-error'))).textContent).toBe('用户名或密码错误');
    type(q('signin-password')!, 'demo');
    q('signin-submit')!.click();
    await until(() => q('mode-field'));
  });
});

describe('supervisor mode', () => {
  it('shows queues with counts, pages 10,000 cases 100 at a time, and dispatches with the suggestion', async () => {
    const b = new FakeBackend({ mode: 'supervisor', cases: 10_000 });
    mount(b);
    await until(() => q('nav-all')?.dataset.total === '10000');
    expect(qq('[data-testid^="case-row-"]').length).toBe(100);
    expect(q('list-window')!.textContent).toBe('第 1–100 条，共 10000 条');
    q('page-next')!.click();
    await until(() => q('list-window')!.textContent === '第 101–200 条，共 10000 条');
    q('nav-dispatch')!.click();
    const row = await until(() => document.querySelector<HTMLElement>('[data-testid^="case-row-"][data-status="awaiting_dispatch"]'));
    row.click();
    (await until(() => q('action-dispatch'))).click();
    const dep = await until(() => q('field-department') as HTMLSelectElement);
    await until(() => dep.options.length > 1);
    expect(dep.value).toBe('dep-3');
    type(q('field-limitHours')!, '24');
    q('action-submit')!.click();
    await until(() => b.acts.length === 1);
    expect(b.acts[0].input).toEqual({ kind: 'dispatch', departmentId: 'dep-3', limitHours: 24 });
    expect(q('timeline')!.querySelector('[data-conflict="true"]')).not.toBeNull();
  });
  it('refuses to void without a reason', async () => {
    const b = new FakeBackend({ mode: 'supervisor', cases: 20 });
    mount(b);
    (await until(() => document.querySelector<HTMLElement>('[data-testid^="case-row-"]'))).click();
    (await until(() => q('action-void'))).click();
    (await until(() => q('action-submit'))).click();
    await until(() => document.body.textContent!.includes('请填写理由'));
    expect(b.acts).toEqual([]);
  });
  it('renders evaluation JSON as a table', async () => {
    const b = new FakeBackend({ mode: 'supervisor', cases: 5 });
    mount(b);
    (await until(() => q('nav-evaluation'))).click();
    (await until(() => q('eval-query'))).click();
    const tb = await until(() => q('eval-table-1'));
    expect(tb.querySelectorAll('tbody tr').length).toBe(2);
    expect(tb.textContent).toContain('东岗街道');
  });
});

describe('field mode', () => {
  it('saves the draft while typing, and shows inline errors on an incomplete submit', async () => {
    const b = new FakeBackend({ mode: 'field', cases: 30 });
    mount(b);
    (await until(() => q('new-report'))).click();
    type(await until(() => q('description')), '井盖缺失');
    await until(() => b.saves.length > 0);
    expect(b.draft?.description).toBe('井盖缺失');
    q('submit-report')!.click();
    await until(() => document.body.textContent!.includes('请至少添加一张照片'));
    expect(document.body.textContent).toContain('请选择案件类别');
  });
  it('restores a draft left by a crash', async () => {
    const b = new FakeBackend({ mode: 'field', cases: 3 });
    b.draft = { kind: 'self_handle', photos: [], afterPhotos: [], position: null, placement: null, category: null, componentId: null, description: '已清理', urgency: 'normal', caller: null, updatedAt: 1 };
    mount(b);
    const d = await until(() => q('description') as HTMLTextAreaElement);
    expect(d.value).toBe('已清理');
    expect(q('editor-self_handle')).not.toBeNull();
  });
  it('shows the sync panel honestly', async () => {
    const b = new FakeBackend({ mode: 'field', cases: 3 });
    mount(b);
    (await until(() => q('nav-sync'))).click();
    const p = await until(() => q('sync-pending'));
    expect(p.dataset.cases).toBe('2');
    expect(q('sync-online')!.dataset.online).toBe('false');
    expect(q('quarantine-7')!.textContent).toContain('该角色不能对此案件执行');
    q('quarantine-dismiss-7')!.click();
    await until(() => q('quarantine-empty'));
  });
});
