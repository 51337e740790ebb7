//! Paints one decoded Mapbox Vector Tile on a 2D canvas context with the rules of
//! logic/mapstyle.ts: areas, then cased roads (casings of all roads before their fills), then
//! labels placed by priority without overlaps and never cut at the tile edge. No Leaflet, no DOM:
//! tested on a recording context. Invariant: returns true only when some feature was painted.
import type { VectorTile, VectorTileFeature } from '@mapbox/vector-tile';
import {
  LAYER_ORDER, PALETTE, areaStyle, labelStyle, placeDot, roadStyle,
  type LabelStyle, type LayerName, type Props,
} from '../logic/mapstyle';

export const TILE = 256;
type Pt = { x: number; y: number };

/** Tile URL for z/x/y from a `{z}/{x}/{y}` template. */
export function tileUrl(template: string, z: number, x: number, y: number): string {
  return template.replace('{z}', String(z)).replace('{x}', String(x)).replace('{y}', String(y));
}

type Xf = (p: { x: number; y: number }) => Pt;

function features(tile: VectorTile, layer: LayerName): VectorTileFeature[] {
  const l = tile.layers[layer];
  if (!l) return [];
  const out: VectorTileFeature[] = [];
  for (let i = 0; i < l.length; i++) out.push(l.feature(i));
  return out;
}

function tracePath(ctx: CanvasRenderingContext2D, rings: { x: number; y: number }[][], xf: Xf, close: boolean) {
  ctx.beginPath();
  for (const ring of rings) {
    ring.forEach((p, i) => { const q = xf(p); if (i === 0) ctx.moveTo(q.x, q.y); else ctx.lineTo(q.x, q.y); });
    if (close) ctx.closePath();
  }
}

interface PendingLabel { style: LabelStyle; at: Pt; angle: number; layer: LayerName }

/** Paints one tile; `size` is the drawn size of the source tile (256 · 2^overzoom); returns
 *  whether any feature was painted. */
export function drawTile(ctx: CanvasRenderingContext2D, tile: VectorTile, z: number, size: number, offX: number, offY: number, background: boolean): boolean {
  let painted = false;
  const labels: PendingLabel[] = [];
  const has = LAYER_ORDER.some((n) => (tile.layers[n]?.length ?? 0) > 0);
  if (!has) return false;
  if (background) { ctx.fillStyle = PALETTE.background; ctx.fillRect(0, 0, TILE, TILE); }
  ctx.lineJoin = 'round';
  ctx.lineCap = 'round';
  for (const name of LAYER_ORDER) {
    const fs = features(tile, name);
    if (!fs.length) continue;
    const extent = tile.layers[name].extent || 4096;
    const k = size / extent;
    const xf: Xf = (p) => ({ x: p.x * k - offX, y: p.y * k - offY });
    if (name === 'roads') {
      // Casings of all roads first, then fills, so crossings join cleanly; minor classes under major.
      const styled = fs.map((f) => ({ f, s: roadStyle(f.properties as Props, z) })).filter((x) => x.s)
        .sort((a, b) => a.s!.width - b.s!.width);
      for (const pass of ['casing', 'fill'] as const) {
        for (const { f, s } of styled) {
          tracePath(ctx, f.loadGeometry(), xf, false);
          ctx.setLineDash([]);
          if (pass === 'casing') { if (!s!.casing) continue; ctx.strokeStyle = s!.casing; ctx.lineWidth = s!.casingWidth; }
          else { ctx.strokeStyle = s!.color; ctx.lineWidth = s!.width; }
          ctx.stroke();
          painted = true;
        }
      }
      for (const { f } of styled) {
        const ls = labelStyle('roads', f.properties as Props, z);
        if (ls) { const a = lineAnchor(f.loadGeometry().map((r) => r.map(xf))); if (a) labels.push({ style: ls, at: a.at, angle: a.angle, layer: name }); }
      }
      continue;
    }
    for (const f of fs) {
      const props = f.properties as Props;
      if (name === 'places') {
        if (f.type !== 1) continue; // the contract's places layer is points; roads are in `roads`
        const ls = labelStyle('places', props, z);
        const g = f.loadGeometry();
        const p0 = g[0]?.[0];
        if (!p0) continue;
        const q = xf(p0);
        if (placeDot(props, z)) {
          ctx.fillStyle = PALETTE.placeDot;
          ctx.beginPath(); ctx.arc(q.x, q.y, 2.5, 0, Math.PI * 2); ctx.fill();
          painted = true;
        }
        if (ls) labels.push({ style: ls, at: { x: q.x, y: q.y - 9 }, angle: 0, layer: name });
        continue;
      }
      const st = areaStyle(name, props, z);
      if (!st) continue;
      const rings = f.loadGeometry();
      const poly = f.type === 3;
      tracePath(ctx, rings, xf, poly);
      if (poly && st.fill) { ctx.fillStyle = st.fill; ctx.fill('evenodd'); painted = true; }
      if (st.stroke) {
        ctx.strokeStyle = poly || name !== 'water' ? st.stroke : PALETTE.waterLine;
        ctx.lineWidth = poly ? st.strokeWidth : Math.max(2, st.strokeWidth * 4);
        ctx.setLineDash(st.dash ?? []);
        ctx.stroke();
        ctx.setLineDash([]);
        painted = true;
      }
      const ls = labelStyle(name, props, z);
      if (ls) {
        const at = poly ? areaAnchor(rings.map((r) => r.map(xf))) : lineAnchor(rings.map((r) => r.map(xf)))?.at ?? null;
        if (at) labels.push({ style: ls, at, angle: 0, layer: name });
      }
    }
  }
  placeLabels(ctx, labels);
  return painted;
}

