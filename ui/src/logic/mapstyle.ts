//! The offline basemap's style: which layer and feature draws at which zoom, with what colour,
//! width and label. Pure data and functions (no canvas, no Leaflet) so the rules are tested.
//! Invariants: every rule is a function of (layer, properties, zoom) only; layers draw in
//! `LAYER_ORDER`; a feature whose rule says `null` is not drawn at that zoom.

export type Props = Record<string, string | number | boolean | undefined>;

/** Calm palette: paper background, white roads with grey casing, blue water, green space. */
export const PALETTE = {
  background: '#f3f1ec',
  water: '#aad3ee', waterLine: '#7fb6dd', waterLabel: '#3a6f99',
  green: '#cfe6c0', greenLabel: '#4d7a3a',
  building: '#dedbd5', buildingLine: '#cbc7bf',
  roadFill: '#ffffff', roadCasing: '#b9b4aa', primaryFill: '#fff4d6', primaryCasing: '#d8b96c',
  roadLabel: '#333333', halo: 'rgba(255,255,255,0.92)',
  street: '#7a5c99', community: '#9a86b0',
  grid: '#3b6ea5', gridLabel: '#2b4f78',
  place: '#4a4a4a', placeDot: '#6b6b6b',
} as const;

/** Bottom to top. Labels are drawn after all geometry, in the same order. */
export const LAYER_ORDER = ['water', 'green', 'buildings', 'boundaries', 'roads', 'grid', 'places'] as const;
export type LayerName = (typeof LAYER_ORDER)[number];

export type RoadClass = 'primary' | 'secondary' | 'branch' | 'alley';
const ROAD_MIN_ZOOM: Record<RoadClass, number> = { primary: 10, secondary: 12, branch: 13, alley: 14 };
/** Fill width in px at zoom 16; scaled by 2^(z-16) clamped to [0.35, 2.5]. */
const ROAD_WIDTH16: Record<RoadClass, number> = { primary: 12, secondary: 9, branch: 6, alley: 3.5 };

export function roadClass(p: Props): RoadClass {
  const c = String(p.class ?? '');
  return c === 'primary' || c === 'secondary' || c === 'branch' || c === 'alley' ? c : 'branch';
}

export interface LineStyle { width: number; color: string; casing: string | null; casingWidth: number; dash: number[] | null }
export interface FillStyle { fill: string | null; stroke: string | null; strokeWidth: number; dash: number[] | null }

function zoomScale(z: number): number {
  return Math.min(2.5, Math.max(0.35, 2 ** (z - 16)));
}

/** A road's stroke at zoom z, or null when its class does not show yet. */
export function roadStyle(p: Props, z: number): LineStyle | null {
  const c = roadClass(p);
  if (z < ROAD_MIN_ZOOM[c]) return null;
  const w = Math.max(c === 'primary' ? 2 : 1, ROAD_WIDTH16[c] * zoomScale(z));
  const primary = c === 'primary';
  return { width: w, color: primary ? PALETTE.primaryFill : PALETTE.roadFill, casing: primary ? PALETTE.primaryCasing : PALETTE.roadCasing,
    casingWidth: w + (z >= 15 ? 2 : 1.2), dash: null };
}

/** Polygon (or river line) fill and outline per layer; null = not drawn at this zoom. */
export function areaStyle(layer: LayerName, p: Props, z: number): FillStyle | null {
  switch (layer) {
    case 'water': return { fill: PALETTE.water, stroke: PALETTE.waterLine, strokeWidth: 0.6, dash: null };
    case 'green': return z >= 12 ? { fill: PALETTE.green, stroke: null, strokeWidth: 0, dash: null } : null;
    case 'buildings': return z >= 14 ? { fill: PALETTE.building, stroke: z >= 16 ? PALETTE.buildingLine : null, strokeWidth: 0.6, dash: null } : null;
    case 'boundaries': {
      const lvl = String(p.level ?? '');
      if (lvl === 'street') return { fill: null, stroke: PALETTE.street, strokeWidth: z >= 14 ? 2.2 : 1.6, dash: [8, 4, 2, 4] };
      if (lvl === 'community') return z >= 13 ? { fill: null, stroke: PALETTE.community, strokeWidth: 1.2, dash: [5, 4] } : null;
      return null;
    }
    case 'grid': return z >= 15 ? { fill: null, stroke: PALETTE.grid, strokeWidth: z >= 17 ? 1 : 0.6, dash: null } : null;
    default: return null;
  }
}

export interface LabelStyle { text: string; font: string; color: string; halo: string; priority: number; along: boolean }

const FONT = '"Noto Sans CJK SC", "WenQuanYi Micro Hei", "Microsoft YaHei", "PingFang SC", sans-serif';

/** Grid codes are 15 digits; below zoom 18 only the last 3 (the cell within the community) show. */
export function gridLabel(code: string, z: number): string {
  if (!code) return '';
  return z >= 18 ? code : `…${code.slice(-3)}`;
}

/** The label of a feature at zoom z, or null. Higher priority is placed first. */
export function labelStyle(layer: LayerName, p: Props, z: number): LabelStyle | null {
  const name = typeof p.name === 'string' ? p.name.trim() : '';
  switch (layer) {
    case 'roads': {
      const c = roadClass(p);
      const from = c === 'primary' ? 13 : c === 'secondary' ? 14 : c === 'branch' ? 15 : 16;
      if (!name || z < from) return null;
      return { text: name, font: `${c === 'primary' ? 600 : 400} ${c === 'alley' ? 11 : 12}px ${FONT}`, color: PALETTE.roadLabel, halo: PALETTE.halo,
        priority: c === 'primary' ? 60 : c === 'secondary' ? 50 : 40, along: true };
    }
    case 'boundaries': {
      const lvl = String(p.level ?? '');
      if (!name) return null;
      // Labels repeat per tile, so boundary names show only where a unit spans few tiles.
      if (lvl === 'street' && z >= 11 && z <= 13) return { text: name, font: `600 14px ${FONT}`, color: PALETTE.street, halo: PALETTE.halo, priority: 90, along: false };
      if (lvl === 'community' && z >= 14 && z <= 15) return { text: name, font: `500 12px ${FONT}`, color: PALETTE.community, halo: PALETTE.halo, priority: 70, along: false };
      return null;
    }
    case 'water': return name && z >= 13 ? { text: name, font: `italic 12px ${FONT}`, color: PALETTE.waterLabel, halo: PALETTE.halo, priority: 30, along: false } : null;
    case 'green': return name && z >= 15 ? { text: name, font: `11px ${FONT}`, color: PALETTE.greenLabel, halo: PALETTE.halo, priority: 20, along: false } : null;
    case 'grid': {
      const code = String(p.code ?? '');
      return code && z >= 17 ? { text: gridLabel(code, z), font: `11px ${FONT}`, color: PALETTE.gridLabel, halo: PALETTE.halo, priority: 10, along: false } : null;
    }
    // Places (秦安巷口, schools, markets) are what callers name: above branch roads and alleys.
    case 'places': return name && z >= 15 ? { text: name, font: `11px ${FONT}`, color: PALETTE.place, halo: PALETTE.halo, priority: 45, along: false } : null;
    default: return null;
  }
}

/** Whether a place point draws its dot (places layer; roads are lines and are labelled along). */
export function placeDot(p: Props, z: number): boolean {
  return z >= 15 && String(p.kind ?? 'place') !== 'road';
}
