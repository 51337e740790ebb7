// 综合评价: a period (inclusive Shanghai days) and a table (街道 … 派遣员); the server's figures as
// a sortable table with weights, composite score and grade, a bar chart of the composite score,
// and XLSX/CSV export. Runs once for this month when the page opens. Shaping lives in
// logic/evaluation.ts.
import { useEffect, useRef, useState } from 'preact/hooks';
import type { ApiError, EvaluationLevel, EvaluationReport, ExportFormat } from '../../backend';
import { toApiError } from '../../backend';
import {
  columnHeader, DEFAULT_LEVEL, DEFAULT_SORT, EVALUATION_LEVELS, figureOf, figureTitle, formatFigure, formatScore,
  gradeColor, isEvaluationLevel, nextSort, publishedLine, reportHeading, scoreBars, sortRows, toReport, type Sort,
} from '../../logic/evaluation';
import { formatDate, monthRange, parseDay, quarterRange } from '../../logic/time';
import { t } from '../../i18n';
import { useApp, useFail } from '../../ui/context';
import { Field, Modal, Spinner } from '../../ui/common';

const DAY = 86_400_000;
const FAMILY_LABEL = { region: 'eval.level.region', department: 'eval.level.department', position: 'eval.level.position' } as const;

export function Evaluation() {
  const { backend, toast, signedOut, session } = useApp();
  // 发布: shift leaders and administrators (the server checks it again).
  const mayPublish = session?.role === 'shift_leader' || session?.role === 'admin';
  const [publishing, setPublishing] = useState(false);
  const fail = useFail();
  const init = monthRange(Date.now());
  const [from, setFrom] = useState(formatDate(init.from));
  const [to, setTo] = useState(formatDate(init.to - DAY));
  const [level, setLevel] = useState<EvaluationLevel>(DEFAULT_LEVEL);
  const [report, setReport] = useState<EvaluationReport | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);
  const [rangeError, setRangeError] = useState(false);
  const [sort, setSort] = useState<Sort>(DEFAULT_SORT);
  const seq = useRef(0);

  function checkRange(): boolean {
    const f = parseDay(from); const e = parseDay(to);
    const ok = f != null && e != null && e >= f;
    setRangeError(!ok);
    return ok;
  }
  function preset(r: { from: number; to: number }) { setFrom(formatDate(r.from)); setTo(formatDate(r.to - DAY)); }

  async function run() {
    if (!checkRange()) return;
    const mine = ++seq.current;
    setBusy(true);
    try {
      const json: unknown = await backend.evaluation(from, to, level);
      if (mine !== seq.current) return;
      const r = toReport(json);
      if (r) { setReport(r); setError(null); setSort(DEFAULT_SORT); }
      else { setReport(null); setError({ code: 'bad_response', message: t('eval.badResponse') }); }
    } catch (e) {
      if (mine !== seq.current) return;
      const err = toApiError(e);
      if (err.code === 'not_signed_in') signedOut();
      setReport(null);
      setError(err);
    } finally {
      if (mine === seq.current) setBusy(false);
    }
  }
  async function exportAs(format: ExportFormat) {
    if (!checkRange()) return;
    try { toast(t('eval.exported', { path: await backend.evaluationExport(from, to, format, level) }), 'success'); } catch (e) { fail(e); }
  }

  async function publish(reason: string | null) {
    try {
      const r = await backend.evaluationPublish(from, to, reason);
      toast(t('eval.publishDone', { version: r.version }), 'success');
      setPublishing(false);
      await run();
    } catch (e) {
      fail(e);
    }
  }

  useEffect(() => { void run(); }, []);

  return (
    <section class="evaluation" data-testid="evaluation">
      <h1>{t('eval.title')}</h1>
      <div class="eval-controls">
        <Field label={t('eval.from')} error={rangeError ? t('eval.badRange') : null}>
          <input class="input input-day" type="text" inputMode="numeric" placeholder="2026-12-01" data-testid="eval-from" value={from} onInput={(e) => setFrom((e.currentTarget as HTMLInputElement).value)} />
        </Field>
        <Field label={t('eval.to')}>
          <input class="input input-day" type="text" inputMode="numeric" placeholder="2026-12-01" data-testid="eval-to" value={to} onInput={(e) => setTo((e.currentTarget as HTMLInputElement).value)} />
        </Field>
        <Field label={t('eval.level')}>
          <select class="input" data-testid="eval-level" value={level}
            onChange={(e) => { const v = (e.currentTarget as HTMLSelectElement).value; if (isEvaluationLevel(v)) setLevel(v); }}>
            {(['region', 'department', 'position'] as const).map((fam) => (
              <optgroup key={fam} label={t(FAMILY_LABEL[fam])}>
                {EVALUATION_LEVELS.filter((l) => l.family === fam).map((l) => <option key={l.level} value={l.level}>{l.label}</option>)}
              </optgroup>
            ))}
          </select>
        </Field>
      </div>
      <div class="row-buttons">
        <button class="btn" data-testid="eval-this-month" onClick={() => preset(monthRange(Date.now()))}>{t('eval.thisMonth')}</button>
        <button class="btn" data-testid="eval-last-month" onClick={() => preset(monthRange(Date.now(), 1))}>{t('eval.lastMonth')}</button>
        <button class="btn" data-testid="eval-this-quarter" onClick={() => preset(quarterRange(Date.now()))}>{t('eval.thisQuarter')}</button>
        <button class="btn btn-primary" data-testid="eval-run" disabled={busy} onClick={run}>{t('eval.query')}</button>
        <button class="btn" data-testid="eval-export-xlsx" onClick={() => exportAs('xlsx')}>{t('eval.export', { format: 'XLSX' })}</button>
        <button class="btn" data-testid="eval-export-csv" onClick={() => exportAs('csv')}>{t('eval.export', { format: 'CSV' })}</button>
        {mayPublish && (
          <button class="btn" data-testid="eval-publish" disabled={busy || !report} onClick={() => { if (checkRange()) setPublishing(true); }}>
            {report?.published ? t('eval.republish') : t('eval.publish')}
          </button>
        )}
      </div>
      {publishing && (
        <PublishForm from={from} to={to} republish={!!report?.published} onClose={() => setPublishing(false)} onPublish={publish} />
      )}
      {busy && <Spinner />}
      {error && <div class="error-box" role="alert" data-testid="eval-error" data-code={error.code}>{error.message}</div>}
      {report && <ReportView report={report} sort={sort} onSort={(k) => setSort(nextSort(sort, k))} />}
    </section>
  );
}

