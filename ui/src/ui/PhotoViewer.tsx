// Case photos on the desk (issue 15): the first photo large at the top of the detail with the
// others as thumbnails, each with its capture time (EXIF) and warnings (taken long before the
// report, or far from the pin); a viewer that zooms (buttons, wheel, double-click) and swipes
// (drag, ←/→); and the before/after pair shown in the 核查 and 结案 forms.
import { useEffect, useRef, useState } from 'preact/hooks';
import type { PhotoInfo } from '../backend/types';
import { beforeAfter, photoWarningText } from '../logic/desk';
import { formatDateTime } from '../logic/time';
import { t } from '../i18n';
import { useApp } from './context';
import { Modal } from './common';

/** Data URLs of the photos: the inline thumbnail when the backend gave one, else fetched one by
 *  one (local copy or server). */
export function usePhotoUrls(photos: PhotoInfo[]): Record<string, string> {
  const { backend } = useApp();
  const [urls, setUrls] = useState<Record<string, string>>({});
  useEffect(() => {
    let live = true;
    (async () => {
      for (const p of photos) {
        if (p.thumbUrl || urls[p.sha256]) continue;
        try {
          const u = await backend.casePhoto(p.sha256);
          if (!live) return;
          setUrls((x) => ({ ...x, [p.sha256]: u }));
        } catch { /* shown as "loading" until a later try */ }
      }
    })();
    return () => { live = false; };
  }, [photos]);
  const out: Record<string, string> = {};
  for (const p of photos) { const u = p.thumbUrl ?? urls[p.sha256]; if (u) out[p.sha256] = u; }
  return out;
}

function PhotoMeta({ p, reportedAt }: { p: PhotoInfo; reportedAt: number | null }) {
  return (
    <div class="photo-meta">
      <span class="muted" data-testid={`photo-taken-${p.sha256.slice(0, 12)}`} data-taken-at={p.takenAt ?? ''}>
        {p.roleLabel} · {p.takenAt != null ? t('detail.photoTaken', { at: formatDateTime(p.takenAt) }) : t('detail.photoTakenUnknown')}
      </span>
      {(p.warnings ?? []).map((w) => (
        <span key={w} class="photo-warning" role="note" data-testid={`photo-warning-${w}`}>⚠ {photoWarningText(w, p, reportedAt)}</span>
      ))}
    </div>
  );
}

/** The photos of a case, the first one large. */
export function PhotoStrip({ photos, reportedAt }: { photos: PhotoInfo[]; reportedAt: number | null }) {
  const urls = usePhotoUrls(photos);
  const [open, setOpen] = useState<number | null>(null);
  if (!photos.length) return <p class="muted">{t('detail.noPhotos')}</p>;
  const [first, ...rest] = photos;
  const cell = (p: PhotoInfo, i: number, big: boolean) => (
    <figure class={big ? 'photo photo-lead' : 'photo'} key={p.sha256} data-testid={`case-photo-${p.sha256.slice(0, 12)}`} data-role={p.role}
      data-warnings={(p.warnings ?? []).join(' ')}>
      <button class="photo-open" title={t('detail.photoOpen')} onClick={() => setOpen(i)}>
        {urls[p.sha256] ? <img src={urls[p.sha256]} alt={p.roleLabel} /> : <span class="muted">{t('detail.photoLoading')}</span>}
      </button>
      <figcaption><PhotoMeta p={p} reportedAt={reportedAt} /></figcaption>
    </figure>
  );
  return (
    <div class="photo-strip" data-testid="photo-strip">
      {cell(first, 0, true)}
      {rest.length > 0 && <div class="photo-grid">{rest.map((p, i) => cell(p, i + 1, false))}</div>}
      {open != null && <PhotoViewer photos={photos} start={open} reportedAt={reportedAt} onClose={() => setOpen(null)} />}
    </div>
  );
}

/** Full-size viewer: zoom 1×–6× (buttons, wheel, double-click), drag to pan when zoomed, swipe
 *  or ←/→ to go through the case's photos. */
