// Presentation of the sync state: what the user is told about pending work and the upload.
import type { SyncState, SyncStatus } from '../backend/types';

export function uploadPercent(s: SyncStatus | null): number | null {
  const u = s?.upload;
  if (!u || u.total <= 0) return null;
  return Math.min(100, Math.max(0, Math.round((u.sent / u.total) * 100)));
}

export function pendingTotal(s: SyncStatus | null): number {
  return s ? s.pendingCases + s.pendingPhotos : 0;
}

/** i18n key for a row's sync state. */
export function syncStateKey(s: SyncState): string {
  return `sync.state.${s}`;
}

/** i18n key of the one-line summary shown in the header. */
export function syncSummaryKey(s: SyncStatus | null): string {
  if (!s) return 'sync.summary.unknown';
  if (s.running) return 'sync.summary.running';
  if (s.online === false) return pendingTotal(s) ? 'sync.summary.offlinePending' : 'sync.summary.offline';
  if (s.lastError) return 'sync.summary.error';
  if (pendingTotal(s)) return 'sync.summary.pending';
  return s.lastSyncAt ? 'sync.summary.done' : 'sync.summary.never';
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}
