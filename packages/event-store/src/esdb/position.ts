import type { Position } from '@eventstore/db-client';

/**
 * EventStoreDB places an event in `$all` by two 64-bit log positions: commit (where its write's
 * transaction begins) and prepare (where the event itself lies). The events of one multi-event
 * append share the commit position, so neither number alone orders or resumes `$all`; the port
 * wants one strictly increasing bigint, so both are packed into one 128-bit value, ordered like
 * EventStoreDB orders them (commit first, then prepare). Bigints have no width limit in
 * JavaScript, and every boundary carries positions as decimal strings.
 */
const SHIFT = 64n;
const MASK = (1n << SHIFT) - 1n;

export function encodePosition(position: Position): bigint {
  if (position.commit < 0n || position.commit > MASK || position.prepare < 0n || position.prepare > MASK) {
    throw new RangeError(`Not an EventStoreDB log position: ${position.commit}/${position.prepare}`);
  }
  return (position.commit << SHIFT) | position.prepare;
}

export function decodePosition(position: bigint): Position {
  if (position < 0n || position >> (2n * SHIFT) !== 0n) {
    throw new RangeError(`Not an EventStoreDB position of this adapter: ${position}`);
  }
  return { commit: position >> SHIFT, prepare: position & MASK };
}
