import {
  WrongExpectedVersionError,
  type AppendResult,
  type EventData,
  type EventIntegrity,
  type ExpectedRevision,
} from '../port.js';
import type { ChainHead } from '../integrity/chain.js';
import { eventHash } from '../integrity/hash.js';
import { metadataObject } from '../integrity/metadata.js';

/** An event ready for EventStoreDB: the caller's metadata and its chain link. */
export interface LinkedEvent {
  readonly event: EventData;
  readonly metadata: Record<string, unknown>;
  readonly integrity: EventIntegrity;
}

/** A stream's event as the chain links to it, with its id to recognise a repeated append. */
export interface StreamHead extends ChainHead {
  readonly id: string;
}

export interface ChainedAppendStore {
  /**
   * The stream's last event (revision, hash, id), or the one at revision `at`; undefined when there
   * is none (the stream does not exist).
   */
  readHead(streamName: string, at?: bigint): Promise<StreamHead | undefined>;
  /** Appends at exactly this expectation; throws the port's WrongExpectedVersionError on a conflict. */
  appendExactly(
    streamName: string,
    events: readonly LinkedEvent[],
    expected: bigint | 'no_stream',
  ): Promise<AppendResult>;
}

/** Tries of an 'any' or 'stream_exists' append that another writer keeps getting ahead of. */
const MAX_ATTEMPTS = 100;

/**
 * An append that chains its events to the stream's last one. EventStoreDB cannot compute hashes,
 * so the adapter reads the stream's head, links the events to it and appends with exactly that
 * head as the expected revision: nothing can get in between unnoticed. A caller's 'any' or
 * 'stream_exists' becomes such an exact append; when another writer got in first, the head is
 * read again and the events relinked, because that caller did not ask for a particular revision.
 * An exact expectation or 'no_stream' fails on a conflict, as before.
 *
 * A repeat of an append that was written although its answer was lost (the caller retries with
 * the same event ids) must succeed with the original result, as EventStoreDB's idempotent append
 * does: but the head has moved past the caller's expectation, or (for 'any') would be chained to
 * again. So the append is sent once more at the revision the events would have followed, and
 * EventStoreDB decides by their ids: the original result, or a conflict when they are not there.
 */
export async function chainedAppend(
  store: ChainedAppendStore,
  streamName: string,
  events: readonly EventData[],
  expected: ExpectedRevision,
): Promise<AppendResult> {
  const metadata = events.map((e) => metadataObject(e.metadata));
  for (let attempt = 1; ; attempt++) {
    const head = await store.readHead(streamName);
    const actual = head?.revision ?? 'no_stream';
    if (!meets(expected, actual)) {
      if (!couldBeRepeat(expected, actual)) throw new WrongExpectedVersionError(streamName, expected, actual);
      return appendAgain(store, streamName, events, metadata, expected as bigint | 'no_stream', expected);
    }
    const tail =
      typeof expected === 'bigint' || expected === 'no_stream' ? undefined : repeatedTail(head, events);
    if (tail !== undefined) return appendAgain(store, streamName, events, metadata, tail, expected);
    try {
      return await store.appendExactly(streamName, link(streamName, events, metadata, head), actual);
    } catch (error) {
      if (!(error instanceof WrongExpectedVersionError)) throw error;
      const retry = (expected === 'any' || expected === 'stream_exists') && attempt < MAX_ATTEMPTS;
      if (!retry) throw new WrongExpectedVersionError(streamName, expected, error.actual);
    }
  }
}

/** Sends the append again at `at` for EventStoreDB to recognise it by its ids (or refuse it). */
async function appendAgain(
  store: ChainedAppendStore,
  streamName: string,
  events: readonly EventData[],
  metadata: readonly Record<string, unknown>[],
  at: bigint | 'no_stream',
  expected: ExpectedRevision,
): Promise<AppendResult> {
  // Nothing is written at an expectation behind the head, so the link only has to be well formed.
  const prior = at === 'no_stream' ? undefined : await store.readHead(streamName, at);
  try {
    return await store.appendExactly(streamName, link(streamName, events, metadata, prior), at);
  } catch (error) {
    if (!(error instanceof WrongExpectedVersionError)) throw error;
    throw new WrongExpectedVersionError(streamName, expected, error.actual);
  }
}

/** An exact or 'no_stream' expectation the stream has moved past: its events may be this append's. */
function couldBeRepeat(expected: ExpectedRevision, actual: bigint | 'no_stream'): boolean {
  if (actual === 'no_stream') return false;
  return expected === 'no_stream' || (typeof expected === 'bigint' && expected < actual);
}

/**
 * For 'any' and 'stream_exists': when the stream ends with this append's last event, the revision
 * the append would have followed. (A repeat with other events written after it is not recognised
 * here; EventStoreDB's own check, by id, would need the caller's expectation sent as is.)
 */
function repeatedTail(
  head: StreamHead | undefined,
  events: readonly EventData[],
): bigint | 'no_stream' | undefined {
  if (head === undefined || head.id !== events[events.length - 1]!.id) return undefined;
  const before = head.revision - BigInt(events.length);
  return before < 0n ? 'no_stream' : before;
}

function meets(expected: ExpectedRevision, actual: bigint | 'no_stream'): boolean {
  switch (expected) {
    case 'any':
      return true;
    case 'no_stream':
      return actual === 'no_stream';
    case 'stream_exists':
      return actual !== 'no_stream';
    default:
      return actual === expected;
  }
}

function link(
  streamName: string,
  events: readonly EventData[],
  metadata: readonly Record<string, unknown>[],
  head: ChainHead | undefined,
): LinkedEvent[] {
  let revision = head?.revision ?? -1n;
  let previous = head?.hash ?? null;
  return events.map((event, i) => {
    revision += 1n;
    const hash = eventHash({ ...event, streamName, revision, metadata: metadata[i] }, previous);
    const linked = { event, metadata: metadata[i]!, integrity: { hash, previous } };
    previous = hash;
    return linked;
  });
}
