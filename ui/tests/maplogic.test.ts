// Pure map logic: clustering of case markers, the roll-up of open cases by street/community/cell,
// the basemap style rules per class and zoom, and the nearby components of a category.
import { describe, expect, it } from 'vitest';
import type * as GeoJSON from 'geojson';
import { clusterPoints, worstLight, CLUSTER_BELOW_ZOOM } from '../src/logic/cluster';
import { rollup, rollupLevel, shadeBands, shadeClass, unitKey } from '../src/logic/rollup';
import { areaStyle, gridLabel, labelStyle, placeDot, roadStyle } from '../src/logic/mapstyle';
import { componentsForCategory } from '../src/logic/components';
import type { Category, NearbyComponent } from '../src/backend/types';

describe('clusterPoints', () => {
  const pts = [
    { id: 'a', x: 10, y: 10, light: 'green' as const },
    { id: 'b', x: 30, y: 40, light: 'red' as const },
    { id: 'c', x: 50, y: 20, light: null },
    { id: 'd', x: 200, y: 10, light: 'yellow' as const },
  ];
  it('groups points in the same cell, keeps every point once, worst light wins', () => {
    const cs = clusterPoints(pts, 56);
    expect(cs.map((c) => c.ids)).toEqual([['a', 'b', 'c'], ['d']]);
    expect(cs[0].light).toBe('red');
    expect(cs[0].counts).toEqual({ red: 1, yellow: 0, green: 1, none: 1 });
    expect(cs[0].x).toBeCloseTo(30);
    expect(cs[0].y).toBeCloseTo(70 / 3);
    expect(cs.flatMap((c) => c.ids).sort()).toEqual(['a', 'b', 'c', 'd']);
  });
  it('does not cluster when told not to (large zoom)', () => {
    expect(clusterPoints(pts, 56, false).map((c) => c.ids.length)).toEqual([1, 1, 1, 1]);
    expect(CLUSTER_BELOW_ZOOM).toBe(17);
  });
  it('orders lights red > yellow > green > none', () => {
    expect(worstLight('green', 'yellow')).toBe('yellow');
    expect(worstLight('red', 'yellow')).toBe('red');
    expect(worstLight(null, 'green')).toBe('green');
    expect(worstLight(null, null)).toBe(null);
  });
});

describe('rollup', () => {
  const cell = (code: string, street: string | null, community: string | null, openCases: number): GeoJSON.Feature => ({
    type: 'Feature', properties: { code, street, community, openCases }, geometry: { type: 'Point', coordinates: [0, 0] },
  });
  const fc: GeoJSON.FeatureCollection = { type: 'FeatureCollection', features: [
    cell('620102001001001', '东岗街道', '东岗社区', 2),
    cell('620102001001002', '东岗街道', '东岗社区', 5),
    cell('620102001002001', '东岗街道', '秦安社区', 1),
    cell('620102002001001', '雁北街道', '雁园社区', 0),
    cell('620102003001001', null, null, 4),
  ] };
  it('picks the level by zoom', () => {
    expect([10, 13, 14, 15, 16, 19].map(rollupLevel)).toEqual(['street', 'street', 'community', 'community', 'cell', 'cell']);
  });
  it('sums open cases per street, community and cell; totals agree at every level', () => {
    const s = rollup(fc, 'street');
    expect([...s.values()].map((u) => [u.label, u.open, u.cells])).toEqual([['东岗街道', 8, 3], ['雁北街道', 0, 1], ['620102003', 4, 1]]);
    const c = rollup(fc, 'community');
    expect(c.get('东岗街道/东岗社区')!.open).toBe(7);
    expect(c.get('东岗街道/秦安社区')!.open).toBe(1);
    expect(c.get('620102003/620102003001')!.open).toBe(4);
    for (const lvl of ['street', 'community', 'cell'] as const) {
      expect([...rollup(fc, lvl).values()].reduce((a, u) => a + u.open, 0)).toBe(12);
    }
    expect(unitKey(fc.features[0].properties, 'cell')).toBe('620102001001001');
  });
  it('shades with wider bands for bigger units', () => {
    expect([0, 1, 2, 3, 9, 10].map((n) => shadeClass(n, 'cell'))).toEqual([0, 1, 1, 2, 2, 3]);
    expect([0, 9, 10, 29, 30].map((n) => shadeClass(n, 'community'))).toEqual([0, 1, 2, 2, 3]);
    expect([0, 29, 30, 99, 100].map((n) => shadeClass(n, 'street'))).toEqual([0, 1, 2, 2, 3]);
    expect(shadeBands('cell')).toEqual(['0', '1–2', '3–9', '≥10']);
  });
});

