// Pieces of the supervisor's desk (issue 15, docs/ui.md): the filter and sort bar, the batch
// bar with its confirmation and per-case results, and the keyboard shortcuts sheet.
import { Fragment } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import type { BatchItem, CaseRow, Facets, FacetValue, Role } from '../backend/types';
import type { Department } from '../backend';
import type { ListState } from '../logic/queue';
import {
  activeFilterCount, batchKindsFor, NO_FILTERS, partitionBatch, SHORTCUTS, validateFilters,
  type BatchKind, type DeskFilters, type DeskSort,
} from '../logic/desk';
import { t, tk } from '../i18n';
import { useApp, useFail } from '../ui/context';
import { Field, Modal } from '../ui/common';

export function DeskFilterBar({ state, facets, onSort, onFilters }: {
  state: ListState; facets?: Facets; onSort(s: DeskSort): void; onFilters(f: DeskFilters): void;
}) {
  const f = state.filters ?? NO_FILTERS;
  const sort = state.sort ?? 'updated';
  // Days are typed (2026-12-01), applied when valid: never the platform's 12/01/2026 picker.
  const [days, setDays] = useState({ from: f.from, to: f.to });
  const errs = validateFilters({ ...f, ...days });
  useEffect(() => {
    if (days.from === f.from && days.to === f.to) return undefined;
    const h = setTimeout(() => { if (!Object.keys(validateFilters({ ...f, ...days })).length) onFilters({ ...f, ...days }); }, 400);
    return () => clearTimeout(h);
  }, [days.from, days.to]);
  const select = (key: 'category' | 'street' | 'department' | 'source', values: FacetValue[] | undefined) => (
    <label class="desk-filter">
      <span class="field-label">{t(`desk.filter.${key}`)}</span>
      <select class="input" data-testid={`filter-${key}`} value={f[key]} onChange={(e) => onFilters({ ...f, [key]: (e.currentTarget as HTMLSelectElement).value })}>
        <option value="">{t('desk.filter.any')}</option>
        {f[key] && !(values ?? []).some((v) => v.value === f[key]) && <option value={f[key]}>{f[key]}</option>}
        {(values ?? []).map((v) => <option key={v.value} value={v.value}>{v.label}（{v.count}）</option>)}
      </select>
    </label>
  );
  const n = activeFilterCount(f);
  return (
    <div class="desk-bar" data-testid="desk-filters">
      <div class="segmented" role="group" aria-label={t('desk.sort')}>
        {(['updated', 'remaining'] as DeskSort[]).map((k) => (
          <button key={k} type="button" class={sort === k ? 'on' : ''} aria-pressed={sort === k} data-testid={`sort-${k}`} onClick={() => onSort(k)}>
            {t(`desk.sort.${k}`)}
          </button>
        ))}
      </div>
      {select('category', facets?.categories)}
      {select('street', facets?.streets)}
      {select('department', facets?.departments)}
      {select('source', facets?.sources)}
      <label class="desk-filter">
        <span class="field-label">{t('desk.filter.from')}</span>
        <input class={`input input-day${errs.from ? ' invalid' : ''}`} data-testid="filter-from" inputMode="numeric" placeholder={t('desk.filter.dayPlaceholder')}
          value={days.from} title={errs.from ? tk(errs.from) : undefined} onInput={(e) => setDays({ ...days, from: (e.currentTarget as HTMLInputElement).value })} />
      </label>
      <label class="desk-filter">
        <span class="field-label">{t('desk.filter.to')}</span>
        <input class={`input input-day${errs.to ? ' invalid' : ''}`} data-testid="filter-to" inputMode="numeric" placeholder={t('desk.filter.dayPlaceholder')}
          value={days.to} title={errs.to ? tk(errs.to) : undefined} onInput={(e) => setDays({ ...days, to: (e.currentTarget as HTMLInputElement).value })} />
      </label>
      {(errs.from || errs.to) && <span class="field-error" role="alert" data-testid="filter-day-error">{tk((errs.from ?? errs.to)!)}</span>}
      {n > 0 && (
        <button type="button" class="btn btn-ghost" data-testid="filter-clear" onClick={() => { setDays({ from: '', to: '' }); onFilters(NO_FILTERS); }}>
          {t('desk.filter.clear')}（{t('desk.filter.active', { n })}）
        </button>
      )}
    </div>
  );
}

let departmentsCache: Department[] | null = null;

/** The selection's bar: one button per batch action the role has, with how many selected cases
 *  qualify; the confirmation lists what will be done and what skipped (and why); the results
 *  say, case by case, done or skipped with the workflow's reason. */
export function BatchBar({ role, picked, onClear, onDone }: {
  role: Role | null | undefined; picked: CaseRow[]; onClear(): void; onDone(): void;
}) {
  const [open, setOpen] = useState<BatchKind | null>(null);
  const kinds = batchKindsFor(role);
  return (
    <div class="batch-bar" data-testid="batch-bar" data-selected={picked.length}>
      <span>{t('desk.selected', { n: picked.length })}</span>
      {kinds.map((k) => {
        const n = partitionBatch(k, picked, role).eligible.length;
        return (
          <button key={k} type="button" class="btn btn-primary" data-testid={`batch-${k}`} data-eligible={n} disabled={n === 0} onClick={() => setOpen(k)}>
            {t('batch.count', { label: t(`batch.${k}`), n })}
          </button>
        );
      })}
      <button type="button" class="btn btn-ghost" data-testid="batch-clear" onClick={onClear}>{t('desk.clearSelection')}</button>
      {open && <BatchForm kind={open} role={role} picked={picked} onClose={() => setOpen(null)} onDone={() => { setOpen(null); onDone(); }} />}
    </div>
  );
}

