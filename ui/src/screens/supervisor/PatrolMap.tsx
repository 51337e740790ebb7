// The supervisor's patrol map (issue 16): the offline basemap (as ui/MapView.tsx), the grid cells
// coloured as a coverage layer for one inspector-day or a whole period (assigned and not visited
// red, visited shaded by time spent, visited outside the assignment grey-blue), and, for one
// day, the track playback: the day's line (outside-area stretches orange, signal holes dashed),
// sign-in/out points, the 漏报 evidence segments highlighted with their case, and a marker moved
// over time by a slider and a play button. Shaping lives in logic/patrol.ts.
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import L from 'leaflet';
import type * as GeoJSON from 'geojson';
import type { Missed, TrackDay } from '../../backend/patrol';
import {
  clockOf, COVERAGE_COLORS, coverageShade, evidencePoints, formatDuration, positionAt, splitRuns, SPEEDS, trackPoints,
  type CoverageCell, type CoverageShade,
} from '../../logic/patrol';
import { t } from '../../i18n';
import { useApp } from '../../ui/context';
import { BasemapLayer } from '../../ui/basemap';
import { basemapInfoOf, DEFAULT_CENTER } from '../../ui/MapView';

const RUN_STYLE = {
  inside: { color: '#1a73e8', weight: 4, opacity: 0.9 },
  outside: { color: '#f57c00', weight: 5, opacity: 0.95 },
  gap: { color: '#5f6b7a', weight: 2, opacity: 0.8, dashArray: '6 6' },
} as const;

export interface PatrolMapProps {
  cells: GeoJSON.FeatureCollection | null;
  coverage: Map<string, CoverageCell>;
  /** The day's track (playback), or null for the coverage layer alone. */
  track?: TrackDay | null;
  outside?: [number, number][];
  missed?: Missed[];
  /** The 漏报 to show first (its segment's start). */
  focus?: Missed | null;
  /** Case locations known on this device, by case id. */
  caseAt?: Record<string, { lon: number; lat: number }>;
  onOpenCase?(caseId: string): void;
}