/** Midpoint and angle of the longest segment run of a line, kept upright; null when off-tile. */
function lineAnchor(lines: Pt[][]): { at: Pt; angle: number } | null {
  let best: { at: Pt; angle: number; len: number } | null = null;
  for (const l of lines) {
    for (let i = 1; i < l.length; i++) {
      const a = l[i - 1]; const b = l[i];
      const len = Math.hypot(b.x - a.x, b.y - a.y);
      const at = { x: (a.x + b.x) / 2, y: (a.y + b.y) / 2 };
      if (at.x < 0 || at.y < 0 || at.x > TILE || at.y > TILE) continue;
      if (!best || len > best.len) {
        let angle = Math.atan2(b.y - a.y, b.x - a.x);
        if (angle > Math.PI / 2) angle -= Math.PI;
        if (angle < -Math.PI / 2) angle += Math.PI;
        best = { at, angle, len };
      }
    }
  }
  return best && best.len > 24 ? { at: best.at, angle: best.angle } : null;
}

/** The centre of the polygon's box as the source tile holds it (clipped to that tile and its
 *  buffer), when it falls inside this tile and the part inside is large enough to label. An
 *  overzoomed tile thus labels a polygon once, not once per enlarged child tile. */
function areaAnchor(rings: Pt[][]): Pt | null {
  const outer = rings[0];
  if (!outer || outer.length < 3) return null;
  let minX = Infinity; let minY = Infinity; let maxX = -Infinity; let maxY = -Infinity;
  for (const p of outer) { minX = Math.min(minX, p.x); maxX = Math.max(maxX, p.x); minY = Math.min(minY, p.y); maxY = Math.max(maxY, p.y); }
  const at = { x: (minX + maxX) / 2, y: (minY + maxY) / 2 };
  if (at.x < 0 || at.y < 0 || at.x >= TILE || at.y >= TILE) return null;
  const w = Math.min(TILE, maxX) - Math.max(0, minX); const h = Math.min(TILE, maxY) - Math.max(0, minY);
  if (w < 40 || h < 18) return null;
  return at;
}

/** Places labels by priority, skipping any that collide or would be cut at the tile edge. */
function placeLabels(ctx: CanvasRenderingContext2D, labels: PendingLabel[]) {
  labels.sort((a, b) => b.style.priority - a.style.priority);
  const boxes: { x0: number; y0: number; x1: number; y1: number }[] = [];
  const seen = new Set<string>();
  ctx.textAlign = 'center';
  ctx.textBaseline = 'middle';
  for (const l of labels) {
    const key = `${l.layer}:${l.style.text}`;
    if (seen.has(key)) continue;
    ctx.font = l.style.font;
    const w = ctx.measureText(l.style.text).width;
    const h = 14;
    const c = Math.abs(Math.cos(l.angle)); const s = Math.abs(Math.sin(l.angle));
    const bw = w * c + h * s; const bh = w * s + h * c;
    const box = { x0: l.at.x - bw / 2 - 2, y0: l.at.y - bh / 2 - 2, x1: l.at.x + bw / 2 + 2, y1: l.at.y + bh / 2 + 2 };
    if (box.x0 < 0 || box.y0 < 0 || box.x1 > TILE || box.y1 > TILE) continue;
    if (boxes.some((b) => b.x0 < box.x1 && box.x0 < b.x1 && b.y0 < box.y1 && box.y0 < b.y1)) continue;
    boxes.push(box);
    seen.add(key);
    ctx.save();
    ctx.translate(l.at.x, l.at.y);
    ctx.rotate(l.angle);
    ctx.lineWidth = 3;
    ctx.strokeStyle = l.style.halo;
    ctx.strokeText(l.style.text, 0, 0);
    ctx.fillStyle = l.style.color;
    ctx.fillText(l.style.text, 0, 0);
    ctx.restore();
  }
}

/** Whether tile point (x, y) lies inside a polygon feature's rings (even-odd over all rings, so
 *  holes and multipolygons work whatever their winding). */
export function insideRings(rings: { x: number; y: number }[][], x: number, y: number): boolean {
  let inside = false;
  for (const r of rings) {
    for (let i = 0, j = r.length - 1; i < r.length; j = i++) {
      const a = r[i]; const b = r[j];
      if ((a.y > y) !== (b.y > y) && x < ((b.x - a.x) * (y - a.y)) / (b.y - a.y) + a.x) inside = !inside;
    }
  }
  return inside;
}

/** The properties of the first polygon of `layer` containing tile point (x, y), in tile units. */
export function polygonAt(tile: VectorTile, layer: LayerName, x: number, y: number): Props | null {
  const l = tile.layers[layer];
  if (!l) return null;
  for (let i = 0; i < l.length; i++) {
    const f = l.feature(i);
    if (f.type === 3 && insideRings(f.loadGeometry(), x, y)) return f.properties as Props;
  }
  return null;
}
