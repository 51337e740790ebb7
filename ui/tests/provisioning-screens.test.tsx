// @vitest-environment happy-dom
// 扫码配置 on the sign-in form (scan on a tablet, paste everywhere) and the desktop's 设备配置码
// screen, against the in-memory test backend.
import { afterEach, describe, expect, it } from 'vitest';
import { render } from 'preact';
import { App } from '../src/app';
import { setLocale } from '../src/i18n';
import { FakeBackend } from './fake-backend';
import type { AppInfo } from '../src/backend/types';

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
const value = (id: string) => (q(id) as HTMLInputElement).value;
function type(id: string, text: string) {
  const el = q(id) as HTMLInputElement;
  el.value = text;
  el.dispatchEvent(new Event('input', { bubbles: true }));
}

/** A signed-out tablet whose camera reads `scanned`. */
class Tablet extends FakeBackend {
  constructor(private readonly scanned: string) { super({ signedIn: false }); }
  async appInfo(): Promise<AppInfo> { return { ...(await super.appInfo()), platform: 'mobile', signInHint: null, serverUrl: null }; }
  async scanQr() { return this.scanned; }
}

let root: HTMLElement;
function mount(b: FakeBackend) {
  root = document.createElement('div');
  document.body.appendChild(root);
  render(<App backend={b} />, root);
}
afterEach(() => { render(null, root); root.remove(); });

describe('扫码配置', () => {
  it('a scanned code fills in the server address and the county, nothing else', async () => {
    mount(new Tablet('gridcase://enrol?v=1&server=https%3A%2F%2Fcg.lz.example.cn&tenant=620103&name=%E4%B8%83%E9%87%8C%E6%B2%B3%E5%8C%BA'));
    (await until(() => q('signin-scan'))).click();
    await until(() => q('signin-provision')?.dataset.ok === '1' && value('signin-serverUrl') === 'https://cg.lz.example.cn');
    expect(value('signin-tenant')).toBe('620103');
    expect(value('signin-username')).toBe('');
    expect(value('signin-password')).toBe('');
    expect(q('signin-provision')!.textContent).toContain('七里河区');
  });

  it('a pasted code that carries a password is refused with the reason, and fills in nothing', async () => {
    mount(new Tablet(''));
    (await until(() => q('signin-paste'))).click();
    await until(() => q('signin-paste-text'));
    type('signin-paste-text', 'gridcase://enrol?v=1&server=https%3A%2F%2Fcg.lz.example.cn&tenant=620103&password=secret');
    q('signin-paste-apply')!.click();
    await until(() => q('signin-provision')?.dataset.ok === '0');
    expect(q('signin-provision')!.textContent).toContain('不含账号或密码');
    expect(value('signin-serverUrl')).toBe('');
  });

  it('the desktop shows no scan button, only paste', async () => {
    mount(new FakeBackend({ signedIn: false }));
    await until(() => q('signin-paste'));
    expect(q('signin-scan')).toBeNull();
  });
});

describe('设备配置码', () => {
  it('a shift leader sees the code of this server and county, and a bad address gives no code', async () => {
    mount(new FakeBackend({ mode: 'supervisor', cases: 3 }));
    (await until(() => q('nav-enrol'))).click();
    const qr = await until(() => q('enrol-qr'));
    expect(Number(qr.dataset.modules)).toBeGreaterThanOrEqual(21);
    const text = (q('enrol-code') as HTMLTextAreaElement).value;
    expect(text).toBe('gridcase://enrol?v=1&server=http%3A%2F%2F127.0.0.1%3A8080&tenant=620102'
      + (value('enrol-name') ? `&name=${encodeURIComponent(value('enrol-name')).replace(/%20/g, '+')}` : ''));
    type('enrol-server', 'http://cg.lz.example.cn');
    await until(() => q('enrol-error'));
    expect(q('enrol-qr')).toBeNull();
    expect(q('enrol-error')!.textContent).toContain('https://');
  });

  it('an inspector has no 设备配置码', async () => {
    mount(new FakeBackend({ mode: 'supervisor', cases: 3, role: 'dispatcher' }));
    await until(() => q('nav-sync'));
    expect(q('nav-enrol')).toBeNull();
  });
});
