import type { Position } from '@eventstore/db-client';

/**
 * EventStoreDB places an event in `$all` by two 64-bit log positions, commit and prepare, and
 * resumes `$all` from the pair. Since v20 every event is its own record (commit == prepare), but
 * events written in an explicit transaction (TCP clients, older data carried over) share the
 * commit position of the transaction's commit record, with their own prepare positions below it.
 * The port wants one strictly increasing bigint that can be resumed from, so both are packed into
 * one 128-bit value, ordered as EventStoreDB orders them (commit, then prepare). Bigints have no
 * width limit in JavaScript, and every boundary carries positions as decimal strings.
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
