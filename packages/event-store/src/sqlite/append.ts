import type Database from 'better-sqlite3';
import {
  DuplicateEventIdError,
  WrongExpectedVersionError,
  type AppendResult,
  type EventData,
  type ExpectedRevision,
} from '../port.js';
import { eventHash } from '../integrity/hash.js';
import { metadataObject } from '../integrity/metadata.js';

export type Append = (
  stream: string,
  events: readonly EventData[],
  expected: ExpectedRevision,
) => AppendResult;

/**
 * One append on a write connection, inside a transaction the caller holds: checks the expected
 * revision (or recognises a repeat of events already stored), chains and inserts the events, and
 * moves the stream's head. Throws, having written nothing it would keep, when the append is refused;
 * the caller rolls back to its savepoint.
 */
export function appendOn(db: Database.Database): Append {
  // The stream's head hash comes with its revision: chaining an append costs no extra read.
  const streamRevision = db
    .prepare<[string], { revision: bigint; hash: string | null }>(
      'SELECT revision, hash FROM streams WHERE stream = ?',
    )
    .safeIntegers(true);
  const upsertStream = db.prepare<[string, bigint, string]>(
    'INSERT INTO streams (stream, revision, hash) VALUES (?, ?, ?) ON CONFLICT (stream) DO UPDATE SET revision = excluded.revision, hash = excluded.hash',
  );
  const insertEvent = db
    .prepare<[string, bigint, string, string, string, string, number, string, string | null]>(
      'INSERT INTO events (stream, revision, id, type, data, metadata, recorded_at, hash, previous) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
    )
    .safeIntegers(true);
  const eventById = db
    .prepare<[string], { stream: string; revision: bigint; position: bigint }>(
      'SELECT stream, revision, position FROM events WHERE id = ?',
    )
    .safeIntegers(true);

  /**
   * EventStoreDB's idempotent append, so a retry after a lost acknowledgement is a success and not
   * a second write or a conflict: when every event id is already stored, consecutively in this
   * stream where this append would have put them, the original result is returned. Some of them
   * stored (a partial overlap), or stored elsewhere, is a conflict: the caller reused ids.
   * Undefined: none is stored, append as usual.
   */
  const repeatedAppend = (
    stream: string,
    events: readonly EventData[],
    expected: ExpectedRevision,
    current: bigint | undefined,
  ): AppendResult | undefined => {
    const found = events.map((e) => eventById.get(e.id));
    if (found.every((f) => f === undefined)) return undefined;
    const first = found[0];
    const start =
      typeof expected === 'bigint' ? expected + 1n : expected === 'no_stream' ? 0n : first?.revision;
    const repeated =
      start !== undefined &&
      found.every((f, i) => f !== undefined && f.stream === stream && f.revision === start + BigInt(i));
    if (!repeated) {
      const elsewhere = found.some((f) => f !== undefined && f.stream !== stream);
      if (elsewhere) throw new DuplicateEventIdError(stream);
      throw new WrongExpectedVersionError(stream, expected, current ?? 'no_stream');
    }
    const last = found[found.length - 1]!;
    return { nextExpectedRevision: last.revision, position: last.position };
  };

  return (stream, events, expected) => {
    const head = streamRevision.get(stream);
    const current = head?.revision;
    const repeated = repeatedAppend(stream, events, expected, current);
    if (repeated !== undefined) return repeated;
    checkExpected(stream, expected, current);
    const recordedAt = Date.now();
    let revision = current ?? -1n;
    let previous = head?.hash ?? null;
    let position = -1n;
    for (const event of events) {
      revision += 1n;
      const metadata = metadataObject(event.metadata);
      const hash = eventHash({ ...event, streamName: stream, revision, metadata }, previous);
      const info = insertEvent.run(
        stream,
        revision,
        event.id,
        event.type,
        JSON.stringify(event.data),
        JSON.stringify(metadata),
        recordedAt,
        hash,
        previous,
      );
      position = BigInt(info.lastInsertRowid);
      previous = hash;
    }
    upsertStream.run(stream, revision, previous!);
    return { nextExpectedRevision: revision, position };
  };
}

function checkExpected(stream: string, expected: ExpectedRevision, current: bigint | undefined): void {
  const actual = current ?? 'no_stream';
  const ok =
    expected === 'any' ||
    (expected === 'no_stream' && current === undefined) ||
    (expected === 'stream_exists' && current !== undefined) ||
    (typeof expected === 'bigint' && current === expected);
  if (!ok) throw new WrongExpectedVersionError(stream, expected, actual);
}
