//! The offline basemap: a Leaflet GridLayer that draws the device's vector-tile package (MVT) on
//! 2D canvases (no WebGL: the end-to-end webview has none). Tiles come from the URL template of
//! `basemap_info()` (`basemap://localhost/{z}/{x}/{y}.pbf`); 204 or an empty body is an empty
//! tile. Above the package's maxzoom the parent tile is drawn enlarged (overzoom); below its
//! minzoom nothing is fetched. Painting is ./mvtdraw.ts, style rules logic/mapstyle.ts.
//! Invariants: a tile never throws into Leaflet (errors draw an empty tile); the map element's
//! `data-tiles-drawn` is the number of tiles (since the layer was added) on which at least one
//! feature was painted — empty tiles, failed fetches and tiles below minzoom do not count.
import L from 'leaflet';
import { VectorTile } from '@mapbox/vector-tile';
import { PbfReader } from 'pbf';
import { TILE, drawTile, polygonAt, tileUrl } from './mvtdraw';
import type { LayerName, Props } from '../logic/mapstyle';

export interface BasemapOptions extends L.GridLayerOptions {
  url: string;
  minzoomData: number;
  maxzoomData: number;
  /** Paint the paper background on tiles with data (off when an online layer lies beneath). */
  background: boolean;
  /** Called with the running count of non-empty tiles drawn. */
  onDrawn?(n: number): void;
}

interface Decoded { tile: VectorTile | null }

export class BasemapLayer extends L.GridLayer {
  declare options: BasemapOptions;
  private cache = new Map<string, Promise<Decoded>>();
  private drawn = 0;
  private addedAt = 0;

  constructor(opts: BasemapOptions) {
    // maxZoom must be set: GridLayer orders its zoom levels by `maxZoom - |zoom - z|` (an unset
    // maxZoom leaves stale levels on top of the current one).
    super({ minZoom: 0, maxZoom: 24, ...opts, tileSize: TILE, updateWhenZooming: false, keepBuffer: 2 });
  }

  onAdd(map: L.Map): this {
    super.onAdd(map);
    this.addedAt = performance.now();
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

  /** The properties of the `layer` polygon under a point (e.g. the grid cell, for its full code). */
  async featureAt(map: L.Map, at: L.LatLng, layer: LayerName): Promise<Props | null> {
    const z = Math.min(Math.floor(map.getZoom()), this.options.maxzoomData);
    if (z < this.options.minzoomData) return null;
    const p = map.project(at, z);
    const x = Math.floor(p.x / TILE); const y = Math.floor(p.y / TILE);
    const d = await this.load(z, x, y);
    if (!d.tile) return null;
    const extent = d.tile.layers[layer]?.extent ?? 4096;
    return polygonAt(d.tile, layer, ((p.x - x * TILE) / TILE) * extent, ((p.y - y * TILE) / TILE) * extent);
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
        const c = this.getContainer();
        c?.setAttribute('data-tiles-drawn', String(this.drawn));
        // For docs/performance.md: time from adding the layer to the first tile painted.
        if (this.drawn === 1) c?.setAttribute('data-first-tile-ms', String(Math.round(performance.now() - this.addedAt)));
        this.options.onDrawn?.(this.drawn);
      }
      done(undefined, canvas);
    });
    return canvas;
  }
}

