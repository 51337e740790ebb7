// Leaflet map over local data: the device's offline vector basemap when it has one (canvas, see
// ./basemap.ts; with none the map is grey as before), an optional online layer beneath it, the
// grid cells (optionally shaded by open cases, rolled up by street/community/cell with the zoom),
// case markers coloured by light and clustered below zoom 17, the device position with its
// accuracy circle and a 我的位置 button, nearby components to choose, and a pin the user can drop.
import { useContext, useEffect, useRef, useState } from 'preact/hooks';
import L from 'leaflet';
import type * as GeoJSON from 'geojson';
import type { BasemapInfo, Light, MapCase, Position } from '../backend/types';
import type { Backend } from '../backend';
import { Ctx } from './context';
import { BasemapLayer } from './basemap';
import { CLUSTER_BELOW_ZOOM, clusterPoints } from '../logic/cluster';
import { SHADE_COLORS, rollup, rollupLevel, shadeClass, unitKey, type RollupLevel } from '../logic/rollup';
import { t } from '../i18n';

export const DEFAULT_CENTER: [number, number] = [36.06, 103.83]; // 兰州市城关区 (lat, lon)

const LIGHT_COLOR: Record<Light | 'none', string> = { green: '#1e9e4a', yellow: '#e0a800', red: '#d93025', none: '#5f6b7a' };

/** A nearby component drawn on the map (selectable). */
export interface MapComponent { id: string; lon: number; lat: number; label: string; selected: boolean }

export interface MapViewProps {
  cells?: GeoJSON.FeatureCollection | null;
  cases?: MapCase[];
  position?: Position | null;
  pin?: { lon: number; lat: number } | null;
  pinMode?: boolean;
  onPick?(lon: number, lat: number): void;
  onCaseClick?(caseId: string): void;
  /** Shade cells by their `openCases` property, rolled up by street/community/cell with the zoom. */
  shadeByOpen?: boolean;
  /** Called when the roll-up level changes (for the legend). */
  onRollupLevel?(level: RollupLevel): void;
  class?: string;
  testid?: string;
  /** Fit the view to the pin/position instead of the cells. */
  focusPoint?: boolean;
  components?: MapComponent[];
  onComponentClick?(id: string): void;
  /** Moves the view there whenever `seq` changes (place search). */
  target?: { lon: number; lat: number; zoom?: number; seq: number } | null;
  /** The view's centre after each move. */
  onCenter?(lon: number, lat: number): void;
}

/** `basemap_info()` for a map being opened (asked each time: the package may arrive or change while
 *  the app runs); failures and a missing command mean "no basemap". */
export function basemapInfoOf(backend: Backend): Promise<BasemapInfo | null> {
  return (typeof backend.basemapInfo === 'function' ? backend.basemapInfo() : Promise.resolve(null)).catch(() => null);
}

function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c]!));
}

