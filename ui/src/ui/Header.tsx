// The top bar: who is signed in, the honest sync state, sign-out.
import { formatShort } from '../logic/time';
import { pendingTotal, syncSummaryKey } from '../logic/sync';
import { t, tk } from '../i18n';
import { useState } from 'preact/hooks';
import { useApp } from './context';

const OUTDOOR_KEY = 'gridcase.outdoor';

/** 户外模式 (high contrast, larger text) as stored on this device; applied to <html>. */
export function applyOutdoor(on: boolean) {
  document.documentElement.classList.toggle('outdoor', on);
  try { localStorage.setItem(OUTDOOR_KEY, on ? '1' : '0'); } catch { /* private mode: not kept */ }
}

function storedOutdoor(): boolean {
  try { return localStorage.getItem(OUTDOOR_KEY) === '1'; } catch { return false; }
}

export function Header({ onSync, onSignOut }: { onSync(): void; onSignOut(): void }) {
  const { session, sync } = useApp();
  const key = syncSummaryKey(sync);
  const pending = pendingTotal(sync);
  const [outdoor, setOutdoor] = useState(() => { const on = storedOutdoor(); applyOutdoor(on); return on; });
  return (
    <header class="topbar">
      <div class="brand">{t('app.title')}{session?.tenantName ? ` · ${session.tenantName}` : ''}</div>
      <button class={`sync-chip ${key.replace(/\./g, '-')}`} data-testid="sync-chip" data-summary={key} onClick={onSync}>
        <span class="sync-dot" aria-hidden="true" />
        {/* Offline is normal in the field: said once, with what waits (离线 · 3 件待上传), amber. */}
        {key === 'sync.summary.offlinePending' ? t('sync.summary.offlineCount', { n: pending }) : tk(key)}
        {pending > 0 && key !== 'sync.summary.offlinePending' && <span class="pill" data-testid="sync-chip-pending">{pending}</span>}
        {sync?.lastSyncAt ? <span class="muted small">{formatShort(sync.lastSyncAt, Date.now())}</span> : null}
      </button>
      <div class="who" data-testid="who" data-role={session?.role}>
        <strong>{session?.displayName}</strong>
        <span class="muted">{session?.roleLabel}{session?.departmentName ? ` · ${session.departmentName}` : ''}</span>
      </div>
      <button class={`btn${outdoor ? ' btn-primary' : ''}`} data-testid="outdoor-toggle" aria-pressed={outdoor}
        title={t('header.outdoorOn')} onClick={() => { applyOutdoor(!outdoor); setOutdoor(!outdoor); }}>{t('header.outdoor')}</button>
      <button class="btn" data-testid="sign-out" onClick={onSignOut}>{t('header.signOut')}</button>
    </header>
  );
}
