// @vitest-environment happy-dom
// Smoke tests of the real screens against the in-memory test backend: they render, show the
// contract's data, and send the right commands.
import { afterEach, describe, expect, it } from 'vitest';
import { render } from 'preact';
import { App } from '../src/app';
import { setLocale } from '../src/i18n';
import { FakeBackend, fakeEvaluation } from './fake-backend';
import { formatDate, monthRange } from '../src/logic/time';
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
    // The standard limit and its basis are shown; an override needs a unit and a reason.
    expect(q('standard-limit')!.textContent).toContain('2 小时（依据：立案处置结案标准·立案条件 0101-02');
    type(q('field-limitValue')!, '24');
    q('action-submit')!.click();
    await until(() => q('action-form-dispatch')!.textContent!.includes('请选择时限单位'));
    expect(q('action-form-dispatch')!.textContent).toContain('调整处置时限须说明理由');
    expect(b.acts.length).toBe(0);
    const unit = q('field-limitUnit') as HTMLSelectElement;
    unit.value = 'natural_hours';
    unit.dispatchEvent(new Event('change', { bubbles: true }));
    type(q('field-reason')!, '夜间须当晚处置');
    q('action-submit')!.click();
    await until(() => b.acts.length === 1);
    expect(b.acts[0].input).toEqual({ kind: 'dispatch', departmentId: 'dep-3', limitValue: 24, limitUnit: 'natural_hours', reason: '夜间须当晚处置' });
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
  it('shows the caller of a hotline case and a merge_from entry', async () => {
    const b = new FakeBackend({ mode: 'supervisor', cases: 5 });
    mount(b);
    (await until(() => q(`case-row-${b.rows[0].caseId}`))).click();
    expect((await until(() => q('detail-caller'))).textContent).toBe('张女士');
    expect(q('detail-caller-phone')!.textContent).toBe('13800138000');
    const merge = q('event-merge_from')!;
    expect(merge.querySelector('strong')!.textContent).toBe('合并重复案件');
    expect(merge.textContent).toContain('上报人：王强');
  });
});

describe('role gating (supervisor)', () => {
  const navs = async (role: Role) => {
    const b = new FakeBackend({ mode: 'supervisor', cases: 3, role });
    mount(b);
    await until(() => q('nav-all'));
    const r = { evaluation: !!q('nav-evaluation'), hotline: !!q('nav-hotline') };
    render(null, root); root.remove();
    return r;
  };
  it('综合评价 only for shift leaders, leaders and admins; 热线受理 only for intake operators and admins', async () => {
    expect(await navs('shift_leader')).toEqual({ evaluation: true, hotline: false });
    expect(await navs('leader')).toEqual({ evaluation: true, hotline: false });
    expect(await navs('admin')).toEqual({ evaluation: true, hotline: true });
    expect(await navs('intake_operator')).toEqual({ evaluation: false, hotline: true });
    expect(await navs('dispatcher')).toEqual({ evaluation: false, hotline: false });
    root = document.createElement('div'); document.body.appendChild(root); // for afterEach
  });
});

