import { describe, expect, it } from 'vitest';
import { DraftSaver, emptyDraft, fieldOfServerError, isPhone, positionWarning, validateDraft, type Timer } from '../src/logic/draft';
import type { Category, Draft, StagedPhoto } from '../src/backend/types';

const photo = (n: number): StagedPhoto => ({
  sha256: String(n).repeat(64).slice(0, 64), thumbUrl: 'data:,', width: 10, height: 10, name: `p${n}.jpg`,
  exif: { lon: null, lat: null, accuracyM: null, takenAt: null, orientation: 1, make: null, model: null },
});
const cat: Category = { ref: 'matter:01001', kind: 'matter', code: '01001', name: '暴露垃圾', majorName: '市容环境', minorName: null };
const pos = { lon: 103.83, lat: 36.06, accuracyM: 8, source: 'gps' as const };

function complete(kind: Draft['kind']): Draft {
  return { ...emptyDraft(kind, 0), photos: [photo(1)], afterPhotos: kind === 'self_handle' ? [photo(2)] : [], position: pos, category: cat, description: '路边有垃圾堆放' };
}

describe('draft validation', () => {
  it('an empty report lists photos, position and category', () => {
    expect(validateDraft(emptyDraft('report', 0))).toEqual({ photos: 'err.photosRequired', position: 'err.positionRequired', category: 'err.categoryRequired' });
  });
  it('a complete report of each kind passes', () => {
    for (const k of ['report', 'self_handle', 'hotline'] as const) expect(validateDraft(complete(k))).toEqual({});
  });
  it('self-handling needs before and after photos', () => {
    const d = { ...complete('self_handle'), photos: [], afterPhotos: [] };
    expect(validateDraft(d)).toEqual({ photos: 'err.beforePhotosRequired', afterPhotos: 'err.afterPhotosRequired' });
  });
  it('hotline needs a description and a valid phone when a call-back is wanted', () => {
    const d = { ...complete('hotline'), description: ' ', caller: { name: '张三', phone: '', wantsCallback: true } };
    expect(validateDraft(d)).toEqual({ description: 'err.descriptionRequired', callerPhone: 'err.phoneRequiredForCallback' });
    expect(validateDraft({ ...d, description: '井盖缺失', caller: { name: '', phone: '138-00', wantsCallback: false } }).callerPhone).toBe('err.phoneInvalid');
  });
  it('refuses overlong descriptions and bad coordinates', () => {
    expect(validateDraft({ ...complete('report'), description: '字'.repeat(501) }).description).toBe('err.descriptionTooLong');
    expect(validateDraft({ ...complete('report'), position: { ...pos, lat: 95 } }).position).toBe('err.positionInvalid');
  });
  it('phones: mobile, landline with area code, hotline numbers', () => {
    expect(isPhone('13800138000')).toBe(true);
    expect(isPhone('0931-8888888')).toBe(true);
    expect(isPhone('12345')).toBe(true);
    expect(isPhone('2380013800')).toBe(false);
  });
  it('warns on a poor GPS fix but not on a manual pin', () => {
    expect(positionWarning({ ...complete('report'), position: { ...pos, accuracyM: 50 } })).toBe(true);
    expect(positionWarning({ ...complete('report'), position: { ...pos, accuracyM: null, source: 'manual' } })).toBe(false);
  });
  it('maps server messages to fields', () => {
    expect(fieldOfServerError({ message: '请选择案件类别' })).toBe('category');
    expect(fieldOfServerError({ message: '缺少处置后照片' })).toBe('afterPhotos');
    expect(fieldOfServerError({ message: 'x', field: 'description' })).toBe('description');
    expect(fieldOfServerError({ message: '未知错误' })).toBeNull();
  });
});

/** A manual timer: advance() fires what is due. */
class FakeTimer implements Timer {
  now = 0;
  private seq = 0;
  tasks = new Map<number, { at: number; fn: () => void }>();
  set(fn: () => void, ms: number) { const id = ++this.seq; this.tasks.set(id, { at: this.now + ms, fn }); return id; }
  clear(h: unknown) { this.tasks.delete(h as number); }
  advance(ms: number) {
    this.now += ms;
    for (const [id, t] of [...this.tasks]) if (t.at <= this.now) { this.tasks.delete(id); t.fn(); }
  }
}
const tick = () => new Promise((r) => setTimeout(r, 0));

describe('DraftSaver', () => {
  it('debounces: many changes within the delay make one save of the newest draft', async () => {
    const saved: string[] = [];
    const timer = new FakeTimer();
    const s = new DraftSaver(async (d) => { saved.push(d.description); }, () => {}, 250, timer);
    for (const text of ['a', 'ab', 'abc']) { s.change({ ...emptyDraft('report', 0), description: text }); timer.advance(100); }
    expect(saved).toEqual([]);
    expect(s.state).toBe('dirty');
    timer.advance(250);
    await tick();
    expect(saved).toEqual(['abc']);
    expect(s.state).toBe('clean');
  });
  it('never saves in parallel, and the last change wins', async () => {
    const timer = new FakeTimer();
    let inFlight = 0; let maxInFlight = 0; const saved: string[] = [];
    const resolvers: (() => void)[] = [];
    const s = new DraftSaver((d) => { inFlight++; maxInFlight = Math.max(maxInFlight, inFlight); return new Promise<void>((r) => resolvers.push(() => { inFlight--; saved.push(d.description); r(); })); }, () => {}, 10, timer);
    s.change({ ...emptyDraft('report', 0), description: 'one' });
    timer.advance(10); await tick();
    s.change({ ...emptyDraft('report', 0), description: 'two' });
    timer.advance(10); await tick();
    s.change({ ...emptyDraft('report', 0), description: 'three' });
    const flushed = s.flush();
    await tick();
    expect(resolvers.length).toBe(1);
    resolvers.shift()!(); await tick(); await tick();
    resolvers.shift()!(); await flushed;
    expect(saved).toEqual(['one', 'three']);
    expect(maxInFlight).toBe(1);
    expect(s.dirty).toBe(false);
  });
  it('a failed save keeps the draft for the next flush and reports the error', async () => {
    const timer = new FakeTimer();
    let fail = true; const saved: string[] = []; const states: string[] = [];
    const s = new DraftSaver(async (d) => { if (fail) throw { code: 'store_error', message: '磁盘已满' }; saved.push(d.description); }, (st) => states.push(st), 10, timer);
    s.change({ ...emptyDraft('report', 0), description: 'keep me' });
    await expect(s.flush()).rejects.toEqual({ code: 'store_error', message: '磁盘已满' });
    expect(s.state).toBe('error');
    fail = false;
    await s.flush();
    expect(saved).toEqual(['keep me']);
    expect(states).toEqual(['dirty', 'saving', 'error', 'saving', 'clean']);
  });
  it('cancel drops unsaved changes', async () => {
    const timer = new FakeTimer(); const saved: string[] = [];
    const s = new DraftSaver(async (d) => { saved.push(d.description); }, () => {}, 10, timer);
    s.change({ ...emptyDraft('report', 0), description: 'gone' });
    s.cancel(); timer.advance(50); await s.flush();
    expect(saved).toEqual([]);
  });
});
