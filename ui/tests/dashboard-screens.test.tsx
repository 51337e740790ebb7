// @vitest-environment happy-dom
// The 综合看板's drill-down against the in-memory test backend: a listed case opens through its
// number (a real button), also when the case reaches this device only with a later sync round;
// the nav's queue counts follow sync rounds while the board is shown.
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

let root: HTMLElement;
afterEach(() => { render(null, root); root.remove(); });

/** The fake whose drill-down lists a case this device does not have yet (the app's store
 * answers `store_not_found` for it, as the real one does). */
class LateCase extends FakeBackend {
  async caseDetail(caseId: string) {
    if (!this.rows.some((r) => r.caseId === caseId)) throw { code: 'store_not_found', message: '本机数据出错：未找到案件' };
    return super.caseDetail(caseId);
  }
  async dashboardCases(): Promise<unknown> {
    return { total: 1, rows: [{ case_id: 'c-late', case_number: '620102-20261201-00099', status: 'in_progress', category: 'component:01001',
      cell: '620102001001001', department: 'dep-1', light: 'red', address: '东岗西路 9 号', description: null, created_at: this.now }] };
  }
}

describe('综合看板 drill-down', () => {
  it('opens a listed case through its number once a sync round brings it, and keeps the nav counts current', async () => {
    const b = new LateCase({ mode: 'supervisor', cases: 3, role: 'leader' });
    root = document.createElement('div');
    document.body.appendChild(root);
    render(<App backend={b} />, root);
    (await until(() => q('nav-dashboard'))).click();
    (await until(() => q('dash-fig-filed'))).click();
    const open = await until(() => q('dash-drill-open-c-late'));
    expect(open.tagName).toBe('BUTTON');
    expect(open.textContent).toBe('620102-20261201-00099');
    open.click();
    await until(() => q('case-missing'));
    // The next sync round brings the case: the detail looks it up again and opens it.
    b.rows.push({ ...b.rows[0], caseId: 'c-late', caseNumber: '620102-20261201-00099' });
    b.sync = { ...b.sync, running: false, lastSyncAt: b.now + 1_000 };
    b.emit();
    const detail = await until(() => document.querySelector<HTMLElement>('[data-testid="case-detail"][data-case-id="c-late"]'));
    expect(detail).toBeTruthy();
    expect(q('case-missing')).toBeNull();
    // Back on the board, the nav counts the new case (no queue list is shown there).
    (await until(() => q('nav-dashboard'))).click();
    await until(() => q('dash-fig-filed'));
    b.rows.push({ ...b.rows[0], caseId: 'c-later' });
    b.sync = { ...b.sync, lastSyncAt: b.now + 2_000 };
    b.emit();
    await until(() => q('nav-all')?.getAttribute('data-total') === '5');
  });
});
