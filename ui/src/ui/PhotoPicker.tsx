// Photos: two Chinese buttons, 拍照 (the camera on tablets) and 从相册选择 (album or files), each file read as base64 and sent
// through `photo_stage` (the Rust photo pipeline). Failures are named per file; nothing staged
// is lost when a later file fails.
import { useState } from 'preact/hooks';
import type { StagedPhoto } from '../backend/types';
import { blobToBase64 } from '../logic/base64';
import { positionFromExif } from '../logic/position';
import { t } from '../i18n';
import { useApp, useFail } from './context';

export function PhotoPicker({ photos, onAdd, onRemove, testid = 'photo-input', label }: {
  photos: StagedPhoto[]; onAdd(p: StagedPhoto[]): void; onRemove(sha256: string): void; testid?: string; label?: string;
}) {
  const { backend, toast } = useApp();
  const fail = useFail();
  const [busy, setBusy] = useState(0);

  async function onFiles(e: Event) {
    const input = e.currentTarget as HTMLInputElement;
    const files = Array.from(input.files ?? []);
    if (!files.length) return;
    setBusy(files.length);
    const staged: StagedPhoto[] = [];
    for (const f of files) {
      let data: string;
      try {
        data = await blobToBase64(f);
      } catch {
        toast(t('err.photoRead', { name: f.name }), 'error');
        setBusy((n) => n - 1);
        continue;
      }
      try {
        const p = await backend.photoStage(f.name, data);
        if (!photos.some((x) => x.sha256 === p.sha256) && !staged.some((x) => x.sha256 === p.sha256)) staged.push(p);
      } catch (err) {
        fail(err);
      }
      setBusy((n) => n - 1);
    }
    setBusy(0);
    input.value = '';
    if (staged.length) onAdd(staged);
  }

  return (
    <div class="photos">
      <div class="photo-grid">
        {photos.map((p) => (
          <figure class="photo" key={p.sha256} data-testid={`photo-${p.sha256.slice(0, 12)}`}>
            <img src={p.thumbUrl} alt={p.name} width={p.width} height={p.height} />
            {positionFromExif(p.exif) && <span class="photo-gps" title={t('report.photoHasGps')}>GPS</span>}
            <button type="button" class="btn btn-small photo-remove" data-testid={`photo-remove-${p.sha256.slice(0, 12)}`}
              onClick={() => onRemove(p.sha256)} aria-label={t('common.remove')}>✕</button>
          </figure>
        ))}
      </div>
      <div class="photo-add">
        {label && <span class="photo-add-label">{label}</span>}
        <div class="photo-buttons">
          {/* 拍照: the camera on tablets (capture); 从相册选择: the album or, on desktop, files. */}
          <label class={`photo-button${busy > 0 ? ' disabled' : ''}`}>
            <span aria-hidden="true">📷</span>{busy > 0 ? t('report.photoBusy') : t('photo.camera')}
            <input type="file" accept="image/*" capture="environment" data-testid={`${testid}-camera`}
              aria-label={t('photo.camera')} disabled={busy > 0} onChange={onFiles} />
          </label>
          <label class={`photo-button secondary${busy > 0 ? ' disabled' : ''}`}>
            <span aria-hidden="true">🖼</span>{t('photo.album')}
            <input type="file" accept="image/*" multiple data-testid={testid}
              aria-label={t('photo.album')} disabled={busy > 0} onChange={onFiles} />
          </label>
        </div>
      </div>
    </div>
  );
}
