// Leaflet map over local GeoJSON only: no tile layer, no network. Draws grid cells (optionally
// shaded by open cases), case points coloured by light, the device position with its accuracy
// circle, and a pin the user can drop in pin mode.
import { useEffect, useRef } from 'preact/hooks';
import L from 'leaflet';
import type * as GeoJSON from 'geojson';
import type { Light, MapCase, Position } from '../backend/types';

export const DEFAULT_CENTER: [number, number] = [36.06, 103.83]; // 兰州市城关区 (lat, lon)

const LIGHT_COLOR: Record<Light | 'none', string> = { green: '#1e9e4a', yellow: '#e0a800', red: '#d93025', none: '#5f6b7a' };

export interface MapViewProps {
  cells?: GeoJSON.FeatureCollection | null;
  cases?: MapCase[];
  position?: Position | null;
  pin?: { lon: number; lat: number } | null;
  pinMode?: boolean;
  onPick?(lon: number, lat: number): void;
  onCaseClick?(caseId: string): void;
  /** Shade cells by their `openCases` property. */
  shadeByOpen?: boolean;
  class?: string;
  testid?: string;
  /** Fit the view to the pin/position instead of the cells. */
  focusPoint?: boolean;
}

function openShade(n: number): string {
  if (n <= 0) return '#eef3f8';
  if (n < 3) return '#ffe9a8';
  if (n < 10) return '#ffb566';
  return '#f06a4f';
}

export function MapView(p: MapViewProps) {
  const el = useRef<HTMLDivElement>(null);
  const map = useRef<L.Map | null>(null);
  const layers = useRef<{ cells?: L.GeoJSON; cases?: L.LayerGroup; pos?: L.LayerGroup; pin?: L.Marker }>({});
  const fitted = useRef(false);
  const handlers = useRef(p);
  handlers.current = p;

  useEffect(() => {
    if (!el.current) return undefined;
    const m = L.map(el.current, {
      preferCanvas: true, attributionControl: false, zoomControl: true, minZoom: 8, maxZoom: 21,
    }).setView(DEFAULT_CENTER, 14);
    m.on('click', (e: L.LeafletMouseEvent) => {
      const h = handlers.current;
      if (h.pinMode && h.onPick) h.onPick(e.latlng.lng, e.latlng.lat);
    });
    map.current = m;
    const ro = new ResizeObserver(() => m.invalidateSize());
    ro.observe(el.current);
    return () => { ro.disconnect(); m.remove(); map.current = null; layers.current = {}; fitted.current = false; };
  }, []);

  // Cells.
  useEffect(() => {
    const m = map.current;
    if (!m) return;
    layers.current.cells?.remove();
    layers.current.cells = undefined;
    if (!p.cells || !p.cells.features?.length) return;
    const shade = p.shadeByOpen;
    const layer = L.geoJSON(p.cells, {
      style: (f) => {
        const n = Number(f?.properties?.openCases ?? 0);
        return { color: '#3b6ea5', weight: 1, fillOpacity: shade ? 0.55 : 0.08, fillColor: shade ? openShade(n) : '#3b6ea5' };
      },
      onEachFeature: (f, l) => {
        const pr = f.properties ?? {};
        l.bindTooltip(`${pr.code ?? ''} ${pr.community ?? ''}${pr.openCases != null ? ` · 在办 ${pr.openCases}` : ''}`, { sticky: true });
      },
    });
    // Clicks on cells must still drop a pin in pin mode.
    layer.on('click', (e: L.LeafletMouseEvent) => {
      const h = handlers.current;
      if (h.pinMode && h.onPick) h.onPick(e.latlng.lng, e.latlng.lat);
    });
    layer.addTo(m);
    layers.current.cells = layer;
    if (!fitted.current && !p.focusPoint) {
      const b = layer.getBounds();
      if (b.isValid()) { m.fitBounds(b, { padding: [16, 16] }); fitted.current = true; }
    }
  }, [p.cells, p.shadeByOpen]);

  // Cases.
  useEffect(() => {
    const m = map.current;
    if (!m) return;
    layers.current.cases?.remove();
    const g = L.layerGroup();
    for (const c of p.cases ?? []) {
      const mk = L.circleMarker([c.lat, c.lon], {
        radius: 7, color: '#fff', weight: 2, fillColor: LIGHT_COLOR[c.light ?? 'none'], fillOpacity: 0.95,
      });
      mk.bindTooltip(`${c.caseNumber ?? '未立案'} · ${c.statusLabel}`);
      mk.on('click', () => handlers.current.onCaseClick?.(c.caseId));
      g.addLayer(mk);
    }
    g.addTo(m);
    layers.current.cases = g;
    if (!fitted.current && !p.focusPoint && !p.cells?.features?.length && p.cases?.length) {
      const b = L.latLngBounds(p.cases.map((c) => [c.lat, c.lon] as [number, number]));
      if (b.isValid()) { m.fitBounds(b, { padding: [24, 24], maxZoom: 17 }); fitted.current = true; }
    }
  }, [p.cases]);

  // Own position with accuracy circle.
  useEffect(() => {
    const m = map.current;
    if (!m) return;
    layers.current.pos?.remove();
    layers.current.pos = undefined;
    const pos = p.position;
    if (!pos) return;
    const g = L.layerGroup();
    if (pos.accuracyM != null && pos.accuracyM > 0) {
      g.addLayer(L.circle([pos.lat, pos.lon], { radius: pos.accuracyM, color: '#1a73e8', weight: 1, fillOpacity: 0.12 }));
    }
    g.addLayer(L.circleMarker([pos.lat, pos.lon], { radius: 8, color: '#fff', weight: 3, fillColor: '#1a73e8', fillOpacity: 1 }).bindTooltip('我的位置'));
    g.addTo(m);
    layers.current.pos = g;
    if (p.focusPoint && !p.pin) m.setView([pos.lat, pos.lon], Math.max(m.getZoom(), 17));
  }, [p.position?.lon, p.position?.lat, p.position?.accuracyM]);

  // The pin.
  useEffect(() => {
    const m = map.current;
    if (!m) return;
    const pin = p.pin;
    if (!pin) { layers.current.pin?.remove(); layers.current.pin = undefined; return; }
    const icon = L.divIcon({ className: 'map-pin', html: '<span></span>', iconSize: [28, 28], iconAnchor: [14, 28] });
    if (layers.current.pin) layers.current.pin.setLatLng([pin.lat, pin.lon]);
    else layers.current.pin = L.marker([pin.lat, pin.lon], { icon, keyboard: false }).addTo(m);
    if (p.focusPoint && !m.getBounds().pad(-0.2).contains([pin.lat, pin.lon])) m.panTo([pin.lat, pin.lon]);
  }, [p.pin?.lon, p.pin?.lat]);

  useEffect(() => {
    el.current?.classList.toggle('map-pin-mode', !!p.pinMode);
  }, [p.pinMode]);

  return <div ref={el} class={`map ${p.class ?? ''}`} data-testid={p.testid ?? 'map'} data-pin-mode={p.pinMode ? 'on' : 'off'} />;
}
