// The form behind one action button: exactly the fields its ActionSpec lists.
import { useEffect, useRef, useState } from 'preact/hooks';
import type { ActionSpec, CaseDetail, StagedPhoto } from '../backend/types';
import type { Department } from '../backend';
import { LIMIT_UNITS, TARGET_ROLES, initialValues, toActionInput, validateAction, type ActionErrors, type ActionValues } from '../logic/actions';
import { t, tk } from '../i18n';
import { useApp, useFail } from '../ui/context';
import { Field, Modal } from '../ui/common';
import { PhotoPicker } from '../ui/PhotoPicker';
import { formatDateTime } from '../logic/time';
import { BeforeAfter } from '../ui/PhotoViewer';
import { reportedAtOf } from '../logic/desk';
import { toLocalInput } from '../logic/subdispatch';

let departmentsCache: Department[] | null = null;

export function ActionForm({ spec, detail, preset, onClose, onDone }: {
  spec: ActionSpec; detail: CaseDetail; preset?: Partial<ActionValues>; onClose(): void; onDone(d: CaseDetail): void;
}) {
  const { backend, toast } = useApp();
  const fail = useFail();
  const [v, setV] = useState<ActionValues>(() => ({ ...initialValues(spec, detail), ...preset }));
  const [photos, setPhotos] = useState<StagedPhoto[]>([]);
  const [errors, setErrors] = useState<ActionErrors>({});
  const [busy, setBusy] = useState(false);
  const [departments, setDepartments] = useState<Department[]>(departmentsCache ?? []);
  const has = (f: ActionSpec['fields'][number]) => spec.fields.includes(f);

  useEffect(() => {
    if (!(has('department') || has('target')) || departmentsCache) return;
    backend.departments().then((d) => { departmentsCache = d; setDepartments(d); }, fail);
  }, []);

  // The latest values, also between an input event and the re-render it causes.
  const latest = useRef(v);
  const set = (patch: Partial<ActionValues>) => { latest.current = { ...latest.current, ...patch }; setV(latest.current); };
  const err = (f: keyof ActionErrors) => (errors[f] ? tk(errors[f]!) : null);

  async function submit(e: Event) {
    e.preventDefault();
    if (busy) return;
    const values = { ...latest.current, photos: photos.map((p) => p.sha256) };
    const errs = validateAction(spec, values, detail.conditions.length > 0, { parentDue: detail.parentDue });
    setErrors(errs);
    if (Object.keys(errs).length) return;
    setBusy(true);
    try {
      const d = await backend.act(detail.row.caseId, toActionInput(spec, values));
      toast(t('detail.acted', { label: spec.label }), 'success');
      onDone(d);
    } catch (x) {
      fail(x);
    } finally {
      setBusy(false);
    }
  }

  const [locating, setLocating] = useState(false);
  async function takeFix() {
    setLocating(true);
    try {
      const pos = await backend.currentPosition();
      if (pos) set({ corrected: pos });
      else toast(t('action.correctedLocation.none'), 'error');
    } catch (x) {
      fail(x);
    } finally {
      setLocating(false);
    }
  }
  const isDispatch = spec.kind === 'dispatch' || spec.kind === 'fast_dispatch';
  const closing = (spec.kind === 'check' || spec.kind === 'close' || spec.kind === 'request_check') ? detail.filingCondition : null;

  // 核实 answers 属实 / 不属实 (not 通过 / 不通过（返工）, which is 核查's).
  const boolKey = (name: 'passed' | 'satisfied') => (name === 'passed' && spec.kind === 'verify' ? 'verified' : name);
  const boolSelect = (name: 'passed' | 'satisfied') => (
    <Field label={tk(`action.field.${boolKey(name)}`)} error={err(name)}>
      <div class="segmented" data-testid={`field-${name}`} data-value={v[name] == null ? '' : String(v[name])}>
        {[true, false].map((b) => (
          <button type="button" key={String(b)} class={v[name] === b ? 'on' : ''} aria-pressed={v[name] === b}
            data-testid={`field-${name}-${b ? 'yes' : 'no'}`} onClick={() => set({ [name]: b } as Partial<ActionValues>)}>
            {tk(`action.field.${boolKey(name)}.${b}`)}
          </button>
        ))}
      </div>
    </Field>
  );

  return (
    <Modal title={spec.label} onClose={onClose} testid={`action-form-${spec.kind}`}>
      <form class="action-form" onSubmit={submit}>
        <div class="muted">{detail.row.caseNumber ?? detail.row.caseId} · {detail.row.statusLabel}</div>
        {(spec.kind === 'check' || spec.kind === 'close') && <BeforeAfter photos={detail.photos} reportedAt={reportedAtOf(detail)} />}
        {has('department') && (
          <Field label={t('action.field.department')} error={err('department')}
            hint={detail.suggestion ? t('detail.suggestion', { name: detail.suggestion.departmentName, basis: detail.suggestion.basis }) : null}>
            <select class="input" data-testid="field-department" value={v.department} onChange={(e) => set({ department: (e.currentTarget as HTMLSelectElement).value })}>
              <option value="">{t('action.selectPlaceholder')}</option>
              {detail.suggestion && !departments.some((d) => d.id === detail.suggestion!.departmentId) && (
                <option value={detail.suggestion.departmentId}>{detail.suggestion.departmentName}</option>
              )}
              {departments.map((d) => <option key={d.id} value={d.id}>{d.name}{detail.suggestion?.departmentId === d.id ? '（建议）' : ''}</option>)}
            </select>
          </Field>
        )}
        {has('assignee') && (
          <Field label={t('action.field.assignee')} error={err('assignee')}>
            <select class="input" data-testid="field-assignee" value={v.assignee} onChange={(e) => set({ assignee: (e.currentTarget as HTMLSelectElement).value })}>
              <option value="">{t('action.selectPlaceholder')}</option>
              {detail.assignees.map((a) => <option key={a.userId} value={a.userId}>{a.displayName}</option>)}
            </select>
          </Field>
        )}
        {has('targetCase') && (
          <Field label={t('action.field.targetCase')} error={err('targetCase')}>
            {detail.duplicates.length > 0 ? (
              <select class="input" data-testid="field-targetCase" value={v.targetCase} onChange={(e) => set({ targetCase: (e.currentTarget as HTMLSelectElement).value })}>
                <option value="">{t('action.selectPlaceholder')}</option>
                {detail.duplicates.map((d) => (
                  <option key={d.caseId} value={d.caseId}>
                    {d.caseNumber ?? d.caseId.slice(0, 8)} · {d.categoryName ?? ''} · {t('detail.distance', { m: Math.round(d.distanceM) })} · {formatDateTime(d.createdAt)}
                  </option>
                ))}
              </select>
            ) : (
              <input class="input" data-testid="field-targetCase" value={v.targetCase} onInput={(e) => set({ targetCase: (e.currentTarget as HTMLInputElement).value })} />
            )}
          </Field>
        )}
        {has('level') && (
          <Field label={t('action.field.level')} error={err('level')}>
            <select class="input" data-testid="field-level" value={v.level} onChange={(e) => set({ level: (e.currentTarget as HTMLSelectElement).value })}>
              {[1, 2, 3].map((n) => <option key={n} value={String(n)}>{t('action.level', { n })}</option>)}
            </select>
          </Field>
        )}
        {has('target') && (
          <Field label={t('action.field.target')} error={err('target')}>
            <select class="input" data-testid="field-target" value={v.target} onChange={(e) => set({ target: (e.currentTarget as HTMLSelectElement).value })}>
              <option value="">{detail.row.departmentName ? t('action.target.caseDepartmentNamed', { name: detail.row.departmentName }) : t('action.target.caseDepartment')}</option>
              {departments.filter((d) => d.id !== detail.row.department).map((d) => <option key={d.id} value={`department:${d.id}`}>{d.name}</option>)}
              {TARGET_ROLES.map(([k, label]) => <option key={k} value={`role:${k}`}>{label}</option>)}
            </select>
          </Field>
        )}
        {has('replyHours') && (
          <Field label={t('action.field.replyHours')} error={err('replyHours')} hint={t('action.field.replyHoursHint')}>
            <input class="input" type="number" min="1" step="1" inputMode="numeric" data-testid="field-replyHours" value={v.replyHours}
              onInput={(e) => set({ replyHours: (e.currentTarget as HTMLInputElement).value })} />
          </Field>
        )}
        {has('unit') && (
          <Field label={t('action.field.unit')} error={err('unit')}>
            <select class="input" data-testid="field-unit" value={v.unit} onChange={(e) => set({ unit: (e.currentTarget as HTMLSelectElement).value })}>
              <option value="">{t('action.selectPlaceholder')}</option>
              {(detail.childUnits ?? []).map((d) => <option key={d.id} value={d.id}>{d.name}</option>)}
            </select>
          </Field>
        )}
        {has('dueAt') && (
          <Field label={t('action.field.dueAt')} error={err('dueAt')}
            hint={detail.parentDue != null ? t('action.field.dueAtHint', { at: formatDateTime(detail.parentDue) }) : null}>
            <input class="input" type="datetime-local" data-testid="field-dueAt" value={v.dueAt}
              max={detail.parentDue != null ? toLocalInput(detail.parentDue) : undefined}
              onInput={(e) => set({ dueAt: (e.currentTarget as HTMLInputElement).value })} />
          </Field>
        )}
        {has('passed') && boolSelect('passed')}
        {has('satisfied') && boolSelect('satisfied')}
        {has('condition') && detail.conditions.length > 0 && (
          <Field label={t('action.field.condition')} error={err('condition')}>
            <div class="conditions" data-testid="field-condition" data-value={v.condition}>
              {detail.conditions.map((c) => (
                <label key={c.code} class={`condition ${v.condition === c.code ? 'on' : ''}`} data-testid={`field-condition-${c.code}`}>
                  <input type="radio" name="condition" value={c.code} checked={v.condition === c.code}
                    onChange={() => set({ condition: c.code })} />
                  <span class="condition-code">{c.code}</span> {c.filing}
                  {c.closing && <div class="muted">{t('action.closingCondition', { text: c.closing })}</div>}
                </label>
              ))}
            </div>
          </Field>
        )}
        {has('condition') && detail.conditions.length === 0 && detail.filingCondition?.filing && (
          <div class="muted" data-testid="filing-condition-text">{t('action.filingCondition', { text: detail.filingCondition.filing })}</div>
        )}
        {closing?.closing && (
          <div class="hint-box" data-testid="closing-condition">{t('action.closingCondition', { text: closing.closing })}</div>
        )}
        {isDispatch && (
          <div class="hint-box" data-testid="standard-limit">
            {detail.standardLimit
              ? t('action.standardLimit', { text: detail.standardLimit.text, basis: detail.standardLimit.basis })
              : t('action.standardLimit.none')}
          </div>
        )}
        {has('limitValue') && (
          <Field label={t('action.field.limitValue')} error={err('limitValue') ?? err('limitUnit')} hint={t('action.field.limitValueHint')}>
            <div class="row">
              <input class="input" type="number" min="1" step="1" inputMode="numeric" data-testid="field-limitValue" value={v.limitValue}
                onInput={(e) => set({ limitValue: (e.currentTarget as HTMLInputElement).value })} />
              {has('limitUnit') && (
                <select class="input" data-testid="field-limitUnit" value={v.limitUnit} onChange={(e) => set({ limitUnit: (e.currentTarget as HTMLSelectElement).value })}>
                  <option value="">{t('action.field.limitUnit')}</option>
                  {LIMIT_UNITS.map(([k, label]) => <option key={k} value={k}>{label}</option>)}
                </select>
              )}
            </div>
          </Field>
        )}
        {has('correctedLocation') && (
          <Field label={t('action.field.correctedLocation')}>
            <div class="row" data-testid="field-correctedLocation" data-value={v.corrected ? `${v.corrected.lon},${v.corrected.lat}` : ''}>
              {v.corrected
                ? <span>{t('action.correctedLocation.at', { lon: v.corrected.lon.toFixed(6), lat: v.corrected.lat.toFixed(6) })}</span>
                : <span class="muted">{t('action.correctedLocation.keep')}</span>}
              <button type="button" class="btn" data-testid="field-correctedLocation-take" disabled={locating} onClick={takeFix}>
                {t('action.correctedLocation.take')}
              </button>
              {v.corrected && (
                <button type="button" class="btn" data-testid="field-correctedLocation-clear" onClick={() => set({ corrected: null })}>
                  {t('action.correctedLocation.clear')}
                </button>
              )}
            </div>
          </Field>
        )}
        {has('limitHours') && (
          <Field label={t('action.field.limitHours')} error={err('limitHours')} hint={spec.kind === 'request_extension' ? null : t('action.field.limitHoursHint')}>
            <input class="input" type="number" min="1" step="1" inputMode="numeric" data-testid="field-limitHours" value={v.limitHours}
              onInput={(e) => set({ limitHours: (e.currentTarget as HTMLInputElement).value })} />
          </Field>
        )}
        {has('photos') && (
          <Field label={t('action.field.photos')} error={err('photos')}>
            <PhotoPicker photos={photos} testid="field-photos" onAdd={(ps) => setPhotos((x) => [...x, ...ps])}
              onRemove={(sha) => setPhotos((x) => x.filter((p) => p.sha256 !== sha))} />
          </Field>
        )}
        {has('reason') && (
          <Field label={t(isDispatch ? 'action.field.overrideReason' : spec.kind === 'reject' && detail.row.status === 'reported' ? 'action.field.rejectReason' : 'action.field.reason')} error={err('reason')}>
            <textarea class="input" rows={3} maxLength={500} data-testid="field-reason" value={v.reason}
              onInput={(e) => set({ reason: (e.currentTarget as HTMLTextAreaElement).value })} />
          </Field>
        )}
        {has('comment') && (
          <Field label={t(spec.kind === 'feedback' || spec.kind === 'sub_feedback' ? 'action.field.feedbackResult' : spec.kind === 'escalation_reply' ? 'action.field.replyText'
            : spec.kind === 'instruct' ? 'action.field.instruction' : spec.kind === 'sub_dispatch' ? 'action.field.subNote' : 'action.field.comment')} error={err('comment')}>
            <textarea class="input" rows={3} maxLength={500} data-testid="field-comment" value={v.comment}
              onInput={(e) => set({ comment: (e.currentTarget as HTMLTextAreaElement).value })} />
          </Field>
        )}
        {spec.danger && <div class="warn">{t('action.dangerHint')}</div>}
        <div class="editor-actions">
          <button type="button" class="btn" data-testid="action-cancel" onClick={onClose}>{t('common.cancel')}</button>
          <button type="submit" class={`btn btn-big ${spec.danger ? 'btn-danger' : 'btn-primary'}`} data-testid="action-submit" disabled={busy}>
            {busy ? t('report.submitting') : t('action.submit')}
          </button>
        </div>
      </form>
    </Modal>
  );
}
