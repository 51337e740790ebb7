// Device provisioning codes (issue 15 item 5): the administrator's desktop shows a QR code that
// carries the server address and the county (tenant) code; a tablet scans it (扫码配置) or the
// inspector pastes its text, and the sign-in form is filled in.
//
// Invariants: a code carries the server address, the county code and optionally the county's
// name — never a user name, password, token or any other secret (unknown fields are refused,
// so a code that carries one does not fill anything in); the server address is https, or
// http://127.0.0.1 only (local tests); every length is bounded; parsing never throws.

/** How every code starts. */
export const PROVISION_PREFIX = 'gridcase://enrol?';
/** The only version. */
export const PROVISION_VERSION = '1';
/** At most this many characters in a whole code (a QR code of this size still scans easily). */
export const MAX_CODE_CHARS = 512;
/** At most this many characters in a server address. */
export const MAX_SERVER_CHARS = 200;
/** At most this many characters in the county's name. */
export const MAX_NAME_CHARS = 40;

/** What a code fills in on the sign-in form. */
export interface Provisioning {
  /** The server address, without a trailing slash. */
  serverUrl: string;
  /** The county code (6 digits). */
  tenant: string;
  /** The county's name, shown to the inspector (optional). */
  tenantName?: string;
}

/** Why a code or an address was refused; each has a zh-CN message `provision.err.<code>`. */
export type ProvisionErrorCode =
  | 'empty' | 'too_long' | 'not_ours' | 'version' | 'unknown_field' | 'duplicate_field'
  | 'server_missing' | 'server_invalid' | 'server_too_long' | 'server_scheme' | 'server_credentials'
  | 'server_query' | 'tenant_missing' | 'tenant_invalid' | 'name_invalid';

export interface ProvisionError { code: ProvisionErrorCode; field?: string }

export type Parsed = { ok: true; value: Provisioning } | { ok: false; error: ProvisionError };

const FIELDS = new Set(['v', 'server', 'tenant', 'name']);
// C0/C1 controls and the bidi overrides, which would disguise a name.
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

/** Checks a server address as a code may carry it; the normalised address or the reason. */
export function checkServerUrl(raw: string): { ok: true; url: string } | { ok: false; error: ProvisionError } {
  const s = raw.trim();
  const fail = (code: ProvisionErrorCode) => ({ ok: false as const, error: { code } });
  if (!s) return fail('server_missing');
  if (s.length > MAX_SERVER_CHARS) return fail('server_too_long');
  if (CONTROL.test(s) || /\s/.test(s)) return fail('server_invalid');
  let u: URL;
  try { u = new URL(s); } catch { return fail('server_invalid'); }
  if (u.username || u.password) return fail('server_credentials');
  const local = u.protocol === 'http:' && u.hostname === '127.0.0.1';
  if (u.protocol !== 'https:' && !local) return fail('server_scheme');
  if (!u.hostname) return fail('server_invalid');
  if (u.search || u.hash || s.includes('?') || s.includes('#')) return fail('server_query');
  const path = u.pathname.replace(/\/+$/, '');
  return { ok: true, url: `${u.protocol}//${u.host}${path}` };
}

/** Whether `s` is a county code: six digits, not starting with 0. */
export function isTenantCode(s: string): boolean {
  return /^[1-9]\d{5}$/.test(s);
}

/** Reads a scanned or pasted code. */
export function parseProvisioning(text: string): Parsed {
  const fail = (code: ProvisionErrorCode, field?: string): Parsed => ({ ok: false, error: field ? { code, field } : { code } });
  const s = (text ?? '').trim();
  if (!s) return fail('empty');
  if (s.length > MAX_CODE_CHARS) return fail('too_long');
  if (s.slice(0, PROVISION_PREFIX.length).toLowerCase() !== PROVISION_PREFIX) return fail('not_ours');
  const query = s.slice(PROVISION_PREFIX.length);
  if (query.includes('#')) return fail('not_ours');
  let params: URLSearchParams;
  try { params = new URLSearchParams(query); } catch { return fail('not_ours'); }
  const seen = new Set<string>();
  for (const [k] of params) {
    if (!FIELDS.has(k)) return fail('unknown_field', k.slice(0, 20));
    if (seen.has(k)) return fail('duplicate_field', k);
    seen.add(k);
  }
  const v = params.get('v');
  if (v !== PROVISION_VERSION) return fail('version', (v ?? '').slice(0, 10));
  const server = params.get('server');
  if (server === null) return fail('server_missing');
  const checked = checkServerUrl(server);
  if (!checked.ok) return { ok: false, error: checked.error };
  const tenant = params.get('tenant');
  if (tenant === null || tenant === '') return fail('tenant_missing');
  if (!isTenantCode(tenant)) return fail('tenant_invalid');
  const name = params.get('name');
  const value: Provisioning = { serverUrl: checked.url, tenant };
  if (name !== null) {
    const n = name.trim();
    if (!n || [...n].length > MAX_NAME_CHARS || CONTROL.test(n)) return fail('name_invalid');
    value.tenantName = n;
  }
  return { ok: true, value };
}

/** The code for `p`, or the reason it cannot be made (the same checks as reading it). */
export function encodeProvisioning(p: Provisioning): { ok: true; code: string } | { ok: false; error: ProvisionError } {
  const checked = checkServerUrl(p.serverUrl);
  if (!checked.ok) return checked;
  const tenant = p.tenant.trim();
  if (!tenant) return { ok: false, error: { code: 'tenant_missing' } };
  if (!isTenantCode(tenant)) return { ok: false, error: { code: 'tenant_invalid' } };
  const params = new URLSearchParams({ v: PROVISION_VERSION, server: checked.url, tenant });
  const name = p.tenantName?.trim();
  if (name) params.set('name', name);
  const code = `${PROVISION_PREFIX}${params.toString()}`;
  // Read back with the reader: what is shown can always be scanned.
  const back = parseProvisioning(code);
  if (!back.ok) return back;
  return { ok: true, code };
}
