// Sign-in and device enrolment; pre-filled from app_info().signInHint.
import { useRef, useState } from 'preact/hooks';
import type { AppInfo, Session } from '../backend/types';
import { t } from '../i18n';
import { useApp } from '../ui/context';
import { Field } from '../ui/common';
import { toApiError } from '../backend';
import { parseProvisioning, type Parsed } from '../logic/provisioning';
import { tk } from '../i18n';

/** The message for a provisioning code that was read, in the UI's language. */
export function provisionMessage(p: Parsed): string {
  if (p.ok) return t('provision.applied', { name: p.value.tenantName ? `（${p.value.tenantName}）` : '' });
  return tk(`provision.err.${p.error.code}`, { field: p.error.field ?? '' });
}

export interface SignInForm { serverUrl: string; tenant: string; username: string; password: string; deviceName: string }
export type SignInErrors = Partial<Record<keyof SignInForm, string>>;

export function validateSignIn(f: SignInForm): SignInErrors {
  const e: SignInErrors = {};
  if (!/^https?:\/\/[^\s/]+/i.test(f.serverUrl.trim())) e.serverUrl = 'signin.err.serverUrl';
  if (!/^\d{6}$/.test(f.tenant.trim())) e.tenant = 'signin.err.tenant';
  if (!f.username.trim()) e.username = 'signin.err.username';
  if (!f.password) e.password = 'signin.err.password';
  if (!f.deviceName.trim()) e.deviceName = 'signin.err.deviceName';
  return e;
}

export function SignIn({ info, onSignedIn }: { info: AppInfo; onSignedIn(s: Session): void }) {
  const { backend } = useApp();
  const h = info.signInHint;
  const [f, setF] = useState<SignInForm>({
    serverUrl: h?.serverUrl ?? info.serverUrl ?? '', tenant: h?.tenant ?? '620102', username: h?.username ?? '',
    password: '', deviceName: `${t('signin.defaultDevice')}-${info.platform === 'mobile' ? 'Pad' : 'PC'}`,
  });
  // The latest values, also between an input event and the re-render it causes.
  const latest = useRef(f);
  const edit = (k: keyof SignInForm, value: string) => { latest.current = { ...latest.current, [k]: value }; setF(latest.current); };
  const [errors, setErrors] = useState<SignInErrors>({});
  const [message, setMessage] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  // 扫码配置: a scanned or pasted code fills in the server address and the county code.
  const [pasting, setPasting] = useState(false);
  const [pasted, setPasted] = useState('');
  // The text as typed, also between an input event and the re-render it causes.
  const pastedNow = useRef('');
  const [provision, setProvision] = useState<{ ok: boolean; text: string } | null>(null);
  const canScan = info.platform === 'mobile' && !!backend.scanQr;
  function applyCode(text: string) {
    const p = parseProvisioning(text);
    if (p.ok) {
      edit('serverUrl', p.value.serverUrl);
      edit('tenant', p.value.tenant);
      setErrors((e) => ({ ...e, serverUrl: undefined, tenant: undefined }));
      setPasting(false); setPasted(''); pastedNow.current = '';
    }
    setProvision({ ok: p.ok, text: provisionMessage(p) });
  }
  async function scan() {
    setProvision({ ok: true, text: t('provision.scanning') });
    try { applyCode(await backend.scanQr!()); } catch (x) {
      setProvision({ ok: false, text: t('provision.scanFailed', { message: toApiError(x).message }) });
    }
  }

  async function submit(e: Event) {
    e.preventDefault();
    const f = latest.current;
    const errs = validateSignIn(f);
    setErrors(errs);
    if (Object.keys(errs).length) return;
    setBusy(true); setMessage(null);
    try {
      onSignedIn(await backend.signIn({ ...f, serverUrl: f.serverUrl.trim(), tenant: f.tenant.trim(), username: f.username.trim(), deviceName: f.deviceName.trim() }));
    } catch (x) {
      setMessage(toApiError(x).message);
    } finally { setBusy(false); }
  }

  const input = (k: keyof SignInForm, type = 'text', extra: Record<string, unknown> = {}) => (
    <Field label={t(`signin.${k}`)} error={errors[k] ? t(errors[k] as never) : null}>
      <input class="input" type={type} data-testid={`signin-${k}`} value={f[k]} autoComplete="off" {...extra}
        onInput={(e) => edit(k, (e.currentTarget as HTMLInputElement).value)} />
    </Field>
  );

  return (
    <main class="signin">
      <form class="signin-card" onSubmit={submit} data-testid="signin-form">
        <h1>{t('app.title')}</h1>
        <p class="muted">{t('app.subtitle')} · v{info.version}</p>
        <div class="signin-provision">
          {canScan && <button type="button" class="btn btn-big" data-testid="signin-scan" onClick={scan}>{t('provision.scan')}</button>}
          <button type="button" class="btn" data-testid="signin-paste" aria-expanded={pasting} onClick={() => setPasting(!pasting)}>{t('provision.paste')}</button>
        </div>
        {pasting && (
          <div class="field" data-testid="signin-paste-box">
            <textarea class="input mono" rows={3} maxLength={2048} data-testid="signin-paste-text" value={pasted} placeholder="gridcase://enrol?…"
              onInput={(e) => { pastedNow.current = (e.currentTarget as HTMLTextAreaElement).value; setPasted(pastedNow.current); }} />
            <div class="field-hint">{t('provision.pasteHint')}</div>
            <button type="button" class="btn btn-primary" data-testid="signin-paste-apply" onClick={() => applyCode(pastedNow.current)}>{t('provision.apply')}</button>
          </div>
        )}
        {provision && <div class={provision.ok ? 'info-box' : 'error-box'} role={provision.ok ? 'status' : 'alert'}
          data-testid="signin-provision" data-ok={provision.ok ? '1' : '0'}>{provision.text}</div>}
        {input('serverUrl', 'url', { inputMode: 'url', placeholder: 'https://' })}
        {input('tenant', 'text', { inputMode: 'numeric', maxLength: 6 })}
        {input('username', 'text', { autoCapitalize: 'off' })}
        {input('password', 'password', { autoComplete: 'current-password' })}
        {input('deviceName')}
        {message && <div class="error-box" role="alert" data-testid="signin-error">{message}</div>}
        <button type="submit" class="btn btn-primary btn-big" data-testid="signin-submit" disabled={busy}>{busy ? t('signin.busy') : t('signin.submit')}</button>
        <p class="muted small">{t('signin.hint')}</p>
      </form>
    </main>
  );
}
