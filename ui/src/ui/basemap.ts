//! The offline basemap: a Leaflet GridLayer that draws the device's vector-tile package (MVT) on
//! 2D canvases (no WebGL: the end-to-end webview has none). Tiles come from the URL template of
//! `basemap_info()` (`basemap://localhost/{z}/{x}/{y}.pbf`); 204 or an empty body is an empty
//! tile. Above the package's maxzoom the parent tile is drawn enlarged (overzoom); below its
//! minzoom nothing is fetched. Style rules live in logic/mapstyle.ts.
//! Invariants: a tile never throws into Leaflet (errors draw an empty tile); the map element's
//! `data-tiles-drawn` is the number of tiles (since the layer was added) on which at least one
//! feature was painted — empty tiles, failed fetches and tiles below minzoom do not count.
import L from 'leaflet';
import { VectorTile, type VectorTileFeature } from '@mapbox/vector-tile';
import { PbfReader } from 'pbf';
import {
  LAYER_ORDER, PALETTE, areaStyle, labelStyle, placeDot, roadStyle,
  type LabelStyle, type LayerName, type Props,
} from '../logic/mapstyle';

const TILE = 256;

export interface BasemapOptions extends L.GridLayerOptions {
  url: string;
  minzoomData: number;
  maxzoomData: number;
  /** Paint the paper background on tiles with data (off when an online layer lies beneath). */
  background: boolean;
  /** Called with the running count of non-empty tiles drawn. */
  onDrawn?(n: number): void;
}

type Pt = { x: number; y: number };
interface Decoded { tile: VectorTile | null }

/** Tile URL for z/x/y from a `{z}/{x}/{y}` template. */
export function tileUrl(template: string, z: number, x: number, y: number): string {
  return template.replace('{z}', String(z)).replace('{x}', String(x)).replace('{y}', String(y));
}

export class BasemapLayer extends L.GridLayer {
  declare options: BasemapOptions;
  private cache = new Map<string, Promise<Decoded>>();
  private drawn = 0;

  constructor(opts: BasemapOptions) {
    super({ ...opts, tileSize: TILE, updateWhenZooming: false, keepBuffer: 2 });
  }

  onAdd(map: L.Map): this {
    super.onAdd(map);
    const c = this.getContainer();
    if (c) { c.setAttribute('data-testid', 'basemap-layer'); c.setAttribute('data-tiles-drawn', String(this.drawn)); }
    return this;
  }

  private load(z: number, x: number, y: number): Promise<Decoded> {
    const key = `${z}/${x}/${y}`;
    let p = this.cache.get(key);
    if (!p) {
      p = fetch(tileUrl(this.options.url, z, x, y)).then(async (r) => {
        if (r.status === 204 || !r.ok) return { tile: null };
        const buf = new Uint8Array(await r.arrayBuffer());
        if (!buf.length) return { tile: null };
        return { tile: new VectorTile(new PbfReader(buf)) };
      }).catch(() => ({ tile: null }));
      this.cache.set(key, p);
      if (this.cache.size > 256) this.cache.delete(this.cache.keys().next().value as string);
    }
    return p;
  }

  protected createTile(coords: L.Coords, done: L.DoneCallback): HTMLElement {
    const canvas = document.createElement('canvas');
    const dpr = Math.min(2, window.devicePixelRatio || 1);
    canvas.width = TILE * dpr;
    canvas.height = TILE * dpr;
    const { minzoomData, maxzoomData } = this.options;
    const z = coords.z;
    if (z < minzoomData) { setTimeout(() => done(undefined, canvas), 0); return canvas; }
    const dz = Math.max(0, z - maxzoomData);
    const scale = 2 ** dz;
    const pz = z - dz;
    const px = Math.floor(coords.x / scale);
    const py = Math.floor(coords.y / scale);
    const offX = (coords.x - px * scale) * TILE;
    const offY = (coords.y - py * scale) * TILE;
    this.load(pz, px, py).then((d) => {
      let painted = false;
      try {
        const ctx = canvas.getContext('2d');
        if (ctx && d.tile) {
          ctx.scale(dpr, dpr);
          painted = drawTile(ctx, d.tile, z, (TILE * scale), offX, offY, this.options.background);
        }
      } catch { painted = false; }
      if (painted) {
        this.drawn += 1;
        this.getContainer()?.setAttribute('data-tiles-drawn', String(this.drawn));
        this.options.onDrawn?.(this.drawn);
      }
      done(undefined, canvas);
    });
    return canvas;
  }
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

/** The centre of the part of a polygon inside the tile, when that part is large enough to label. */
function areaAnchor(rings: Pt[][]): Pt | null {
  const outer = rings[0];
  if (!outer || outer.length < 3) return null;
  let minX = Infinity; let minY = Infinity; let maxX = -Infinity; let maxY = -Infinity;
  for (const p of outer) {
    const x = Math.min(TILE, Math.max(0, p.x)); const y = Math.min(TILE, Math.max(0, p.y));
    minX = Math.min(minX, x); maxX = Math.max(maxX, x); minY = Math.min(minY, y); maxY = Math.max(maxY, y);
  }
  if ((maxX - minX) < 40 || (maxY - minY) < 18) return null;
  return { x: (minX + maxX) / 2, y: (minY + maxY) / 2 };
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
