// Small shared pieces: light and sync badges, form field wrapper, modal.
import type { ComponentChildren } from 'preact';
import type { Light, SyncState } from '../backend/types';
import { t, tk } from '../i18n';

export function LightBadge({ light, label }: { light: Light | null; label?: string | null }) {
  const cls = `light light-${light ?? 'none'}`;
  return (
    <span class={cls} data-light={light ?? 'none'} title={tk(`light.${light ?? 'none'}`)}>
      <span class="light-dot" aria-hidden="true" />
      {label ?? tk(`light.${light ?? 'none'}`)}
    </span>
  );
}

export function SyncBadge({ state }: { state: SyncState }) {
  return <span class={`sync-badge sync-${state}`} data-sync={state}>{tk(`sync.state.${state}`)}</span>;
}

export function CountDots({ green, yellow, red }: { green: number; yellow: number; red: number }) {
  return (
    <span class="count-dots">
      {red > 0 && <span class="cd cd-red" title={t('light.red')}>{red}</span>}
      {yellow > 0 && <span class="cd cd-yellow" title={t('light.yellow')}>{yellow}</span>}
      {green > 0 && <span class="cd cd-green" title={t('light.green')}>{green}</span>}
    </span>
  );
}

export function Field({ label, error, children, hint, testid }: {
  label: string; error?: string | null; hint?: string | null; children: ComponentChildren; testid?: string;
}) {
  return (
    <div class={`field${error ? ' field-invalid' : ''}`} data-testid={testid}>
      <div class="field-label">{label}</div>
      {children}
      {hint && !error && <div class="field-hint">{hint}</div>}
      {error && <div class="field-error" role="alert" data-testid={testid ? `${testid}-error` : undefined}>{error}</div>}
    </div>
  );
}

export function Modal({ title, onClose, children, testid }: {
  title: string; onClose(): void; children: ComponentChildren; testid?: string;
}) {
  return (
    <div class="modal-backdrop" onClick={(e) => { if (e.target === e.currentTarget) onClose(); }}>
      <div class="modal" role="dialog" aria-modal="true" aria-label={title} data-testid={testid}>
        <div class="modal-head">
          <h2>{title}</h2>
          <button class="btn btn-ghost" data-testid="modal-close" onClick={onClose} aria-label={t('common.close')}>✕</button>
        </div>
        <div class="modal-body">{children}</div>
      </div>
    </div>
  );
}

export function Spinner({ text }: { text?: string }) {
  return <div class="spinner" role="status"><span class="spinner-ring" aria-hidden="true" />{text ?? t('common.loading')}</div>;
}
