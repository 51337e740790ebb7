// Case detail, shared by both modes: photos first and large (zoom viewer, capture time,
// warnings), the actions the backend says this user may take now, report, map, stage clocks
// (working-time countdowns), timeline (conflicts marked), duplicates with merge. On the desk
// (`onAdvance`), an action that moves the case on opens the next case, and action keys open
// their forms (docs/ui.md "The supervisor's desk").
import { useEffect, useState } from 'preact/hooks';
import type { ActionSpec, CaseDetail } from '../backend/types';
import { toApiError } from '../backend';
import type { ActionValues } from '../logic/actions';
import { formatDateTime } from '../logic/time';
import { clockText, keyCommand, reportedAtOf } from '../logic/desk';
import { formatAccuracy, formatLonLat } from '../logic/position';
import { eventLabel, isMergeEvent } from '../logic/timeline';
import { t, tk } from '../i18n';
import { useApp, useFail } from '../ui/context';
import { LightBadge, Spinner, SyncBadge } from '../ui/common';
import { MapView } from '../ui/MapView';
import { PhotoStrip } from '../ui/PhotoViewer';
import { ActionForm } from './ActionForm';
import { RowDeadline } from './CaseList';
import { SupervisionPanel, SupervisionTags } from '../ui/Supervision';
import { SubTaskPanel } from '../ui/SubTasks';

const KNOWN_SOURCES = ['gps', 'exif', 'manual', 'configured'];

/** 卫星定位 / 照片定位 / 地图选点 / 预设位置 for the stored source names; anything else as is. */
export function locationSourceLabel(source: string): string {
  return KNOWN_SOURCES.includes(source) ? tk(`report.source.${source}`) : source;
}


/** The case is not in this device's store: the app's store says `store_not_found`. */
export function isMissing(code: string): boolean {
  return code === 'not_found' || code === 'store_not_found';
}

