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

export interface ChainedAppendStore {
  /** The stream's last event (revision, hash), or undefined when the stream does not exist. */
  readHead(streamName: string): Promise<ChainHead | undefined>;
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
    if (!meets(expected, actual)) throw new WrongExpectedVersionError(streamName, expected, actual);
    try {
      return await store.appendExactly(streamName, link(streamName, events, metadata, head), actual);
    } catch (error) {
      if (!(error instanceof WrongExpectedVersionError)) throw error;
      const retry = (expected === 'any' || expected === 'stream_exists') && attempt < MAX_ATTEMPTS;
      if (!retry) throw new WrongExpectedVersionError(streamName, expected, error.actual);
    }
  }
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
