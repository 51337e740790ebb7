// Line icons for the field app's navigation (inline SVG, drawn here: no icon font, no CDN, no
// package). 24×24, stroked in currentColor so they follow the tab's colour (active, outdoor mode).
// Decorative: the tab's text label names the destination.

export type NavIconName = 'tasks' | 'reports' | 'new' | 'selfHandle' | 'patrol' | 'map' | 'sync';

const PATHS: Record<NavIconName, string[]> = {
  // A clipboard with a tick: the tasks given to me.
  tasks: ['M9 4h6v3H9z', 'M9 5.5H6.5A1.5 1.5 0 0 0 5 7v12.5A1.5 1.5 0 0 0 6.5 21h11a1.5 1.5 0 0 0 1.5-1.5V7a1.5 1.5 0 0 0-1.5-1.5H15', 'M8.5 13.5l2.5 2.5 4.5-5'],
  // A sheet with lines and an upward arrow: what I reported.
  reports: ['M14 3H6.5A1.5 1.5 0 0 0 5 4.5v15A1.5 1.5 0 0 0 6.5 21h11a1.5 1.5 0 0 0 1.5-1.5V8z', 'M14 3v5h5', 'M8.5 13h7', 'M8.5 17h4'],
  // A camera with a plus: 拍照上报.
  new: ['M4 8.5A1.5 1.5 0 0 1 5.5 7h2.3l1.5-2.2h5.4L16.2 7h2.3A1.5 1.5 0 0 1 20 8.5v9a1.5 1.5 0 0 1-1.5 1.5h-13A1.5 1.5 0 0 1 4 17.5z', 'M12 10v6', 'M9 13h6'],
  // A wrench: handled on the spot (自行处置).
  selfHandle: ['M14.7 6.3a4 4 0 0 0-5.2 5.2L4 17l3 3 5.5-5.5a4 4 0 0 0 5.2-5.2l-2.4 2.4-2.6-.4-.4-2.6z'],
  // A route from a start point to a pin: 巡查.
  patrol: ['M6 20a2 2 0 1 0 0-4 2 2 0 0 0 0 4z', 'M8 18h6.5a3 3 0 0 0 0-6h-5a3 3 0 0 1 0-6H13', 'M18 9.5s3-2.7 3-5a3 3 0 0 0-6 0c0 2.3 3 5 3 5z'],
  // A folded map.
  map: ['M3.5 6.5 9 4.5l6 2 5.5-2v13l-5.5 2-6-2-5.5 2z', 'M9 4.5v13', 'M15 6.5v13'],
  // Two turning arrows.
  sync: ['M19.5 9A8 8 0 0 0 5.2 7.5', 'M4.5 4v4h4', 'M4.5 15a8 8 0 0 0 14.3 1.5', 'M19.5 20v-4h-4'],
};

export function NavIcon({ name, class: cls = 'tab-icon' }: { name: NavIconName; class?: string }) {
  return (
    <svg class={cls} data-icon={name} viewBox="0 0 24 24" width="24" height="24" aria-hidden="true" focusable="false"
      fill="none" stroke="currentColor" stroke-width="1.8" stroke-linecap="round" stroke-linejoin="round">
      {PATHS[name].map((d) => <path key={d} d={d} />)}
    </svg>
  );
}
