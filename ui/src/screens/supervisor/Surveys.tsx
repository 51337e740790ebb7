// 专项普查 (issue 16): the task list; a task's progress (rate, cases, per inspector and per cell)
// with 导出 XLSX; and, for 值班长 and 管理员, the create form: title, categories from the catalogue
// picker, start and due, cells per inspector (from the grid the device has; 按常用网格 fills each
// inspector's usual cells) and optional components per cell (pasted ids or 从部件库填入). The form
// keeps its task id until the task is created, so sending it again cannot make a second task.
// Logic lives in logic/survey.ts.
import { useEffect, useMemo, useState } from 'preact/hooks';
import type { ApiError, Category, PatrolInspector, SurveyProgress, SurveyTask } from '../../backend';
import { toApiError } from '../../backend';
import {
  assignCell, categoryRef, cellsByInspector, newSurveyId, parseComponentIds, statusKey, taskCellCount, taskPhase, toLocalDateTime,
  toTask, validateSurvey, type SurveyErrors, type SurveyForm,
} from '../../logic/survey';
import { formatRate } from '../../logic/patrol';
import { formatDateTime, parseDay } from '../../logic/time';
import { t, tk } from '../../i18n';
import { useApp, useFail } from '../../ui/context';
import { Field, Spinner } from '../../ui/common';
import { CategoryPicker } from '../../ui/CategoryPicker';

type Page = { p: 'list' } | { p: 'new' } | { p: 'task'; id: string };

export function Surveys({ mayCreate }: { mayCreate: boolean }) {
  const [page, setPage] = useState<Page>({ p: 'list' });
  const [refresh, setRefresh] = useState(0);
  if (page.p === 'new') return <SurveyNew onCancel={() => setPage({ p: 'list' })} onCreated={(id) => { setRefresh(refresh + 1); setPage({ p: 'task', id }); }} />;
  if (page.p === 'task') return <SurveyView id={page.id} onBack={() => setPage({ p: 'list' })} />;
  return <SurveyList key={refresh} mayCreate={mayCreate} onNew={() => setPage({ p: 'new' })} onOpen={(id) => setPage({ p: 'task', id })} />;
}