/** The 发布 dialog: what publishing does, and the reason (required to republish). */
function PublishForm({ from, to, republish, onClose, onPublish }: {
  from: string; to: string; republish: boolean; onClose(): void; onPublish(reason: string | null): Promise<void>;
}) {
  const [reason, setReason] = useState('');
  // The latest text, also between an input event and the re-render it causes (as ActionForm).
  const latest = useRef('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  async function submit(e: Event) {
    e.preventDefault();
    const r = latest.current.trim();
    if (republish && r.length < 2) { setError(t('eval.republishReasonRequired')); return; }
    if (r.length > 500) { setError(t('err.textTooLong')); return; }
    setBusy(true);
    try { await onPublish(r || null); } finally { setBusy(false); }
  }
  return (
    <Modal title={republish ? t('eval.republish') : t('eval.publish')} onClose={onClose} testid="eval-publish-form">
      <form onSubmit={submit}>
        <p>{t(republish ? 'eval.republishHint' : 'eval.publishHint', { from, to })}</p>
        <Field label={t('eval.publishReason')} error={error}>
          <textarea class="input" rows={3} maxLength={500} data-testid="eval-publish-reason" value={reason}
            onInput={(e) => { latest.current = (e.currentTarget as HTMLTextAreaElement).value; setReason(latest.current); }} />
        </Field>
        <div class="editor-actions">
          <button type="button" class="btn" data-testid="eval-publish-cancel" onClick={onClose}>{t('common.cancel')}</button>
          <button type="submit" class="btn btn-primary" data-testid="eval-publish-submit" disabled={busy}>{t('eval.publishConfirm')}</button>
        </div>
      </form>
    </Modal>
  );
}