function BatchForm({ kind, role, picked, onClose, onDone }: {
  kind: BatchKind; role: Role | null | undefined; picked: CaseRow[]; onClose(): void; onDone(): void;
}) {
  const { backend, toast } = useApp();
  const fail = useFail();
  const { eligible, skipped } = partitionBatch(kind, picked, role);
  const [department, setDepartment] = useState('');
  const [comment, setComment] = useState('');
  const [departments, setDepartments] = useState<Department[]>(departmentsCache ?? []);
  const [busy, setBusy] = useState(false);
  const [results, setResults] = useState<BatchItem[] | null>(null);
  const label = t(`batch.${kind}`);
  const name = (r: { caseNumber: string | null; caseId: string }) => r.caseNumber ?? `${t('list.noNumber')} ${r.caseId.slice(0, 8)}…`;

  useEffect(() => {
    if (kind !== 'dispatch' || departmentsCache) return;
    backend.departments().then((d) => { departmentsCache = d; setDepartments(d); }, fail);
  }, []);

  async function run() {
    if (busy || !eligible.length) return;
    setBusy(true);
    try {
      const input = { kind, ...(department ? { departmentId: department } : {}), ...(comment.trim() ? { comment: comment.trim() } : {}) };
      const out = await backend.actBatch(eligible.map((r) => r.caseId), input);
      setResults(out);
      const done = out.filter((x) => x.outcome === 'done').length;
      toast(t('batch.result', { done, skipped: out.length - done + skipped.length }), done ? 'success' : 'error');
    } catch (e) {
      fail(e);
    } finally {
      setBusy(false);
    }
  }

  if (results) {
    const done = results.filter((x) => x.outcome === 'done').length;
    return (
      <Modal title={label} onClose={onDone} testid={`batch-form-${kind}`}>
        <p data-testid="batch-summary">{t('batch.result', { done, skipped: results.length - done + skipped.length })}</p>
        <ul class="batch-list" data-testid="batch-results">
          {results.map((x) => (
            <li key={x.caseId} data-testid={`batch-result-${x.caseId}`} data-outcome={x.outcome}>
              <strong>{name(x)}</strong> {tk(`batch.outcome.${x.outcome}`)}{x.message ? `：${x.message}` : ''}
            </li>
          ))}
          {skipped.map(({ row, reason }) => (
            <li key={row.caseId} data-testid={`batch-result-${row.caseId}`} data-outcome="skipped">
              <strong>{name(row)}</strong> {t('batch.outcome.skipped')}：{tk(reason)}
            </li>
          ))}
        </ul>
        <div class="editor-actions"><button type="button" class="btn btn-primary" data-testid="batch-done" onClick={onDone}>{t('common.close')}</button></div>
      </Modal>
    );
  }
  return (
    <Modal title={label} onClose={onClose} testid={`batch-form-${kind}`}>
      {eligible.length === 0 ? <p>{t('batch.none', { label })}</p> : (
        <>
          <p>{t('batch.willDo', { n: eligible.length })}</p>
          <ul class="batch-list" data-testid="batch-eligible">
            {eligible.map((r) => <li key={r.caseId} data-testid={`batch-eligible-${r.caseId}`}>{name(r)} · {r.categoryName ?? '—'} · {r.address ?? '—'}</li>)}
          </ul>
        </>
      )}
      {skipped.length > 0 && (
        <>
          <p>{t('batch.willSkip', { n: skipped.length })}</p>
          <ul class="batch-list muted" data-testid="batch-skipped">
            {skipped.map(({ row, reason }) => <li key={row.caseId} data-testid={`batch-skip-${row.caseId}`}>{name(row)}：{tk(reason)}</li>)}
          </ul>
        </>
      )}
      {kind === 'dispatch' && (
        <Field label={t('batch.department')}>
          <select class="input" data-testid="batch-department" value={department} onChange={(e) => setDepartment((e.currentTarget as HTMLSelectElement).value)}>
            <option value="">{t('batch.department.suggested')}</option>
            {departments.map((d) => <option key={d.id} value={d.id}>{d.name}</option>)}
          </select>
        </Field>
      )}
      {kind === 'close' && (
        <Field label={t('batch.comment')}>
          <textarea class="input" rows={2} maxLength={500} data-testid="batch-comment" value={comment} onInput={(e) => setComment((e.currentTarget as HTMLTextAreaElement).value)} />
        </Field>
      )}
      <div class="editor-actions">
        <button type="button" class="btn" data-testid="batch-cancel" onClick={onClose}>{t('common.cancel')}</button>
        <button type="button" class="btn btn-big btn-primary" data-testid="batch-submit" disabled={busy || eligible.length === 0} onClick={run}>
          {busy ? t('batch.running') : t('batch.submit')}
        </button>
      </div>
    </Modal>
  );
}

export function ShortcutsHelp({ onClose }: { onClose(): void }) {
  return (
    <Modal title={t('desk.shortcuts')} onClose={onClose} testid="shortcuts-help">
      <dl class="kv" data-testid="shortcuts-list">
        {SHORTCUTS.map((s) => <Fragment key={s.key}><dt><kbd>{s.key}</kbd></dt><dd>{s.what}</dd></Fragment>)}
      </dl>
    </Modal>
  );
}
