// The sync panel: pending counts, upload progress, last sync, last error, "sync now", and the
// changes the server refused (quarantined) with its reason.
import { useState } from 'preact/hooks';
import { formatDateTime } from '../logic/time';
import { formatBytes, uploadPercent } from '../logic/sync';
import { t, tk } from '../i18n';
import { useApp, useFail } from '../ui/context';
import { Spinner } from '../ui/common';

export function SyncPanel() {
  const { backend, sync, setSync, toast } = useApp();
  const fail = useFail();
  const [busy, setBusy] = useState(false);

  async function now() {
    setBusy(true);
    try { setSync(await backend.syncNow()); toast(t('sync.started'), 'info'); } catch (e) { fail(e); } finally { setBusy(false); }
  }
  async function dismiss(id: number) {
    try { setSync(await backend.quarantineDismiss(id)); } catch (e) { fail(e); }
  }
  async function resend(id: number) {
    try { setSync(await backend.quarantineResend(id)); toast(t('sync.resent'), 'info'); } catch (e) { fail(e); }
  }

  if (!sync) return <Spinner />;
  const pct = uploadPercent(sync);
  return (
    <section class="sync-panel" data-testid="sync-panel" data-running={sync.running ? 'true' : 'false'}>
      <h1>{t('sync.title')}</h1>
      <div class="sync-grid">
        <div class="stat"><div class="stat-label">{t('sync.online')}</div>
          <div class={`stat-value online-${String(sync.online)}`} data-testid="sync-online" data-online={String(sync.online)}>{tk(`sync.online.${String(sync.online)}`)}</div></div>
        <div class="stat" data-testid="sync-pending" data-cases={sync.pendingCases} data-photos={sync.pendingPhotos}>
          <div class="stat-label">{t('sync.pendingCases')} / {t('sync.pendingPhotos')}</div>
          <div class="stat-value">{sync.pendingCases} / {sync.pendingPhotos}</div></div>
        <div class="stat"><div class="stat-label">{t('sync.last')}</div>
          <div class="stat-value" data-testid="sync-last" data-at={sync.lastSyncAt ?? ''}>{sync.lastSyncAt ? formatDateTime(sync.lastSyncAt) : t('sync.never')}</div></div>
      </div>
      {sync.upload && (
        <div class="upload" data-testid="sync-upload">
          <div>{t('sync.upload')}：{formatBytes(sync.upload.sent)} / {formatBytes(sync.upload.total)}（{pct ?? 0}%）</div>
          <progress max={100} value={pct ?? 0} />
        </div>
      )}
      {(sync.pendingPatrol ?? 0) > 0 && <p class="muted" data-testid="sync-pending-patrol" data-count={sync.pendingPatrol}>{t('sync.pendingPatrol')}：{sync.pendingPatrol}</p>}
      {(sync.refusedPatrol ?? 0) > 0 && <p class="patrol-refused" data-testid="sync-refused-patrol" data-count={sync.refusedPatrol}>{t('sync.refusedPatrol')}：{sync.refusedPatrol}</p>}
      {(sync.pendingContacts ?? 0) > 0 && <p class="muted" data-testid="sync-pending-contacts" data-count={sync.pendingContacts}>{t('sync.pendingContacts')}：{sync.pendingContacts}</p>}
      {sync.lastError && (sync.lastError.code === 'network'
        ? <div class="notice-box" data-testid="sync-error" data-code={sync.lastError.code}>{t('sync.offlineBox', { message: sync.lastError.message })}</div>
        : <div class="error-box" data-testid="sync-error" data-code={sync.lastError.code}>{t('sync.lastError')}：{sync.lastError.message}</div>)}
      {(sync.pendingCases > 0 || sync.pendingPhotos > 0) && sync.online !== true && sync.lastError?.code !== 'network' && <p class="muted">{t('sync.offlineNote')}</p>}
      <button class="btn btn-primary btn-big" data-testid="sync-now" disabled={busy || sync.running} onClick={now}>
        {sync.running ? t('sync.summary.running') : t('sync.now')}
      </button>
      <h2>{t('sync.quarantine')}</h2>
      {sync.quarantines.length === 0 ? <p class="muted" data-testid="quarantine-empty">{t('sync.quarantineEmpty')}</p> : (
        <>
          <p class="muted">{t('sync.quarantineHint')}</p>
          <ul class="quarantine" data-testid="quarantine-list">
            {sync.quarantines.map((q) => (
              <li key={q.id} data-testid={`quarantine-${q.id}`} data-case-id={q.caseId} data-code={q.code}>
                <div><strong class="mono">{q.caseId}</strong> <span class="muted">{formatDateTime(q.at)} · {q.code}</span></div>
                <div>{q.reason}</div>
                <div class="actions">
                  <button class="btn btn-primary" data-testid={`quarantine-resend-${q.id}`} onClick={() => resend(q.id)}>{t('sync.resend')}</button>
                  <button class="btn" data-testid={`quarantine-dismiss-${q.id}`} onClick={() => dismiss(q.id)}>{t('sync.dismiss')}</button>
                </div>
              </li>
            ))}
          </ul>
        </>
      )}
    </section>
  );
}
