//! Grid clustering of case markers in screen space: points whose projected pixel positions fall
//! in the same `cellPx` square make one cluster. Pure: the caller projects lon/lat to pixels
//! (Leaflet's `project` at the current zoom). Invariants: every input point lands in exactly
//! one cluster; a cluster's light is the worst light of its members (red > yellow > green > none);
//! clusters come out in a stable order (first member's input order).
import type { Light } from '../backend/types';

export interface ClusterInput { id: string; x: number; y: number; light: Light | null }
export interface Cluster {
  ids: string[];
  /** Mean pixel position of the members. */
  x: number; y: number;
  light: Light | null;
  counts: { red: number; yellow: number; green: number; none: number };
}

const RANK: Record<Light | 'none', number> = { none: 0, green: 1, yellow: 2, red: 3 };

export function worstLight(a: Light | null, b: Light | null): Light | null {
  return RANK[a ?? 'none'] >= RANK[b ?? 'none'] ? a : b;
}

/** Clusters when `cluster` is true; otherwise every point is its own cluster (large zoom). */
export function clusterPoints(points: ClusterInput[], cellPx: number, cluster = true): Cluster[] {
  const out: Cluster[] = [];
  const byKey = new Map<string, Cluster>();
  for (const p of points) {
    const key = cluster ? `${Math.floor(p.x / cellPx)}:${Math.floor(p.y / cellPx)}` : p.id;
    let c = byKey.get(key);
    if (!c) {
      c = { ids: [], x: 0, y: 0, light: null, counts: { red: 0, yellow: 0, green: 0, none: 0 } };
      byKey.set(key, c);
      out.push(c);
    }
    const n = c.ids.length;
    c.x = (c.x * n + p.x) / (n + 1);
    c.y = (c.y * n + p.y) / (n + 1);
    c.ids.push(p.id);
    c.light = n === 0 ? p.light : worstLight(c.light, p.light);
    c.counts[p.light ?? 'none'] += 1;
  }
  return out;
}

/** Below this zoom case markers cluster (district and street views). */
export const CLUSTER_BELOW_ZOOM = 17;
