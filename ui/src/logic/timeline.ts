// Timeline entries as the case detail shows them.
import type { TimelineEntry } from '../backend/types';

/** Labels for event types the Rust side may not name yet (it answers 未知操作 for them). */
const FALLBACK_LABELS: Record<string, string> = {
  merge_from: '合并重复案件',
  merge_into: '合并',
};
const UNKNOWN = '未知操作';

/** The entry's label: the backend's, unless it is missing or 未知操作 for a type the UI knows. */
export function eventLabel(e: Pick<TimelineEntry, 'type' | 'label'>): string {
  const label = e.label?.trim();
  if ((!label || label === UNKNOWN) && FALLBACK_LABELS[e.type]) return FALLBACK_LABELS[e.type];
  return label || e.type;
}

/** A merge entry (this case absorbed a duplicate, or was merged into another). */
export function isMergeEvent(e: Pick<TimelineEntry, 'type'>): boolean {
  return e.type === 'merge_from' || e.type === 'merge_into';
}
