// Supervisor mode (desktop): queues with light counts on the left; case list and detail side by
// side; hotline intake; the map of open cases; evaluation; sync.
import { useEffect, useRef, useState } from 'preact/hooks';
import type { QueueCount, QueueId } from '../../backend/types';
import { orderCounts, SUPERVISOR_QUEUES } from '../../logic/queue';
import { mayDashboard, mayEnrol, mayEvaluate, mayHotline, mayPatrol, mayPlanPatrol } from '../../logic/roles';
import { t, tk } from '../../i18n';
import { useApp } from '../../ui/context';
import { nextCaseAfter, queueBadge } from '../../logic/desk';
import { CaseList } from '../CaseList';
import { CaseDetailView } from '../CaseDetailView';
import { ReportEditor } from '../ReportEditor';
import { CasesMap } from '../CasesMap';
import { SyncPanel } from '../SyncPanel';
import { Dashboard } from './Dashboard';
import { Enrol } from './Enrol';
import { Evaluation } from './Evaluation';
import { Patrol } from './Patrol';
import { Roster } from './Roster';
import { Surveys } from './Surveys';

type View = { v: 'queue'; queue: QueueId; caseId: string | null } | { v: 'hotline' } | { v: 'map' } | { v: 'evaluation' } | { v: 'dashboard' } | { v: 'patrol' } | { v: 'roster' } | { v: 'surveys' } | { v: 'enrol' } | { v: 'sync' };