function GradeBadge({ grade }: { grade: string | null }) {
  const c = gradeColor(grade);
  return <span class="grade" data-grade={grade ?? ''} style={{ background: c.bg, color: c.fg }}>{grade ?? '—'}</span>;
}

function PublishedBadge({ report }: { report: EvaluationReport }) {
  const p = report.published;
  if (!p) return <p class="muted small" data-testid="eval-live">{t('eval.live')}</p>;
  return (
    <div class="eval-published" data-testid="eval-published" data-version={p.version} title={t('eval.publishedHint')}>
      <span class="badge">{t('eval.published')}</span> <span>{publishedLine(p)}</span>
      {p.reason && <div class="small" data-testid="eval-published-reason">{t('eval.publishedReason', { reason: p.reason })}</div>}
      <div class="muted small mono">{t('eval.publishedRules', { fingerprint: p.rules_fingerprint.slice(0, 16) })}</div>
    </div>
  );
}

function ReportView({ report, sort, onSort }: { report: EvaluationReport; sort: Sort; onSort(key: string): void }) {
  if (report.rows.length === 0) {
    return (
      <div class="card" data-testid="eval-empty">
        <h2 data-testid="eval-heading">{reportHeading(report)}</h2>
        <PublishedBadge report={report} />
        <p class="muted">{t('eval.empty')}</p>
      </div>
    );
  }
  const rows = sortRows(report.rows, sort);
  const { bars, scoreless } = scoreBars(report.rows);
  const head = (key: string, label: string, num: boolean) => {
    const on = sort.key === key;
    return (
      <th key={key} class={num ? 'num' : ''} aria-sort={on ? (sort.dir === 'asc' ? 'ascending' : 'descending') : 'none'}>
        <button class="th-sort" data-testid={`eval-sort-${key}`} onClick={() => onSort(key)}>
          {label}{on ? (sort.dir === 'asc' ? ' ▲' : ' ▼') : ''}
        </button>
      </th>
    );
  };
  return (
    <>
      <div class="card">
        <h2 data-testid="eval-heading">{reportHeading(report)}</h2>
        <PublishedBadge report={report} />
        <div class="table-wrap">
          <table class="table eval-table" data-testid="eval-table" data-level={report.level} data-sort={sort.key} data-dir={sort.dir}>
            <thead>
              <tr>
                {head('name', t('eval.col.name'), false)}
                {report.columns.map((c) => head(c.key, columnHeader(c), true))}
                {head('score', t('eval.col.score'), true)}
                {head('grade', t('eval.col.grade'), false)}
              </tr>
            </thead>
            <tbody>
              {rows.map((r) => (
                <tr key={r.id} data-testid={`eval-row-${r.id}`} data-score={r.score ?? ''} data-grade={r.grade ?? ''}>
                  <td><div>{r.name}</div><div class="muted mono small">{r.id}</div></td>
                  {report.columns.map((c) => {
                    const f = figureOf(r, c.key);
                    return <td key={c.key} class="num" data-key={c.key} title={figureTitle(f)}>{formatFigure(c.kind, f?.value)}</td>;
                  })}
                  <td class="num strong" data-key="score">{formatScore(r.score)}</td>
                  <td data-key="grade"><GradeBadge grade={r.grade} /></td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </div>
      <div class="card">
        <h2>{t('eval.chart')}</h2>
        <div class="eval-chart" data-testid="eval-chart" role="img" aria-label={t('eval.chart')}>
          {bars.map((b) => (
            <div class="bar-row" key={b.id} data-testid={`eval-bar-${b.id}`} data-score={b.score} data-width={b.widthPct}>
              <span class="bar-name" title={b.name}>{b.name}</span>
              <span class="bar-track"><span class="bar-fill" style={{ width: `${b.widthPct}%`, background: gradeColor(b.grade).bg }} /></span>
              <span class="bar-value">{b.label}{b.grade ? ` ${b.grade}` : ''}</span>
            </div>
          ))}
          {bars.length === 0 && <p class="muted">{t('eval.noScores')}</p>}
        </div>
        {scoreless > 0 && bars.length > 0 && <p class="muted small">{t('eval.scoreless', { n: scoreless })}</p>}
      </div>
    </>
  );
}
