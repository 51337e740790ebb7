#!/usr/bin/env python3
# TEST ONLY: a small synthetic basemap around the FakeBackend's 6 × 4 cells (103.828–103.840 E,
# 36.058–36.066 N) in the contract13 layer names, cut into MVT tiles by GDAL for the screenshot
# harness (the real package comes from the server's tile builder). Usage:
#   python3 tests/harness/make-basemap.py /tmp/gridcase-harness/tiles
# needs `ogr2ogr` (Debian gdal-bin, 3.6+). Writes {z}/{x}/{y}.pbf, uncompressed, zoom 10–17.
import json, os, shutil, subprocess, sys, tempfile

out = sys.argv[1] if len(sys.argv) > 1 else '/tmp/gridcase-harness/tiles'
W, S, E, N = 103.820, 36.052, 103.848, 36.070


def rect(x0, y0, x1, y1):
    return {'type': 'Polygon', 'coordinates': [[[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]]}


def feat(geom, **props):
    return {'type': 'Feature', 'properties': props, 'geometry': geom}


def line(*pts):
    return {'type': 'LineString', 'coordinates': [list(p) for p in pts]}


roads = [
    feat(line((W, 36.0605), (E, 36.0607)), name='张掖路', **{'class': 'primary'}),
    feat(line((W, 36.0641), (103.834, 36.0643), (E, 36.0650)), name='东岗西路', **{'class': 'primary'}),
    feat(line((103.8372, S), (103.8372, N)), name='庆阳路', **{'class': 'secondary'}),
    feat(line((103.8290, S), (103.8292, N)), name='甘南路', **{'class': 'secondary'}),
    feat(line((103.8240, 36.0575), (E, 36.0575)), name='静宁路', **{'class': 'branch'}),
    feat(line((103.8330, 36.0605), (103.8331, 36.0641)), name='酒泉路', **{'class': 'branch'}),
    feat(line((103.8410, 36.0560), (103.8410, 36.0680)), name='中山路', **{'class': 'branch'}),
    feat(line((103.8352, 36.0607), (103.8352, 36.0633), (103.8365, 36.0634)), name='秦安巷', **{'class': 'alley'}),
    feat(line((103.8300, 36.0623), (103.8330, 36.0623)), name='', **{'class': 'alley'}),
    feat(line((103.8380, 36.0590), (103.8410, 36.0590)), name='鼓楼巷', **{'class': 'alley'}),
]
buildings = []
for bx in range(28):
    for by in range(18):
        x0 = W + 0.0004 + bx * 0.001
        y0 = S + 0.0030 + by * 0.0008
        if abs(y0 - 36.0605) < 0.0005 or abs(y0 - 36.0642) < 0.0006 or (103.8243 < x0 < 103.8275 and 36.0655 < y0 < 36.069):
            continue
        if (bx * 7 + by * 3) % 5 == 0:
            continue
        buildings.append(feat(rect(x0, y0, x0 + 0.0006, y0 + 0.0004)))
water = [feat({'type': 'Polygon', 'coordinates': [[[W - 0.01, 36.0528], [103.834, 36.0538], [E + 0.01, 36.0548], [E + 0.01, 36.0512], [W - 0.01, 36.0500], [W - 0.01, 36.0528]]]}, name='黄河')]
green = [feat(rect(103.8243, 36.0655, 103.8275, 36.0690), name='东岗公园'), feat(rect(103.8385, 36.0612, 103.8402, 36.0630), name='街心花园')]
boundaries = [
    feat(rect(W, S + 0.002, E, N), level='street', code='620102001', name='东岗街道'),
    feat(rect(W, S + 0.002, 103.834, N), level='community', code='620102001001', name='东岗社区'),
    feat(rect(103.834, S + 0.002, E, N), level='community', code='620102001002', name='秦安社区'),
]
grid = []
for x in range(6):
    for y in range(4):
        lon = 103.828 + x * 0.002
        lat = 36.058 + y * 0.002
        grid.append(feat(rect(lon, lat, lon + 0.002, lat + 0.002), code=f'6201020010010{x * 4 + y:02d}', street='东岗街道', community='东岗社区'))
places = [feat({'type': 'Point', 'coordinates': [lon, lat]}, name=n, kind='place') for n, lon, lat in [
    ('秦安巷口', 103.8349, 36.0631), ('张掖路步行街', 103.8321, 36.0598), ('东岗小学', 103.8380, 36.0642),
    ('东岗农贸市场', 103.8302, 36.0585), ('城关区医院', 103.8395, 36.0577), ('雁园小区', 103.8262, 36.0620)]]

layers = {'roads': roads, 'buildings': buildings, 'water': water, 'green': green,
          'boundaries': boundaries, 'grid': grid, 'places': places}
minz = {'roads': 10, 'buildings': 14, 'water': 10, 'green': 12, 'boundaries': 10, 'grid': 14, 'places': 13}
tmp = tempfile.mkdtemp()
gpkg = os.path.join(tmp, 'basemap.gpkg')
for name, fs in layers.items():
    p = os.path.join(tmp, f'{name}.geojson')
    json.dump({'type': 'FeatureCollection', 'features': fs}, open(p, 'w'), ensure_ascii=False)
    subprocess.run(['ogr2ogr', '-f', 'GPKG', gpkg, p, '-nln', name, '-append'], check=True)
conf = {n: {'target_name': n, 'minzoom': z, 'maxzoom': 17} for n, z in minz.items()}
shutil.rmtree(out, ignore_errors=True)
subprocess.run(['ogr2ogr', '-f', 'MVT', out, gpkg, '-dsco', 'MINZOOM=10', '-dsco', 'MAXZOOM=17', '-dsco', 'COMPRESS=NO',
                '-dsco', 'EXTENT=4096', '-dsco', 'CONF=' + json.dumps(conf)], check=True)
shutil.rmtree(tmp)
n = sum(len(fs) for _, _, fs in os.walk(out))
print(f'{out}: {n} files')
