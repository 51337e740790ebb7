// Offline place search box (热线受理 and the supervisor map): calls `place_search` with the map
// centre 200 ms after the last keystroke; the results list shows the kind, name and detail in the
// backend's rank order. Keyboard: ↓/↑ move the highlight, Enter chooses (the first result when
// none is highlighted), Esc closes the list (a second Esc clears the box). An answer to an older
// query never replaces a newer one.
import { useEffect, useRef, useState } from 'preact/hooks';
import type { PlaceHit } from '../backend/types';
import { toApiError } from '../backend';
import { t, tk } from '../i18n';
import { useApp } from './context';

export const SEARCH_DEBOUNCE_MS = 200;

export function PlaceSearch({ center, onChoose, limit = 10 }: {
  /** The map centre to rank by (null: no ranking by distance). */
  center(): { lon: number; lat: number } | null;
  onChoose(hit: PlaceHit): void;
  limit?: number;
}) {
  const { backend } = useApp();
  const [text, setText] = useState('');
  const [hits, setHits] = useState<PlaceHit[] | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [active, setActive] = useState(-1);
  const [open, setOpen] = useState(false);
  const seq = useRef(0);
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);

  useEffect(() => () => { if (timer.current) clearTimeout(timer.current); }, []);

  function schedule(q: string) {
    if (timer.current) clearTimeout(timer.current);
    const mine = ++seq.current;
    if (!q.trim()) { setHits(null); setBusy(false); setError(null); setActive(-1); return; }
    setBusy(true);
    timer.current = setTimeout(async () => {
      const c = center();
      try {
        const r = await backend.placeSearch({ query: q.trim(), lon: c?.lon ?? null, lat: c?.lat ?? null, limit });
        if (mine !== seq.current) return;
        setHits(r); setError(null); setActive(-1); setOpen(true);
      } catch (e) {
        if (mine !== seq.current) return;
        setHits(null); setError(t('search.failed', { message: toApiError(e).message })); setOpen(true);
      } finally {
        if (mine === seq.current) setBusy(false);
      }
    }, SEARCH_DEBOUNCE_MS);
  }

  function choose(h: PlaceHit) {
    setOpen(false);
    setActive(-1);
    setText(h.name);
    onChoose(h);
  }

  function onKey(e: KeyboardEvent) {
    const n = hits?.length ?? 0;
    if (e.key === 'ArrowDown') { e.preventDefault(); if (n) { setOpen(true); setActive((a) => (a + 1) % n); } }
    else if (e.key === 'ArrowUp') { e.preventDefault(); if (n) { setOpen(true); setActive((a) => (a <= 0 ? n - 1 : a - 1)); } }
    else if (e.key === 'Enter') {
      e.preventDefault(); // never submits the surrounding form
      if (open && n) choose(hits![active >= 0 ? active : 0]);
    } else if (e.key === 'Escape') {
      e.preventDefault();
      if (open) setOpen(false);
      else { setText(''); schedule(''); }
    }
  }

  const listId = 'place-search-list';
  return (
    <div class="place-search" data-testid="place-search">
      <input class="input" type="search" role="combobox" aria-label={t('search.label')} aria-expanded={open && !!hits?.length}
        aria-controls={listId} aria-activedescendant={active >= 0 ? `place-hit-${active}` : undefined} autocomplete="off"
        data-testid="place-search-input" placeholder={t('search.placeholder')} value={text}
        onInput={(e) => { const v = (e.currentTarget as HTMLInputElement).value; setText(v); setOpen(true); schedule(v); }}
        onKeyDown={onKey} onFocus={() => { if (hits?.length) setOpen(true); }} />
      {busy && <span class="place-search-busy muted" data-testid="place-search-busy">{t('search.searching')}</span>}
      {open && (error || hits) && (
        <ul class="place-search-results" id={listId} role="listbox" data-testid="place-search-results">
          {error && <li class="place-search-empty error-text">{error}</li>}
          {!error && hits && hits.length === 0 && <li class="place-search-empty muted" data-testid="place-search-none">{t('search.none')}</li>}
          {!error && hits?.map((h, i) => (
            <li key={`${h.kind}:${h.name}:${h.lon}:${h.lat}`} id={`place-hit-${i}`} role="option" aria-selected={i === active}
              class={`place-hit${i === active ? ' on' : ''}`} data-testid="place-search-result" data-kind={h.kind} data-cell={h.cell ?? ''}
              onMouseDown={(e) => e.preventDefault()} onClick={() => choose(h)}>
              <span class={`place-kind kind-${h.kind}`}>{tk(`search.kind.${h.kind}`)}</span>
              <span class="place-name">{h.name}</span>
              <span class="place-detail muted">{h.detail}</span>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
