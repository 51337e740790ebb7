// Category picker: component/matter toggle, search by name or code (`categories_search`, ranked
// client-side), recent choices when the query is empty.
import { useEffect, useState } from 'preact/hooks';
import type { Category } from '../backend/types';
import { filterKind, rankCategories } from '../logic/categories';
import { t } from '../i18n';
import { useApp, useFail } from './context';

export function CategoryPicker({ value, onPick, error }: { value: Category | null; onPick(c: Category | null): void; error?: string | null }) {
  const { backend } = useApp();
  const fail = useFail();
  const [kind, setKind] = useState<Category['kind']>(value?.kind ?? 'matter');
  const [query, setQuery] = useState('');
  const [results, setResults] = useState<Category[]>([]);
  const [recent, setRecent] = useState<Category[]>([]);
  const [open, setOpen] = useState(!value);

  useEffect(() => { backend.categoriesRecent().then(setRecent, () => setRecent([])); }, []);

  useEffect(() => {
    const q = query.trim();
    if (!q) { setResults([]); return undefined; }
    let live = true;
    const h = setTimeout(() => {
      backend.categoriesSearch(q, kind).then((r) => { if (live) setResults(rankCategories(filterKind(r, kind), q)); }, (e) => { if (live) fail(e); });
    }, 150);
    return () => { live = false; clearTimeout(h); };
  }, [query, kind]);

  if (value && !open) {
    return (
      <div class="category-chosen" data-testid="category-chosen" data-code={value.code}>
        <span class="tag">{value.kind === 'component' ? t('report.kind.component') : t('report.kind.matter')}</span>
        <strong>{value.name}</strong>
        <span class="muted">{value.code} · {value.majorName}{value.minorName ? ` / ${value.minorName}` : ''}</span>
        <button type="button" class="btn" data-testid="category-change" onClick={() => setOpen(true)}>{t('report.change')}</button>
      </div>
    );
  }

  const list = query.trim() ? results : filterKind(recent, kind);
  return (
    <div class={`category-picker${error ? ' field-invalid' : ''}`}>
      <div class="segmented" role="tablist">
        {(['component', 'matter'] as const).map((k) => (
          <button type="button" key={k} role="tab" aria-selected={kind === k} class={kind === k ? 'on' : ''}
            data-testid={`category-kind-${k}`} onClick={() => setKind(k)}>{t(`report.kind.${k}`)}</button>
        ))}
      </div>
      <input type="search" class="input" data-testid="category-search" placeholder={t('report.categorySearch')}
        value={query} onInput={(e) => setQuery((e.currentTarget as HTMLInputElement).value)} />
      {!query.trim() && recent.length > 0 && <div class="field-hint">{t('report.recent')}</div>}
      <ul class="option-list">
        {list.map((c) => (
          <li key={c.ref}>
            <button type="button" class="option" data-testid={`category-option-${c.code}`}
              onClick={() => { onPick(c); setOpen(false); setQuery(''); }}>
              <strong>{c.name}</strong><span class="muted">{c.code} · {c.majorName}{c.minorName ? ` / ${c.minorName}` : ''}</span>
            </button>
          </li>
        ))}
        {query.trim() && list.length === 0 && <li class="muted pad">{t('report.noCategory')}</li>}
      </ul>
      {value && <button type="button" class="btn btn-ghost" onClick={() => setOpen(false)}>{t('common.cancel')}</button>}
    </div>
  );
}
