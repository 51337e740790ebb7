// The inspector's patrol screen (issue 16): 签到/签退 with the duty state and today's 巡查里程,
// the patrol data waiting or refused, and the 专项普查 tasks assigned to me — each cell (and its
// listed components) with "未发现问题" and "上报问题" (opens the report editor linked to the
// task). Everything works offline; the sync loop sends it after the cases.
import { useEffect, useState } from 'preact/hooks';
import type { PatrolStatus, Survey } from '../../backend/types';
import { t } from '../../i18n';
import { useApp, useFail } from '../../ui/context';
import { Spinner } from '../../ui/common';
import { formatDateTime } from '../../logic/time';
import { dutyLine, openTargets, patrolBacklog, surveyDraft, surveyOverdue, surveyProgress } from '../../logic/patrolField';

const STATE_KEY = { pending: 'patrol.survey.pending', clear: 'patrol.survey.clear', found: 'patrol.survey.found' } as const;

export function PatrolPanel({ onReport, refreshKey }: { onReport(): void; refreshKey?: number }) {
  const { backend, toast, confirm } = useApp();
  const fail = useFail();
  const [status, setStatus] = useState<PatrolStatus | null>(null);
  const [surveys, setSurveys] = useState<Survey[] | null>(null);
  const [busy, setBusy] = useState(false);

  async function load() {
    try {
      const s = await backend.patrolStatus();
      setStatus(s);
      if (s.enabled) setSurveys(await backend.mySurveys());
    } catch (e) { fail(e); }
  }
  useEffect(() => { void load(); }, [refreshKey]);
  // The duty figures move while walking: refresh every 15 s on this screen.
  useEffect(() => { const id = setInterval(() => { void backend.patrolStatus().then(setStatus, () => {}); }, 15_000); return () => clearInterval(id); }, []);

  async function sign(out: boolean) {
    if (out && !(await confirm(t('patrol.confirmOut')))) return;
    setBusy(true);
    try {
      setStatus(out ? await backend.patrolSignOut() : await backend.patrolSignIn());
      toast(t(out ? 'patrol.signedOut' : 'patrol.signedIn'), 'info');
    } catch (e) { fail(e); } finally { setBusy(false); }
  }
  async function clear(surveyId: string, cell: string, componentId: string | null) {
    try { setSurveys(await backend.surveyMark({ surveyId, cell, componentId })); toast(t('patrol.survey.marked'), 'info'); } catch (e) { fail(e); }
  }
  async function report(surveyId: string, cell: string, componentId: string | null) {
    try {
      const existing = await backend.draftGet();
      const hasContent = existing && (existing.photos.length > 0 || existing.description.trim() !== '' || existing.category);
      if (hasContent && !(await confirm(t('patrol.survey.replaceDraft'), true))) return;
      await backend.draftSave(surveyDraft(surveyId, cell, componentId, Date.now()));
      onReport();
    } catch (e) { fail(e); }
  }

  if (!status) return <Spinner />;
  if (!status.enabled) return <p class="muted">{t('patrol.notInspector')}</p>;
  const backlog = patrolBacklog(status);
  return (
    <section class="patrol-panel" data-testid="patrol-panel">
      <h1>{t('fieldPatrol.title')}</h1>
      <div class="stat" data-testid="patrol-duty" data-on-duty={status.onDuty ? 'true' : 'false'} data-points={status.points} data-metres={Math.round(status.metres)}>
        <div class="stat-value">{dutyLine(status)}</div>
        <div class="stat-label">
          {status.onDuty && status.since !== null && <span>{t('patrol.since', { time: formatDateTime(status.since) })} · </span>}
          {t('patrol.points', { n: String(status.points) })}
          {status.source === 'sim' && <span> · {t('patrol.source.sim')}</span>}
          {status.source === 'fixed' && <span> · {t('patrol.source.fixed')}</span>}
        </div>
      </div>
      <button class={`btn btn-big ${status.onDuty ? 'btn-danger' : 'btn-primary'}`} data-testid={status.onDuty ? 'patrol-sign-out' : 'patrol-sign-in'} disabled={busy} onClick={() => sign(status.onDuty)}>
        {status.onDuty ? t('patrol.signOut') : t('patrol.signIn')}
      </button>
      {status.source === 'none' && <p class="muted">{t('patrol.source.none')}</p>}
      <p class="muted" data-testid="patrol-backlog" data-pending={backlog.pending} data-refused={backlog.refused}>
        {backlog.pending > 0 ? t('patrol.pending', { n: String(backlog.pending) }) : t('patrol.allSent')}
        {backlog.refused > 0 && <span class="patrol-refused"> · {t('patrol.refused', { n: String(backlog.refused) })}</span>}
      </p>

      <h2>{t('patrol.survey.title')}</h2>
      {surveys === null && <Spinner />}
      {surveys !== null && surveys.length === 0 && <p class="muted" data-testid="survey-empty">{t('patrol.survey.none')}</p>}
      {surveys?.map((s) => (
        <article class="card survey" key={s.id} data-testid="survey" data-survey={s.id}>
          <h3>{s.title}</h3>
          <p class="muted">
            {s.categories.join('、')}{s.categories.length > 0 && ' · '}
            {t('patrol.survey.due', { time: formatDateTime(s.dueAt) })} · {surveyProgress(s)}
            {surveyOverdue(s, Date.now()) && <span class="patrol-refused"> · {t('patrol.survey.overdue')}</span>}
          </p>
          {(s.pendingMarks > 0 || s.refusedMarks > 0) && (
            <p class="muted" data-testid="survey-marks-backlog">
              {s.pendingMarks > 0 && t('patrol.survey.pendingMarks', { n: String(s.pendingMarks) })}
              {s.refusedMarks > 0 && <span class="patrol-refused"> {t('patrol.survey.refusedMarks', { n: String(s.refusedMarks) })}</span>}
            </p>
          )}
          <ul class="survey-cells">
            {s.cells.map((c) => (
              <li key={c.cell} data-testid="survey-cell" data-cell={c.cell} data-status={c.status} data-done={c.done ? 'true' : 'false'}>
                <div>
                  <strong>{c.cell}</strong>{c.community && <span class="muted"> {c.community}</span>}
                  <span class={`survey-state survey-${c.status}`}> {t(STATE_KEY[c.status])}{c.found > 0 && ` ${c.found}`}</span>
                </div>
                {c.components.length > 0 && (
                  <ul class="survey-components">
                    {c.components.map((k) => (
                      <li key={k.id} data-testid="survey-component" data-component={k.id} data-status={k.status}>
                        <span>{t('patrol.survey.component')} {k.id}</span>
                        <span class={`survey-state survey-${k.status}`}> {t(STATE_KEY[k.status])}</span>
                        {k.status === 'pending' && <button class="btn" data-testid="survey-clear" onClick={() => clear(s.id, c.cell, k.id)}>{t('patrol.survey.nothingFound')}</button>}
                        <button class="btn" data-testid="survey-report" onClick={() => report(s.id, c.cell, k.id)}>{t('patrol.survey.report')}</button>
                      </li>
                    ))}
                  </ul>
                )}
                {c.components.length === 0 && (
                  <div class="actions">
                    {openTargets(c).length > 0 && <button class="btn" data-testid="survey-clear" onClick={() => clear(s.id, c.cell, null)}>{t('patrol.survey.nothingFound')}</button>}
                    <button class="btn" data-testid="survey-report" onClick={() => report(s.id, c.cell, null)}>{t('patrol.survey.report')}</button>
                  </div>
                )}
              </li>
            ))}
          </ul>
        </article>
      ))}
    </section>
  );
}