export function SupervisorApp({ view, setView }: { view: View | null; setView(v: View): void }) {
  const { backend, session, sync, toast } = useApp();
  const [counts, setCounts] = useState<QueueCount[]>([]);
  const [refresh, setRefresh] = useState(0);
  // The list's rows as last shown, for the next case after an action (issue 15).
  const rowIds = useRef<string[]>([]);
  // Bumped after a batch, so an open detail reloads (it may have been in the batch).
  const [batches, setBatches] = useState(0);
  const canHotline = mayHotline(session?.role);
  const canEvaluate = mayEvaluate(session?.role);
  const canDashboard = mayDashboard(session?.role);
  const canPatrol = mayPatrol(session?.role);
  const canEnrol = mayEnrol(session?.role);
  const requested: View = view ?? { v: 'queue', queue: 'all', caseId: null };
  // A view the role may not open (e.g. restored after a role change) falls back to the queues.
  const patrolView = requested.v === 'patrol' || requested.v === 'roster' || requested.v === 'surveys';
  const cur: View = (requested.v === 'hotline' && !canHotline) || (requested.v === 'evaluation' && !canEvaluate) || (requested.v === 'dashboard' && !canDashboard) || (patrolView && !canPatrol) || (requested.v === 'enrol' && !canEnrol)
    ? { v: 'queue', queue: 'all', caseId: null } : requested;

  useEffect(() => { setRefresh((n) => n + 1); }, [sync?.lastSyncAt, sync?.pendingCases]);
  // Outside the queues (看板, 地图, 评价 …) no list reports the counts: the nav asks for them
  // itself, so they follow each sync round there too.
  const inQueue = cur.v === 'queue';
  useEffect(() => {
    if (inQueue) return undefined;
    let live = true;
    backend.listCases({ queue: 'all', limit: 1, offset: 0 }).then((d) => { if (live) setCounts(d.counts); }, () => {});
    return () => { live = false; };
  }, [refresh, inQueue]);

  const ordered = orderCounts(counts, SUPERVISOR_QUEUES);
  const navQueues: QueueCount[] = ordered.length ? ordered
    : SUPERVISOR_QUEUES.map((q) => ({ queue: q, label: tk(`queue.${q}`), total: 0, green: 0, yellow: 0, red: 0 }));
  const item = (id: string, label: string, active: boolean, go: () => void, c?: QueueCount) => (
    <button class={`nav-item${active ? ' on' : ''}`} data-testid={id} aria-current={active ? 'page' : undefined} onClick={go}
      data-total={c?.total}>
      <span class="nav-label">{label}</span>
      {c && <QueueBadge c={c} />}
    </button>
  );

  return (
    <div class="sup-app">
      <nav class="sidenav" aria-label={t('nav.queues')}>
        <div class="nav-group">{t('nav.queues')}</div>
        {navQueues.map((c) => item(`nav-${c.queue}`, c.label || tk(`queue.${c.queue}`), cur.v === 'queue' && cur.queue === c.queue,
          () => setView({ v: 'queue', queue: c.queue, caseId: null }), c))}
        <div class="nav-group" />
        {canHotline && item('nav-hotline', t('nav.hotline'), cur.v === 'hotline', () => setView({ v: 'hotline' }))}
        {item('nav-map', t('nav.openMap'), cur.v === 'map', () => setView({ v: 'map' }))}
        {canDashboard && item('nav-dashboard', t('nav.dashboard'), cur.v === 'dashboard', () => setView({ v: 'dashboard' }))}
        {canEvaluate && item('nav-evaluation', t('nav.evaluation'), cur.v === 'evaluation', () => setView({ v: 'evaluation' }))}
        {canPatrol && <div class="nav-group">{t('nav.patrolGroup')}</div>}
        {canPatrol && item('nav-patrol', t('nav.patrol'), cur.v === 'patrol', () => setView({ v: 'patrol' }))}
        {canPatrol && item('nav-roster', t('nav.roster'), cur.v === 'roster', () => setView({ v: 'roster' }))}
        {canPatrol && item('nav-surveys', t('nav.surveys'), cur.v === 'surveys', () => setView({ v: 'surveys' }))}
        {canPatrol && <div class="nav-group" />}
        {canEnrol && item('nav-enrol', t('enrol.nav'), cur.v === 'enrol', () => setView({ v: 'enrol' }))}
        {item('nav-sync', t('nav.sync'), cur.v === 'sync', () => setView({ v: 'sync' }))}
      </nav>
      <main class="sup-main">
        {cur.v === 'queue' && (
          <div class={`split${cur.caseId ? ' has-detail' : ''}`}>
            <div class="split-list">
              <CaseList queue={cur.queue} variant="table" selected={cur.caseId} refreshKey={refresh} onCounts={setCounts}
                onRows={(ids) => { rowIds.current = ids; }} desk={{ onBatchDone: () => { setRefresh((n) => n + 1); setBatches((n) => n + 1); } }}
                onOpen={(id) => setView({ ...cur, caseId: id })} />
            </div>
            <div class="split-detail">
              {cur.caseId ? <CaseDetailView key={`${cur.caseId}-${batches}`} caseId={cur.caseId} onBack={() => setView({ ...cur, caseId: null })}
                onChanged={() => setRefresh((n) => n + 1)}
                onAdvance={() => {
                  // The next case in the list as shown; with none, the acted case stays open.
                  const next = nextCaseAfter(rowIds.current, cur.caseId!);
                  if (next) { toast(t('desk.next'), 'success'); setView({ ...cur, caseId: next }); }
                }} />
                : <p class="muted pad">{t('detail.pickCase')}</p>}
            </div>
          </div>
        )}
        {cur.v === 'hotline' && <ReportEditor kind="hotline"
          onDone={(id) => { setRefresh((n) => n + 1); setView({ v: 'queue', queue: 'intake', caseId: id }); }} />}
        {cur.v === 'map' && <CasesMap mode="supervisor" onOpen={(id) => setView({ v: 'queue', queue: 'all', caseId: id })} />}
        {cur.v === 'evaluation' && <Evaluation />}
        {cur.v === 'dashboard' && <Dashboard onOpenCase={(id) => setView({ v: 'queue', queue: 'all', caseId: id })} />}
        {cur.v === 'patrol' && <Patrol onOpenCase={(id) => setView({ v: 'queue', queue: 'all', caseId: id })} />}
        {cur.v === 'roster' && <Roster mayEdit={mayPlanPatrol(session?.role)} />}
        {cur.v === 'surveys' && <Surveys mayCreate={mayPlanPatrol(session?.role)} />}
        {cur.v === 'enrol' && <Enrol />}
        {cur.v === 'sync' && <SyncPanel />}
      </main>
    </div>
  );
}

export type SupervisorView = View;

/** One count per queue, coloured by its worst light; the breakdown is the tooltip. */
function QueueBadge({ c }: { c: QueueCount }) {
  const b = queueBadge(c);
  return (
    <span class="nav-counts" title={b.title}>
      <span class={`nav-total${b.worst ? ` nav-total-${b.worst}` : ''}`} data-testid={`nav-count-${c.queue}`} data-worst={b.worst ?? 'none'}>{b.total}</span>
    </span>
  );
}
