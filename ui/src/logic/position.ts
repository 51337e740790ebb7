// The position accuracy gate: a report may carry a poor fix, but the user is warned and offered
// a pin on the map.
import type { Exif, Position } from '../backend/types';

export const ACCURACY_LIMIT_M = 30;

export type Gate = 'none' | 'ok' | 'poor' | 'unknown';

export function gate(p: Position | null | undefined, limitM = ACCURACY_LIMIT_M): Gate {
  if (!p) return 'none';
  if (p.source === 'manual') return 'ok';
  if (p.accuracyM == null || !Number.isFinite(p.accuracyM)) return 'unknown';
  return p.accuracyM <= limitM ? 'ok' : 'poor';
}

/** The position a photo's EXIF carries, or null when it has none. */
export function positionFromExif(exif: Exif | null | undefined): Position | null {
  if (!exif || exif.lon == null || exif.lat == null) return null;
  if (!Number.isFinite(exif.lon) || !Number.isFinite(exif.lat)) return null;
  if (exif.lon === 0 && exif.lat === 0) return null;
  return { lon: exif.lon, lat: exif.lat, accuracyM: exif.accuracyM, source: 'exif' };
}

export function formatAccuracy(m: number | null | undefined): string {
  if (m == null || !Number.isFinite(m)) return '—';
  return m < 10 ? `${m.toFixed(1)} 米` : `${Math.round(m)} 米`;
}

export function formatLonLat(lon: number, lat: number): string {
  return `${lon.toFixed(6)}, ${lat.toFixed(6)}`;
}