export function PhotoViewer({ photos, start, reportedAt, onClose }: { photos: PhotoInfo[]; start: number; reportedAt: number | null; onClose(): void }) {
  const { backend } = useApp();
  const [i, setI] = useState(start);
  const [zoom, setZoom] = useState(1);
  const [pan, setPan] = useState({ x: 0, y: 0 });
  const [full, setFull] = useState<Record<string, string>>({});
  const drag = useRef<{ x: number; y: number; px: number; py: number } | null>(null);
  const p = photos[i];
  const go = (d: number) => { setI((x) => (x + d + photos.length) % photos.length); setZoom(1); setPan({ x: 0, y: 0 }); };
  const zoomBy = (f: number) => setZoom((z) => { const n = Math.min(6, Math.max(1, z * f)); if (n === 1) setPan({ x: 0, y: 0 }); return n; });

  useEffect(() => {
    if (full[p.sha256]) return;
    backend.casePhoto(p.sha256).then((u) => setFull((x) => ({ ...x, [p.sha256]: u })), () => { /* keeps the thumbnail */ });
  }, [i]);
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'ArrowRight') { e.preventDefault(); go(1); }
      else if (e.key === 'ArrowLeft') { e.preventDefault(); go(-1); }
      else if (e.key === '+' || e.key === '=') zoomBy(1.5);
      else if (e.key === '-') zoomBy(1 / 1.5);
      else if (e.key === 'Escape') onClose();
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, [photos.length]);

  const src = full[p.sha256] ?? p.thumbUrl ?? '';
  return (
    <Modal title={`${p.roleLabel} · ${t('viewer.counter', { i: i + 1, n: photos.length })}`} onClose={onClose} testid="photo-viewer">
      <div class="viewer" data-testid="viewer-stage" data-zoom={zoom.toFixed(2)} data-index={i}
        onWheel={(e) => { e.preventDefault(); zoomBy(e.deltaY < 0 ? 1.25 : 0.8); }}
        onDblClick={() => (zoom > 1 ? (setZoom(1), setPan({ x: 0, y: 0 })) : setZoom(2.5))}
        onPointerDown={(e) => { drag.current = { x: e.clientX, y: e.clientY, px: pan.x, py: pan.y }; }}
        onPointerMove={(e) => { const d = drag.current; if (d && zoom > 1) setPan({ x: d.px + e.clientX - d.x, y: d.py + e.clientY - d.y }); }}
        onPointerUp={(e) => { const d = drag.current; drag.current = null; if (d && zoom === 1 && Math.abs(e.clientX - d.x) > 60) go(e.clientX < d.x ? 1 : -1); }}>
        {src ? <img class="photo-big" src={src} alt={p.roleLabel} draggable={false}
          style={{ transform: `translate(${pan.x}px, ${pan.y}px) scale(${zoom})` }} /> : <span class="muted">{t('detail.photoLoading')}</span>}
      </div>
      <div class="viewer-bar">
        <button type="button" class="btn" data-testid="viewer-prev" disabled={photos.length < 2} onClick={() => go(-1)}>‹ {t('viewer.prev')}</button>
        <button type="button" class="btn" data-testid="viewer-zoom-out" onClick={() => zoomBy(1 / 1.5)}>－ {t('viewer.zoomOut')}</button>
        <button type="button" class="btn" data-testid="viewer-reset" onClick={() => { setZoom(1); setPan({ x: 0, y: 0 }); }}>{t('viewer.reset')}</button>
        <button type="button" class="btn" data-testid="viewer-zoom-in" onClick={() => zoomBy(1.5)}>＋ {t('viewer.zoomIn')}</button>
        <button type="button" class="btn" data-testid="viewer-next" disabled={photos.length < 2} onClick={() => go(1)}>{t('viewer.next')} ›</button>
      </div>
      <PhotoMeta p={p} reportedAt={reportedAt} />
    </Modal>
  );
}

/** 处置前 beside 处置后/核查, for the 核查 and 结案 forms. */
export function BeforeAfter({ photos, reportedAt }: { photos: PhotoInfo[]; reportedAt: number | null }) {
  const { before, after } = beforeAfter(photos);
  const urls = usePhotoUrls([...before, ...after]);
  const col = (title: string, ps: PhotoInfo[], testid: string, empty: string) => (
    <div class="ba-col" data-testid={testid} data-count={ps.length}>
      <div class="field-label">{title}</div>
      {ps.length === 0 ? <p class="muted">{empty}</p> : ps.map((p) => (
        <figure class="photo" key={p.sha256}>
          {urls[p.sha256] ? <img src={urls[p.sha256]} alt={p.roleLabel} /> : <span class="muted">{t('detail.photoLoading')}</span>}
          <figcaption><PhotoMeta p={p} reportedAt={reportedAt} /></figcaption>
        </figure>
      ))}
    </div>
  );
  return (
    <div class="before-after" data-testid="before-after">
      {col(t('detail.before'), before, 'ba-before', t('detail.noPhotos'))}
      {col(t('detail.after'), after, 'ba-after', t('detail.noAfterPhotos'))}
    </div>
  );
}
