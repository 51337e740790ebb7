// The draft editor for the three draft kinds: an inspector's report (上报), self-handling with
// before/after photos (自行处置), and the operator's hotline intake (热线受理). Every change is
// saved with `draft_save` within 250 ms; the draft is restored from `draft_get` on start.
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import type { ApiError, Category, Draft, DraftKind, PlaceHit, Placement, Position, StagedPhoto } from '../backend/types';
import { DraftSaver, emptyDraft, fieldOfServerError, hasErrors, validateDraft, type DraftErrors, type DraftField, type SaverState } from '../logic/draft';
import { ACCURACY_LIMIT_M, formatAccuracy, formatLonLat, gate, positionFromExif } from '../logic/position';
import { t, tk } from '../i18n';
import { useApp, useFail } from '../ui/context';
import { Field, Spinner } from '../ui/common';
import { PhotoPicker } from '../ui/PhotoPicker';
import { COMMON_PHRASES, appendPhrase } from '../logic/phrases';
import { CategoryPicker } from '../ui/CategoryPicker';
import { MapView, type MapComponent } from '../ui/MapView';
import { PlaceSearch } from '../ui/PlaceSearch';
import { componentsForCategory } from '../logic/components';
import { toApiError } from '../backend';

export function ReportEditor({ kind, onDone, onSwitchKind }: {
  kind: DraftKind; onDone(caseId: string | null): void; onSwitchKind?(k: DraftKind): void;
}) {
  const { backend, toast, confirm } = useApp();
  const fail = useFail();
  const [draft, setDraft] = useState<Draft | null>(null);
  const [other, setOther] = useState<Draft | null>(null);
  const [saveState, setSaveState] = useState<SaverState>('clean');
  const [errors, setErrors] = useState<DraftErrors>({});
  const [serverError, setServerError] = useState<string | null>(null);
  const [pinMode, setPinMode] = useState(false);
  const [locating, setLocating] = useState(false);
  const [submitting, setSubmitting] = useState(false);
  const [showErrors, setShowErrors] = useState(false);
  const [showAllComponents, setShowAllComponents] = useState(false);
  const [target, setTarget] = useState<{ lon: number; lat: number; seq: number } | null>(null);
  const mapCenter = useRef<{ lon: number; lat: number } | null>(null);
  const draftRef = useRef<Draft | null>(null);
  const saver = useMemo(() => new DraftSaver((d) => backend.draftSave(d), setSaveState, 250), [backend]);

  // Restore (or start) the draft.
  useEffect(() => {
    let live = true;
    backend.draftGet().then((d) => {
      if (!live) return;
      if (d && d.kind !== kind) { setOther(d); return; }
      if (d) toast(t('report.restored'), 'info');
      const start = d ?? emptyDraft(kind, Date.now());
      draftRef.current = start;
      setDraft(start);
    }, (e) => { if (live) { fail(e); const s = emptyDraft(kind, Date.now()); draftRef.current = s; setDraft(s); } });
    return () => { live = false; };
  }, [kind]);

  // Flush on leaving the page or the app going to the background; flush on unmount.
  useEffect(() => {
    const flush = () => { void saver.flush().catch(() => {}); };
    const onVis = () => { if (document.visibilityState === 'hidden') flush(); };
    document.addEventListener('visibilitychange', onVis);
    window.addEventListener('pagehide', flush);
    return () => { document.removeEventListener('visibilitychange', onVis); window.removeEventListener('pagehide', flush); flush(); };
  }, [saver]);

  useEffect(() => {
    if (saveState === 'error' && saver.lastError) toast(t('report.saveError', { message: toApiError(saver.lastError).message }), 'error');
  }, [saveState]);

  function update(patch: Partial<Draft>) {
    const cur = draftRef.current;
    if (!cur) return;
    const next = { ...cur, ...patch, updatedAt: Date.now() };
    draftRef.current = next;
    setDraft(next);
    saver.change(next);
    if (showErrors) setErrors(validateDraft(next));
    setServerError(null);
  }

  /** Sets the position and locates it. `chosen` (a place-search hit's cell and address) shows at once
   *  and keeps its cell and address over `locate`'s, which adds community, street and components. */
  async function setPosition(pos: Position | null, provisional: Placement | null = null) {
    update({ position: pos, placement: provisional, componentId: null });
    if (!pos) return;
    setLocating(true);
    try {
      const located = await backend.locate(pos.lon, pos.lat);
      const placement = provisional
        ? { ...located, cell: provisional.cell ?? located.cell, address: provisional.address || located.address }
        : located;
      const cur = draftRef.current;
      if (cur?.position && cur.position.lon === pos.lon && cur.position.lat === pos.lat) update({ placement });
    } catch (e) {
      fail(e);
    } finally {
      setLocating(false);
    }
  }

  /** A place-search hit: the pin goes there, the cell and address fill from the hit, then `locate`. */
  function chooseHit(h: PlaceHit) {
    setPinMode(false);
    setTarget((tg) => ({ lon: h.lon, lat: h.lat, seq: (tg?.seq ?? 0) + 1 }));
    void setPosition({ lon: h.lon, lat: h.lat, accuracyM: null, source: 'manual' }, {
      inside: h.cell != null, cell: h.cell, community: null, street: null, address: h.address, nearestCell: null, components: [],
    });
  }

  async function useCurrentPosition() {
    try {
      const pos = await backend.currentPosition();
      if (!pos) { toast(t('report.positionUnavailable'), 'error'); return; }
      await setPosition(pos);
    } catch (e) { fail(e); }
  }

  function addPhotos(field: 'photos' | 'afterPhotos', ps: StagedPhoto[]) {
    const cur = draftRef.current;
    if (!cur) return;
    update({ [field]: [...cur[field], ...ps] } as Partial<Draft>);
    // A report without a position takes the first photo's EXIF position, which the user sees.
    if (field === 'photos' && !cur.position) {
      const exifPos = ps.map((p) => positionFromExif(p.exif)).find((x) => x);
      if (exifPos && kind !== 'hotline') void setPosition(exifPos);
    }
  }

  async function submit() {
    const d = draftRef.current;
    if (!d || submitting) return;
    const errs = validateDraft(d);
    setShowErrors(true);
    setErrors(errs);
    if (hasErrors(errs)) { toast(t('report.fixErrors'), 'error'); return; }
    setSubmitting(true);
    try {
      await saver.flush();
      const r = await backend.draftSubmit();
      saver.cancel();
      toast(t('report.submitted'), 'success');
      onDone(r.caseId);
    } catch (e) {
      const err = toApiError(e) as ApiError & { field?: string };
      if (err.code === 'invalid_input') {
        const f = fieldOfServerError(err);
        if (f) setErrors((x) => ({ ...x, [f]: err.message }));
        setServerError(err.message);
        toast(err.message, 'error');
      } else {
        fail(err);
      }
    } finally {
      setSubmitting(false);
    }
  }

  async function discard() {
    if (!(await confirm(t('report.discardConfirm'), true))) return;
    saver.cancel();
    try {
      await backend.draftDiscard();
      toast(t('report.discarded'), 'info');
      onDone(null);
    } catch (e) { fail(e); }
  }

  if (other) {
    return (
      <section class="panel" data-testid="draft-conflict">
        <p>{t('report.otherDraft', { kind: t(`report.title.${other.kind}`) })}</p>
        <div class="row-buttons">
          {onSwitchKind && <button class="btn btn-primary" data-testid="draft-open-other" onClick={() => onSwitchKind(other.kind)}>{t('report.openDraft')}</button>}
          <button class="btn btn-danger" data-testid="draft-discard-other" onClick={async () => {
            if (!(await confirm(t('report.discardConfirm'), true))) return;
            try { await backend.draftDiscard(); setOther(null); const s = emptyDraft(kind, Date.now()); draftRef.current = s; setDraft(s); } catch (e) { fail(e); }
          }}>{t('report.discard')}</button>
        </div>
      </section>
    );
  }
  if (!draft) return <Spinner />;

  const err = (f: DraftField) => (errors[f] ? (errors[f]!.startsWith('err.') ? tk(errors[f]!) : errors[f]!) : null);
  const g = gate(draft.position);
  const photoPos = draft.photos.map((p) => positionFromExif(p.exif)).find((x) => x) ?? null;
  const pl = draft.placement;
  const comps = componentsForCategory(pl?.components ?? [], draft.category);
  const listed = showAllComponents ? (pl?.components ?? []) : comps;
  const mapComps: MapComponent[] = draft.category?.kind === 'component'
    ? listed.filter((c) => c.lon != null && c.lat != null).map((c) => ({
      id: c.id, lon: c.lon!, lat: c.lat!, label: `${c.typeName} ${c.id}`, selected: draft.componentId === c.id,
    }))
    : [];

  return (
    <form class="editor" data-testid={`editor-${kind}`} onSubmit={(e) => { e.preventDefault(); void submit(); }}>
      <div class="editor-head">
        <h1>{t(`report.title.${kind}`)}</h1>
        <span class={`save-state save-${saveState}`} data-testid="draft-state" data-state={saveState}>
          {saveState === 'saving' || saveState === 'dirty' ? t('report.saving') : saveState === 'error' ? t('report.saveError', { message: '' }) : t('report.saved')}
        </span>
      </div>
      {draft.survey && <p class="muted" data-testid="editor-survey-link" data-survey={draft.survey.surveyId}>{t('report.surveyLink', { cell: draft.survey.cell })}</p>}

      {kind === 'hotline' && draft.caller && (
        <fieldset class="group">
          <legend>{t('report.caller')}</legend>
          <div class="grid-2">
            <Field label={t('report.callerName')} error={err('callerName')}>
              <input class="input" data-testid="caller-name" value={draft.caller.name} maxLength={40}
                onInput={(e) => update({ caller: { ...draft.caller!, name: (e.currentTarget as HTMLInputElement).value } })} />
            </Field>
            <Field label={t('report.callerPhone')} error={err('callerPhone')}>
              <input class="input" type="tel" inputMode="tel" data-testid="caller-phone" value={draft.caller.phone} maxLength={20}
                onInput={(e) => update({ caller: { ...draft.caller!, phone: (e.currentTarget as HTMLInputElement).value } })} />
            </Field>
          </div>
          <label class="check">
            <input type="checkbox" data-testid="caller-callback" checked={draft.caller.wantsCallback}
              onChange={(e) => update({ caller: { ...draft.caller!, wantsCallback: (e.currentTarget as HTMLInputElement).checked } })} />
            {t('report.wantsCallback')}
          </label>
        </fieldset>
      )}

      {kind !== 'hotline' && (
        <Field label={kind === 'self_handle' ? t('report.beforePhotos') : t('report.photos')} error={err('photos')} testid="photos-field">
          <PhotoPicker photos={draft.photos} onAdd={(ps) => addPhotos('photos', ps)}
            onRemove={(sha) => update({ photos: draft.photos.filter((p) => p.sha256 !== sha) })} />
        </Field>
      )}
      {kind === 'self_handle' && (
        <Field label={t('report.afterPhotos')} error={err('afterPhotos')} testid="after-photos-field">
          <PhotoPicker photos={draft.afterPhotos} testid="photo-input-after" onAdd={(ps) => addPhotos('afterPhotos', ps)}
            onRemove={(sha) => update({ afterPhotos: draft.afterPhotos.filter((p) => p.sha256 !== sha) })} />
        </Field>
      )}

      <fieldset class={`group${err('position') ? ' field-invalid' : ''}`}>
        <legend>{t('report.position')}</legend>
        <div class="position-line" data-testid="position-info" data-gate={g}>
          {draft.position ? (
            <>
              <span>{tk(`report.source.${draft.position.source}`)}</span>
              <span class="mono">{formatLonLat(draft.position.lon, draft.position.lat)}</span>
              <span>{t('report.accuracy')} <strong data-testid="position-accuracy">{formatAccuracy(draft.position.accuracyM)}</strong></span>
            </>
          ) : <span class="muted">{t('report.noPosition')}</span>}
        </div>
        {g === 'poor' && <div class="warn" data-testid="accuracy-warning">{t('report.accuracyPoor', { limit: ACCURACY_LIMIT_M, acc: formatAccuracy(draft.position?.accuracyM) })}</div>}
        {g === 'unknown' && <div class="warn" data-testid="accuracy-warning">{t('report.accuracyUnknown')}</div>}
        <div class="row-buttons">
          {kind !== 'hotline' && <button type="button" class="btn" data-testid="get-position" onClick={useCurrentPosition}>{t('report.getPosition')}</button>}
          {photoPos && <button type="button" class="btn" data-testid="use-photo-position" onClick={() => setPosition(photoPos)}>{t('report.usePhotoPosition')}</button>}
          <button type="button" class={`btn${pinMode ? ' btn-primary' : ''}${g === 'poor' || g === 'unknown' ? ' btn-attention' : ''}`} data-testid="map-pin-mode" aria-pressed={pinMode}
            onClick={() => setPinMode(!pinMode)}>{pinMode ? t('report.pinModeCancel') : t('report.pinMode')}</button>
        </div>
        {kind === 'hotline' && <PlaceSearch center={() => (draft.position ? { lon: draft.position.lon, lat: draft.position.lat } : mapCenter.current)} onChoose={chooseHit} />}
        {pinMode && <div class="hint-banner">{t('report.pinModeOn')}</div>}
        <MapView class="map-editor" testid="editor-map" focusPoint position={draft.position?.source === 'manual' ? null : draft.position}
          pin={draft.position ? { lon: draft.position.lon, lat: draft.position.lat } : null} pinMode={pinMode}
          onPick={(lon, lat) => { setPinMode(false); void setPosition({ lon, lat, accuracyM: null, source: 'manual' }); }}
          target={target} onCenter={(lon, lat) => { mapCenter.current = { lon, lat }; }}
          components={mapComps} onComponentClick={(id) => update({ componentId: draftRef.current?.componentId === id ? null : id })} />
        {mapComps.length > 0 && <div class="muted small">{t('report.componentsOnMap')}</div>}
        {err('position') && <div class="field-error" role="alert">{err('position')}</div>}
        {locating && <div class="muted">{t('report.locating')}</div>}
        {pl && (
          <div class="placement" data-testid="placement" data-cell={pl.cell ?? ''}>
            {!pl.inside && <div class="warn" data-testid="placement-outside">{pl.nearestCell
              ? t('report.betweenCells', { code: pl.nearestCell.code, m: Math.round(pl.nearestCell.distanceM) })
              : t('report.outside')}</div>}
            <div><span class="muted">{t('report.cell')}</span> <strong data-testid="placement-cell">{pl.cell ?? '—'}</strong> {pl.community ?? ''} {pl.street ?? ''}</div>
            <div><span class="muted">{t('report.address')}</span> <span data-testid="placement-address">{pl.address}</span></div>
          </div>
        )}
      </fieldset>

      <Field label={t('report.category')} error={err('category')} testid="category-field">
        <CategoryPicker value={draft.category} onPick={(c: Category | null) => update({ category: c, componentId: c?.kind === 'component' ? draft.componentId : null })} />
      </Field>

      {pl && draft.category?.kind === 'component' && (
        <Field label={showAllComponents ? t('report.components') : t('report.componentsOfCategory', { name: draft.category.name })}
          hint={t('report.componentsHint')} error={err('componentId')} testid="components-field">
          {listed.length === 0 && <div class="muted" data-testid="components-none">{pl.components.length === 0 ? t('report.noComponents') : t('report.noComponentsOfCategory', { name: draft.category.name })}</div>}
          {!showAllComponents && comps.length < pl.components.length && (
            <button type="button" class="btn btn-small" data-testid="components-show-all" onClick={() => setShowAllComponents(true)}>
              {t('report.showAllComponents', { n: pl.components.length })}
            </button>
          )}
          {listed.length > 0 && (
            <ul class="option-list">
              {listed.map((c) => (
                <li key={c.id}>
                  <button type="button" class={`option${draft.componentId === c.id ? ' on' : ''}`} data-testid={`component-option-${c.id}`}
                    aria-pressed={draft.componentId === c.id}
                    onClick={() => update({ componentId: draft.componentId === c.id ? null : c.id })}>
                    <strong>{c.typeName}</strong>
                    <span class="muted">{c.id} · {Math.round(c.distanceM)} 米{c.owner ? ` · ${c.owner}` : ''}{c.maintainer ? ` · ${c.maintainer}` : ''}</span>
                  </button>
                </li>
              ))}
            </ul>
          )}
        </Field>
      )}

      <Field label={t('report.description')} error={err('description')}>
        <textarea class="input" rows={4} maxLength={600} data-testid="description" placeholder={t('report.descriptionPlaceholder')}
          value={draft.description} onInput={(e) => update({ description: (e.currentTarget as HTMLTextAreaElement).value })} />
        <div class="phrases" data-testid="phrases">
          <span class="muted small" title={t('report.phraseHint')}>{t('report.phrases')}：</span>
          {COMMON_PHRASES.map((p) => (
            <button type="button" class="phrase" key={p} data-testid={`phrase-${p}`}
              onClick={() => update({ description: appendPhrase(draft.description, p) })}>{p}</button>
          ))}
        </div>
        <div class="counter">{draft.description.trim().length} / 500</div>
      </Field>

      <Field label={t('report.urgency')} error={err('urgency')}>
        <select class="input" data-testid="urgency" value={draft.urgency}
          onChange={(e) => update({ urgency: (e.currentTarget as HTMLSelectElement).value as Draft['urgency'] })}>
          <option value="normal">{t('report.urgency.normal')}</option>
          <option value="urgent">{t('report.urgency.urgent')}</option>
        </select>
      </Field>

      {serverError && <div class="error-box" role="alert" data-testid="submit-error">{serverError}</div>}
      <div class="editor-actions">
        <button type="button" class="btn btn-danger-outline" data-testid="discard-draft" onClick={discard}>{t('report.discard')}</button>
        <button type="submit" class="btn btn-primary btn-big" data-testid="submit-report" disabled={submitting}>
          {submitting ? t('report.submitting') : kind === 'hotline' ? t('report.submitHotline') : t('report.submit')}
        </button>
      </div>
    </form>
  );
}
