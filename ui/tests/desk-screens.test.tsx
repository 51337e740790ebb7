// @vitest-environment happy-dom
// The desk's screens (issue 15) against the in-memory test backend: batch 受理 with per-case
// results, the single queue badge, filters sent to the backend, keyboard moves.
import { afterEach, describe, expect, it } from 'vitest';
import { render } from 'preact';
import { App } from '../src/app';
import { setLocale } from '../src/i18n';
import { FakeBackend } from './fake-backend';
import type { CaseQuery } from '../src/backend/types';

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
const qq = (sel: string) => document.querySelectorAll<HTMLElement>(sel);

let root: HTMLElement;
function mount(b: FakeBackend) {
  root = document.createElement('div');
  document.body.appendChild(root);
  render(<App backend={b} />, root);
}
afterEach(() => { render(null, root); root.remove(); });

describe('the desk', () => {
  it('accepts a selection in one batch, skipping the cases the workflow does not allow, with reasons', async () => {
    const b = new FakeBackend({ mode: 'supervisor', cases: 40, role: 'intake_operator' });
    // One of the 待受理 cases is a hotline report that must be verified first.
    const reported = b.rows.filter((r) => r.status === 'reported');
    reported[1].verificationRequired = true;
    mount(b);
    (await until(() => q('nav-intake'))).click();
    await until(() => qq('[data-testid^="case-row-"][data-status="reported"]').length === reported.length);
    for (const r of reported.slice(0, 3)) q(`select-${r.caseId}`)!.click();
    const button = await until(() => q('batch-accept'));
    expect(button.dataset.eligible).toBe('2');
    expect(q('batch-bar')!.dataset.selected).toBe('3');
    button.click();
    await until(() => q('batch-form-accept'));
    expect(q(`batch-skip-${reported[1].caseId}`)!.textContent).toContain('须先派发核实');
    q('batch-submit')!.click();
    await until(() => q('batch-results'));
    expect(q(`batch-result-${reported[0].caseId}`)!.dataset.outcome).toBe('done');
    expect(q(`batch-result-${reported[2].caseId}`)!.dataset.outcome).toBe('done');
    expect(q(`batch-result-${reported[1].caseId}`)!.dataset.outcome).toBe('skipped');
    // Only the eligible cases were sent, each as a plain 受理.
    expect(b.acts.map((a) => [a.caseId, a.input.kind])).toEqual([[reported[0].caseId, 'accept'], [reported[2].caseId, 'accept']]);
  });

  it('shows one count per queue, coloured by its worst light', async () => {
    const b = new FakeBackend({ mode: 'supervisor', cases: 40 });
    mount(b);
    const counts = (await b.listCases({ queue: 'intake' })).counts.find((c) => c.queue === 'intake')!;
    const badge = await until(() => (q('nav-count-intake')?.textContent === String(counts.total) ? q('nav-count-intake') : null));
    expect(badge.textContent).toBe(String(counts.total));
    expect(badge.dataset.worst).toBe(counts.red ? 'red' : counts.yellow ? 'yellow' : counts.green ? 'green' : 'none');
    expect(q('nav-intake')!.querySelectorAll('.cd').length).toBe(0);
  });

  it('sends the sort and filters, refuses 12/01/2026, and moves with j/k and Enter', async () => {
    const b = new FakeBackend({ mode: 'supervisor', cases: 40 });
    const queries: CaseQuery[] = [];
    const list = b.listCases.bind(b);
    b.listCases = (query) => { queries.push(query); return list(query); };
    mount(b);
    (await until(() => q('sort-remaining'))).click();
    await until(() => queries.some((x) => x.sort === 'remaining'));
    const from = q('filter-from') as HTMLInputElement;
    from.value = '12/01/2026';
    from.dispatchEvent(new Event('input', { bubbles: true }));
    expect((await until(() => q('filter-day-error'))).textContent).toBe('日期格式为 2026-12-01');
    from.value = '2026-07-01';
    from.dispatchEvent(new Event('input', { bubbles: true }));
    await until(() => queries.some((x) => x.from === Date.UTC(2026, 5, 30, 16)));
    expect(q('list-elapsed')).toBeNull();
    const rows = [...qq('[data-testid^="case-row-"]')];
    document.dispatchEvent(new KeyboardEvent('keydown', { key: 'j', bubbles: true }));
    document.dispatchEvent(new KeyboardEvent('keydown', { key: 'j', bubbles: true }));
    await until(() => rows[1].classList.contains('cursor'));
    document.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter', bubbles: true }));
    const second = qq('[data-testid^="case-row-"]')[1].dataset.testid!.replace('case-row-', '');
    await until(() => q('case-detail')?.dataset.caseId === second);
  });
});
