// The canvas renderer over a real MVT tile made by GDAL (tests/fixtures/README.md), drawn on a
// recording 2D context: what is stroked/filled with which style, which labels are placed.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { VectorTile } from '@mapbox/vector-tile';
import { PbfReader } from 'pbf';
import { drawTile, insideRings, polygonAt, tileUrl } from '../src/ui/mvtdraw';
import { PALETTE, roadStyle } from '../src/logic/mapstyle';
import { recordingContext } from './recording-context';

const tile = () => new VectorTile(new PbfReader(readFileSync(join(process.cwd(), 'tests/fixtures/basemap-16-51670-25721.pbf'))));

describe('basemap renderer', () => {
  it('fills the URL template', () => {
    expect(tileUrl('basemap://localhost/{z}/{x}/{y}.pbf', 16, 51670, 25721)).toBe('basemap://localhost/16/51670/25721.pbf');
    expect(tileUrl('http://basemap.localhost/{z}/{x}/{y}.pbf', 3, 1, 2)).toBe('http://basemap.localhost/3/1/2.pbf');
  });

  it('paints background, buildings, dashed boundaries, cased roads by class, grid, and Chinese labels at zoom 16', () => {
    const { ctx, ops } = recordingContext();
    expect(drawTile(ctx, tile(), 16, 256, 0, 0, true)).toBe(true);
    expect(ops[0]).toMatchObject({ op: 'fillRect', fillStyle: PALETTE.background });
    expect(ops.some((o) => o.op === 'fill' && o.fillStyle === PALETTE.building)).toBe(true);
    const boundary = ops.filter((o) => o.op === 'stroke' && (o.strokeStyle === PALETTE.street || o.strokeStyle === PALETTE.community));
    expect(boundary.length).toBeGreaterThan(0);
    expect(boundary.every((o) => o.dash!.length > 0)).toBe(true);
    // Primary road: casing then fill, with the widths of the style rules.
    const prim = roadStyle({ class: 'primary' }, 16)!;
    expect(ops.some((o) => o.op === 'stroke' && o.strokeStyle === PALETTE.primaryCasing && o.lineWidth === prim.casingWidth)).toBe(true);
    expect(ops.some((o) => o.op === 'stroke' && o.strokeStyle === PALETTE.primaryFill && o.lineWidth === prim.width)).toBe(true);
    const alley = roadStyle({ class: 'alley' }, 16)!;
    expect(ops.some((o) => o.op === 'stroke' && o.strokeStyle === PALETTE.roadFill && o.lineWidth === alley.width)).toBe(true);
    expect(ops.some((o) => o.op === 'stroke' && o.strokeStyle === PALETTE.grid)).toBe(true);
    const texts = ops.filter((o) => o.op === 'fillText').map((o) => o.text);
    expect(texts).toContain('张掖路');
    expect(texts).toEqual(expect.arrayContaining(['张掖路', '秦安巷', '酒泉路']));
    // The place 张掖路步行街 draws its dot (its label loses to the road names it would overlap).
    expect(ops.some((o) => o.op === 'fill' && o.fillStyle === PALETTE.placeDot)).toBe(true);
    // No grid codes below 17; every label inside the tile.
    expect(texts.some((s) => /^…\d{3}$|^\d{15}$/.test(s!))).toBe(false);
    // Fills come before strokes of roads; labels last.
    const lastGeom = Math.max(...ops.map((o, i) => (o.op === 'fill' || o.op === 'stroke' ? i : -1)));
    const firstText = ops.findIndex((o) => o.op === 'fillText');
    expect(firstText).toBeGreaterThan(lastGeom);
  });

  it('labels grid cells with their code from zoom 17 (overzoomed tile) and places no label twice', () => {
    const { ctx, ops } = recordingContext();
    // Zoom 17 drawn from the zoom-16 tile: the top-left quarter, enlarged.
    expect(drawTile(ctx, tile(), 17, 512, 0, 0, true)).toBe(true);
    const texts = ops.filter((o) => o.op === 'fillText').map((o) => o.text!);
    expect(texts.some((s) => /^…\d{3}$/.test(s))).toBe(true);
    expect(new Set(texts.map((s) => s)).size).toBe(texts.length);
  });

  it('an overzoomed tile labels each cell once across its enlarged children, with the full code from 18', () => {
    const counts = new Map<string, number>();
    for (let cx = 0; cx < 4; cx++) for (let cy = 0; cy < 4; cy++) {
      const { ctx, ops } = recordingContext();
      drawTile(ctx, tile(), 18, 1024, cx * 256, cy * 256, true);
      for (const o of ops) if (o.op === 'fillText' && /^\d{15}$/.test(o.text!)) counts.set(o.text!, (counts.get(o.text!) ?? 0) + 1);
    }
    expect(counts.size).toBeGreaterThanOrEqual(3);
    expect([...counts.values()].every((n) => n === 1)).toBe(true);
  });

  it('draws nothing and reports it for a tile without known layers, and leaves the background off when asked', () => {
    const { ctx, ops } = recordingContext();
    expect(drawTile(ctx, new VectorTile(new PbfReader(new Uint8Array(0))), 16, 256, 0, 0, true)).toBe(false);
    expect(ops).toEqual([]);
    const r = recordingContext();
    drawTile(r.ctx, tile(), 16, 256, 0, 0, false);
    expect(r.ops.some((o) => o.op === 'fillRect')).toBe(false);
  });

  it('finds the grid cell under a point (for the full code on tap)', () => {
    // Web Mercator to the fixture tile's units (z16, x 51670, y 25721, extent 4096).
    const at = (lon: number, lat: number) => {
      const n = 2 ** 16;
      const x = ((lon + 180) / 360) * n;
      const y = ((1 - Math.asinh(Math.tan((lat * Math.PI) / 180)) / Math.PI) / 2) * n;
      return [(x - 51670) * 4096, (y - 25721) * 4096] as const;
    };
    expect(polygonAt(tile(), 'grid', ...at(103.833, 36.061))!.code).toBe('620102001001009');
    expect(polygonAt(tile(), 'grid', ...at(103.835, 36.0605))!.code).toBe('620102001001013');
    expect(polygonAt(tile(), 'grid', ...at(103.8335, 36.0655))).toBeNull();
    expect(polygonAt(tile(), 'boundaries', ...at(103.833, 36.061))!.name).toBe('东岗街道');
    expect(polygonAt(tile(), 'nope' as never, 1, 1)).toBeNull();
  });
  it('point in rings: even-odd, so a hole is outside', () => {
    const sq = (a: number, b: number) => [{ x: a, y: a }, { x: b, y: a }, { x: b, y: b }, { x: a, y: b }, { x: a, y: a }];
    expect(insideRings([sq(0, 10)], 5, 5)).toBe(true);
    expect(insideRings([sq(0, 10), sq(4, 6)], 5, 5)).toBe(false);
    expect(insideRings([sq(0, 10), sq(4, 6)], 2, 2)).toBe(true);
    expect(insideRings([sq(0, 10)], 11, 5)).toBe(false);
  });
});
