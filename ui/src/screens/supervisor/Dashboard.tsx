// 综合看板 for 领导 and 值班长: the period's and the day's 上报/立案/派遣/结案 and 按期结案率 as
// cards with the trend against the previous period, overdue cases by department, 高发 categories,
// cells and streets; every figure opens the cases behind it (drill-down). 大屏 mode: full screen,
// large type, refreshed every minute. 月报/季报 export as XLSX. Shaping lives in logic/dashboard.ts.
import { useEffect, useRef, useState } from 'preact/hooks';
import type { ApiError } from '../../backend';
import { toApiError } from '../../backend';
import {
  formatValue, isToday, presetDays, reportPeriods, spanLabel, statusZh, toDashboard, top, trend, trendTone,
  type DashboardData, type Drill, type DrillPage, type Headline, type HotLine, type Preset,
} from '../../logic/dashboard';
import { formatDate, formatDateTime, parseDay } from '../../logic/time';
import { t } from '../../i18n';
import { useApp, useFail } from '../../ui/context';
import { Field, Spinner } from '../../ui/common';

const REFRESH_MS = 60_000;

export function Dashboard({ onOpenCase }: { onOpenCase(id: string): void }) {
  const { backend, toast, signedOut } = useApp();
  const fail = useFail();
  const init = presetDays('month', Date.now());
  const [from, setFrom] = useState(init.from);
  const [to, setTo] = useState(init.to);
  const [data, setData] = useState<DashboardData | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);
  const [rangeError, setRangeError] = useState(false);
  const [big, setBig] = useState(false);
  const [drill, setDrill] = useState<Drill | null>(null);
  const [now, setNow] = useState(Date.now());
  const seq = useRef(0);
  const range = useRef({ from, to });
  range.current = { from, to };

  async function run(f = range.current.from, e = range.current.to) {
    const a = parseDay(f); const b = parseDay(e);
    if (a == null || b == null || b < a) { setRangeError(true); return; }
    setRangeError(false);
    const mine = ++seq.current;
    setBusy(true);
    try {
      const d = toDashboard(await backend.dashboard(f, e));
      if (mine !== seq.current) return;
      if (d) { setData(d); setError(null); } else { setData(null); setError({ code: 'bad_response', message: t('dash.badResponse') }); }
      setNow(Date.now());
    } catch (err) {
      if (mine !== seq.current) return;
      const x = toApiError(err);
      if (x.code === 'not_signed_in') signedOut();
      setData(null);
      setError(x);
    } finally {
      if (mine === seq.current) setBusy(false);
    }
  }
  function preset(p: Preset) { const d = presetDays(p, Date.now()); setFrom(d.from); setTo(d.to); void run(d.from, d.to); }
  async function exportReport(kind: 'month' | 'quarter') {
    const p = reportPeriods(from);
    if (!p) { setRangeError(true); return; }
    try {
      const path = kind === 'month' ? await backend.monthlyReport(p.month) : await backend.quarterlyReport(p.quarter);
      toast(t('dash.exported', { path }), 'success');
    } catch (e) { fail(e); }
  }

  useEffect(() => { void run(); }, []);
  // 大屏: refreshed every minute, Escape leaves it.
  useEffect(() => {
    if (!big) return;
    const timer = window.setInterval(() => { void run(); }, REFRESH_MS);
    const key = (e: KeyboardEvent) => { if (e.key === 'Escape') setBig(false); };
    window.addEventListener('keydown', key);
    return () => { window.clearInterval(timer); window.removeEventListener('keydown', key); };
  }, [big]);

  const open = (d: Drill) => setDrill(d);

  return (
    <section class={`dashboard${big ? ' dash-big' : ''}`} data-testid="dashboard" data-big={big ? '1' : '0'}>
      <div class="dash-head">
        <h1>{data ? t('dash.titleOf', { tenant: data.tenant_name }) : t('dash.title')}</h1>
        {big && <span class="dash-clock" data-testid="dash-clock">{formatDateTime(now)}</span>}
        {big && <button class="btn" data-testid="dash-big-exit" onClick={() => setBig(false)}>{t('dash.bigExit')}</button>}
      </div>
      {!big && (
        <>
          <div class="eval-controls">
            <Field label={t('eval.from')} error={rangeError ? t('eval.badRange') : null}>
              <input class="input input-day" type="text" inputMode="numeric" data-testid="dash-from" value={from} onInput={(e) => setFrom((e.currentTarget as HTMLInputElement).value)} />
            </Field>
            <Field label={t('eval.to')}>
              <input class="input input-day" type="text" inputMode="numeric" data-testid="dash-to" value={to} onInput={(e) => setTo((e.currentTarget as HTMLInputElement).value)} />
            </Field>
          </div>
          <div class="row-buttons">
            <button class="btn" data-testid="dash-this-month" onClick={() => preset('month')}>{t('eval.thisMonth')}</button>
            <button class="btn" data-testid="dash-this-quarter" onClick={() => preset('quarter')}>{t('eval.thisQuarter')}</button>
            <button class="btn" data-testid="dash-last-month" onClick={() => preset('lastMonth')}>{t('eval.lastMonth')}</button>
            <button class="btn btn-primary" data-testid="dash-run" disabled={busy} onClick={() => void run()}>{t('eval.query')}</button>
            <button class="btn" data-testid="dash-export-month" onClick={() => void exportReport('month')}>{t('dash.exportMonth')}</button>
            <button class="btn" data-testid="dash-export-quarter" onClick={() => void exportReport('quarter')}>{t('dash.exportQuarter')}</button>
            <button class="btn" data-testid="dash-big" onClick={() => setBig(true)}>{t('dash.big')}</button>
          </div>
        </>
      )}
      {busy && !data && <Spinner />}
      {error && <div class="error-box" role="alert" data-testid="dash-error" data-code={error.code}>{error.message}</div>}
      {data && <Board data={data} now={now} onDrill={open} />}
      {drill && data && (
        <DrillView drill={drill} days={{ from, to }} onClose={() => setDrill(null)} onOpenCase={(id) => { setBig(false); onOpenCase(id); }} />
      )}
    </section>
  );
}

