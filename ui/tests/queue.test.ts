import { describe, expect, it } from 'vitest';
import { initialList, listReducer, orderCounts, pageCount, pageWindow, toQuery, SUPERVISOR_QUEUES, PAGE_SIZE } from '../src/logic/queue';
import type { QueueCount } from '../src/backend/types';

describe('case list state', () => {
  it('builds the query with paging and trimmed filters', () => {
    let s = initialList('filing');
    expect(toQuery(s)).toEqual({ queue: 'filing', limit: PAGE_SIZE, offset: 0 });
    s = listReducer(s, { type: 'page', page: 3 });
    s = listReducer(s, { type: 'light', light: 'red' });
    expect(s.page).toBe(0);
    s = listReducer(listReducer(s, { type: 'page', page: 2 }), { type: 'text', text: '  井盖 ' });
    expect(toQuery(listReducer(s, { type: 'page', page: 2 }))).toEqual({ queue: 'filing', limit: 100, offset: 200, text: '井盖', light: 'red' });
  });
  it('changing queue resets the page; the same queue keeps it', () => {
    const s = listReducer(initialList('all'), { type: 'page', page: 5 });
    expect(listReducer(s, { type: 'queue', queue: 'all' }).page).toBe(5);
    expect(listReducer(s, { type: 'queue', queue: 'close' }).page).toBe(0);
  });
  it('clamps the page when the total shrinks', () => {
    const s = listReducer(initialList('all'), { type: 'page', page: 99 });
    expect(listReducer(s, { type: 'clamp', total: 10_000 }).page).toBe(99);
    expect(listReducer(s, { type: 'clamp', total: 250 }).page).toBe(2);
    expect(listReducer(s, { type: 'clamp', total: 0 }).page).toBe(0);
  });
  it('counts pages and the shown window', () => {
    expect(pageCount(0)).toBe(1);
    expect(pageCount(10_000)).toBe(100);
    expect(pageCount(10_001)).toBe(101);
    expect(pageWindow(1, 100, 10_000)).toEqual({ first: 101, last: 200, total: 10_000 });
    expect(pageWindow(0, 0, 0)).toEqual({ first: 0, last: 0, total: 0 });
  });
  it('orders queue counts by the navigation order, unknown queues last', () => {
    const c = (queue: QueueCount['queue']): QueueCount => ({ queue, label: queue, total: 1, green: 1, yellow: 0, red: 0 });
    const out = orderCounts([c('all'), c('my_tasks'), c('filing'), c('intake')], SUPERVISOR_QUEUES);
    expect(out.map((x) => x.queue)).toEqual(['intake', 'filing', 'all', 'my_tasks']);
  });
});
