// The case list's state (queue, filters, page) and its translation into a CaseQuery.
// Paging is limit/offset of PAGE_SIZE rows, so a queue of 10,000 cases renders 100 rows.
import type { CaseQuery, Light, QueueCount, QueueId } from '../backend/types';
import { filtersToQuery, NO_FILTERS, type DeskFilters, type DeskSort } from './desk';

export const PAGE_SIZE = 100;

export const FIELD_QUEUES: QueueId[] = ['my_tasks', 'my_reports'];
export const SUPERVISOR_QUEUES: QueueId[] = ['intake', 'verify', 'filing', 'dispatch', 'handling',
  'approvals', 'check', 'close', 'callback', 'closed', 'all'];

export interface ListState {
  queue: QueueId; text: string; light: Light | null; page: number;
  /** The desk's sort and filters (issue 15); absent = newest change first, no filter. */
  sort?: DeskSort; filters?: DeskFilters;
}

export type ListAction =
  | { type: 'queue'; queue: QueueId }
  | { type: 'text'; text: string }
  | { type: 'light'; light: Light | null }
  | { type: 'page'; page: number }
  | { type: 'clamp'; total: number }
  | { type: 'sort'; sort: DeskSort }
  | { type: 'filters'; filters: DeskFilters };

export function initialList(queue: QueueId): ListState {
  return { queue, text: '', light: null, page: 0 };
}

/** Any filter change goes back to the first page; a shrinking total clamps the page. */
export function listReducer(s: ListState, a: ListAction): ListState {
  switch (a.type) {
    case 'queue': return s.queue === a.queue ? s : { ...s, queue: a.queue, page: 0 };
    case 'text': return s.text === a.text ? s : { ...s, text: a.text, page: 0 };
    case 'light': return s.light === a.light ? s : { ...s, light: a.light, page: 0 };
    case 'page': return { ...s, page: Math.max(0, Math.floor(a.page)) };
    case 'sort': return (s.sort ?? 'updated') === a.sort ? s : { ...s, sort: a.sort, page: 0 };
    case 'filters': return { ...s, filters: a.filters, page: 0 };
    case 'clamp': {
      const last = Math.max(0, pageCount(a.total) - 1);
      return s.page > last ? { ...s, page: last } : s;
    }
  }
}

export function toQuery(s: ListState): CaseQuery {
  const q: CaseQuery = { queue: s.queue, limit: PAGE_SIZE, offset: s.page * PAGE_SIZE };
  const text = s.text.trim();
  if (text) q.text = text;
  if (s.light) q.light = s.light;
  if (s.sort && s.sort !== 'updated') q.sort = s.sort;
  Object.assign(q, filtersToQuery(s.filters ?? NO_FILTERS));
  return q;
}

export function pageCount(total: number): number {
  return Math.max(1, Math.ceil(Math.max(0, total) / PAGE_SIZE));
}

/** "第 101–200 条，共 10000 条" parts. */
export function pageWindow(page: number, shown: number, total: number): { first: number; last: number; total: number } {
  if (shown === 0) return { first: 0, last: 0, total };
  const first = page * PAGE_SIZE + 1;
  return { first, last: first + shown - 1, total };
}

/** Counts in the order the navigation shows them; queues the backend does not report are left out. */
export function orderCounts(counts: QueueCount[], order: QueueId[]): QueueCount[] {
  const byId = new Map(counts.map((c) => [c.queue, c]));
  const out: QueueCount[] = [];
  for (const q of order) { const c = byId.get(q); if (c) out.push(c); }
  for (const c of counts) if (!order.includes(c.queue)) out.push(c);
  return out;
}
