// 排班 (issue 16): one week at a time, inspectors × days; a slot opens the shift editor (start and
// end time, an end at or before the start is the next morning, and the cells from the grid the
// device has, the inspector's usual cells first); 复制前一天 copies a day's shifts; 保存 sends the
// week's days with shifts (PUT replaces what those days held). 值班长 and 管理员 edit; 领导 read.
// Edits live in logic/patrol.ts.
import { useEffect, useMemo, useState } from 'preact/hooks';
import type { ApiError, PatrolInspector, Roster as RosterWire, RosterShift } from '../../backend';
import { toApiError } from '../../backend';
import {
  changedCount, clearedDays, clockOfMs, copyDay, putShift, removeShift, rosterIndex, rosterToSave, shiftOf, shiftProblem,
  shiftTimes, weekOf,
} from '../../logic/patrol';
import { parseDay } from '../../logic/time';
import { t } from '../../i18n';
import { useApp, useFail } from '../../ui/context';
import { Field, Modal, Spinner } from '../../ui/common';

const DAY = 86_400_000;
const WEEKDAYS = ['一', '二', '三', '四', '五', '六', '日'];

interface CellRef { code: string; community: string; street: string }

export function Roster({ mayEdit }: { mayEdit: boolean }) {
  const { backend, signedOut, toast, confirm } = useApp();
  const fail = useFail();
  const [anchor, setAnchor] = useState(Date.now());
  const days = useMemo(() => weekOf(anchor), [anchor]);
  const [inspectors, setInspectors] = useState<PatrolInspector[] | null>(null);
  const [cells, setCells] = useState<CellRef[]>([]);
  const [saved, setSaved] = useState<RosterWire | null>(null);
  const [draft, setDraft] = useState<RosterWire>({ shifts: [] });
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);
  const [editing, setEditing] = useState<{ inspector: PatrolInspector; day: string } | null>(null);

  useEffect(() => {
    backend.patrolInspectors().then(setInspectors, (e) => { fail(e); setInspectors([]); });
    backend.mapLayers().then((l) => setCells(l.cells.features.map((f) => ({
      code: String(f.properties?.code ?? ''), community: String(f.properties?.community ?? ''), street: String(f.properties?.street ?? ''),
    })).filter((c) => c.code)), () => setCells([]));
  }, []);

  async function load() {
    setBusy(true);
    try {
      const r = await backend.patrolRoster(days[0], days[6]);
      setSaved(r); setDraft(r); setError(null);
    } catch (e) {
      const err = toApiError(e);
      if (err.code === 'not_signed_in') signedOut();
      setSaved(null); setError(err);
    } finally { setBusy(false); }
  }
  useEffect(() => { void load(); }, [days[0]]);

  const changed = saved ? changedCount(saved, draft) : 0;
  const cleared = saved ? clearedDays(saved, draft) : [];
  async function move(deltaDays: number | null) {
    if (changed > 0 && !(await confirm(t('roster.discardConfirm', { n: changed })))) return;
    setAnchor(deltaDays == null ? Date.now() : parseDay(days[0])! + deltaDays * DAY);
  }
  async function save() {
    if (!saved) return;
    setBusy(true);
    try {
      await backend.patrolRosterSave(rosterToSave(draft, days));
      toast(t('roster.saved'), 'success');
      await load();
    } catch (e) { fail(e); } finally { setBusy(false); }
  }

  const index = rosterIndex(draft);
  const names = new Map((inspectors ?? []).map((i) => [i.id, i]));
  // Inspectors on the roster who are not in the reference data still get a row.
  const rows: PatrolInspector[] = [...(inspectors ?? [])];
  for (const s of draft.shifts) if (!names.has(s.inspector)) { const x = { id: s.inspector, name: s.inspector.slice(0, 8), cells: [] }; names.set(x.id, x); rows.push(x); }

  return (
    <section class="roster" data-testid="roster">
      <h1>{t('roster.title')}</h1>
      <div class="row-buttons">
        <button class="btn" data-testid="roster-prev" onClick={() => move(-7)}>{t('roster.prevWeek')}</button>
        <button class="btn" data-testid="roster-this" onClick={() => move(null)}>{t('roster.thisWeek')}</button>
        <button class="btn" data-testid="roster-next" onClick={() => move(7)}>{t('roster.nextWeek')}</button>
        <span class="muted" data-testid="roster-week">{t('roster.week', { from: days[0], to: days[6] })}</span>
        {mayEdit && <button class="btn btn-primary" data-testid="roster-save" disabled={busy || !saved || changed === 0} onClick={save}>
          {changed ? t('roster.saveN', { n: changed }) : t('roster.save')}</button>}
      </div>
      {!mayEdit && <p class="muted small">{t('roster.readOnly')}</p>}
      {busy && <Spinner />}
      {error && <div class="error-box" role="alert" data-testid="roster-error" data-code={error.code}>{error.message}</div>}
      {cleared.length > 0 && <div class="warn" data-testid="roster-cleared">{t('roster.clearedWarn', { days: cleared.join('、') })}</div>}
      {inspectors && inspectors.length === 0 && <p class="muted" data-testid="roster-no-inspectors">{t('roster.noInspectors')}</p>}
      {saved && rows.length > 0 && (
        <div class="table-wrap card">
          <table class="table roster-table" data-testid="roster-table">
            <thead>
              <tr>
                <th>{t('patrol.col.name')}</th>
                {days.map((d, i) => (
                  <th key={d} data-day={d}>
                    <div>{d.slice(5)} {t('roster.weekday', { d: WEEKDAYS[i] })}</div>
                    {mayEdit && <button class="btn btn-ghost small" data-testid={`roster-copy-${d}`} title={t('roster.copyHint')}
                      onClick={() => setDraft(copyDay(draft, formatPrev(d), d))}>{t('roster.copyPrev')}</button>}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {rows.map((ins) => (
                <tr key={ins.id} data-testid={`roster-row-${ins.id}`}>
                  <td>{ins.name}</td>
                  {days.map((d) => {
                    const s = shiftOf(index, ins.id, d);
                    return (
                      <td key={d} data-day={d} data-has-shift={!!s}>
                        <button class={`roster-slot${s ? ' on' : ''}`} data-testid={`roster-slot-${ins.id}-${d}`} disabled={!mayEdit && !s}
                          title={s ? s.cells.join('、') : ''}
                          onClick={() => setEditing({ inspector: ins, day: d })}>
                          {s ? <><strong>{clockOfMs(s.start)}–{clockOfMs(s.end)}</strong><span class="muted small">{t('roster.cellsN', { n: s.cells.length })}</span></>
                            : <span class="muted">{mayEdit ? t('roster.add') : '—'}</span>}
                        </button>
                      </td>
                    );
                  })}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {editing && (
        <ShiftEditor inspector={editing.inspector} day={editing.day} shift={shiftOf(index, editing.inspector.id, editing.day)} cells={cells}
          readOnly={!mayEdit} onClose={() => setEditing(null)}
          onSave={(s) => { setDraft(putShift(draft, s)); setEditing(null); }}
          onRemove={() => { setDraft(removeShift(draft, editing.inspector.id, editing.day)); setEditing(null); }} />
      )}
    </section>
  );
}

function formatPrev(day: string): string {
  const d = parseDay(day)!;
  return new Date(d - DAY + 8 * 3600_000).toISOString().slice(0, 10);
}

function ShiftEditor({ inspector, day, shift, cells, readOnly, onClose, onSave, onRemove }: {
  inspector: PatrolInspector; day: string; shift: RosterShift | undefined; cells: CellRef[]; readOnly: boolean;
  onClose(): void; onSave(s: RosterShift): void; onRemove(): void;
}) {
  const [start, setStart] = useState(shift ? clockOfMs(shift.start) : '08:00');
  const [end, setEnd] = useState(shift ? clockOfMs(shift.end) : '17:00');
  const [chosen, setChosen] = useState<string[]>(shift ? shift.cells : inspector.cells);
  const [filter, setFilter] = useState('');
  const [problem, setProblem] = useState<string | null>(null);
  const usual = new Set(inspector.cells);
  const known = new Set(cells.map((c) => c.code));
  const list: CellRef[] = [
    ...cells.filter((c) => usual.has(c.code) || chosen.includes(c.code)),
    ...chosen.filter((c) => !known.has(c)).map((code) => ({ code, community: '', street: '' })),
    ...cells.filter((c) => !usual.has(c.code) && !chosen.includes(c.code)),
  ].filter((c) => !filter.trim() || `${c.code} ${c.community} ${c.street}`.includes(filter.trim()));
  function submit(e: Event) {
    e.preventDefault();
    const p = shiftProblem(day, start, end, chosen);
    if (p) { setProblem(t(`roster.err.${p}`)); return; }
    const tm = shiftTimes(day, start, end)!;
    onSave({ inspector: inspector.id, day, start: tm.start, end: tm.end, cells: chosen });
  }
  const toggle = (code: string) => setChosen((cur) => (cur.includes(code) ? cur.filter((c) => c !== code) : [...cur, code]));
  return (
    <Modal title={t('roster.editTitle', { name: inspector.name, day })} onClose={onClose} testid="roster-editor">
      <form onSubmit={submit}>
        <div class="eval-controls">
          <Field label={t('roster.start')}><input class="input" type="time" data-testid="shift-start" value={start} disabled={readOnly}
            onInput={(e) => setStart((e.currentTarget as HTMLInputElement).value)} /></Field>
          <Field label={t('roster.end')} hint={t('roster.endHint')}><input class="input" type="time" data-testid="shift-end" value={end} disabled={readOnly}
            onInput={(e) => setEnd((e.currentTarget as HTMLInputElement).value)} /></Field>
        </div>
        <Field label={t('roster.cells', { n: chosen.length })} error={problem}>
          <input class="input" type="search" data-testid="shift-cell-filter" placeholder={t('roster.cellFilter')} value={filter}
            onInput={(e) => setFilter((e.currentTarget as HTMLInputElement).value)} />
          <ul class="option-list cell-list" data-testid="shift-cells">
            {list.slice(0, 300).map((c) => (
              <li key={c.code}>
                <label class="check">
                  <input type="checkbox" data-testid={`shift-cell-${c.code}`} checked={chosen.includes(c.code)} disabled={readOnly} onChange={() => toggle(c.code)} />
                  <span class="mono">{c.code}</span> <span class="muted">{c.street} {c.community}</span>
                  {usual.has(c.code) && <span class="tag">{t('roster.usual')}</span>}
                </label>
              </li>
            ))}
            {list.length > 300 && <li class="muted">{t('roster.moreCells', { n: list.length - 300 })}</li>}
          </ul>
        </Field>
        {!readOnly && (
          <div class="editor-actions">
            {shift && <button type="button" class="btn btn-danger" data-testid="shift-remove" onClick={onRemove}>{t('roster.remove')}</button>}
            <button type="button" class="btn" onClick={onClose}>{t('common.cancel')}</button>
            <button type="submit" class="btn btn-primary" data-testid="shift-ok">{t('common.confirm')}</button>
          </div>
        )}
      </form>
    </Modal>
  );
}