export function PatrolMap(p: PatrolMapProps) {
  const { backend } = useApp();
  const el = useRef<HTMLDivElement>(null);
  const map = useRef<L.Map | null>(null);
  const layers = useRef<{ cells?: L.GeoJSON; track?: L.LayerGroup; marker?: L.CircleMarker }>({});
  const points = useMemo(() => (p.track ? trackPoints(p.track) : []), [p.track]);
  const t0 = points.length ? points[0].t : 0;
  const t1 = points.length ? points[points.length - 1].t : 0;
  const [time, setTime] = useState(t0);
  const [playing, setPlaying] = useState(false);
  const [speed, setSpeed] = useState<number>(SPEEDS[1]);

  useEffect(() => {
    if (!el.current) return undefined;
    const m = L.map(el.current, { preferCanvas: true, attributionControl: false, zoomControl: true, minZoom: 8, maxZoom: 21 })
      .setView(DEFAULT_CENTER, 14);
    map.current = m;
    let live = true;
    void basemapInfoOf(backend).then((info) => {
      if (!live || !info?.url) return;
      const [w, s, e, n] = info.bounds ?? [-180, -85, 180, 85];
      new BasemapLayer({ url: info.url, minzoomData: info.minzoom, maxzoomData: info.maxzoom, background: true,
        bounds: L.latLngBounds([s, w], [n, e]).pad(0.05), zIndex: 1 }).addTo(m);
      el.current?.setAttribute('data-basemap', info.version);
    });
    const ro = typeof ResizeObserver === 'undefined' ? null : new ResizeObserver(() => m.invalidateSize());
    ro?.observe(el.current);
    return () => { live = false; ro?.disconnect(); m.remove(); map.current = null; layers.current = {}; };
  }, []);

  // The coverage layer: only the cells the report names (assigned or visited).
  useEffect(() => {
    const m = map.current;
    if (!m) return;
    layers.current.cells?.remove();
    layers.current.cells = undefined;
    const features = (p.cells?.features ?? []).filter((f) => p.coverage.has(String(f.properties?.code ?? '')));
    const counts: Record<CoverageShade, number> = { missed: 0, brief: 0, some: 0, long: 0, extra: 0, none: 0 };
    for (const c of p.coverage.values()) counts[coverageShade(c)] += 1;
    el.current?.setAttribute('data-coverage', JSON.stringify(counts));
    if (!features.length) return;
    const layer = L.geoJSON({ type: 'FeatureCollection', features } as GeoJSON.FeatureCollection, {
      style: (f) => {
        const shade = coverageShade(p.coverage.get(String(f?.properties?.code ?? '')));
        return { color: shade === 'missed' ? '#8c1d18' : '#3b6ea5', weight: 1, fillOpacity: shade === 'none' ? 0.05 : 0.5, fillColor: COVERAGE_COLORS[shade] };
      },
      onEachFeature: (f, l) => {
        const code = String(f.properties?.code ?? '');
        const c = p.coverage.get(code);
        const state = !c ? '' : c.visited ? t('patrol.map.tipVisited', { km: (c.metres / 1000).toFixed(2), time: formatDuration(c.seconds) }) : t('patrol.map.tipNotVisited');
        l.bindTooltip(`${code} ${f.properties?.community ?? ''}<br>${c?.assigned ? t('patrol.map.assigned') : t('patrol.map.notAssigned')} · ${state}`, { sticky: true });
      },
    });
    layer.addTo(m);
    layers.current.cells = layer;
    if (!points.length) {
      const b = layer.getBounds();
      if (b.isValid()) m.fitBounds(b, { padding: [16, 16] });
    }
  }, [p.cells, p.coverage]);

  // The track: runs, signs, 漏报 evidence.
  useEffect(() => {
    const m = map.current;
    if (!m) return;
    layers.current.track?.remove();
    layers.current.track = undefined;
    layers.current.marker = undefined;
    setPlaying(false);
    setTime(p.focus ? p.focus.segment[0] : t0);
    if (!points.length) return;
    const g = L.layerGroup();
    for (const run of splitRuns(points, p.outside ?? [])) {
      g.addLayer(L.polyline(run.points.map((q) => [q.lat, q.lon] as [number, number]), { ...RUN_STYLE[run.kind], interactive: false }));
    }
    for (const s of p.track?.signs ?? []) {
      g.addLayer(L.circleMarker([s.lat, s.lon], { radius: 7, color: '#fff', weight: 2, fillColor: s.kind === 'in' ? '#1e9e4a' : '#5f6b7a', fillOpacity: 1 })
        .bindTooltip(`${s.kind === 'in' ? t('patrol.signIn') : t('patrol.signOut')} ${clockOf(Math.floor(s.at / 1000))}`));
    }
    for (const miss of p.missed ?? []) {
      const ev = evidencePoints(points, miss.segment);
      const label = `${t('patrol.missed')} ${miss.case_number ?? miss.case_id.slice(0, 8)} · ${t('patrol.missedDistance', { m: miss.distance_m.toFixed(0) })}`;
      if (ev.length > 1) {
        g.addLayer(L.polyline(ev.map((q) => [q.lat, q.lon] as [number, number]), { color: '#d93025', weight: 9, opacity: 0.55 }).bindTooltip(label));
      }
      const at = p.caseAt?.[miss.case_id];
      if (at) {
        const mk = L.marker([at.lat, at.lon], { keyboard: false, title: label,
          icon: L.divIcon({ className: 'case-marker', iconSize: [36, 36], iconAnchor: [18, 18],
            html: `<span data-testid="missed-case-marker" data-case-id="${miss.case_id}" style="background:#d93025"></span>` }) });
        mk.on('click', () => p.onOpenCase?.(miss.case_id));
        g.addLayer(mk);
      }
    }
    const start = positionAt(points, p.focus ? p.focus.segment[0] : t0)!;
    const marker = L.circleMarker([start.lat, start.lon], { radius: 9, color: '#fff', weight: 3, fillColor: '#6a1b9a', fillOpacity: 1, interactive: false });
    g.addLayer(marker);
    g.addTo(m);
    layers.current.track = g;
    layers.current.marker = marker;
    const b = L.latLngBounds(points.map((q) => [q.lat, q.lon] as [number, number]));
    if (p.focus) {
      const ev = evidencePoints(points, p.focus.segment);
      const fb = L.latLngBounds(ev.map((q) => [q.lat, q.lon] as [number, number]));
      if (fb.isValid()) m.fitBounds(fb.pad(1.5), { maxZoom: 18 });
    } else if (b.isValid()) m.fitBounds(b, { padding: [24, 24], maxZoom: 18 });
    el.current?.setAttribute('data-track-points', String(points.length));
  }, [points, p.outside, p.missed, p.focus, p.caseAt]);

  // The marker follows the time.
  useEffect(() => {
    const pos = positionAt(points, time);
    if (pos && layers.current.marker) layers.current.marker.setLatLng([pos.lat, pos.lon]);
    el.current?.setAttribute('data-time', String(time));
  }, [time, points]);

  // Playing: `speed` track seconds per real second, 10 frames a second; stops at the end.
  useEffect(() => {
    if (!playing) return undefined;
    const h = setInterval(() => {
      setTime((cur) => {
        const next = Math.min(t1, cur + speed / 10);
        if (next >= t1) setPlaying(false);
        return next;
      });
    }, 100);
    return () => clearInterval(h);
  }, [playing, speed, t1]);

  const hasTrack = !!p.track;
  return (
    <div class="patrol-map">
      <div class="legend" data-testid="patrol-legend">
        {(['missed', 'brief', 'some', 'long', 'extra'] as const).map((k) => (
          <span key={k}><i class="sw" style={{ background: COVERAGE_COLORS[k] }} />{t(`patrol.shade.${k}`)} </span>
        ))}
        {hasTrack && <>
          <span><i class="ln" style={{ background: RUN_STYLE.inside.color }} />{t('patrol.line.inside')} </span>
          <span><i class="ln" style={{ background: RUN_STYLE.outside.color }} />{t('patrol.line.outside')} </span>
          <span><i class="ln ln-dash" />{t('patrol.line.gap')} </span>
          <span><i class="ln" style={{ background: '#d93025' }} />{t('patrol.line.missed')}</span>
        </>}
      </div>
      <div ref={el} class="map map-full" data-testid="patrol-map" />
      {hasTrack && points.length === 0 && <p class="muted" data-testid="playback-empty">{t('patrol.noTrack')}</p>}
      {points.length > 0 && (
        <div class="playback" data-testid="playback">
          <button class="btn btn-primary" data-testid="playback-play" onClick={() => {
            if (!playing && time >= t1) setTime(t0);
            setPlaying(!playing);
          }}>{playing ? t('patrol.pause') : t('patrol.play')}</button>
          <input type="range" class="playback-slider" data-testid="playback-slider" min={t0} max={t1} step={1} value={time}
            aria-label={t('patrol.playbackTime')}
            onInput={(e) => { setPlaying(false); setTime(Number((e.currentTarget as HTMLInputElement).value)); }} />
          <span class="mono" data-testid="playback-clock">{clockOf(Math.floor(time))}</span>
          <select class="input playback-speed" data-testid="playback-speed" value={speed} aria-label={t('patrol.speed')}
            onChange={(e) => setSpeed(Number((e.currentTarget as HTMLSelectElement).value))}>
            {SPEEDS.map((s) => <option key={s} value={s}>{t('patrol.speedX', { n: s })}</option>)}
          </select>
        </div>
      )}
    </div>
  );
}
