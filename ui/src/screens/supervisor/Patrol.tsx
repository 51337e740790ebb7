// 巡查考勤 (issue 16): a period of days (inclusive, Shanghai); per inspector 区域覆盖率, 巡查里程,
// 在岗时长, 在岗率, 迟到/早退, 漏报 and flags; a row opens the inspector's days (and a day its
// cells) and 漏报 list; 覆盖图 shows the coverage layer of the period or a day, 轨迹回放 the day's
// track (with the 漏报 evidence). Online only: the server computes every figure. Shaping lives in
// logic/patrol.ts, the map in ./PatrolMap.tsx.
import { Fragment } from 'preact';
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import type * as GeoJSON from 'geojson';
import type { ApiError, InspectorDay, InspectorPatrol, Missed, PatrolReport, TrackDay } from '../../backend';
import { toApiError } from '../../backend';
import {
  clockOf, coverageCells, coverageOf, dayFlags, isEmptyReport, formatDuration, formatKm, formatRate, missedOn, sortInspectors, summarize,
  weekOf, type PatrolSortKey,
} from '../../logic/patrol';
import { formatDate, monthRange, parseDay } from '../../logic/time';
import { t, tk } from '../../i18n';
import { useApp } from '../../ui/context';
import { Field, Spinner } from '../../ui/common';
import { PatrolMap } from './PatrolMap';

const DAY = 86_400_000;
const MAX_DAYS = 92;

/** What the map shows: one inspector's period or day coverage, or a day's playback. */
type Shown = { inspector: string; day: string | null; mode: 'coverage' | 'track'; focus?: Missed | null };

