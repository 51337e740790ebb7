// A page of cases (limit/offset paging, ~100 rows) with text and light filters. Renders as
// cards on the tablet (field mode) and as a table on the desktop (supervisor mode).
import { useEffect, useReducer, useRef, useState } from 'preact/hooks';
import type { CaseList as CaseListData, CaseRow, Light, QueueCount, QueueId } from '../backend/types';
import { initialList, listReducer, pageCount, pageWindow, toQuery } from '../logic/queue';
import { formatDeadline, formatShort } from '../logic/time';
import { t, tk } from '../i18n';
import { useApp, useFail } from '../ui/context';
import { LightBadge, SyncBadge } from '../ui/common';

export function CaseList({ queue, variant, selected, onOpen, onCounts, refreshKey }: {
  queue: QueueId; variant: 'cards' | 'table'; selected?: string | null;
  onOpen(caseId: string): void; onCounts?(c: QueueCount[]): void; refreshKey?: number;
}) {
  const { backend } = useApp();
  const fail = useFail();
  const [s, dispatch] = useReducer(listReducer, queue, initialList);
  const [data, setData] = useState<CaseListData | null>(null);
  const [text, setText] = useState('');
  const [loading, setLoading] = useState(false);
  const seq = useRef(0);
  const now = Date.now();

  useEffect(() => { dispatch({ type: 'queue', queue }); }, [queue]);
  useEffect(() => { const h = setTimeout(() => dispatch({ type: 'text', text }), 250); return () => clearTimeout(h); }, [text]);

  useEffect(() => {
    const mine = ++seq.current;
    setLoading(true);
    backend.listCases(toQuery(s)).then((d) => {
      if (mine !== seq.current) return;
      setData(d);
      onCounts?.(d.counts);
      dispatch({ type: 'clamp', total: d.total });
    }, (e) => { if (mine === seq.current) fail(e); }).finally(() => { if (mine === seq.current) setLoading(false); });
  }, [s, refreshKey]);

  const pages = pageCount(data?.total ?? 0);
  const win = pageWindow(s.page, data?.rows.length ?? 0, data?.total ?? 0);

  return (
    <section class={`case-list case-list-${variant}`} data-testid="case-list" data-queue={queue} data-loading={loading ? 'true' : 'false'}>
      <div class="filters">
        <input type="search" class="input" data-testid="filter-text" placeholder={t('list.search')} value={text}
          onInput={(e) => setText((e.currentTarget as HTMLInputElement).value)} />
        <div class="segmented" role="group" aria-label={t('light.filter')}>
          {([null, 'red', 'yellow', 'green'] as (Light | null)[]).map((l) => (
            <button key={l ?? 'all'} type="button" class={s.light === l ? 'on' : ''} aria-pressed={s.light === l}
              data-testid={`filter-light-${l ?? 'all'}`} onClick={() => dispatch({ type: 'light', light: l })}>
              {l ? <><span class={`light-dot ld-${l}`} />{tk(`light.${l}`)}</> : t('common.all')}
            </button>
          ))}
        </div>
      </div>
      <div class="list-meta">
        <span data-testid="list-window">{data && win.total > 0 ? t('list.window', win) : ''}</span>
        <span class="muted" data-testid="list-elapsed" data-ms={data?.elapsedMs ?? ''}>{data ? t('list.elapsed', { ms: Math.round(data.elapsedMs) }) : ''}</span>
      </div>
      {data && data.rows.length === 0 && <p class="empty" data-testid="list-empty">{t('list.empty')}</p>}
      {data && data.rows.length > 0 && (variant === 'table'
        ? <RowsTable rows={data.rows} now={now} selected={selected} onOpen={onOpen} />
        : <RowsCards rows={data.rows} now={now} onOpen={onOpen} />)}
      {pages > 1 && (
        <div class="pager">
          <button class="btn" data-testid="page-prev" disabled={s.page === 0} onClick={() => dispatch({ type: 'page', page: s.page - 1 })}>{t('common.prev')}</button>
          <span data-testid="page-info">{t('list.page', { page: s.page + 1, pages })}</span>
          <button class="btn" data-testid="page-next" disabled={s.page >= pages - 1} onClick={() => dispatch({ type: 'page', page: s.page + 1 })}>{t('common.next')}</button>
        </div>
      )}
    </section>
  );
}

function rowAttrs(r: CaseRow, onOpen: (id: string) => void) {
  return {
    'data-testid': `case-row-${r.caseId}`, 'data-status': r.status, 'data-light': r.light ?? 'none',
    'data-sync': r.syncState, 'data-case-number': r.caseNumber ?? '', tabIndex: 0,
    onClick: () => onOpen(r.caseId),
    onKeyDown: (e: KeyboardEvent) => { if (e.key === 'Enter') onOpen(r.caseId); },
  };
}

function RowsTable({ rows, now, selected, onOpen }: { rows: CaseRow[]; now: number; selected?: string | null; onOpen(id: string): void }) {
  // A CSS grid of divs rather than <table>: WebDriver cannot click table rows in WebKitGTK.
  return (
    <div class="rows" role="table">
      <div class="rows-head" role="row">
        {(['number', 'status', 'deadline', 'category', 'address', 'department', 'sync', 'updated'] as const).map((c) => (
          <span role="columnheader" key={c}>{t(`list.col.${c}`)}</span>
        ))}
      </div>
      {rows.map((r) => (
        <div key={r.caseId} role="row" class={`rows-row${r.caseId === selected ? ' selected' : ''}`} {...rowAttrs(r, onOpen)}>
          <span class="mono">{r.caseNumber ?? <span class="muted">{t('list.noNumber')}</span>}
            {r.urgency === 'urgent' && <span class="tag tag-urgent">{t('list.urgent')}</span>}
            {r.conflictCount > 0 && <span class="tag tag-conflict">{t('list.conflicts', { n: r.conflictCount })}</span>}</span>
          <span>{r.statusLabel}</span>
          <span><LightBadge light={r.light} label={formatDeadline(r.dueAt, now) ?? undefined} /></span>
          <span class="clip">{r.categoryName ?? '—'}</span>
          <span class="clip">{r.address ?? r.cell ?? '—'}</span>
          <span class="clip">{r.departmentName ?? '—'}</span>
          <span><SyncBadge state={r.syncState} /></span>
          <span>{formatShort(r.updatedAt, now)}</span>
        </div>
      ))}
    </div>
  );
}

function RowsCards({ rows, now, onOpen }: { rows: CaseRow[]; now: number; onOpen(id: string): void }) {
  return (
    <ul class="cards">
      {rows.map((r) => (
        <li key={r.caseId} class={`case-card light-edge-${r.light ?? 'none'}`} {...rowAttrs(r, onOpen)}>
          <div class="card-top">
            <strong>{r.categoryName ?? '—'}</strong>
            <span class="status">{r.statusLabel}</span>
          </div>
          <div class="muted clip">{r.address ?? r.cell ?? '—'}</div>
          {r.excerpt && <div class="clip">{r.excerpt}</div>}
          <div class="card-bottom">
            <LightBadge light={r.light} label={formatDeadline(r.dueAt, now) ?? undefined} />
            <SyncBadge state={r.syncState} />
            {r.urgency === 'urgent' && <span class="tag tag-urgent">{t('list.urgent')}</span>}
            {r.conflictCount > 0 && <span class="tag tag-conflict">{t('list.conflicts', { n: r.conflictCount })}</span>}
            <span class="muted right">{r.caseNumber ?? t('list.noNumber')} · {formatShort(r.createdAt, now)}</span>
          </div>
        </li>
      ))}
    </ul>
  );
}
