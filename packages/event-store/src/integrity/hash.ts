import { createHash } from 'node:crypto';
import { configure } from 'safe-stable-stringify';

/**
 * The hash of one event in its stream's chain: sha256 over a canonical JSON encoding of what the
 * event says (stream, revision, id, type, data, metadata) and the hash of the event before it, so
 * changing any byte of an event, or of any event before it, changes every hash from there on.
 *
 * Canonical: keys sorted by UTF-16 code units at every level (as RFC 8785 sorts them), no
 * whitespace, strings and numbers as JSON.stringify writes them. The encoding is that of
 * JSON.stringify in every other respect (undefined properties dropped, toJSON honoured), so the
 * hash of an event as given equals the hash of the same event parsed back from the store. Values
 * JSON cannot hold (bigint, NaN, functions, cycles) are refused: such an event cannot be stored
 * faithfully, so it cannot be chained either.
 */
const canonical = configure({ bigint: false, circularValue: TypeError, deterministic: true, strict: true });

/** Names the encoding inside every hash, so a later change of encoding cannot be confused with it. */
const SCHEME = 'pzp-event-chain-v1';

export interface ChainedContent {
  readonly streamName: string;
  readonly revision: bigint;
  readonly id: string;
  readonly type: string;
  readonly data: unknown;
  readonly metadata: unknown;
}

export function canonicalJson(value: unknown): string {
  const text = canonical(value);
  if (text === undefined) throw new TypeError('The value has no JSON encoding');
  return text;
}

export function eventHash(event: ChainedContent, previous: string | null): string {
  const text = canonicalJson({
    scheme: SCHEME,
    stream: event.streamName,
    revision: event.revision.toString(),
    id: event.id,
    type: event.type,
    data: event.data,
    metadata: event.metadata,
    previous,
  });
  return createHash('sha256').update(text).digest('hex');
}
