// 综合评价: a period and a level, the server's JSON rendered as tables (whatever arrays of
// objects it holds), and CSV/XLSX export.
import { useState } from 'preact/hooks';
import type { EvaluationLevel, ExportFormat } from '../../backend';
import { extractTables, formatCell, isNumericColumn, type Table } from '../../logic/table';
import { formatDate, monthRange, parseDay, quarterRange } from '../../logic/time';
import { t } from '../../i18n';
import { useApp, useFail } from '../../ui/context';
import { Field, Spinner } from '../../ui/common';

const DAY = 86_400_000;

export function Evaluation() {
  const { backend, toast } = useApp();
  const fail = useFail();
  const init = monthRange(Date.now());
  const [from, setFrom] = useState(formatDate(init.from));
  const [to, setTo] = useState(formatDate(init.to - DAY));
  const [level, setLevel] = useState<EvaluationLevel>('region');
  const [tables, setTables] = useState<Table[] | null>(null);
  const [raw, setRaw] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const [rangeError, setRangeError] = useState(false);

  function range(): { from: number; to: number } | null {
    const f = parseDay(from); const e = parseDay(to);
    if (f == null || e == null || e < f) { setRangeError(true); return null; }
    setRangeError(false);
    return { from: f, to: e + DAY }; // the end day is included
  }
  function preset(r: { from: number; to: number }) { setFrom(formatDate(r.from)); setTo(formatDate(r.to - DAY)); }

  async function query() {
    const r = range(); if (!r) return;
    setBusy(true);
    try {
      const json = await backend.evaluation(r.from, r.to, level);
      setRaw(json);
      setTables(extractTables(json));
    } catch (e) { fail(e); } finally { setBusy(false); }
  }
  async function exportAs(format: ExportFormat) {
    const r = range(); if (!r) return;
    try { toast(t('eval.exported', { path: await backend.evaluationExport(r.from, r.to, format) }), 'success'); } catch (e) { fail(e); }
  }

  return (
    <section class="evaluation" data-testid="evaluation">
      <h1>{t('eval.title')}</h1>
      <div class="eval-controls">
        <Field label={t('eval.from')} error={rangeError ? t('eval.badRange') : null}>
          <input class="input" type="date" data-testid="eval-from" value={from} onInput={(e) => setFrom((e.currentTarget as HTMLInputElement).value)} />
        </Field>
        <Field label={t('eval.to')}>
          <input class="input" type="date" data-testid="eval-to" value={to} onInput={(e) => setTo((e.currentTarget as HTMLInputElement).value)} />
        </Field>
        <Field label={t('eval.level')}>
          <select class="input" data-testid="eval-level" value={level} onChange={(e) => setLevel((e.currentTarget as HTMLSelectElement).value as EvaluationLevel)}>
            <option value="region">{t('eval.level.region')}</option>
            <option value="department">{t('eval.level.department')}</option>
            <option value="position">{t('eval.level.position')}</option>
          </select>
        </Field>
      </div>
      <div class="row-buttons">
        <button class="btn" data-testid="eval-this-month" onClick={() => preset(monthRange(Date.now()))}>{t('eval.thisMonth')}</button>
        <button class="btn" data-testid="eval-last-month" onClick={() => preset(monthRange(Date.now(), 1))}>{t('eval.lastMonth')}</button>
        <button class="btn" data-testid="eval-this-quarter" onClick={() => preset(quarterRange(Date.now()))}>{t('eval.thisQuarter')}</button>
        <button class="btn btn-primary" data-testid="eval-query" disabled={busy} onClick={query}>{t('eval.query')}</button>
        <button class="btn" data-testid="eval-export-xlsx" onClick={() => exportAs('xlsx')}>{t('eval.export', { format: 'XLSX' })}</button>
        <button class="btn" data-testid="eval-export-csv" onClick={() => exportAs('csv')}>{t('eval.export', { format: 'CSV' })}</button>
      </div>
      {busy && <Spinner />}
      {tables && tables.length === 0 && (
        <div data-testid="eval-empty"><p class="muted">{t('eval.empty')}</p>
          {raw != null && <details><summary>{t('eval.raw')}</summary><pre class="raw">{JSON.stringify(raw, null, 2)}</pre></details>}</div>
      )}
      {tables?.map((tb, i) => (
        <div class="card" key={i}>
          {tb.title && <h2>{tb.title}</h2>}
          <div class="table-wrap">
            <table class="table" data-testid={`eval-table-${i}`}>
              <thead><tr>{tb.columns.map((c) => <th key={c}>{c}</th>)}</tr></thead>
              <tbody>
                {tb.rows.map((r, j) => (
                  <tr key={j}>{tb.columns.map((c) => <td key={c} class={isNumericColumn(tb, c) ? 'num' : ''}>{formatCell(r[c])}</td>)}</tr>
                ))}
              </tbody>
            </table>
          </div>
        </div>
      ))}
    </section>
  );
}