export function CaseDetailView({ caseId, onBack, onChanged, onAdvance }: {
  caseId: string; onBack?(): void; onChanged?(): void;
  /** The desk: called after an action that moved the case on (its status changed). */
  onAdvance?(): void;
}) {
  const { backend, sync } = useApp();
  const fail = useFail();
  const [detail, setDetail] = useState<CaseDetail | null>(null);
  const [missing, setMissing] = useState<string | null>(null);
  const [form, setForm] = useState<{ spec: ActionSpec; preset?: Partial<ActionValues> } | null>(null);
  const [now, setNow] = useState(Date.now());

  async function load() {
    try {
      setDetail(await backend.caseDetail(caseId));
      setMissing(null);
    } catch (e) {
      const err = toApiError(e);
      // Not on this device (yet): the notice below says so, no error toast.
      if (isMissing(err.code)) setMissing(err.message);
      else fail(e);
    }
  }

  useEffect(() => { setDetail(null); void load(); }, [caseId]);
  // A case opened from the server's figures (综合看板) may not be on this device yet: it is
  // looked up again after each sync round until it arrives.
  useEffect(() => {
    if (!missing) return undefined;
    let live = true;
    backend.caseDetail(caseId).then((d) => { if (live) { setDetail(d); setMissing(null); } }, () => {});
    return () => { live = false; };
  }, [sync?.lastSyncAt]);
  useEffect(() => { const h = setInterval(() => setNow(Date.now()), 30_000); return () => clearInterval(h); }, []);
  // Desk keys: the action's letter opens its form when the case offers it (SHORTCUTS).
  useEffect(() => {
    if (!onAdvance || !detail) return undefined;
    const onKey = (e: KeyboardEvent) => {
      if (form || document.querySelector('.modal')) return;
      const c = keyCommand(e);
      if (c?.type !== 'action') return;
      const spec = detail.actions.find((a) => a.kind === c.kind);
      if (spec) { e.preventDefault(); setForm({ spec }); }
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, [detail, form, onAdvance]);

  if (missing) return <section class="panel" data-testid="case-missing"><p>{t('detail.notFound')}</p>{sync?.running && <p class="muted" data-testid="case-missing-syncing">{t('detail.notFoundSyncing')}</p>}{onBack && <button class="btn" data-testid="back" onClick={onBack}>{t('common.back')}</button>}</section>;
  if (!detail) return <Spinner />;
  const r = detail.row;
  const rep = detail.report;
  const mergeSpec = detail.actions.find((a) => a.kind === 'merge_into');
  // 合并到重复案件 only when there is a candidate to merge into.
  const actions = detail.actions.filter((a) => a.kind !== 'merge_into' || detail.duplicates.length > 0);

  return (
    <article class="detail" data-testid="case-detail" data-case-id={r.caseId} data-status={r.status}>
      <header class="detail-head">
        {onBack && <button class="btn" data-testid="back" onClick={onBack}>‹ {t('common.back')}</button>}
        <div class="detail-title">
          <h1>{r.caseNumber ?? t('list.noNumber')} <span class="status" data-testid="detail-status">{r.statusLabel}</span></h1>
          <div class="muted">{r.categoryName ?? '—'} · {r.address ?? '—'}</div>
        </div>
        <div class="detail-badges">
          {r.urgency === 'urgent' && <span class="tag tag-urgent">{t('list.urgent')}</span>}
          <SupervisionTags r={r} />
          <RowDeadline r={r} now={now} />
          <SyncBadge state={r.syncState} />
          <button class="btn btn-ghost" data-testid="detail-refresh" onClick={load} aria-label={t('common.refresh')}>⟳</button>
        </div>
      </header>

      <div class="detail-top">
      <section class="card detail-photos">
        <h2>{t('detail.photos')}</h2>
        <PhotoStrip photos={detail.photos} reportedAt={reportedAtOf(detail)} />
      </section>

      <section class="card">
        <h2>{t('detail.actions')}</h2>
        {actions.length === 0 ? <p class="muted" data-testid="no-actions">{t('detail.noActions')}</p> : (
          <div class="action-buttons">
            {actions.map((a) => (
              <button key={a.kind} class={`btn btn-big ${a.danger ? 'btn-danger-outline' : 'btn-primary'}`} data-testid={`action-${a.kind}`}
                onClick={() => setForm({ spec: a })}>{a.label}</button>
            ))}
          </div>
        )}
        {detail.suggestion && detail.actions.some((a) => a.fields.includes('department')) && (
          <p class="muted" data-testid="suggestion">{t('detail.suggestion', { name: detail.suggestion.departmentName, basis: detail.suggestion.basis })}</p>
        )}
      </section>
      </div>

      <SupervisionPanel items={detail.supervision ?? []} />
      <SubTaskPanel detail={detail} />

      <div class="detail-grid">
        <section class="card">
          <h2>{t('detail.report')}</h2>
          {rep ? (
            <dl class="kv">
              <dt>{t('detail.source')}</dt><dd>{rep.sourceLabel}</dd>
              {rep.reporterName && <><dt>{t('detail.reporter')}</dt><dd>{rep.reporterName}</dd></>}
              {rep.caller && <><dt>{t('detail.caller')}</dt><dd data-testid="detail-caller">{rep.caller.name || '—'}</dd>
                <dt>{t('detail.callerPhone')}</dt><dd class="mono" data-testid="detail-caller-phone">{rep.caller.phone || '—'}</dd>
                {rep.caller.email && <><dt>{t('detail.callerEmail')}</dt><dd class="mono" data-testid="detail-caller-email">{rep.caller.email}</dd></>}</>}
              <dt>{t('report.category')}</dt><dd>{rep.categoryName ?? '—'}</dd>
              <dt>{t('report.cell')}</dt><dd>{r.cell ?? '—'}</dd>
              <dt>{t('detail.coords')}</dt><dd class="mono">{formatLonLat(rep.lon, rep.lat)}（{locationSourceLabel(rep.locationSource)}，{t('report.accuracy')} {formatAccuracy(rep.accuracyM)}）</dd>
              <dt>{t('report.description')}</dt><dd data-testid="detail-description">{rep.description || '—'}</dd>
              {r.departmentName && <><dt>{t('list.col.department')}</dt><dd>{r.departmentName}</dd></>}
            </dl>
          ) : <p class="muted">—</p>}
        </section>
        <section class="card">
          <h2>{t('detail.map')}</h2>
          {rep ? <MapView class="map-small" testid="detail-map" focusPoint pin={{ lon: rep.lon, lat: rep.lat }} /> : <p class="muted">—</p>}
        </section>
      </div>

      {detail.duplicates.length > 0 && (
        <section class="card" data-testid="duplicates">
          <h2>{t('detail.duplicates')}</h2>
          <ul class="dup-list">
            {detail.duplicates.map((d) => (
              <li key={d.caseId} data-testid={`duplicate-${d.caseId}`}>
                <span><strong>{d.caseNumber ?? d.caseId.slice(0, 8)}</strong> {d.categoryName ?? ''} · {d.statusLabel}</span>
                <span class="muted">{t('detail.distance', { m: Math.round(d.distanceM) })} · {formatDateTime(d.createdAt)} · {Math.round(d.score * 100)}%</span>
                {mergeSpec && <button class="btn" data-testid={`merge-${d.caseId}`} onClick={() => setForm({ spec: mergeSpec, preset: { targetCase: d.caseId } })}>{t('detail.merge')}</button>}
              </li>
            ))}
          </ul>
        </section>
      )}

      <section class="card">
        <h2>{t('detail.clocks')}</h2>
        <table class="table" data-testid="clocks">
          <tbody>
            {detail.clocks.map((c, i) => (
              <tr key={`${c.stage}-${i}`} data-stage={c.stage}>
                <td>{c.label}</td>
                <td>{formatDateTime(c.startedAt)}</td>
                <td>{c.dueAt ? `${t('detail.due')} ${formatDateTime(c.dueAt)}` : '—'}</td>
                <td>{c.done
                  ? <span class={c.onTime === false ? 'late' : 'ontime'} data-testid={`clock-done-${c.stage}`}>{clockText(c, now)}</span>
                  : <LightBadge light={c.light} label={clockText(c, now) ?? undefined} />}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>

      <section class="card">
        <h2>{t('detail.timeline')}{r.conflictCount > 0 && <span class="tag tag-conflict">{t('list.conflicts', { n: r.conflictCount })}</span>}</h2>
        <ol class="timeline" data-testid="timeline">
          {detail.timeline.map((e) => (
            <li key={e.eventId} class={[e.conflict ? 'conflict' : '', isMergeEvent(e) ? 'tl-merge' : ''].filter(Boolean).join(' ')}
              data-testid={`event-${e.type}`} data-conflict={e.conflict ? 'true' : 'false'}>
              <div class="tl-head"><strong>{eventLabel(e)}</strong><span class="muted">{formatDateTime(e.at)}</span></div>
              <div class="muted">{e.actorName ?? '—'}（{e.roleLabel}）</div>
              {e.summary && <div>{e.summary}</div>}
              {e.conflict && <div class="conflict-note" role="note">⚠ {t('detail.conflict')}：{e.conflict}</div>}
            </li>
          ))}
        </ol>
      </section>

      {form && (
        <ActionForm spec={form.spec} detail={detail} preset={form.preset} onClose={() => setForm(null)}
          onDone={(d) => {
            setForm(null); setDetail(d); onChanged?.();
            if (onAdvance && d.row.status !== r.status) onAdvance();
          }} />
      )}
    </article>
  );
}
