// Map of cells and cases: the inspector's own cells, position and cases (field mode), or every
// cell shaded by its open cases, rolled up by street/community at low zoom and by cell at high
// zoom, with the offline place search (supervisor mode).
import { useEffect, useRef, useState } from 'preact/hooks';
import type { MapLayers } from '../backend';
import type { PlaceHit, Position } from '../backend/types';
import { t } from '../i18n';
import { useApp, useFail } from '../ui/context';
import { Spinner } from '../ui/common';
import { MapView } from '../ui/MapView';
import { PlaceSearch } from '../ui/PlaceSearch';
import { shadeBands, type RollupLevel } from '../logic/rollup';

export function CasesMap({ mode, onOpen }: { mode: 'field' | 'supervisor'; onOpen(caseId: string): void }) {
  const { backend } = useApp();
  const fail = useFail();
  const [layers, setLayers] = useState<MapLayers | null>(null);
  const [pos, setPos] = useState<Position | null>(null);
  const [level, setLevel] = useState<RollupLevel>('community');
  const [hit, setHit] = useState<(PlaceHit & { seq: number }) | null>(null);
  const center = useRef<{ lon: number; lat: number } | null>(null);

  useEffect(() => {
    backend.mapLayers().then(setLayers, fail);
    if (mode === 'field') backend.currentPosition().then(setPos, () => setPos(null));
  }, []);

  if (!layers) return <Spinner />;
  const bands = shadeBands(level);
  return (
    <section class="map-screen" data-testid={`map-${mode}`}>
      <div class="map-head">
        <h1>{mode === 'field' ? t('map.title.field') : t('map.title.supervisor')}</h1>
        <span class="muted" data-testid="map-counts">{t('map.counts', { cells: layers.cells.features.length, cases: layers.cases.length })}</span>
        {mode === 'supervisor' && (
          <span class="legend" data-testid="map-legend" data-level={level}>{t('map.legend')}（{t(`map.legend.${level}`)}）：
            {bands.map((b, i) => <span key={i}><i class={`sw sw${i}`} />{b} </span>)}
          </span>
        )}
      </div>
      {mode === 'supervisor' && (
        <PlaceSearch center={() => center.current}
          onChoose={(h) => setHit({ ...h, seq: (hit?.seq ?? 0) + 1 })} />
      )}
      {hit && (
        <div class="search-hit muted" data-testid="map-search-hit" data-cell={hit.cell ?? ''}>
          {t('map.searchPin')}：<strong>{hit.name}</strong> {hit.cell ?? ''} {hit.address}
        </div>
      )}
      {layers.cells.features.length === 0 && <p class="warn">{t('map.noCells')}</p>}
      <MapView class="map-full" testid="cases-map" cells={layers.cells} cases={layers.cases} position={pos}
        shadeByOpen={mode === 'supervisor'} onRollupLevel={setLevel} onCaseClick={onOpen}
        pin={hit ? { lon: hit.lon, lat: hit.lat } : null}
        target={hit ? { lon: hit.lon, lat: hit.lat, seq: hit.seq } : null}
        onCenter={(lon, lat) => { center.current = { lon, lat }; }} />
    </section>
  );
}
