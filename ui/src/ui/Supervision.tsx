// 督办 / 批示 / 催办 in the UI: the tags every list shows, the case detail's panel, and the
// alert centre (a badge with the count of what is new and the notices, from `alerts://new`).
import type { Alert, CaseRow, SupervisionItem } from '../backend/types';
import { supervisionTags } from '../logic/supervision';
import { formatDateTime } from '../logic/time';
import { t } from '../i18n';

export function SupervisionTags({ r }: { r: CaseRow }) {
  return <>{supervisionTags(r).map((x) => <span key={x.key} class={`tag ${x.cls}`} data-testid={`row-tag-${x.key}`}>{x.text}</span>)}</>;
}

export function SupervisionPanel({ items }: { items: SupervisionItem[] }) {
  if (items.length === 0) return null;
  return (
    <section class="card" data-testid="supervision">
      <h2>{t('detail.supervision')}</h2>
      <ul class="supervision-list">
        {items.map((s) => (
          <li key={s.eventId} class={`supervision-item sv-${s.kind}${s.awaitingMe ? ' sv-mine' : ''}`}
            data-testid={`supervision-${s.kind}`} data-awaiting-me={s.awaitingMe ? 'true' : 'false'} data-answered={s.answer ? 'true' : 'false'}>
            <div class="tl-head">
              <strong>{s.label}</strong>
              {s.awaitingMe && <span class="tag tag-awaiting">{t('detail.supervision.awaitingMe')}</span>}
              {s.kind === 'escalate' && !s.answer && s.addressee && !s.awaitingMe && <span class="tag">{t('detail.supervision.awaiting')}</span>}
              {s.onTime != null && <span class={`tag ${s.onTime ? 'tag-ontime' : 'tag-late'}`}>{t(s.onTime ? 'detail.supervision.ontime' : 'detail.supervision.late')}</span>}
              <span class="muted">{formatDateTime(s.at)}</span>
            </div>
            <div data-testid="supervision-text">{s.text}</div>
            <div class="muted">
              {t('detail.supervision.by', { name: s.byName ?? '—', role: s.byRole })}
              {s.addressee && <> · {t('detail.supervision.to', { name: s.addressee })}</>}
              {s.replyBy != null && <> · {t('detail.supervision.replyBy', { at: formatDateTime(s.replyBy) })}</>}
            </div>
            {s.answer && (
              <div class="sv-answer" data-testid="supervision-answer">
                {t(s.kind === 'instruct' ? 'detail.supervision.acknowledged' : 'detail.supervision.answered',
                  { who: s.answeredBy ?? '—', at: s.answeredAt != null ? formatDateTime(s.answeredAt) : '—', text: s.answer })}
              </div>
            )}
          </li>
        ))}
      </ul>
    </section>
  );
}

/** The badge and notices of new alerts; `onOpen` opens the case, `onDismiss(null)` clears all. */
export function AlertCenter({ alerts, onOpen, onDismiss }: {
  alerts: Alert[]; onOpen(a: Alert): void; onDismiss(key: string | null): void;
}) {
  if (alerts.length === 0) return null;
  return (
    <div class="alert-center" data-testid="alert-center" role="status" aria-live="assertive">
      <div class="alert-center-head">
        <span class="alert-badge" data-testid="alert-badge" data-count={alerts.length}>{alerts.length}</span>
        <strong>{t('alerts.count', { n: alerts.length })}</strong>
        <button class="btn btn-ghost" data-testid="alert-dismiss-all" onClick={() => onDismiss(null)}>{t('alerts.dismissAll')}</button>
      </div>
      {alerts.slice(0, 3).map((a) => (
        <div key={a.key} class={`alert-notice alert-${a.kind}`} data-testid="alert-notice" data-kind={a.kind} data-case-id={a.caseId} data-key={a.key}>
          <div><strong>{a.title}</strong> <span class="muted">{a.caseNumber ?? ''}</span></div>
          <div class="alert-body" data-testid="alert-body">{a.body}</div>
          <div class="alert-actions">
            <button class="btn btn-primary" data-testid="alert-open" onClick={() => onOpen(a)}>{t('alerts.open')}</button>
            <button class="btn" data-testid="alert-dismiss" onClick={() => onDismiss(a.key)}>{t('alerts.dismiss')}</button>
          </div>
        </div>
      ))}
    </div>
  );
}