function Board({ data, now, onDrill }: { data: DashboardData; now: number; onDrill(d: Drill): void }) {
  const p = data.periods;
  const dayLabel = isToday(p.day, now) ? t('dash.today') : t('dash.dayOf', { day: formatDate(p.day.from) });
  return (
    <div class="dash-board">
      <p class="muted" data-testid="dash-period" data-from-ms={p.current.from} data-to-ms={p.current.to}>
        {t('dash.periodLine', { current: spanLabel(p.current), previous: spanLabel(p.previous) })}
      </p>
      <div class="dash-cards">
        {data.figures.map((h) => <Card key={h.key} h={h} dayLabel={dayLabel} onDrill={onDrill} />)}
      </div>
      <div class="dash-panels">
        <div class="card dash-panel">
          <h2>{t('dash.departments')}</h2>
          <table class="table dash-table" data-testid="dash-departments">
            <thead><tr>
              <th>{t('dash.col.department')}</th><th class="num">{t('dash.col.due')}</th><th class="num">{t('dash.col.handled')}</th>
              <th class="num">{t('dash.col.ontimeRate')}</th><th class="num">{t('dash.col.overduePending')}</th><th class="num">{t('dash.col.overdueNow')}</th>
            </tr></thead>
            <tbody>
              {data.departments.map((d) => (
                <tr key={d.id} data-testid={`dash-dept-${d.id}`}>
                  <td>{d.name}</td>
                  <td class="num"><button class="link" data-testid={`dash-dept-due-${d.id}`} onClick={() => onDrill({ scope: 'current', figure: 'due', department: d.id, title: `${d.name} ${t('dash.col.due')}` })}>{d.due}</button></td>
                  <td class="num">{d.handled}</td>
                  <td class="num">{formatValue('rate', d.ontime_handle_rate)}</td>
                  <td class="num"><button class="link" onClick={() => onDrill({ scope: 'current', figure: 'overdue_pending', department: d.id, title: `${d.name} ${t('dash.col.overduePending')}` })}>{d.overdue_pending}</button></td>
                  <td class={`num${d.overdue_now > 0 ? ' dash-red' : ''}`}>
                    <button class="link" data-testid={`dash-overdue-${d.id}`} data-value={d.overdue_now}
                      onClick={() => onDrill({ scope: 'current', figure: 'overdue_now', department: d.id, title: `${d.name} ${t('dash.col.overdueNow')}` })}>{d.overdue_now}</button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
        <HotList title={t('dash.hotCategories')} testid="dash-categories" lines={top(data.categories, 10)}
          onDrill={(l) => onDrill({ scope: 'current', figure: 'filed', category: l.id, title: `${l.name} ${t('dash.filed')}` })} />
        <HotList title={t('dash.hotCells')} testid="dash-cells" lines={top(data.cells, 10)}
          onDrill={(l) => onDrill({ scope: 'current', figure: 'filed', cell: l.id, title: `${t('dash.cell')} ${l.name} ${t('dash.filed')}` })} />
        <HotList title={t('dash.hotStreets')} testid="dash-streets" lines={top(data.streets, 10)}
          onDrill={(l) => onDrill({ scope: 'current', figure: 'filed', street: l.id, title: `${l.name} ${t('dash.filed')}` })} />
      </div>
    </div>
  );
}

function Card({ h, dayLabel, onDrill }: { h: Headline; dayLabel: string; onDrill(d: Drill): void }) {
  const tr = trend(h.kind, h.value, h.previous);
  const tone = trendTone(h.key, tr.dir);
  // A rate drills into its denominator (应结案).
  const figure = h.key;
  return (
    <div class="card dash-card" data-testid={`dash-card-${h.key}`}>
      <div class="dash-card-label">{h.label}</div>
      <button class="dash-value link" data-testid={`dash-fig-${h.key}`} data-value={h.value ?? ''}
        onClick={() => onDrill({ scope: 'current', figure, title: h.label })}>{formatValue(h.kind, h.value)}</button>
      {h.kind === 'rate' && h.denominator != null && <div class="muted small">{h.numerator}/{h.denominator}</div>}
      <div class={`dash-trend dash-${tone}`} data-testid={`dash-trend-${h.key}`} data-dir={tr.dir} title={t('dash.previousValue', { value: formatValue(h.kind, h.previous) })}>
        {tr.arrow} {tr.text}
      </div>
      <button class="dash-day link small" data-testid={`dash-day-${h.key}`} data-value={h.day ?? ''}
        onClick={() => onDrill({ scope: 'day', figure, title: `${dayLabel}${h.label}` })}>
        {dayLabel} {formatValue(h.kind, h.day)}
      </button>
    </div>
  );
}

function HotList({ title, testid, lines, onDrill }: { title: string; testid: string; lines: HotLine[]; onDrill(l: HotLine): void }) {
  return (
    <div class="card dash-panel" data-testid={testid}>
      <h2>{title}</h2>
      {lines.length === 0 ? <p class="muted">{t('dash.none')}</p> : (
        <ol class="dash-hot">
          {lines.map((l) => {
            const tr = trend('count', l.filed, l.previous_filed);
            return (
              <li key={l.id}>
                <button class="link" data-testid={`${testid}-${l.id}`} data-value={l.filed} onClick={() => onDrill(l)}>
                  <span class="dash-hot-name">{l.class ? `${l.class} / ` : ''}{l.name}</span>
                  <span class="dash-hot-n">{l.filed}</span>
                  <span class={`dash-hot-trend dash-${tr.dir}`} title={t('dash.previousValue', { value: String(l.previous_filed) })}>{tr.arrow}</span>
                </button>
              </li>
            );
          })}
        </ol>
      )}
    </div>
  );
}

function DrillView({ drill, days, onClose, onOpenCase }: {
  drill: Drill; days: { from: string; to: string }; onClose(): void; onOpenCase(id: string): void;
}) {
  const { backend } = useApp();
  const [page, setPage] = useState<DrillPage | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  useEffect(() => {
    let live = true;
    setPage(null); setError(null);
    backend.dashboardCases({ from: days.from, to: days.to, ...drill })
      .then((p) => { if (live) setPage(p as DrillPage); })
      .catch((e) => { if (live) setError(toApiError(e)); });
    return () => { live = false; };
  }, [drill]);
  return (
    <div class="card dash-drill" data-testid="dash-drill">
      <div class="dash-head">
        <h2 data-testid="dash-drill-title">{drill.title}</h2>
        <button class="btn" data-testid="dash-drill-close" onClick={onClose}>{t('common.close')}</button>
      </div>
      {!page && !error && <Spinner />}
      {error && <div class="error-box" role="alert" data-code={error.code}>{error.message}</div>}
      {page && (
        <>
          <p class="muted" data-testid="dash-drill-total" data-total={page.total}>
            {t('dash.drillTotal', { total: page.total })}{page.total > page.rows.length ? t('dash.drillShown', { shown: page.rows.length }) : ''}
          </p>
          <table class="table">
            <thead><tr><th>{t('dash.col.number')}</th><th>{t('dash.col.status')}</th><th>{t('dash.col.address')}</th><th>{t('dash.col.reported')}</th></tr></thead>
            <tbody>
              {page.rows.map((r) => (
                // The row opens the case on a click anywhere; its number is a real button, so the
                // keyboard and screen readers reach it too.
                <tr key={r.case_id} class="clickable" data-testid="dash-drill-row" data-case={r.case_id} onClick={() => onOpenCase(r.case_id)}>
                  <td class="mono">
                    <button type="button" class="link" data-testid={`dash-drill-open-${r.case_id}`}
                      onClick={(e) => { e.stopPropagation(); onOpenCase(r.case_id); }}>
                      {r.case_number ?? t('dash.unnumbered')}
                    </button>
                  </td>
                  <td>{statusZh(r.status)}</td>
                  <td>{r.address ?? r.description ?? ''}</td>
                  <td>{formatDateTime(r.created_at)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
    </div>
  );
}
