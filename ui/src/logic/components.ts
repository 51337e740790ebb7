//! Nearby components for the new-report form: those whose type is the chosen component category
//! (the list and the map show only these unless the user asks for all). Pure.
//! Invariant: the order of `locate`'s answer (nearest first) is kept.
import type { Category, NearbyComponent } from '../backend/types';

export function componentsForCategory(components: NearbyComponent[], category: Category | null): NearbyComponent[] {
  if (!category || category.kind !== 'component') return [];
  return components.filter((c) => c.typeCode === category.code);
}