export function Patrol({ onOpenCase }: { onOpenCase(caseId: string): void }) {
  const { backend, signedOut } = useApp();
  const init = monthRange(Date.now());
  const [from, setFrom] = useState(formatDate(init.from));
  const [to, setTo] = useState(formatDate(Date.now()));
  const [report, setReport] = useState<PatrolReport | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const [rangeError, setRangeError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [sort, setSort] = useState<PatrolSortKey>('name');
  const [open, setOpen] = useState<string | null>(null);
  const [shown, setShown] = useState<Shown | null>(null);
  const [cells, setCells] = useState<GeoJSON.FeatureCollection | null>(null);
  const seq = useRef(0);

  useEffect(() => { backend.mapLayers().then((l) => setCells(l.cells), () => setCells(null)); }, []);

  function checkRange(): boolean {
    const f = parseDay(from); const e = parseDay(to);
    const msg = f == null || e == null || e < f ? t('eval.badRange') : (e - f) / DAY + 1 > MAX_DAYS ? t('patrol.tooLong', { n: MAX_DAYS }) : null;
    setRangeError(msg);
    return msg == null;
  }

  async function run() {
    if (!checkRange()) return;
    const mine = ++seq.current;
    setBusy(true);
    try {
      const r = await backend.patrolReport(from, to);
      if (mine !== seq.current) return;
      setReport(r); setError(null); setShown(null); setOpen(null);
    } catch (e) {
      if (mine !== seq.current) return;
      const err = toApiError(e);
      if (err.code === 'not_signed_in') signedOut();
      setReport(null); setError(err);
    } finally {
      if (mine === seq.current) setBusy(false);
    }
  }
  function preset(a: number, b: number) { setFrom(formatDate(a)); setTo(formatDate(b)); }

  useEffect(() => { void run(); }, []);

  const rows = report ? sortInspectors(report.inspectors, sort) : [];
  const nothing = !!report && isEmptyReport(report);
  const shownInspector = shown ? report?.inspectors.find((p) => p.inspector === shown.inspector) ?? null : null;
  return (
    <section class="patrol evaluation" data-testid="patrol">
      <h1>{t('patrol.title')}</h1>
      <div class="eval-controls">
        <Field label={t('eval.from')} error={rangeError}>
          <input class="input" type="date" data-testid="patrol-from" value={from} onInput={(e) => setFrom((e.currentTarget as HTMLInputElement).value)} />
        </Field>
        <Field label={t('eval.to')}>
          <input class="input" type="date" data-testid="patrol-to" value={to} onInput={(e) => setTo((e.currentTarget as HTMLInputElement).value)} />
        </Field>
      </div>
      <div class="row-buttons">
        <button class="btn" data-testid="patrol-today" onClick={() => preset(Date.now(), Date.now())}>{t('patrol.today')}</button>
        <button class="btn" data-testid="patrol-this-week" onClick={() => { const w = weekOf(Date.now()); setFrom(w[0]); setTo(w[6]); }}>{t('patrol.thisWeek')}</button>
        <button class="btn" data-testid="patrol-this-month" onClick={() => { const m = monthRange(Date.now()); preset(m.from, m.to - DAY); }}>{t('eval.thisMonth')}</button>
        <button class="btn" data-testid="patrol-last-month" onClick={() => { const m = monthRange(Date.now(), 1); preset(m.from, m.to - DAY); }}>{t('eval.lastMonth')}</button>
        <button class="btn btn-primary" data-testid="patrol-run" disabled={busy} onClick={run}>{t('eval.query')}</button>
      </div>
      {busy && <Spinner />}
      {error && <div class="error-box" role="alert" data-testid="patrol-error" data-code={error.code}>{error.message}</div>}
      {report && nothing && (
        <div class="card" data-testid="patrol-empty"><p class="muted">{t('patrol.empty', { from: report.from, to: report.to })}</p></div>
      )}
      {report && !nothing && (
        <div class="card">
          <h2 data-testid="patrol-heading">{t('patrol.heading', { from: report.from, to: report.to, n: report.inspectors.length })}</h2>
          <div class="table-wrap">
            <table class="table patrol-table" data-testid="patrol-table" data-sort={sort}>
              <thead>
                <tr>
                  {([['name', t('patrol.col.name'), false], ['coverage', t('patrol.col.coverage'), true], ['metres', t('patrol.col.km'), true],
                    ['on_duty', t('patrol.col.onDuty'), true], ['duty_rate', t('patrol.col.dutyRate'), true]] as [PatrolSortKey, string, boolean][]).map(([k, label, num]) => (
                    <th key={k} class={num ? 'num' : ''} aria-sort={sort === k ? (k === 'name' ? 'ascending' : 'descending') : 'none'}>
                      <button class="th-sort" data-testid={`patrol-sort-${k}`} onClick={() => setSort(k)}>{label}{sort === k ? (k === 'name' ? ' ▲' : ' ▼') : ''}</button>
                    </th>
                  ))}
                  <th class="num">{t('patrol.col.late')}</th>
                  <th class="num">{t('patrol.col.early')}</th>
                  <th class="num"><button class="th-sort" data-testid="patrol-sort-missed" onClick={() => setSort('missed')}>{t('patrol.col.missed')}{sort === 'missed' ? ' ▼' : ''}</button></th>
                  <th>{t('patrol.col.flags')}</th>
                  <th />
                </tr>
              </thead>
              <tbody>
                {rows.map((p) => <InspectorRows key={p.inspector} p={p} open={open === p.inspector}
                  onToggle={() => setOpen(open === p.inspector ? null : p.inspector)} shown={shown} onShow={setShown} onOpenCase={onOpenCase} />)}
              </tbody>
            </table>
          </div>
        </div>
      )}
      {shown && shownInspector && (
        <ShownMap key={`${shown.inspector}|${shown.day}|${shown.mode}`} p={shownInspector} shown={shown} cells={cells}
          onClose={() => setShown(null)} onOpenCase={onOpenCase} />
      )}
    </section>
  );
}

function FlagChips({ flags }: { flags: Record<string, number> }) {
  const keys = Object.entries(flags).filter(([, n]) => n > 0);
  if (!keys.length) return <span class="muted">—</span>;
  return <>{keys.map(([k, n]) => <span key={k} class={`flag flag-${k}`} data-flag={k}>{tk(`patrol.flag.${k}`)}{n > 1 ? ` ×${n}` : ''}</span>)}</>;
}

function InspectorRows({ p, open, onToggle, shown, onShow, onOpenCase }: {
  p: InspectorPatrol; open: boolean; onToggle(): void; shown: Shown | null; onShow(s: Shown): void; onOpenCase(id: string): void;
}) {
  const s = summarize(p);
  const period = coverageOf(coverageCells(p, null));
  return (
    <>
      <tr data-testid={`patrol-row-${p.inspector}`} class={open ? 'open' : ''} data-coverage={p.coverage_rate} data-missed={p.missed.length}>
        <td><button class="btn btn-ghost" data-testid={`patrol-open-${p.inspector}`} aria-expanded={open} onClick={onToggle}>{open ? '▾' : '▸'} {p.name}</button></td>
        <td class="num" title={t('patrol.coverageHint', { visited: period.visited, assigned: period.assigned })}>{formatRate(p.coverage_rate)}</td>
        <td class="num">{formatKm(p.metres)}</td>
        <td class="num" title={t('patrol.scheduled', { time: formatDuration(p.scheduled_s) })}>{formatDuration(p.on_duty_s)}</td>
        <td class="num">{p.scheduled_s > 0 ? formatRate(p.duty_rate) : <span class="muted" title={t('patrol.noRoster')}>—</span>}</td>
        <td class="num" data-key="late">{s.lateDays ? t('patrol.daysTime', { n: s.lateDays, time: formatDuration(s.lateS) }) : '0'}</td>
        <td class="num" data-key="early">{s.earlyDays ? t('patrol.daysTime', { n: s.earlyDays, time: formatDuration(s.earlyS) }) : '0'}</td>
        <td class="num" data-key="missed">{p.missed.length}</td>
        <td class="flags"><FlagChips flags={{ signed_outside: s.flags.signed_outside, missing_sign_out: s.flags.missing_sign_out, outside: s.flags.outside, absent: s.flags.absent }} /></td>
        <td><button class="btn" data-testid={`patrol-coverage-${p.inspector}`} onClick={() => onShow({ inspector: p.inspector, day: null, mode: 'coverage' })}>{t('patrol.coverageMap')}</button></td>
      </tr>
      {open && (
        <tr class="patrol-detail" data-testid={`patrol-detail-${p.inspector}`}>
          <td colSpan={10}>
            <DaysTable p={p} shown={shown} onShow={onShow} />
            <MissedList p={p} onShow={onShow} onOpenCase={onOpenCase} />
          </td>
        </tr>
      )}
    </>
  );
}

function DaysTable({ p, shown, onShow }: { p: InspectorPatrol; shown: Shown | null; onShow(s: Shown): void }) {
  const [cellsOf, setCellsOf] = useState<string | null>(null);
  if (!p.days.length) return <p class="muted">{t('patrol.noDays')}</p>;
  return (
    <table class="table days-table" data-testid={`patrol-days-${p.inspector}`}>
      <thead>
        <tr>
          <th>{t('patrol.col.day')}</th><th class="num">{t('patrol.col.cells')}</th><th class="num">{t('patrol.col.km')}</th>
          <th class="num">{t('patrol.col.onDutyOf')}</th><th class="num">{t('patrol.col.late')}</th><th class="num">{t('patrol.col.early')}</th>
          <th class="num">{t('patrol.col.outside')}</th><th>{t('patrol.col.flags')}</th><th />
        </tr>
      </thead>
      <tbody>
        {p.days.map((d) => {
          const cov = coverageOf(coverageCells(p, d.day));
          const flags = dayFlags(d);
          const outS = d.outside.reduce((a, [x, y]) => a + Math.max(0, y - x), 0);
          const on = shown?.inspector === p.inspector && shown.day === d.day;
          return (
            <Fragment key={d.day}>
              <tr data-testid={`patrol-day-${p.inspector}-${d.day}`} data-flags={flags.join(' ')} class={on ? 'on' : ''}>
                <td>{d.day}</td>
                <td class="num">{t('patrol.cellsVisited', { visited: cov.visited, assigned: cov.assigned })}</td>
                <td class="num">{formatKm(d.metres)}</td>
                <td class="num">{d.scheduled_s > 0 ? `${formatDuration(d.on_duty_s)} / ${formatDuration(d.scheduled_s)}` : t('patrol.notRostered')}</td>
                <td class="num">{formatDuration(d.late_s)}</td>
                <td class="num">{formatDuration(d.early_leave_s)}</td>
                <td class="num" title={d.outside.map(([a, b]) => `${clockOf(a)}–${clockOf(b)}`).join('，')}>{formatDuration(outS)}</td>
                <td class="flags">{flags.length ? flags.map((f) => <span key={f} class={`flag flag-${f}`} data-flag={f}>{tk(`patrol.flag.${f}`)}</span>) : <span class="muted">—</span>}</td>
                <td class="row-buttons tight">
                  <button class="btn" data-testid={`patrol-day-cells-${d.day}`} aria-expanded={cellsOf === d.day} onClick={() => setCellsOf(cellsOf === d.day ? null : d.day)}>{t('patrol.cellsButton')}</button>
                  <button class="btn" data-testid={`patrol-day-coverage-${d.day}`} onClick={() => onShow({ inspector: p.inspector, day: d.day, mode: 'coverage' })}>{t('patrol.coverageMap')}</button>
                  <button class="btn btn-primary" data-testid={`patrol-day-track-${d.day}`} onClick={() => onShow({ inspector: p.inspector, day: d.day, mode: 'track' })}>{t('patrol.playback')}</button>
                </td>
              </tr>
              {cellsOf === d.day && <tr><td colSpan={9}><CellsTable d={d} /></td></tr>}
            </Fragment>
          );
        })}
      </tbody>
    </table>
  );
}

function CellsTable({ d }: { d: InspectorDay }) {
  const cells = [...d.cells].sort((a, b) => Number(b.assigned) - Number(a.assigned) || Number(a.visited) - Number(b.visited) || a.cell.localeCompare(b.cell));
  return (
    <table class="table cells-table" data-testid={`patrol-cells-${d.day}`}>
      <thead><tr><th>{t('patrol.col.cell')}</th><th>{t('patrol.col.assigned')}</th><th>{t('patrol.col.visited')}</th><th class="num">{t('patrol.col.metres')}</th><th class="num">{t('patrol.col.time')}</th></tr></thead>
      <tbody>
        {cells.map((c) => (
          <tr key={c.cell} data-cell={c.cell} data-visited={c.visited} class={c.assigned && !c.visited ? 'warn-row' : ''}>
            <td class="mono">{c.cell}</td>
            <td>{c.assigned ? t('common.yes') : t('patrol.notAssignedShort')}</td>
            <td>{c.visited ? t('patrol.visited') : t('patrol.notVisited')}</td>
            <td class="num">{Math.round(c.metres)}</td>
            <td class="num">{formatDuration(c.seconds)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function MissedList({ p, onShow, onOpenCase }: { p: InspectorPatrol; onShow(s: Shown): void; onOpenCase(id: string): void }) {
  if (!p.missed.length) return <p class="muted small" data-testid={`patrol-missed-none-${p.inspector}`}>{t('patrol.noMissed')}</p>;
  return (
    <div class="missed-list" data-testid={`patrol-missed-${p.inspector}`}>
      <h3>{t('patrol.missedTitle', { n: p.missed.length })}</h3>
      <ul>
        {p.missed.map((m) => {
          const day = formatDate(m.segment[0] * 1000);
          return (
            <li key={m.case_id} data-case-id={m.case_id}>
              <button class="btn btn-ghost" onClick={() => onOpenCase(m.case_id)}>{m.case_number ?? t('map.notFiled')}</button>
              <span>{t('patrol.missedLine', { day, from: clockOf(m.segment[0]), to: clockOf(m.segment[1]), m: m.distance_m.toFixed(0) })}</span>
              <button class="btn" data-testid={`patrol-evidence-${m.case_id}`} onClick={() => onShow({ inspector: p.inspector, day, mode: 'track', focus: m })}>{t('patrol.evidence')}</button>
            </li>
          );
        })}
      </ul>
    </div>
  );
}

/** The map card of one selection: loads the day's track for playback; the case locations of the
 *  day's 漏报 when this device holds those cases. */
function ShownMap({ p, shown, cells, onClose, onOpenCase }: {
  p: InspectorPatrol; shown: Shown; cells: GeoJSON.FeatureCollection | null; onClose(): void; onOpenCase(id: string): void;
}) {
  const { backend, signedOut } = useApp();
  const [track, setTrack] = useState<TrackDay | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const [caseAt, setCaseAt] = useState<Record<string, { lon: number; lat: number }>>({});
  const coverage = useMemo(() => coverageCells(p, shown.day), [p, shown.day]);
  const day = shown.day ? p.days.find((d) => d.day === shown.day) ?? null : null;
  const missed = useMemo(() => (shown.day ? missedOn(p.missed, shown.day) : []), [p, shown.day]);
  const outside = useMemo(() => day?.outside ?? [], [day]);

  useEffect(() => {
    if (shown.mode !== 'track' || !shown.day) return;
    backend.patrolTrack(p.inspector, shown.day).then(setTrack, (e) => {
      const err = toApiError(e);
      if (err.code === 'not_signed_in') signedOut();
      setError(err);
    });
    for (const m of missed) {
      backend.caseDetail(m.case_id).then((d) => { const r = d.report; if (r) setCaseAt((c) => ({ ...c, [m.case_id]: { lon: r.lon, lat: r.lat } })); }, () => {});
    }
  }, []);

  const cov = coverageOf(coverage);
  const title = shown.mode === 'track'
    ? t('patrol.playbackTitle', { name: p.name, day: shown.day ?? '' })
    : shown.day ? t('patrol.coverageDayTitle', { name: p.name, day: shown.day }) : t('patrol.coveragePeriodTitle', { name: p.name });
  return (
    <div class="card patrol-map-card" data-testid="patrol-map-card" data-mode={shown.mode} data-day={shown.day ?? ''}>
      <div class="map-head">
        <h2>{title}</h2>
        <span class="muted" data-testid="patrol-map-summary">
          {t('patrol.coverageHint', { visited: cov.visited, assigned: cov.assigned })}
          {day && ` · ${t('patrol.col.km')} ${formatKm(day.metres)}`}
        </span>
        <button class="btn btn-ghost" data-testid="patrol-map-close" onClick={onClose} aria-label={t('common.close')}>✕</button>
      </div>
      {error && <div class="error-box" role="alert" data-testid="patrol-track-error" data-code={error.code}>{error.message}</div>}
      {shown.mode === 'track' && !track && !error && <Spinner />}
      {shown.focus && (
        <p class="missed-focus" data-testid="patrol-focus">{t('patrol.focusLine', {
          number: shown.focus.case_number ?? t('map.notFiled'), from: clockOf(shown.focus.segment[0]), to: clockOf(shown.focus.segment[1]), m: shown.focus.distance_m.toFixed(0),
        })}</p>
      )}
      <PatrolMap cells={cells} coverage={coverage} track={shown.mode === 'track' ? track : null} outside={outside}
        missed={shown.mode === 'track' ? missed : []} focus={shown.focus ?? null} caseAt={caseAt} onOpenCase={onOpenCase} />
    </div>
  );
}