export function MapView(p: MapViewProps) {
  const app = useContext(Ctx);
  const el = useRef<HTMLDivElement>(null);
  const map = useRef<L.Map | null>(null);
  const layers = useRef<{
    cells?: L.GeoJSON; labels?: L.LayerGroup; cases?: L.LayerGroup; pos?: L.LayerGroup; pin?: L.Marker;
    comps?: L.LayerGroup; base?: BasemapLayer; online?: L.TileLayer;
  }>({});
  const fitted = useRef(false);
  const handlers = useRef(p);
  handlers.current = p;
  const [zoom, setZoom] = useState(14);
  const [moved, setMoved] = useState(0);
  const [myPos, setMyPos] = useState<Position | null>(null);
  const [locating, setLocating] = useState(false);

  useEffect(() => {
    if (!el.current) return undefined;
    const m = L.map(el.current, {
      preferCanvas: true, attributionControl: false, zoomControl: true, minZoom: 8, maxZoom: 21,
    }).setView(DEFAULT_CENTER, 14);
    m.on('click', (e: L.LeafletMouseEvent) => {
      const h = handlers.current;
      if (h.pinMode && h.onPick) { h.onPick(e.latlng.lng, e.latlng.lat); return; }
      // A tap on the basemap's grid (drawn from zoom 15) shows that cell's full code.
      const base = layers.current.base;
      if (!base || m.getZoom() < 15 || (e.originalEvent?.target as HTMLElement | null)?.closest?.('.leaflet-marker-icon')) return;
      void base.featureAt(m, e.latlng, 'grid').then((pr) => {
        if (!pr || !map.current) return;
        const code = String(pr.code ?? '');
        const html = `<div data-testid="grid-cell-popup" data-code="${esc(code)}"><strong>${esc(code)}</strong><br>${esc([pr.street, pr.community].filter(Boolean).join(' · '))}</div>`;
        L.popup({ closeButton: false, autoPan: false }).setLatLng(e.latlng).setContent(html).openOn(m);
      });
    });
    m.on('zoomend', () => setZoom(m.getZoom()));
    m.on('moveend', () => { const c = m.getCenter(); handlers.current.onCenter?.(c.lng, c.lat); setMoved((k) => k + 1); });
    // Roll-up labels sit above the cell shading but under every marker (clusters, pins).
    m.createPane('rollupLabels').style.zIndex = '450';
    map.current = m;
    setZoom(m.getZoom());
    const ro = new ResizeObserver(() => m.invalidateSize());
    ro.observe(el.current);
    return () => { ro.disconnect(); m.remove(); map.current = null; layers.current = {}; fitted.current = false; };
  }, []);

  // The offline basemap (and the optional online layer beneath it).
  useEffect(() => {
    if (!app) return undefined;
    let live = true;
    void basemapInfoOf(app.backend).then((info) => {
      const m = map.current;
      if (!live || !m || !info || !info.url) return;
      const [w, s, e, n] = info.bounds ?? [-180, -85, 180, 85];
      const bounds = L.latLngBounds([s, w], [n, e]).pad(0.05);
      const online = info.onlineLayer?.url ? info.onlineLayer : null;
      if (online) {
        const tl = L.tileLayer(online.url, { attribution: online.attribution, zIndex: 0, maxNativeZoom: 18, maxZoom: 21 });
        // Unreachable (offline, bad key): drop it after a few failures with no success.
        let ok = 0; let bad = 0;
        tl.on('tileload', () => { ok += 1; });
        tl.on('tileerror', () => {
          bad += 1;
          if (bad < 4 || ok > 0 || !layers.current.online) return;
          tl.remove();
          layers.current.online = undefined;
          const b = layers.current.base;
          if (b) { b.options.background = true; b.redraw(); }
        });
        tl.addTo(m);
        tl.getContainer()?.setAttribute('data-testid', 'online-layer');
        layers.current.online = tl;
        if (online.attribution) L.control.attribution({ prefix: false }).addTo(m);
      }
      const base = new BasemapLayer({
        url: info.url, minzoomData: info.minzoom, maxzoomData: info.maxzoom, background: !online, bounds, zIndex: 1,
        onDrawn: (k) => { el.current?.setAttribute('data-tiles-drawn', String(k)); },
      });
      base.addTo(m);
      layers.current.base = base;
      el.current?.setAttribute('data-basemap', info.version);
      // Nothing else to look at yet (e.g. a new hotline form): show the package's area, wherever the county is.
      const h = handlers.current;
      if (!fitted.current && !h.pin && !h.position && !h.cells?.features?.length && !h.cases?.length && info.bounds) {
        m.fitBounds(L.latLngBounds([s, w], [n, e]));
      }
    });
    return () => { live = false; };
  }, [app?.backend]);

  // Cells (shaded by roll-up unit on the supervisor map).
  const level: RollupLevel = rollupLevel(zoom);
  useEffect(() => { if (p.shadeByOpen) p.onRollupLevel?.(level); }, [level, p.shadeByOpen]);
  useEffect(() => {
    const m = map.current;
    if (!m) return;
    layers.current.cells?.remove();
    layers.current.cells = undefined;
    layers.current.labels?.remove();
    layers.current.labels = undefined;
    if (!p.cells || !p.cells.features?.length) return;
    const shade = p.shadeByOpen;
    const units = shade ? rollup(p.cells, level) : null;
    const layer = L.geoJSON(p.cells, {
      style: (f) => {
        if (!units) return { color: '#3b6ea5', weight: 1, fillOpacity: 0.08, fillColor: '#3b6ea5' };
        const u = units.get(unitKey(f?.properties, level));
        const fill = SHADE_COLORS[shadeClass(u?.open ?? 0, level)];
        // Street/community units: cells fill without their own outlines, so the unit reads as one area.
        return level === 'cell'
          ? { color: '#3b6ea5', weight: 1, fillOpacity: 0.42, fillColor: fill }
          : { color: fill, weight: 0.5, opacity: 0.6, fillOpacity: 0.42, fillColor: fill };
      },
      onEachFeature: (f, l) => {
        const pr = f.properties ?? {};
        const u = units?.get(unitKey(pr, level));
        const tip = level !== 'cell' && u
          ? `${u.label} · ${t('map.openCount', { n: u.open })}`
          : `${pr.code ?? ''} ${pr.community ?? ''}${pr.openCases != null ? ` · ${t('map.openCount', { n: Number(pr.openCases) })}` : ''}`;
        l.bindTooltip(tip, { sticky: true });
      },
    });
    // Clicks on cells must still drop a pin in pin mode.
    layer.on('click', (e: L.LeafletMouseEvent) => {
      const h = handlers.current;
      if (h.pinMode && h.onPick) h.onPick(e.latlng.lng, e.latlng.lat);
    });
    layer.addTo(m);
    layers.current.cells = layer;
    if (units && level !== 'cell') {
      // One label per street/community at the mean of its cells' centres.
      const acc = new Map<string, { lat: number; lon: number; n: number }>();
      layer.eachLayer((l) => {
        const f = (l as L.Polygon).feature as GeoJSON.Feature | undefined;
        const c = (l as L.Polygon).getBounds?.().getCenter();
        if (!f || !c) return;
        const k = unitKey(f.properties, level);
        const a = acc.get(k) ?? { lat: 0, lon: 0, n: 0 };
        a.lat += c.lat; a.lon += c.lng; a.n += 1;
        acc.set(k, a);
      });
      const g = L.layerGroup();
      for (const [k, a] of acc) {
        const u = units.get(k)!;
        g.addLayer(L.marker([a.lat / a.n, a.lon / a.n], {
          interactive: false, keyboard: false, pane: 'rollupLabels',
          icon: L.divIcon({ className: 'rollup-label', html: `<span data-testid="rollup-label" data-unit="${esc(k)}" data-open="${u.open}">${esc(u.label)}<b>${u.open}</b></span>`, iconSize: [0, 0] }),
        }));
      }
      g.addTo(m);
      layers.current.labels = g;
    }
    el.current?.setAttribute('data-rollup', shade ? level : 'off');
    if (!fitted.current && !p.focusPoint) {
      const b = layer.getBounds();
      if (b.isValid()) { m.fitBounds(b, { padding: [16, 16] }); fitted.current = true; }
    }
  }, [p.cells, p.shadeByOpen, p.shadeByOpen ? level : null]);

  // Cases: markers coloured by light, clustered below CLUSTER_BELOW_ZOOM; tap targets 44 px.
  useEffect(() => {
    const m = map.current;
    if (!m) return;
    layers.current.cases?.remove();
    const g = L.layerGroup();
    const cases = p.cases ?? [];
    const byId = new Map(cases.map((c) => [c.caseId, c]));
    const z = m.getZoom();
    const clustered = z < CLUSTER_BELOW_ZOOM;
    // Unclustered (street level): only the cases around the view become DOM markers.
    const view = m.getBounds().pad(0.5);
    const shown = clustered ? cases : cases.filter((c) => view.contains([c.lat, c.lon]));
    const pts = shown.map((c) => { const q = m.project([c.lat, c.lon], z); return { id: c.caseId, x: q.x, y: q.y, light: c.light }; });
    for (const cl of clusterPoints(pts, 56, clustered)) {
      const ll = m.unproject([cl.x, cl.y], z);
      if (cl.ids.length === 1) {
        const c = byId.get(cl.ids[0])!;
        const mk = L.marker([c.lat, c.lon], {
          keyboard: false,
          title: `${c.caseNumber ?? t('map.notFiled')} · ${c.statusLabel}`,
          icon: L.divIcon({ className: 'case-marker', iconSize: [44, 44], iconAnchor: [22, 22],
            html: `<span data-testid="case-marker" data-case-id="${esc(c.caseId)}" data-light="${c.light ?? 'none'}" style="background:${LIGHT_COLOR[c.light ?? 'none']}"></span>` }),
        });
        mk.on('click', () => handlers.current.onCaseClick?.(c.caseId));
        g.addLayer(mk);
      } else {
        const n = cl.ids.length;
        const mk = L.marker(ll, {
          keyboard: false,
          title: t('map.clusterTitle', { n, red: cl.counts.red, yellow: cl.counts.yellow }),
          icon: L.divIcon({ className: 'case-cluster', iconSize: [44, 44], iconAnchor: [22, 22],
            html: `<span data-testid="case-cluster" data-count="${n}" data-light="${cl.light ?? 'none'}" style="border-color:${LIGHT_COLOR[cl.light ?? 'none']}">${n > 999 ? '999+' : n}</span>` }),
        });
        mk.on('click', () => {
          const b = L.latLngBounds(cl.ids.map((id) => { const c = byId.get(id)!; return [c.lat, c.lon] as [number, number]; }));
          if (b.getNorthEast().equals(b.getSouthWest())) m.setView(b.getCenter(), Math.max(z + 2, CLUSTER_BELOW_ZOOM));
          else m.fitBounds(b, { padding: [40, 40], maxZoom: Math.max(z + 1, CLUSTER_BELOW_ZOOM) });
        });
        g.addLayer(mk);
      }
    }
    g.addTo(m);
    layers.current.cases = g;
    if (!fitted.current && !p.focusPoint && !p.cells?.features?.length && cases.length) {
      const b = L.latLngBounds(cases.map((c) => [c.lat, c.lon] as [number, number]));
      if (b.isValid()) { m.fitBounds(b, { padding: [24, 24], maxZoom: 17 }); fitted.current = true; }
    }
  }, [p.cases, zoom, zoom >= CLUSTER_BELOW_ZOOM ? moved : 0]);

  // Own position with accuracy circle (from the props, or from the 我的位置 button).
  const shownPos = myPos ?? p.position ?? null;
  useEffect(() => {
    const m = map.current;
    if (!m) return;
    layers.current.pos?.remove();
    layers.current.pos = undefined;
    const pos = shownPos;
    if (!pos) return;
    const g = L.layerGroup();
    if (pos.accuracyM != null && pos.accuracyM > 0) {
      g.addLayer(L.circle([pos.lat, pos.lon], { radius: pos.accuracyM, color: '#1a73e8', weight: 1, fillOpacity: 0.12, interactive: false }));
    }
    g.addLayer(L.circleMarker([pos.lat, pos.lon], { radius: 8, color: '#fff', weight: 3, fillColor: '#1a73e8', fillOpacity: 1 }).bindTooltip(t('map.myPosition')));
    g.addTo(m);
    layers.current.pos = g;
    if (p.focusPoint && !p.pin && !myPos) m.setView([pos.lat, pos.lon], Math.max(m.getZoom(), 17));
  }, [shownPos?.lon, shownPos?.lat, shownPos?.accuracyM]);

  async function locateMe() {
    const m = map.current;
    if (!m) return;
    let pos: Position | null = p.position ?? null;
    if (app) {
      setLocating(true);
      try { pos = (await app.backend.currentPosition()) ?? pos; } catch { /* keep the last known */ } finally { setLocating(false); }
    }
    if (!pos) { app?.toast(t('map.noPosition'), 'error'); return; }
    setMyPos(pos);
    m.setView([pos.lat, pos.lon], Math.max(m.getZoom(), 17));
  }

  // Nearby components (new report): markers to choose, the chosen one highlighted.
  useEffect(() => {
    const m = map.current;
    if (!m) return;
    layers.current.comps?.remove();
    layers.current.comps = undefined;
    const cs = p.components ?? [];
    if (!cs.length) return;
    const g = L.layerGroup();
    for (const c of cs) {
      const mk = L.marker([c.lat, c.lon], {
        keyboard: false, title: c.label, zIndexOffset: c.selected ? 500 : 0,
        icon: L.divIcon({ className: `component-marker${c.selected ? ' on' : ''}`, iconSize: [44, 44], iconAnchor: [22, 22],
          html: `<span data-testid="component-marker" data-component-id="${esc(c.id)}" data-selected="${c.selected}"></span>` }),
      });
      mk.on('click', () => handlers.current.onComponentClick?.(c.id));
      g.addLayer(mk);
    }
    g.addTo(m);
    layers.current.comps = g;
  }, [p.components]);

  // The pin.
  useEffect(() => {
    const m = map.current;
    if (!m) return;
    const pin = p.pin;
    if (!pin) { layers.current.pin?.remove(); layers.current.pin = undefined; return; }
    const icon = L.divIcon({ className: 'map-pin', html: '<span></span>', iconSize: [28, 28], iconAnchor: [14, 28] });
    const first = !layers.current.pin;
    if (layers.current.pin) layers.current.pin.setLatLng([pin.lat, pin.lon]);
    else layers.current.pin = L.marker([pin.lat, pin.lon], { icon, keyboard: false, interactive: false, zIndexOffset: 1000 }).addTo(m);
    // A map that follows its point opens at street level on the first pin, then only pans.
    if (p.focusPoint && first) m.setView([pin.lat, pin.lon], Math.max(m.getZoom(), 17));
    else if (p.focusPoint && !m.getBounds().pad(-0.2).contains([pin.lat, pin.lon])) m.panTo([pin.lat, pin.lon]);
  }, [p.pin?.lon, p.pin?.lat]);

  // Place search: move the view.
  useEffect(() => {
    const m = map.current;
    const tg = p.target;
    if (!m || !tg) return;
    m.setView([tg.lat, tg.lon], tg.zoom ?? Math.max(m.getZoom(), 17));
    fitted.current = true;
  }, [p.target?.seq]);

  useEffect(() => {
    el.current?.classList.toggle('map-pin-mode', !!p.pinMode);
  }, [p.pinMode]);

  return (
    <div class={`map-wrap ${(p.class ?? '').split(/\s+/).filter(Boolean).map((c) => `wrap-${c}`).join(' ')}`}>
      <div ref={el} class={`map ${p.class ?? ''}`} data-testid={p.testid ?? 'map'} data-pin-mode={p.pinMode ? 'on' : 'off'} data-zoom={zoom}
        data-pin-lon={p.pin ? String(p.pin.lon) : undefined} data-pin-lat={p.pin ? String(p.pin.lat) : undefined} />
      <button type="button" class="map-locate btn" data-testid="map-locate-me" title={t('map.locateMe')} aria-label={t('map.locateMe')}
        disabled={locating} onClick={() => { void locateMe(); }}>
        <span class="map-locate-icon" aria-hidden="true" /><span class="map-locate-text">{t('map.myPosition')}</span>
      </button>
    </div>
  );
}
