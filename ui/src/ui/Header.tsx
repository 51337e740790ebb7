// The top bar: who is signed in, the honest sync state, sign-out.
import { formatShort } from '../logic/time';
import { pendingTotal, syncSummaryKey } from '../logic/sync';
import { t, tk } from '../i18n';
import { useApp } from './context';

export function Header({ onSync, onSignOut }: { onSync(): void; onSignOut(): void }) {
  const { session, sync } = useApp();
  const key = syncSummaryKey(sync);
  const pending = pendingTotal(sync);
  return (
    <header class="topbar">
      <div class="brand">{t('app.title')}{session?.tenantName ? ` · ${session.tenantName}` : ''}</div>
      <button class={`sync-chip ${key.replace(/\./g, '-')}`} data-testid="sync-chip" data-summary={key} onClick={onSync}>
        <span class="sync-dot" aria-hidden="true" />{tk(key)}
        {pending > 0 && <span class="pill" data-testid="sync-chip-pending">{pending}</span>}
        {sync?.lastSyncAt ? <span class="muted small">{formatShort(sync.lastSyncAt, Date.now())}</span> : null}
      </button>
      <div class="who" data-testid="who" data-role={session?.role}>
        <strong>{session?.displayName}</strong>
        <span class="muted">{session?.roleLabel}{session?.departmentName ? ` · ${session.departmentName}` : ''}</span>
      </div>
      <button class="btn" data-testid="sign-out" onClick={onSignOut}>{t('header.signOut')}</button>
    </header>
  );
}
