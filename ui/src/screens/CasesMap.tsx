// Map of cells and cases: the inspector's own cells, position and cases (field mode), or every
// cell shaded by its open cases (supervisor mode).
import { useEffect, useState } from 'preact/hooks';
import type { MapLayers } from '../backend';
import type { Position } from '../backend/types';
import { t } from '../i18n';
import { useApp, useFail } from '../ui/context';
import { Spinner } from '../ui/common';
import { MapView } from '../ui/MapView';

export function CasesMap({ mode, onOpen }: { mode: 'field' | 'supervisor'; onOpen(caseId: string): void }) {
  const { backend } = useApp();
  const fail = useFail();
  const [layers, setLayers] = useState<MapLayers | null>(null);
  const [pos, setPos] = useState<Position | null>(null);

  useEffect(() => {
    backend.mapLayers().then(setLayers, fail);
    if (mode === 'field') backend.currentPosition().then(setPos, () => setPos(null));
  }, []);

  if (!layers) return <Spinner />;
  return (
    <section class="map-screen" data-testid={`map-${mode}`}>
      <div class="map-head">
        <h1>{mode === 'field' ? t('map.title.field') : t('map.title.supervisor')}</h1>
        <span class="muted" data-testid="map-counts">{layers.cells.features.length} 个网格 · {layers.cases.length} 件案件</span>
        {mode === 'supervisor' && (
          <span class="legend">{t('map.legend')}：<i class="sw sw0" />0 <i class="sw sw1" />1–2 <i class="sw sw2" />3–9 <i class="sw sw3" />≥10</span>
        )}
      </div>
      {layers.cells.features.length === 0 && <p class="warn">{t('map.noCells')}</p>}
      <MapView class="map-full" testid="cases-map" cells={layers.cells} cases={layers.cases} position={pos}
        shadeByOpen={mode === 'supervisor'} onCaseClick={onOpen} />
    </section>
  );
}