describe('evaluation', () => {
  const DAY = 86_400_000;
  const open = async (b: FakeBackend) => { mount(b); (await until(() => q('nav-evaluation'))).click(); };

  it('runs this month as 街道 on open and renders the table, weights, grades and the chart', async () => {
    const b = new FakeBackend({ mode: 'supervisor', cases: 5 });
    await open(b);
    const table = await until(() => q('eval-table'));
    const m = monthRange(Date.now());
    expect(b.evalCalls).toEqual([{ from: formatDate(m.from), to: formatDate(m.to - DAY), level: 'street' }]);
    expect(q('eval-heading')!.textContent).toBe(`城关区 街道评价（${formatDate(m.from)} 至 ${formatDate(m.to - DAY)}）`);
    const heads = [...table.querySelectorAll('th')].map((th) => th.textContent!.replace(/ [▲▼]$/, ''));
    expect(heads).toEqual(['名称', '上报数', '立案数分值（20%）', '监督举报率（10%）', '结案率（30%）', '按期结案率（40%）', '综合指标值', '等级']);
    // best first, the row without a score last
    expect([...table.querySelectorAll('tbody tr')].map((tr) => tr.getAttribute('data-testid')))
      .toEqual(['eval-row-620102002', 'eval-row-620102001', 'eval-row-620102003', 'eval-row-620102004']);
    const east = q('eval-row-620102001')!;
    expect(east.querySelector('[data-key="report_rate"]')!.textContent).toBe('5.0%');
    expect(east.querySelector('[data-key="report_rate"]')!.getAttribute('title')).toBe('1 / 20');
    expect(east.querySelector('[data-key="score"]')!.textContent).toBe('65.06');
    expect(east.dataset.grade).toBe('C');
    const none = q('eval-row-620102004')!;
    expect(none.querySelector('[data-key="close_rate"]')!.textContent).toBe('—');
    expect(none.querySelector('[data-key="score"]')!.textContent).toBe('—');
    const bars = [...q('eval-chart')!.querySelectorAll<HTMLElement>('[data-testid^="eval-bar-"]')];
    expect(bars.map((x) => x.dataset.testid)).toEqual(['eval-bar-620102002', 'eval-bar-620102001', 'eval-bar-620102003']);
    expect(bars[0].dataset.width).toBe('94.5');
    expect(document.body.textContent).toContain('另有 1 个对象没有综合指标值');
  });
  it('sorts by a clicked header, queries another level and exports it', async () => {
    const b = new FakeBackend({ mode: 'supervisor', cases: 5 });
    await open(b);
    await until(() => q('eval-table'));
    q('eval-sort-reported')!.click();
    await until(() => q('eval-table')!.dataset.sort === 'reported');
    expect(q('eval-table')!.querySelector('tbody tr')!.getAttribute('data-testid')).toBe('eval-row-620102003');
    const sel = q('eval-level') as HTMLSelectElement;
    sel.value = 'dispatcher';
    sel.dispatchEvent(new Event('change', { bubbles: true }));
    type(q('eval-from')!, '2026-03-01');
    type(q('eval-to')!, '2026-03-31');
    await sleep(0);
    q('eval-run')!.click();
    await until(() => b.evalCalls.length === 2);
    expect(b.evalCalls[1]).toEqual({ from: '2026-03-01', to: '2026-03-31', level: 'dispatcher' });
    await until(() => q('eval-heading')!.textContent!.includes('2026-03-01 至 2026-03-31'));
    expect(q('eval-table')!.dataset.sort).toBe('score');
    q('eval-export-csv')!.click();
    const toast = await until(() => document.querySelector<HTMLElement>('[data-testid="toast"][data-kind="success"]'));
    expect(toast.textContent).toContain('综合评价_dispatcher_2026-03-01_2026-03-31.csv');
    expect(b.evalCalls[2]).toEqual({ from: '2026-03-01', to: '2026-03-31', level: 'dispatcher', format: 'csv' });
  });
  it('publishes the period, then republishes only with a reason (issue 12, item 5)', async () => {
    const b = new FakeBackend({ mode: 'supervisor', cases: 5 });
    await open(b);
    await until(() => q('eval-live'));
    q('eval-publish')!.click();
    (await until(() => q('eval-publish-submit'))).click();
    await until(() => q('eval-published')?.dataset.version === '1');
    const m = monthRange(Date.now());
    expect(b.publishes).toEqual([{ from: formatDate(m.from), to: formatDate(m.to - DAY), reason: null }]);
    expect(q('eval-publish')!.textContent).toBe('重新发布');
    q('eval-publish')!.click();
    (await until(() => q('eval-publish-submit'))).click();
    await until(() => q('eval-publish-form')!.textContent!.includes('重新发布须填写原因'));
    expect(b.publishes).toHaveLength(1);
    type(q('eval-publish-reason')!, '3 月 31 日迟报案件补录');
    q('eval-publish-submit')!.click();
    await until(() => b.publishes.length === 2);
    await until(() => q('eval-published')?.dataset.version === '2');
    expect(q('eval-published-reason')!.textContent).toContain('3 月 31 日迟报案件补录');
  });
  it('offers 发布 to shift leaders and administrators only', async () => {
    for (const [role, shown] of [['shift_leader', true], ['admin', true], ['leader', false]] as const) {
      document.body.innerHTML = '';
      const b = new FakeBackend({ mode: 'supervisor', cases: 5, role });
      await open(b);
      await until(() => q('eval-table'));
      expect(!!q('eval-publish'), role).toBe(shown);
    }
  });
  it('refuses a reversed period without calling the backend', async () => {
    const b = new FakeBackend({ mode: 'supervisor', cases: 5 });
    await open(b);
    await until(() => q('eval-table'));
    type(q('eval-from')!, '2026-03-31');
    type(q('eval-to')!, '2026-03-01');
    await sleep(0);
    q('eval-run')!.click();
    await until(() => document.body.textContent!.includes('请输入正确的日期范围'));
    expect(b.evalCalls).toHaveLength(1);
  });
  it('shows the server\'s refusal and an empty period', async () => {
    const b = new FakeBackend({ mode: 'supervisor', cases: 5 });
    b.evaluation = async () => { throw { code: 'evaluation_forbidden', message: '综合评价仅对值班长、领导和管理员开放：当前岗位为派遣员' }; };
    await open(b);
    const err = await until(() => q('eval-error'));
    expect(err.dataset.code).toBe('evaluation_forbidden');
    expect(err.textContent).toBe('综合评价仅对值班长、领导和管理员开放：当前岗位为派遣员');
    expect(q('eval-table')).toBeNull();
    b.evaluation = async (f, t, l) => ({ ...fakeEvaluation(f, t, l), rows: [] });
    q('eval-run')!.click();
    await until(() => q('eval-empty'));
    expect(q('eval-error')).toBeNull();
    expect(q('eval-empty')!.textContent).toContain('该期间没有评价对象');
  });
  it('marks a published period with its version, publisher, reason and rules, and a live one as such', async () => {
    const b = new FakeBackend({ mode: 'supervisor', cases: 5 });
    await open(b);
    await until(() => q('eval-table'));
    expect(q('eval-live')!.textContent).toBe('实时计算（未发布）');
    expect(q('eval-published')).toBeNull();
    b.evaluation = async (f, t, l) => ({
      ...fakeEvaluation(f, t, l),
      published: {
        version: 2, published_at: 1775005200000, published_by: 'u-1', published_by_name: '张值班',
        published_by_role: 'shift_leader', reason: '补录迟到记录', case_count: 30, period_ended: true,
        rules_fingerprint: '0123456789abcdef'.repeat(4), figures_sha256: 'cd'.repeat(32),
      },
    });
    q('eval-run')!.click();
    const badge = await until(() => q('eval-published'));
    expect(badge.dataset.version).toBe('2');
    expect(badge.textContent).toContain('已发布');
    expect(badge.textContent).toContain('第 2 版 · 2026-04-01 09:00 · 张值班发布');
    expect(q('eval-published-reason')!.textContent).toBe('发布原因：补录迟到记录');
    expect(badge.textContent).toContain('规则指纹 0123456789abcdef');
    expect(q('eval-live')).toBeNull();
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
