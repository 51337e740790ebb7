import { describe, expect, it } from 'vitest';
import {
  checkServerUrl, encodeProvisioning, MAX_CODE_CHARS, parseProvisioning, PROVISION_PREFIX, type Parsed,
} from '../src/logic/provisioning';
import { lookup } from '../src/i18n';
import { zh } from '../src/i18n/zh';
import { qrMatrix } from '../src/ui/QrCode';

const code = (q: string) => `${PROVISION_PREFIX}${q}`;
const err = (p: Parsed) => (p.ok ? null : p.error.code);

describe('provisioning codes', () => {
  it('reads a code made for a county and fills only the server address and the county', () => {
    const made = encodeProvisioning({ serverUrl: 'https://cg.lz.example.cn/gridcase/', tenant: '620102', tenantName: '城关区' });
    expect(made.ok).toBe(true);
    if (!made.ok) return;
    expect(made.code.startsWith(PROVISION_PREFIX)).toBe(true);
    expect(made.code).not.toMatch(/password|token|secret/i);
    const p = parseProvisioning(`  ${made.code}\n`);
    expect(p).toEqual({ ok: true, value: { serverUrl: 'https://cg.lz.example.cn/gridcase', tenant: '620102', tenantName: '城关区' } });
  });

  it('accepts http only for 127.0.0.1 (tests) and https otherwise', () => {
    expect(err(parseProvisioning(code('v=1&server=http%3A%2F%2F127.0.0.1%3A8080&tenant=620102')))).toBeNull();
    expect(err(parseProvisioning(code('v=1&server=http%3A%2F%2Fcg.example.cn&tenant=620102')))).toBe('server_scheme');
    expect(err(parseProvisioning(code('v=1&server=http%3A%2F%2Flocalhost%3A8080&tenant=620102')))).toBe('server_scheme');
    expect(err(parseProvisioning(code('v=1&server=ftp%3A%2F%2Fcg.example.cn&tenant=620102')))).toBe('server_scheme');
    expect(err(parseProvisioning(code('v=1&server=javascript%3Aalert(1)&tenant=620102')))).toBe('server_scheme');
  });

  it('refuses anything that is not ours, too long, of another version, or carries more than the address and the county', () => {
    expect(err(parseProvisioning(''))).toBe('empty');
    expect(err(parseProvisioning('https://cg.example.cn'))).toBe('not_ours');
    expect(err(parseProvisioning(code('v=2&server=https%3A%2F%2Fa.cn&tenant=620102')))).toBe('version');
    expect(err(parseProvisioning(code('server=https%3A%2F%2Fa.cn&tenant=620102')))).toBe('version');
    const withPassword = parseProvisioning(code('v=1&server=https%3A%2F%2Fa.cn&tenant=620102&password=x'));
    expect(withPassword).toEqual({ ok: false, error: { code: 'unknown_field', field: 'password' } });
    expect(err(parseProvisioning(code('v=1&server=https%3A%2F%2Fa.cn&tenant=620102&tenant=620103')))).toBe('duplicate_field');
    expect(err(parseProvisioning(code(`v=1&server=https%3A%2F%2Fa.cn&tenant=620102&name=${'区'.repeat(41)}`)))).toBe('name_invalid');
    expect(err(parseProvisioning(code(`v=1&tenant=620102&server=https%3A%2F%2F${'a'.repeat(MAX_CODE_CHARS)}.cn`)))).toBe('too_long');
  });

  it('checks the server address: no credentials, no query, bounded', () => {
    expect(err(parseProvisioning(code('v=1&tenant=620102')))).toBe('server_missing');
    expect(err(parseProvisioning(code('v=1&server=https%3A%2F%2Fu%3Ap%40a.cn&tenant=620102')))).toBe('server_credentials');
    expect(checkServerUrl('https://a.cn/?x=1')).toEqual({ ok: false, error: { code: 'server_query' } });
    expect(checkServerUrl('https://a.cn/#x')).toEqual({ ok: false, error: { code: 'server_query' } });
    expect(checkServerUrl('not a url')).toEqual({ ok: false, error: { code: 'server_invalid' } });
    expect(checkServerUrl(`https://${'a'.repeat(200)}.cn`)).toEqual({ ok: false, error: { code: 'server_too_long' } });
    expect(checkServerUrl(' HTTPS://CG.Example.cn:8443/ ')).toEqual({ ok: true, url: 'https://cg.example.cn:8443' });
  });

  it('checks the county code format', () => {
    expect(err(parseProvisioning(code('v=1&server=https%3A%2F%2Fa.cn')))).toBe('tenant_missing');
    for (const bad of ['62010', '6201020', '62010a', '062010', '６２０１０２']) {
      expect(err(parseProvisioning(code(`v=1&server=https%3A%2F%2Fa.cn&tenant=${encodeURIComponent(bad)}`))), bad).toBe('tenant_invalid');
    }
    expect(encodeProvisioning({ serverUrl: 'https://a.cn', tenant: '62-102' })).toEqual({ ok: false, error: { code: 'tenant_invalid' } });
  });

  it('has a zh-CN message for every refusal', () => {
    const codes = ['empty', 'too_long', 'not_ours', 'version', 'unknown_field', 'duplicate_field', 'server_missing', 'server_invalid',
      'server_too_long', 'server_scheme', 'server_credentials', 'server_query', 'tenant_missing', 'tenant_invalid', 'name_invalid'];
    for (const c of codes) expect(zh).toHaveProperty([`provision.err.${c}`]);
    expect(lookup('zh-CN', 'provision.err.unknown_field', { field: 'password' })).toContain('password');
  });

  it('draws a QR code whose size grows with the code', () => {
    const made = encodeProvisioning({ serverUrl: 'https://cg.lz.example.cn', tenant: '620102', tenantName: '城关区' });
    if (!made.ok) throw new Error('not made');
    const m = qrMatrix(made.code);
    expect(m.length).toBeGreaterThanOrEqual(21);
    expect((m.length - 17) % 4).toBe(0);
    // The finder pattern's corner is dark.
    expect(m[0][0]).toBe(true);
    expect(qrMatrix(`${made.code}&${'x'.repeat(200)}`).length).toBeGreaterThan(m.length);
  });
});
