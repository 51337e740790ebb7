// A page of cases (limit/offset paging, ~100 rows) with text and light filters. Renders as
// cards on the tablet (field mode) and as a table on the desktop (supervisor mode). The
// desktop table is the supervisor's desk (issue 15, docs/ui.md): sort by remaining working
// time, filters (category, street, department, source, dates), batch 受理/派遣/结案 over a
// selection, and keyboard moves (j/k, ↑/↓, Enter, x, /).
import { useEffect, useReducer, useRef, useState } from 'preact/hooks';
import type { CaseList as CaseListData, CaseRow, Light, QueueCount, QueueId } from '../backend/types';
import { initialList, listReducer, pageCount, pageWindow, toQuery } from '../logic/queue';
import { formatShort } from '../logic/time';
import { countdown, keyCommand, moveSelection } from '../logic/desk';
import { t, tk } from '../i18n';
import { useApp, useFail } from '../ui/context';
import { LightBadge, SyncBadge } from '../ui/common';
import { DeskFilterBar, BatchBar, ShortcutsHelp } from './DeskParts';
import { SupervisionTags } from '../ui/Supervision';

/** The deadline badge of a row: working-time countdown, or 按期/超期结案 on a closed case. */
export function RowDeadline({ r, now }: { r: CaseRow; now: number }) {
  const c = countdown(r, now);
  if (c && (c.tone === 'ontime' || c.tone === 'late')) {
    return <span class={`closed-badge closed-${c.tone}`} data-testid="closed-on-time" data-on-time={c.tone === 'ontime' ? 'true' : 'false'}>{c.text}</span>;
  }
  return <span data-testid="row-countdown" data-remaining-ms={r.remainingMs ?? ''} data-due-at={r.dueAt ?? ''}><LightBadge light={r.light} label={c?.text} /></span>;
}