describe('basemap style', () => {
  it('roads appear by class and get wider with class and zoom', () => {
    expect(roadStyle({ class: 'primary' }, 10)).not.toBeNull();
    expect(roadStyle({ class: 'secondary' }, 11)).toBeNull();
    expect(roadStyle({ class: 'secondary' }, 12)).not.toBeNull();
    expect(roadStyle({ class: 'branch' }, 12)).toBeNull();
    expect(roadStyle({ class: 'alley' }, 13)).toBeNull();
    expect(roadStyle({ class: 'alley' }, 14)).not.toBeNull();
    const w = (c: string, z: number) => roadStyle({ class: c }, z)!.width;
    expect(w('primary', 16)).toBeGreaterThan(w('secondary', 16));
    expect(w('secondary', 16)).toBeGreaterThan(w('branch', 16));
    expect(w('branch', 16)).toBeGreaterThan(w('alley', 16));
    expect(w('branch', 17)).toBeGreaterThan(w('branch', 15));
    const s = roadStyle({ class: 'branch' }, 16)!;
    expect(s.color).toBe('#ffffff');
    expect(s.casingWidth).toBeGreaterThan(s.width);
    // Unknown classes draw as branch roads, not as nothing.
    expect(roadStyle({ class: 'motorway' }, 16)).toEqual(roadStyle({ class: 'branch' }, 16));
  });
  it('areas: water blue, green from 12, buildings from 14, boundaries dashed, grid from 15', () => {
    expect(areaStyle('water', {}, 10)!.fill).toBe('#aad3ee');
    expect(areaStyle('green', {}, 11)).toBeNull();
    expect(areaStyle('green', {}, 12)!.fill).toBe('#cfe6c0');
    expect(areaStyle('buildings', {}, 13)).toBeNull();
    expect(areaStyle('buildings', {}, 14)!.fill).toBe('#dedbd5');
    expect(areaStyle('boundaries', { level: 'street' }, 11)!.dash).not.toBeNull();
    expect(areaStyle('boundaries', { level: 'street' }, 11)!.fill).toBeNull();
    expect(areaStyle('boundaries', { level: 'community' }, 12)).toBeNull();
    expect(areaStyle('boundaries', { level: 'community' }, 14)!.dash).not.toBeNull();
    expect(areaStyle('grid', {}, 14)).toBeNull();
    expect(areaStyle('grid', {}, 15)!.stroke).toBe('#3b6ea5');
  });
  it('labels: Chinese names at suitable zooms; grid codes only from 17, in full from 18', () => {
    expect(labelStyle('roads', { name: '张掖路', class: 'primary' }, 12)).toBeNull();
    expect(labelStyle('roads', { name: '张掖路', class: 'primary' }, 13)!.text).toBe('张掖路');
    expect(labelStyle('roads', { name: '秦安巷', class: 'alley' }, 15)).toBeNull();
    expect(labelStyle('roads', { name: '秦安巷', class: 'alley' }, 16)!.along).toBe(true);
    expect(labelStyle('roads', { name: '', class: 'primary' }, 16)).toBeNull();
    expect(labelStyle('boundaries', { level: 'street', name: '东岗街道' }, 12)!.text).toBe('东岗街道');
    expect(labelStyle('boundaries', { level: 'street', name: '东岗街道' }, 16)).toBeNull();
    expect(labelStyle('boundaries', { level: 'community', name: '东岗社区' }, 14)!.text).toBe('东岗社区');
    expect(labelStyle('boundaries', { level: 'community', name: '东岗社区' }, 13)).toBeNull();
    expect(labelStyle('grid', { code: '620102001001009' }, 16)).toBeNull();
    expect(labelStyle('grid', { code: '620102001001009' }, 17)!.text).toBe('…009');
    expect(labelStyle('grid', { code: '620102001001009' }, 18)!.text).toBe('620102001001009');
    expect(gridLabel('620102001001009', 20)).toBe('620102001001009');
    expect(labelStyle('places', { name: '秦安巷口', kind: 'place' }, 14)).toBeNull();
    expect(labelStyle('places', { name: '秦安巷口', kind: 'place' }, 15)!.text).toBe('秦安巷口');
    expect(placeDot({ kind: 'place' }, 15)).toBe(true);
    expect(placeDot({ kind: 'road' }, 17)).toBe(false);
    // Street names outrank community names, which outrank road names.
    const pr = (l: Parameters<typeof labelStyle>[0], p: Record<string, string>, z: number) => labelStyle(l, p, z)!.priority;
    expect(pr('boundaries', { level: 'street', name: 'a' }, 12)).toBeGreaterThan(pr('boundaries', { level: 'community', name: 'a' }, 15) - 1);
    expect(pr('boundaries', { level: 'community', name: 'a' }, 15)).toBeGreaterThan(pr('roads', { name: 'a', class: 'primary' }, 15));
  });
});

describe('componentsForCategory', () => {
  const comps: NearbyComponent[] = [
    { id: '1', typeCode: '01101', typeName: '污水井盖', distanceM: 4, owner: null, maintainer: null },
    { id: '2', typeCode: '04001', typeName: '路灯', distanceM: 6, owner: null, maintainer: null },
    { id: '3', typeCode: '01101', typeName: '污水井盖', distanceM: 9, owner: null, maintainer: null },
  ];
  const cat = (kind: 'component' | 'matter', code: string): Category => ({ ref: `${kind}:${code}`, kind, code, name: 'x', majorName: 'y', minorName: null });
  it('keeps only the chosen component type, nearest first; none for matters or no category', () => {
    expect(componentsForCategory(comps, cat('component', '01101')).map((c) => c.id)).toEqual(['1', '3']);
    expect(componentsForCategory(comps, cat('component', '09999'))).toEqual([]);
    expect(componentsForCategory(comps, cat('matter', '01101'))).toEqual([]);
    expect(componentsForCategory(comps, null)).toEqual([]);
  });
});