function SurveyList({ mayCreate, onNew, onOpen }: { mayCreate: boolean; onNew(): void; onOpen(id: string): void }) {
  const { backend, signedOut } = useApp();
  const [tasks, setTasks] = useState<SurveyTask[] | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  async function load() {
    try { setTasks(await backend.surveyList()); setError(null); } catch (e) {
      const err = toApiError(e);
      if (err.code === 'not_signed_in') signedOut();
      setError(err);
    }
  }
  useEffect(() => { void load(); }, []);
  const now = Date.now();
  const sorted = tasks ? [...tasks].sort((a, b) => b.starts_at - a.starts_at || a.title.localeCompare(b.title)) : [];
  return (
    <section class="surveys" data-testid="surveys">
      <h1>{t('survey.title')}</h1>
      <div class="row-buttons">
        {mayCreate && <button class="btn btn-primary" data-testid="survey-new" onClick={onNew}>{t('survey.new')}</button>}
        <button class="btn" data-testid="survey-refresh" onClick={load}>{t('common.refresh')}</button>
      </div>
      {error && <div class="error-box" role="alert" data-testid="survey-error" data-code={error.code}>{error.message}</div>}
      {!tasks && !error && <Spinner />}
      {tasks && tasks.length === 0 && <p class="muted" data-testid="survey-empty">{t('survey.empty')}</p>}
      {sorted.length > 0 && (
        <table class="table card" data-testid="survey-table">
          <thead><tr><th>{t('survey.col.title')}</th><th>{t('survey.col.phase')}</th><th>{t('survey.col.window')}</th><th class="num">{t('survey.col.cells')}</th><th class="num">{t('survey.col.inspectors')}</th></tr></thead>
          <tbody>
            {sorted.map((task) => {
              const phase = taskPhase(task, now);
              return (
                <tr key={task.id} data-testid={`survey-row-${task.id}`} data-phase={phase}>
                  <td><button class="btn btn-ghost" data-testid={`survey-open-${task.id}`} onClick={() => onOpen(task.id)}>{task.title}</button></td>
                  <td><span class={`badge phase-${phase}`}>{tk(`survey.phase.${phase}`)}</span></td>
                  <td>{formatDateTime(task.starts_at)} – {formatDateTime(task.due_at)}</td>
                  <td class="num">{taskCellCount(task)}</td>
                  <td class="num">{Object.keys(task.assignments).length}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
    </section>
  );
}

function SurveyView({ id, onBack }: { id: string; onBack(): void }) {
  const { backend, signedOut, toast } = useApp();
  const fail = useFail();
  const [progress, setProgress] = useState<SurveyProgress | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);
  async function load() {
    setBusy(true);
    try { setProgress(await backend.surveyProgress(id)); setError(null); } catch (e) {
      const err = toApiError(e);
      if (err.code === 'not_signed_in') signedOut();
      setError(err);
    } finally { setBusy(false); }
  }
  useEffect(() => { void load(); }, [id]);
  // Category names from the device's catalogue (the task holds only kind and code).
  const [catNames, setCatNames] = useState<Record<string, string>>({});
  useEffect(() => {
    for (const c of progress?.task.categories ?? []) {
      backend.categoriesSearch(c.code, c.kind).then((hits) => {
        const hit = hits.find((h) => h.code === c.code && h.kind === c.kind);
        if (hit) setCatNames((n) => ({ ...n, [`${c.kind}:${c.code}`]: hit.name }));
      }, () => {});
    }
  }, [progress?.task.id]);
  async function exportXlsx() {
    if (!progress) return;
    try { toast(t('eval.exported', { path: await backend.surveyExport(id, progress.task.title) }), 'success'); } catch (e) { fail(e); }
  }
  const groups = progress ? cellsByInspector(progress) : [];
  const task = progress?.task;
  return (
    <section class="surveys" data-testid="survey-view">
      <div class="row-buttons">
        <button class="btn" data-testid="survey-back" onClick={onBack}>{t('common.back')}</button>
        <button class="btn" data-testid="survey-reload" disabled={busy} onClick={load}>{t('common.refresh')}</button>
        <button class="btn btn-primary" data-testid="survey-export" disabled={!progress} onClick={exportXlsx}>{t('eval.export', { format: 'XLSX' })}</button>
      </div>
      {busy && <Spinner />}
      {error && <div class="error-box" role="alert" data-testid="survey-error" data-code={error.code}>{error.message}</div>}
      {progress && task && (
        <>
          <h1 data-testid="survey-heading">{task.title}</h1>
          <p class="muted">{t('survey.windowLine', { from: formatDateTime(task.starts_at), to: formatDateTime(task.due_at), phase: tk(`survey.phase.${taskPhase(task, Date.now())}`) })}</p>
          <div class="card survey-summary" data-testid="survey-summary" data-rate={progress.rate}>
            <div class="bar-row"><span class="bar-name">{t('survey.rate')}</span>
              <span class="bar-track"><span class="bar-fill" style={{ width: `${Math.round(Math.min(1, Math.max(0, progress.rate)) * 100)}%`, background: '#1e9e4a' }} /></span>
              <span class="bar-value">{formatRate(progress.rate)}</span></div>
            <p>{t('survey.summary', { done: progress.cells.filter((c) => c.done).length, cells: progress.cells.length, cases: progress.cases })}</p>
            <p class="muted small">{t('survey.categoriesLine', { list: task.categories.map((c) => `${catNames[`${c.kind}:${c.code}`] ?? (c.kind === 'component' ? t('report.kind.component') : t('report.kind.matter'))} ${c.code}`).join('、') })}</p>
          </div>
          <div class="card">
            <h2>{t('survey.byInspector')}</h2>
            <table class="table" data-testid="survey-inspectors">
              <thead><tr><th>{t('patrol.col.name')}</th><th class="num">{t('survey.col.cells')}</th><th class="num">{t('survey.col.done')}</th><th class="num">{t('survey.col.rate')}</th><th class="num">{t('survey.col.reported')}</th><th class="num">{t('survey.col.clear')}</th></tr></thead>
              <tbody>
                {progress.inspectors.map((x) => (
                  <tr key={x.inspector} data-testid={`survey-inspector-${x.inspector}`}>
                    <td>{x.name}</td><td class="num">{x.cells}</td><td class="num">{x.done}</td>
                    <td class="num">{formatRate(x.cells ? x.done / x.cells : null)}</td><td class="num">{x.reported}</td><td class="num">{x.clear}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <div class="card">
            <h2>{t('survey.byCell')}</h2>
            {groups.map((g) => (
              <details key={g.inspector} open={groups.length <= 3}>
                <summary>{g.name}（{t('survey.doneOf', { done: g.cells.filter((c) => c.done).length, cells: g.cells.length })}）</summary>
                <table class="table" data-testid={`survey-cells-${g.inspector}`}>
                  <thead><tr><th>{t('patrol.col.cell')}</th><th>{t('survey.col.status')}</th><th class="num">{t('survey.col.found')}</th><th class="num">{t('survey.col.components')}</th></tr></thead>
                  <tbody>
                    {g.cells.map((c) => (
                      <tr key={c.cell} data-cell={c.cell} data-status={statusKey(c)}>
                        <td class="mono">{c.cell}</td>
                        <td><span class={`badge status-${statusKey(c)}`}>{tk(`survey.status.${statusKey(c)}`)}</span></td>
                        <td class="num">{c.found}</td>
                        <td class="num">{task.components[c.cell]?.length ?? '—'}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </details>
            ))}
            {groups.length === 0 && <p class="muted">{t('survey.noCells')}</p>}
          </div>
        </>
      )}
    </section>
  );
}

interface CellRef { code: string; community: string; street: string }

function defaultForm(): SurveyForm {
  const now = Date.now();
  const day = parseDay(new Date(now + 8 * 3600_000).toISOString().slice(0, 10))!;
  return { id: newSurveyId(now), title: '', categories: [], assignments: {}, components: {},
    start: toLocalDateTime(day + 8 * 3600_000), due: toLocalDateTime(day + 7 * 86_400_000 + 18 * 3600_000) };
}

function SurveyNew({ onCancel, onCreated }: { onCancel(): void; onCreated(id: string): void }) {
  const { backend, toast } = useApp();
  const fail = useFail();
  const [form, setForm] = useState<SurveyForm>(defaultForm);
  const [cats, setCats] = useState<Category[]>([]);
  const [inspectors, setInspectors] = useState<PatrolInspector[]>([]);
  const [cells, setCells] = useState<CellRef[]>([]);
  const [who, setWho] = useState<string>('');
  const [filter, setFilter] = useState('');
  const [errors, setErrors] = useState<SurveyErrors>({});
  const [compText, setCompText] = useState<Record<string, string>>({});
  const [compBad, setCompBad] = useState<Record<string, string[]>>({});
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    backend.patrolInspectors().then((l) => { setInspectors(l); if (l.length) setWho(l[0].id); }, fail);
    backend.mapLayers().then((l) => setCells(l.cells.features.map((f) => ({
      code: String(f.properties?.code ?? ''), community: String(f.properties?.community ?? ''), street: String(f.properties?.street ?? ''),
    })).filter((c) => c.code)), () => setCells([]));
  }, []);

  const owner = useMemo(() => {
    const m = new Map<string, string>();
    for (const [id, cs] of Object.entries(form.assignments)) for (const c of cs) m.set(c, id);
    return m;
  }, [form.assignments]);
  const names = new Map(inspectors.map((i) => [i.id, i.name]));
  const shown = cells.filter((c) => !filter.trim() || `${c.code} ${c.community} ${c.street}`.includes(filter.trim()));
  const assigned = [...owner.keys()].sort();
  const componentTypes = form.categories.filter((c) => c.kind === 'component').map((c) => c.code);

  function pick(c: Category | null) {
    if (!c) return;
    const ref = categoryRef(c.ref);
    if (!ref || form.categories.some((x) => x.kind === ref.kind && x.code === ref.code)) return;
    setCats([...cats, c]);
    setForm({ ...form, categories: [...form.categories, ref] });
  }
  function unpick(ref: string) {
    const r = categoryRef(ref);
    setCats(cats.filter((c) => c.ref !== ref));
    setForm({ ...form, categories: form.categories.filter((x) => !(r && x.kind === r.kind && x.code === r.code)) });
  }
  function usual() {
    let f = form;
    for (const i of inspectors) for (const c of i.cells) if (!owner.has(c)) f = assignCell(f, i.id, c, true);
    setForm(f);
  }
  function setComponents(cell: string, text: string) {
    const { ids, bad } = parseComponentIds(text);
    setCompText((c) => ({ ...c, [cell]: text }));
    setCompBad((b) => ({ ...b, [cell]: bad }));
    setForm((f) => ({ ...f, components: { ...f.components, [cell]: ids } }));
  }
  async function fromInventory() {
    if (!componentTypes.length || !assigned.length) return;
    try {
      const found = await backend.surveyCellComponents(assigned, componentTypes);
      const text = { ...compText }; const comps = { ...form.components };
      let n = 0;
      for (const [cell, list] of Object.entries(found)) {
        const ids = [...new Set([...(comps[cell] ?? []), ...list.map((c) => c.id)])];
        comps[cell] = ids; text[cell] = ids.join('\n'); n += list.length;
      }
      setCompText(text); setForm({ ...form, components: comps });
      toast(t('survey.inventoryFilled', { n }), n ? 'success' : 'info');
    } catch (e) { fail(e); }
  }
  async function submit(e: Event) {
    e.preventDefault();
    const errs = validateSurvey(form);
    if (Object.values(compBad).some((b) => b.length)) errs.components = 'survey.err.componentId';
    setErrors(errs);
    if (Object.keys(errs).length) return;
    setBusy(true);
    try {
      const task = await backend.surveyCreate(toTask(form));
      toast(t('survey.created'), 'success');
      onCreated(task.id);
    } catch (err) {
      fail(err);
    } finally { setBusy(false); }
  }
  const err = (k: keyof SurveyErrors) => (errors[k] ? tk(errors[k]!) : null);

  return (
    <section class="surveys survey-new" data-testid="survey-form">
      <h1>{t('survey.new')}</h1>
      <form onSubmit={submit}>
        <Field label={t('survey.field.title')} error={err('title')}>
          <input class="input" data-testid="survey-title" maxLength={100} value={form.title} placeholder={t('survey.titlePlaceholder')}
            onInput={(e) => { const v = (e.currentTarget as HTMLInputElement).value; setForm((f) => ({ ...f, title: v })); }} />
        </Field>
        <Field label={t('survey.field.categories')} error={err('categories')}>
          <div class="chips" data-testid="survey-categories">
            {cats.map((c) => (
              <span key={c.ref} class="chip" data-ref={c.ref}>{c.name} <span class="muted">{c.code}</span>
                <button type="button" class="btn btn-ghost small" aria-label={t('common.remove')} onClick={() => unpick(c.ref)}>✕</button></span>
            ))}
          </div>
          <CategoryPicker value={null} onPick={pick} />
        </Field>
        <div class="eval-controls">
          <Field label={t('survey.field.start')} error={err('start')}>
            <input class="input" type="datetime-local" data-testid="survey-start" value={form.start} onInput={(e) => { const v = (e.currentTarget as HTMLInputElement).value; setForm((f) => ({ ...f, start: v })); }} />
          </Field>
          <Field label={t('survey.field.due')} error={err('due')}>
            <input class="input" type="datetime-local" data-testid="survey-due" value={form.due} onInput={(e) => { const v = (e.currentTarget as HTMLInputElement).value; setForm((f) => ({ ...f, due: v })); }} />
          </Field>
        </div>
        <Field label={t('survey.field.assignments', { cells: owner.size, inspectors: Object.values(form.assignments).filter((c) => c.length).length })} error={err('assignments')}>
          <div class="row-buttons">
            <select class="input" data-testid="survey-inspector" value={who} onChange={(e) => setWho((e.currentTarget as HTMLSelectElement).value)}>
              {inspectors.map((i) => <option key={i.id} value={i.id}>{i.name}（{t('survey.nCells', { n: form.assignments[i.id]?.length ?? 0 })}）</option>)}
            </select>
            <button type="button" class="btn" data-testid="survey-usual" onClick={usual}>{t('survey.usual')}</button>
            <input class="input" type="search" data-testid="survey-cell-filter" placeholder={t('roster.cellFilter')} value={filter}
              onInput={(e) => setFilter((e.currentTarget as HTMLInputElement).value)} />
          </div>
          {inspectors.length === 0 && <p class="muted">{t('roster.noInspectors')}</p>}
          <ul class="option-list cell-list" data-testid="survey-cells">
            {shown.slice(0, 300).map((c) => {
              const o = owner.get(c.code);
              return (
                <li key={c.code}>
                  <label class="check">
                    <input type="checkbox" data-testid={`survey-cell-${c.code}`} disabled={!who} checked={o === who}
                      onChange={(e) => { const on = (e.currentTarget as HTMLInputElement).checked; setForm((f) => assignCell(f, who, c.code, on)); }} />
                    <span class="mono">{c.code}</span> <span class="muted">{c.street} {c.community}</span>
                    {o && o !== who && <span class="tag">{t('survey.takenBy', { name: names.get(o) ?? o.slice(0, 8) })}</span>}
                  </label>
                </li>
              );
            })}
            {shown.length > 300 && <li class="muted">{t('roster.moreCells', { n: shown.length - 300 })}</li>}
          </ul>
        </Field>
        <details class="card" data-testid="survey-components">
          <summary>{t('survey.field.components')}</summary>
          <p class="muted small">{t('survey.componentsHint')}</p>
          {componentTypes.length > 0 && assigned.length > 0 && (
            <button type="button" class="btn" data-testid="survey-inventory" onClick={fromInventory}>{t('survey.fromInventory')}</button>
          )}
          {err('components') && <div class="field-error" role="alert">{err('components')}</div>}
          {assigned.length === 0 && <p class="muted">{t('survey.assignFirst')}</p>}
          {assigned.slice(0, 200).map((cell) => (
            <Field key={cell} label={t('survey.componentsOf', { cell, n: form.components[cell]?.length ?? 0 })}
              error={compBad[cell]?.length ? t('survey.badIds', { list: compBad[cell].slice(0, 3).join('、') }) : null}>
              <textarea class="input mono" rows={2} data-testid={`survey-comp-${cell}`} value={compText[cell] ?? ''}
                onInput={(e) => setComponents(cell, (e.currentTarget as HTMLTextAreaElement).value)} />
            </Field>
          ))}
        </details>
        <div class="editor-actions">
          <button type="button" class="btn" data-testid="survey-cancel" onClick={onCancel}>{t('common.cancel')}</button>
          <button type="submit" class="btn btn-primary" data-testid="survey-submit" disabled={busy}>{t('survey.create')}</button>
        </div>
      </form>
    </section>
  );
}
