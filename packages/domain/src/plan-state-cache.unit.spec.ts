import { describe, expect, it } from 'vitest';
import { initialState, type PlanState } from './evolve.js';
import type { PzpEvent } from './events.js';
import { PlanStateCache } from './plan-state-cache.js';

/** A state whose log holds `events` events: the cache weighs states by their log only. */
const stateOf = (events: number): PlanState => ({
  ...initialState,
  version: events - 1,
  log: Array.from({ length: events }, () => ({}) as PzpEvent),
});

describe('PlanStateCache', () => {
  it('holds states up to the events they hold, dropping the least recently set first', () => {
    const cache = new PlanStateCache(10);
    cache.set('a', stateOf(4));
    cache.set('b', stateOf(4));
    cache.set('a', stateOf(5)); // a is now the most recently set
    expect(cache.events).toBe(9);
    cache.set('c', stateOf(3));
    expect(cache.get('b')).toBeUndefined();
    expect(cache.get('a')?.version).toBe(4);
    expect(cache.get('c')?.version).toBe(2);
    expect(cache.events).toBe(8);
  });

  it('keeps no state heavier than its whole budget, and forgets the one it held for that stream', () => {
    const cache = new PlanStateCache(10);
    cache.set('a', stateOf(2));
    cache.set('b', stateOf(2));
    cache.set('a', stateOf(11));
    expect(cache.get('a')).toBeUndefined();
    expect(cache.get('b')?.version).toBe(1);
    expect(cache.events).toBe(2);
  });

  it('counts an empty stream as one event, and frees what it deletes and clears', () => {
    const cache = new PlanStateCache(2);
    cache.set('a', initialState);
    cache.set('b', stateOf(1));
    expect(cache.size).toBe(2);
    cache.set('c', initialState);
    expect(cache.get('a')).toBeUndefined();
    cache.delete('b');
    cache.delete('b');
    expect(cache.events).toBe(1);
    cache.clear();
    expect([cache.size, cache.events]).toEqual([0, 0]);
  });
});
