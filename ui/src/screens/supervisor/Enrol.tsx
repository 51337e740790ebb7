// 设备配置码 (issue 15 item 5): for 值班长 and 管理员 on the desktop, a QR code with the server
// address and the county code (and its name) for enrolling tablets, and the same code as text to
// copy and send when a tablet cannot scan. It never holds a user name, password or key: the
// code is made by logic/provisioning.ts, which refuses anything else, and read back before it is
// shown. The address defaults to the one this desktop signed in to; the administrator may put
// the address the tablets reach instead (the same checks apply).
import { useEffect, useState } from 'preact/hooks';
import { encodeProvisioning } from '../../logic/provisioning';
import { t, tk } from '../../i18n';
import { useApp } from '../../ui/context';
import { Field } from '../../ui/common';
import { QrCode } from '../../ui/QrCode';

export function Enrol() {
  const { backend, session, toast } = useApp();
  const [server, setServer] = useState('');
  const [tenant, setTenant] = useState(session?.tenant ?? '');
  const [name, setName] = useState(session?.tenantName ?? '');
  useEffect(() => {
    backend.appInfo().then((i) => { if (i.serverUrl) setServer((s) => s || i.serverUrl!); }).catch(() => {});
  }, []);
  const made = encodeProvisioning({ serverUrl: server, tenant, tenantName: name });
  const err = made.ok ? null : tk(`provision.err.${made.error.code}`, { field: made.error.field ?? '' });
  const errFor = (codes: string[]) => (!made.ok && codes.some((c) => made.error.code.startsWith(c)) ? err : null);
  async function copy() {
    if (!made.ok) return;
    try { await navigator.clipboard.writeText(made.code); toast(t('enrol.copied'), 'success'); } catch { /* the text stays selectable */ }
  }
  return (
    <section class="pad enrol" data-testid="enrol">
      <h2>{t('enrol.title')}</h2>
      <p class="muted">{t('enrol.intro')}</p>
      <div class="enrol-grid">
        <div>
          <Field label={t('enrol.server')} error={errFor(['server'])}>
            <input class="input" type="url" data-testid="enrol-server" value={server} placeholder="https://"
              onInput={(e) => setServer((e.currentTarget as HTMLInputElement).value)} />
          </Field>
          <Field label={t('enrol.tenant')} error={errFor(['tenant'])}>
            <input class="input" data-testid="enrol-tenant" value={tenant} maxLength={6} inputMode="numeric"
              onInput={(e) => setTenant((e.currentTarget as HTMLInputElement).value)} />
          </Field>
          <Field label={t('enrol.tenantName')} error={errFor(['name'])}>
            <input class="input" data-testid="enrol-name" value={name} maxLength={40}
              onInput={(e) => setName((e.currentTarget as HTMLInputElement).value)} />
          </Field>
          {made.ok && (
            <Field label={t('enrol.code')}>
              <textarea class="input mono" readOnly rows={3} data-testid="enrol-code" value={made.code}
                onFocus={(e) => (e.currentTarget as HTMLTextAreaElement).select()} />
              <button type="button" class="btn" data-testid="enrol-copy" onClick={copy}>{t('enrol.copy')}</button>
            </Field>
          )}
        </div>
        <div class="enrol-qr">
          {made.ok
            ? <QrCode text={made.code} size={260} testId="enrol-qr" label={t('enrol.qrAlt', { server, tenant })} />
            : <div class="error-box" role="alert" data-testid="enrol-error">{err}</div>}
        </div>
      </div>
    </section>
  );
}
