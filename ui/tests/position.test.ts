import { describe, expect, it } from 'vitest';
import { formatAccuracy, gate, positionFromExif } from '../src/logic/position';
import type { Exif } from '../src/backend/types';

const exif = (o: Partial<Exif>): Exif => ({ lon: null, lat: null, accuracyM: null, takenAt: null, orientation: 1, make: null, model: null, ...o });

describe('accuracy gate', () => {
  it('passes fixes within 30 m, flags worse or unknown ones', () => {
    expect(gate(null)).toBe('none');
    expect(gate({ lon: 103.8, lat: 36.06, accuracyM: 30, source: 'gps' })).toBe('ok');
    expect(gate({ lon: 103.8, lat: 36.06, accuracyM: 30.5, source: 'gps' })).toBe('poor');
    expect(gate({ lon: 103.8, lat: 36.06, accuracyM: null, source: 'exif' })).toBe('unknown');
    expect(gate({ lon: 103.8, lat: 36.06, accuracyM: 120, source: 'configured' })).toBe('poor');
  });
  it('trusts a pin the user placed', () => {
    expect(gate({ lon: 103.8, lat: 36.06, accuracyM: null, source: 'manual' })).toBe('ok');
  });
});

describe('EXIF position', () => {
  it('takes lon/lat/accuracy from EXIF', () => {
    expect(positionFromExif(exif({ lon: 103.83, lat: 36.06, accuracyM: 5 }))).toEqual({ lon: 103.83, lat: 36.06, accuracyM: 5, source: 'exif' });
  });
  it('ignores missing or null-island coordinates', () => {
    expect(positionFromExif(exif({ lon: 103.83 }))).toBeNull();
    expect(positionFromExif(exif({ lon: 0, lat: 0 }))).toBeNull();
    expect(positionFromExif(null)).toBeNull();
  });
  it('formats accuracy in metres', () => {
    expect(formatAccuracy(4.26)).toBe('4.3 米');
    expect(formatAccuracy(35.4)).toBe('35 米');
    expect(formatAccuracy(null)).toBe('—');
  });
});
