// Drafts: the empty draft of each kind, client-side validation (the server validates again on
// submit), and the saver that makes every change durable within `delayMs` of the last edit.
import type { Draft, DraftKind } from '../backend/types';
import { ACCURACY_LIMIT_M } from './position';

export type DraftField = 'photos' | 'afterPhotos' | 'position' | 'category' | 'componentId'
  | 'description' | 'urgency' | 'callerName' | 'callerPhone';

/** i18n keys of the error per field. */
export type DraftErrors = Partial<Record<DraftField, string>>;

export const DESCRIPTION_MAX = 500;

export function emptyDraft(kind: DraftKind, now: number): Draft {
  return {
    kind, photos: [], afterPhotos: [], position: null, placement: null, category: null,
    componentId: null, description: '', urgency: 'normal',
    caller: kind === 'hotline' ? { name: '', phone: '', wantsCallback: false } : null,
    updatedAt: now,
  };
}

const PHONE = /^(?:1\d{10}|0\d{2,3}-?\d{7,8}|\d{7,8}|12345|12319)$/;

export function isPhone(s: string): boolean {
  return PHONE.test(s.replace(/[\s]/g, ''));
}

/** Returns the problems that block submission, keyed by field (values are i18n keys). */
export function validateDraft(d: Draft): DraftErrors {
  const e: DraftErrors = {};
  if (d.kind !== 'hotline' && d.photos.length === 0) {
    e.photos = d.kind === 'self_handle' ? 'err.beforePhotosRequired' : 'err.photosRequired';
  }
  if (d.kind === 'self_handle' && d.afterPhotos.length === 0) e.afterPhotos = 'err.afterPhotosRequired';
  if (!d.position) e.position = 'err.positionRequired';
  else if (!validLonLat(d.position.lon, d.position.lat)) e.position = 'err.positionInvalid';
  if (!d.category) e.category = 'err.categoryRequired';
  const desc = d.description.trim();
  if (d.kind === 'hotline' && desc.length < 2) e.description = 'err.descriptionRequired';
  if (desc.length > DESCRIPTION_MAX) e.description = 'err.descriptionTooLong';
  if (d.urgency !== 'normal' && d.urgency !== 'urgent') e.urgency = 'err.urgencyInvalid';
  if (d.kind === 'hotline') {
    const c = d.caller;
    const phone = c?.phone.trim() ?? '';
    if (phone && !isPhone(phone)) e.callerPhone = 'err.phoneInvalid';
    else if (c?.wantsCallback && !phone) e.callerPhone = 'err.phoneRequiredForCallback';
  }
  return e;
}

export function validLonLat(lon: number, lat: number): boolean {
  return Number.isFinite(lon) && Number.isFinite(lat) && lon >= -180 && lon <= 180 && lat >= -90 && lat <= 90;
}

/** A position whose accuracy is poor is allowed but flagged (the UI warns). */
export function positionWarning(d: Draft): boolean {
  const p = d.position;
  return !!p && p.source !== 'manual' && (p.accuracyM == null || p.accuracyM > ACCURACY_LIMIT_M);
}

export function hasErrors(e: DraftErrors): boolean {
  return Object.keys(e).length > 0;
}

/** Maps an `invalid_input` message (or its optional `field`) from the Rust side to a field. */
export function fieldOfServerError(err: { message: string; field?: string }): DraftField | null {
  const known: DraftField[] = ['photos', 'afterPhotos', 'position', 'category', 'componentId',
    'description', 'urgency', 'callerName', 'callerPhone'];
  if (err.field && (known as string[]).includes(err.field)) return err.field as DraftField;
  const m = err.message;
  const table: [RegExp, DraftField][] = [
    [/处置后|after/i, 'afterPhotos'], [/照片|photo/i, 'photos'], [/位置|定位|坐标|position|location/i, 'position'],
    [/部件|component/i, 'componentId'], [/类别|分类|category/i, 'category'], [/描述|description/i, 'description'],
    [/紧急|urgency/i, 'urgency'], [/电话|phone/i, 'callerPhone'], [/姓名|caller/i, 'callerName'],
  ];
  for (const [re, f] of table) if (re.test(m)) return f;
  return null;
}

export interface Timer { set(fn: () => void, ms: number): unknown; clear(h: unknown): void }
export const realTimer: Timer = {
  set: (fn, ms) => setTimeout(fn, ms),
  clear: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
};

export type SaverState = 'clean' | 'dirty' | 'saving' | 'error';

/**
 * Debounced, serialised saving of the draft: `change()` marks it dirty and schedules a save
 * `delayMs` after the last change; only one save is in flight and the newest draft always wins;
 * `flush()` saves now and resolves when what was last changed is durable (or rejects).
 */
export class DraftSaver {
  private pending: Draft | null = null;
  private timer: unknown = null;
  private inFlight: Promise<void> | null = null;
  state: SaverState = 'clean';
  lastError: unknown = null;
  lastSavedAt: number | null = null;

  constructor(
    private readonly save: (d: Draft) => Promise<unknown>,
    private readonly onState: (s: SaverState) => void = () => {},
    private readonly delayMs = 250,
    private readonly timer_: Timer = realTimer,
    private readonly clock: () => number = Date.now,
  ) {}

  change(d: Draft): void {
    this.pending = d;
    this.setState('dirty');
    if (this.timer != null) this.timer_.clear(this.timer);
    this.timer = this.timer_.set(() => { this.timer = null; void this.run().catch(() => {}); }, this.delayMs);
  }

  get dirty(): boolean { return this.pending != null || this.inFlight != null; }

  async flush(): Promise<void> {
    if (this.timer != null) { this.timer_.clear(this.timer); this.timer = null; }
    await this.run();
  }

  /** Drops anything not yet saved (after discard or submit). */
  cancel(): void {
    if (this.timer != null) { this.timer_.clear(this.timer); this.timer = null; }
    this.pending = null;
    this.setState('clean');
  }

  private async run(): Promise<void> {
    while (this.inFlight) await this.inFlight.catch(() => {});
    const d = this.pending;
    if (!d) return;
    this.pending = null;
    this.setState('saving');
    const p = this.save(d).then(
      () => {
        this.lastSavedAt = this.clock();
        this.lastError = null;
        if (!this.pending) this.setState('clean');
      },
      (err) => {
        // Keep the newest version so that the next change or flush retries it.
        if (!this.pending) this.pending = d;
        this.lastError = err;
        this.setState('error');
        throw err;
      },
    );
    this.inFlight = p;
    try { await p; } finally { this.inFlight = null; }
    if (this.pending) await this.run();
  }

  private setState(s: SaverState) {
    this.state = s;
    this.onState(s);
  }
}