export function CaseList({ queue, variant, selected, onOpen, onCounts, refreshKey, onRows, desk }: {
  queue: QueueId; variant: 'cards' | 'table'; selected?: string | null;
  onOpen(caseId: string): void; onCounts?(c: QueueCount[]): void; refreshKey?: number;
  /** The ids of the rows shown, in order (for the next case after an action). */
  onRows?(ids: string[]): void;
  /** The supervisor's desk: filters, sort, batch selection and keyboard. */
  desk?: { onBatchDone?(): void };
}) {
  const { backend } = useApp();
  const fail = useFail();
  const [s, dispatch] = useReducer(listReducer, queue, initialList);
  const [data, setData] = useState<CaseListData | null>(null);
  const [text, setText] = useState('');
  const [loading, setLoading] = useState(false);
  const seq = useRef(0);
  const now = Date.now();
  const { session } = useApp();
  const [picked, setPicked] = useState<Map<string, CaseRow>>(new Map());
  const [cursor, setCursorState] = useState<string | null>(null);
  // Refs, so that keys pressed faster than renders still see the latest cursor and rows.
  const cursorRef = useRef<string | null>(null);
  const rowsRef = useRef<CaseRow[]>([]);
  const setCursor = (c: string | null) => { cursorRef.current = c; setCursorState(c); };
  const onOpenRef = useRef(onOpen);
  onOpenRef.current = onOpen;
  const [help, setHelp] = useState(false);
  const searchRef = useRef<HTMLInputElement>(null);

  useEffect(() => { dispatch({ type: 'queue', queue }); setPicked(new Map()); }, [queue]);
  const toggle = (r: CaseRow) => setPicked((m) => { const n = new Map(m); if (n.has(r.caseId)) n.delete(r.caseId); else n.set(r.caseId, r); return n; });

  // Desk keyboard: j/k ↑/↓ move, Enter opens, x selects, / searches, ? shows the keys. Not while
  // typing in a field or with a form open.
  useEffect(() => {
    if (!desk) return undefined;
    const onKey = (e: KeyboardEvent) => {
      if (document.querySelector('.modal')) return;
      const c = keyCommand(e);
      if (!c) return;
      const rows = rowsRef.current;
      const ids = rows.map((r) => r.caseId);
      const at = cursorRef.current ?? selected ?? null;
      if (c.type === 'move') { e.preventDefault(); const next = moveSelection(ids, at, c.delta); setCursor(next); if (next) document.querySelector(`[data-testid="case-row-${next}"]`)?.scrollIntoView?.({ block: 'nearest' }); }
      else if (c.type === 'open' && at) { e.preventDefault(); onOpenRef.current(at); }
      else if (c.type === 'toggle' && at) { const r = rows.find((x) => x.caseId === at); if (r) toggle(r); }
      else if (c.type === 'search') { e.preventDefault(); searchRef.current?.focus(); }
      else if (c.type === 'help') setHelp(true);
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, [!!desk, selected]);
  useEffect(() => { setCursor(null); }, [queue]);
  useEffect(() => { const h = setTimeout(() => dispatch({ type: 'text', text }), 250); return () => clearTimeout(h); }, [text]);

  useEffect(() => {
    const mine = ++seq.current;
    setLoading(true);
    backend.listCases(toQuery(s)).then((d) => {
      if (mine !== seq.current) return;
      setData(d);
      rowsRef.current = d.rows;
      onCounts?.(d.counts);
      onRows?.(d.rows.map((r) => r.caseId));
      dispatch({ type: 'clamp', total: d.total });
    }, (e) => { if (mine === seq.current) fail(e); }).finally(() => { if (mine === seq.current) setLoading(false); });
  }, [s, refreshKey]);

  const pages = pageCount(data?.total ?? 0);
  const win = pageWindow(s.page, data?.rows.length ?? 0, data?.total ?? 0);

  return (
    <section class={`case-list case-list-${variant}`} data-testid="case-list" data-queue={queue} data-loading={loading ? 'true' : 'false'}>
      <div class="filters">
        <input type="search" class="input" data-testid="filter-text" placeholder={t('list.search')} value={text} ref={searchRef}
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
      {desk && <DeskFilterBar state={s} facets={data?.facets} onSort={(sort) => dispatch({ type: 'sort', sort })}
        onFilters={(filters) => dispatch({ type: 'filters', filters })} />}
      <div class="list-meta">
        <span data-testid="list-window" data-total={data?.total ?? ''}>{data && win.total > 0 ? t('list.window', win) : ''}</span>
        {desk && <button type="button" class="btn btn-ghost btn-small" data-testid="shortcuts-open" onClick={() => setHelp(true)}>{t('desk.shortcutsHint')}</button>}
      </div>
      {desk && picked.size > 0 && <BatchBar role={session?.role} picked={[...picked.values()]}
        onClear={() => setPicked(new Map())} onDone={() => { setPicked(new Map()); desk.onBatchDone?.(); }} />}
      {data && data.rows.length === 0 && <p class="empty" data-testid="list-empty">{t('list.empty')}</p>}
      {data && data.rows.length > 0 && (variant === 'table'
        ? <RowsTable rows={data.rows} now={now} selected={selected} cursor={cursor} onOpen={onOpen}
            picked={desk ? picked : null} onToggle={toggle}
            onToggleAll={(on) => setPicked((m) => { const n = new Map(m); for (const r of data.rows) { if (on) n.set(r.caseId, r); else n.delete(r.caseId); } return n; })} />
        : <RowsCards rows={data.rows} now={now} onOpen={onOpen} />)}
      {pages > 1 && (
        <div class="pager">
          <button class="btn" data-testid="page-prev" disabled={s.page === 0} onClick={() => dispatch({ type: 'page', page: s.page - 1 })}>{t('common.prev')}</button>
          <span data-testid="page-info">{t('list.page', { page: s.page + 1, pages })}</span>
          <button class="btn" data-testid="page-next" disabled={s.page >= pages - 1} onClick={() => dispatch({ type: 'page', page: s.page + 1 })}>{t('common.next')}</button>
        </div>
      )}
      {help && <ShortcutsHelp onClose={() => setHelp(false)} />}
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

function RowsTable({ rows, now, selected, cursor, onOpen, picked, onToggle, onToggleAll }: {
  rows: CaseRow[]; now: number; selected?: string | null; cursor?: string | null; onOpen(id: string): void;
  picked?: Map<string, CaseRow> | null; onToggle?(r: CaseRow): void; onToggleAll?(on: boolean): void;
}) {
  // A CSS grid of divs rather than <table>: WebDriver cannot click table rows in WebKitGTK.
  const all = !!picked && rows.length > 0 && rows.every((r) => picked.has(r.caseId));
  return (
    <div class={`rows${picked ? ' rows-selectable' : ''}`} role="table">
      <div class="rows-head" role="row">
        {picked && <span role="columnheader"><input type="checkbox" data-testid="select-all" aria-label={t('desk.selectAll')} checked={all}
          onChange={(e) => onToggleAll?.((e.currentTarget as HTMLInputElement).checked)} /></span>}
        {(['number', 'status', 'deadline', 'category', 'address', 'department', 'sync', 'updated'] as const).map((c) => (
          <span role="columnheader" key={c}>{t(`list.col.${c}`)}</span>
        ))}
      </div>
      {rows.map((r) => (
        <div key={r.caseId} role="row" class={`rows-row${r.caseId === selected ? ' selected' : ''}${r.caseId === cursor ? ' cursor' : ''}`} {...rowAttrs(r, onOpen)}>
          {picked && <span onClick={(e) => e.stopPropagation()}><input type="checkbox" data-testid={`select-${r.caseId}`} aria-label={t('desk.select')}
            checked={picked.has(r.caseId)} onChange={() => onToggle?.(r)} /></span>}
          <span class="mono">{r.caseNumber ?? <span class="muted">{t('list.noNumber')}</span>}
            {r.urgency === 'urgent' && <span class="tag tag-urgent">{t('list.urgent')}</span>}
            {r.conflictCount > 0 && <span class="tag tag-conflict">{t('list.conflicts', { n: r.conflictCount })}</span>}
            <SupervisionTags r={r} /></span>
          <span>{r.statusLabel}</span>
          <span><RowDeadline r={r} now={now} /></span>
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
            <RowDeadline r={r} now={now} />
            <SyncBadge state={r.syncState} />
            {r.urgency === 'urgent' && <span class="tag tag-urgent">{t('list.urgent')}</span>}
            {r.conflictCount > 0 && <span class="tag tag-conflict">{t('list.conflicts', { n: r.conflictCount })}</span>}
            <SupervisionTags r={r} />
            <span class="muted right">{r.caseNumber ?? t('list.noNumber')} · {formatShort(r.createdAt, now)}</span>
          </div>
        </li>
      ))}
    </ul>
  );
}
