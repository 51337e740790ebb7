// Field mode (inspectors; department users on tablets): my tasks, my reports, new report,
// self-handling, patrol (签到/签退, 专项普查), map, sync. A draft left from a crash is reopened on start.
import { useEffect, useRef, useState } from 'preact/hooks';
import type { DraftKind, QueueCount, QueueId } from '../../backend/types';
import { t } from '../../i18n';
import { useApp } from '../../ui/context';
import { CountDots } from '../../ui/common';
import { NavIcon, type NavIconName } from '../../ui/NavIcons';
import { CaseList } from '../CaseList';
import { CaseDetailView } from '../CaseDetailView';
import { ReportEditor } from '../ReportEditor';
import { CasesMap } from '../CasesMap';
import { SyncPanel } from '../SyncPanel';
import { PatrolPanel } from './PatrolPanel';

type View =
  | { v: 'list'; queue: QueueId } | { v: 'detail'; caseId: string; from: QueueId }
  | { v: 'editor'; kind: DraftKind } | { v: 'map' } | { v: 'sync' } | { v: 'patrol' };

export function FieldApp({ view, setView }: { view: View | null; setView(v: View): void }) {
  const { backend, session, sync } = useApp();
  const [counts, setCounts] = useState<QueueCount[]>([]);
  const [refresh, setRefresh] = useState(0);
  const isInspector = session?.role === 'inspector';

  const viewRef = useRef(view);
  viewRef.current = view;
  // A draft that survived a crash or a restart is reopened first (unless the user already moved).
  useEffect(() => {
    const start = (v: View) => { if (!viewRef.current) setView(v); };
    backend.draftGet().then((d) => {
      start(d && d.kind !== 'hotline' ? { v: 'editor', kind: d.kind } : { v: 'list', queue: 'my_tasks' });
    }, () => start({ v: 'list', queue: 'my_tasks' }));
  }, []);
  // Lists follow the sync: refresh when a sync finishes.
  useEffect(() => { setRefresh((n) => n + 1); }, [sync?.lastSyncAt, sync?.pendingCases]);

  const cur = view ?? { v: 'list', queue: 'my_tasks' as QueueId };
  const count = (q: QueueId) => counts.find((c) => c.queue === q);
  // One destination: icon, label, and for a queue its count (total, then red/yellow/green). On a
  // desktop the tabs run along the top (icon, label, count in a row); on a tablet or any touch
  // screen styles.css moves this same <nav> to a bar at the bottom (icon and count over the label,
  // items sharing the width, safe-area padding), and the content above it scrolls on its own.
  const tab = (id: string, icon: NavIconName, label: string, active: boolean, go: () => void, badge?: QueueCount) => (
    <button class={`tab${active ? ' on' : ''}`} data-testid={id} aria-current={active ? 'page' : undefined} onClick={go}>
      <span class="tab-top">
        <NavIcon name={icon} />
        {badge && <span class="tab-count" data-testid={`nav-count-${badge.queue}`} data-total={badge.total}>{badge.total}<CountDots {...badge} /></span>}
      </span>
      <span class="tab-label">{label}</span>
    </button>
  );

  return (
    <div class="field-app">
      <nav class="tabs field-nav" data-testid="field-nav" aria-label={t('nav.fieldNav')}>
        {tab('nav-my_tasks', 'tasks', t('nav.my_tasks'), cur.v === 'list' && cur.queue === 'my_tasks', () => setView({ v: 'list', queue: 'my_tasks' }), count('my_tasks'))}
        {isInspector && tab('nav-my_reports', 'reports', t('nav.my_reports'), cur.v === 'list' && cur.queue === 'my_reports', () => setView({ v: 'list', queue: 'my_reports' }), count('my_reports'))}
        {isInspector && tab('new-report', 'new', t('nav.new'), cur.v === 'editor' && cur.kind === 'report', () => setView({ v: 'editor', kind: 'report' }))}
        {isInspector && tab('new-self-handle', 'selfHandle', t('nav.selfHandle'), cur.v === 'editor' && cur.kind === 'self_handle', () => setView({ v: 'editor', kind: 'self_handle' }))}
        {isInspector && tab('nav-patrol', 'patrol', t('nav.fieldPatrol'), cur.v === 'patrol', () => setView({ v: 'patrol' }))}
        {tab('nav-map', 'map', t('nav.map'), cur.v === 'map', () => setView({ v: 'map' }))}
        {tab('nav-sync', 'sync', t('nav.sync'), cur.v === 'sync', () => setView({ v: 'sync' }))}
      </nav>
      <main class="field-main clear-bottom-nav" data-testid="field-main">
        {cur.v === 'list' && cur.queue === 'my_tasks' && isInspector && (
          // Home: the one thing an inspector does most, large and first (one hand, gloves).
          <button class="btn btn-primary home-report" data-testid="home-report" onClick={() => setView({ v: 'editor', kind: 'report' })}>
            <NavIcon name="new" class="home-report-icon" /> {t('home.report')}
          </button>
        )}
        {cur.v === 'list' && <CaseList queue={cur.queue} variant="cards" refreshKey={refresh} onCounts={setCounts}
          onOpen={(id) => setView({ v: 'detail', caseId: id, from: cur.queue })} />}
        {cur.v === 'detail' && <CaseDetailView caseId={cur.caseId} onBack={() => setView({ v: 'list', queue: cur.from })} onChanged={() => setRefresh((n) => n + 1)} />}
        {cur.v === 'editor' && <ReportEditor key={cur.kind} kind={cur.kind} onSwitchKind={(k) => setView({ v: 'editor', kind: k })}
          onDone={(id) => { setRefresh((n) => n + 1); setView({ v: 'list', queue: id ? 'my_reports' : 'my_tasks' }); }} />}
        {cur.v === 'map' && <CasesMap mode="field" onOpen={(id) => setView({ v: 'detail', caseId: id, from: 'my_tasks' })} />}
        {cur.v === 'sync' && <SyncPanel />}
        {cur.v === 'patrol' && <PatrolPanel refreshKey={refresh} onReport={() => setView({ v: 'editor', kind: 'report' })} />}
      </main>
    </div>
  );
}

export type FieldView = View;
