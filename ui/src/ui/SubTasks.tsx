// 签收 and 下派 in the case detail (docs/departments.md): when the department signed for the
// dispatch, and each 下派 to a child unit with its deadline, 签收, result and on time or late.
import type { CaseDetail } from '../backend/types';
import { subTaskStage } from '../logic/subdispatch';
import { formatDateTime } from '../logic/time';
import { t } from '../i18n';

export function SubTaskPanel({ detail }: { detail: CaseDetail }) {
  const tasks = detail.subTasks ?? [];
  if (tasks.length === 0 && detail.signedAt == null) return null;
  return (
    <section class="card" data-testid="sub-tasks">
      <h2>{t('detail.subTasks')}</h2>
      {detail.signedAt != null && (
        <p class="muted" data-testid="dispatch-signed">
          {t('detail.signed', { who: detail.signedBy ?? '—', at: formatDateTime(detail.signedAt) })}
        </p>
      )}
      <ul class="supervision-list">
        {tasks.map((s) => (
          <li key={s.eventId} class={`supervision-item${s.mine ? ' sv-mine' : ''}`} data-testid="sub-task"
            data-stage={subTaskStage(s)} data-mine={s.mine ? 'true' : 'false'}>
            <div class="tl-head">
              <strong>{t('detail.subTask.to', { name: s.unitName ?? '—' })}</strong>
              <span class="tag">{t(subTaskStage(s))}</span>
              {s.onTime != null && <span class={`tag ${s.onTime ? 'tag-ontime' : 'tag-late'}`}>{t(s.onTime ? 'sub.ontime' : 'sub.late')}</span>}
              <span class="muted">{formatDateTime(s.at)}</span>
            </div>
            <div class="muted">
              {t('detail.subTask.by', { name: s.byName ?? '—' })} · {t('detail.subTask.due', { at: formatDateTime(s.dueAt) })}
            </div>
            {s.note && <div>{s.note}</div>}
            {s.signedAt != null && (
              <div class="muted" data-testid="sub-task-signed">{t('detail.signed', { who: s.signedBy ?? '—', at: formatDateTime(s.signedAt) })}</div>
            )}
            {s.result != null && (
              <div class="sv-answer" data-testid="sub-task-result">
                {t('detail.subTask.result', { at: s.reportedAt != null ? formatDateTime(s.reportedAt) : '—', text: s.result })}
              </div>
            )}
          </li>
        ))}
      </ul>
    </section>
  );
}
