import type { StreamEvent } from '../port.js';
import { eventHash } from './hash.js';

/**
 * Verification of a stream's hash chain. Each event carries its hash and the hash of the event
 * before it in its stream (`integrity`, computed by the adapter on append). A reader that folds
 * the events checks each link before using the event; the first link that does not hold is a
 * ChainBreak, and nothing from that event on can be trusted.
 */

/** What a stream's chain holds so far: its last event's revision and hash. */
export interface ChainHead {
  readonly revision: bigint;
  /** Null while the stream holds only events written before the chain existed (see StreamEvent.integrity). */
  readonly hash: string | null;
}

export type ChainBreakKind =
  /** The revision is not the one after the head's: an event is missing, or was seen twice. */
  | 'order'
  /** The event carries no hash, where its stream's chain has begun. */
  | 'missing'
  /** Its `previous` is not the hash of the stream's previous event: an event was replaced or removed before it. */
  | 'link'
  /** Its hash is not the hash of its content: the event was changed after it was written. */
  | 'hash'
  /** Its hash differs from the one recorded for this revision when it was read before: the stream was rewritten. */
  | 'rewritten';

/** The first link of a stream that does not hold. Hashes are not personal data; no event data is in here. */
export interface ChainBreak {
  readonly streamName: string;
  readonly revision: bigint;
  readonly kind: ChainBreakKind;
  /** What the chain requires at this link (for 'order': the revision; null: the start of a chain). */
  readonly expected: string | null;
  /** What the event has there (undefined: nothing). */
  readonly found: string | null | undefined;
}

export type LinkCheck =
  { readonly ok: true; readonly head: ChainHead } | { readonly ok: false; readonly broken: ChainBreak };

const BREAK_TEXT: Record<ChainBreakKind, string> = {
  order: 'revision out of order',
  missing: 'event without a hash inside the chain',
  link: 'previous hash does not match the previous event',
  hash: 'content does not match its hash (changed after it was written)',
  rewritten: 'hash differs from the one recorded before (stream rewritten)',
};

/** What is wrong at the link, without the stream's name: revision, what, and the hashes. */
export function describeLink(b: ChainBreak): string {
  const shown = (v: string | null | undefined) => (v === undefined ? 'none' : v === null ? 'null' : v);
  return `revision ${b.revision}: ${BREAK_TEXT[b.kind]} (expected ${shown(b.expected)}, found ${shown(b.found)})`;
}

/** One line about a break, safe to log and show: stream name (pseudonymous), revision, hashes. */
export function describeBreak(b: ChainBreak): string {
  return `${b.streamName} at ${describeLink(b)}`;
}

/**
 * Checks that `event` is the next link after `head` (undefined: the stream's first event) and
 * returns the new head, or the break. The content hash is recomputed, so a changed byte anywhere
 * in the event's data or metadata is found here.
 */
export function checkLink(head: ChainHead | undefined, event: StreamEvent): LinkCheck {
  const at = { streamName: event.streamName, revision: event.revision };
  const expectedRevision = head === undefined ? 0n : head.revision + 1n;
  if (event.revision !== expectedRevision) {
    return broken({
      ...at,
      kind: 'order',
      expected: String(expectedRevision),
      found: String(event.revision),
    });
  }
  const required = head?.hash ?? null;
  const { integrity } = event;
  if (integrity === undefined) {
    // Unhashed events are an append-only store's history from before the chain: only a prefix.
    if (required !== null) return broken({ ...at, kind: 'missing', expected: required, found: undefined });
    return { ok: true, head: { revision: event.revision, hash: null } };
  }
  if (integrity.previous !== required) {
    return broken({ ...at, kind: 'link', expected: required, found: integrity.previous });
  }
  // Over what the store holds: a decrypted (or shredded) event is checked by its ciphertext.
  const actual = vouched.has(event) ? integrity.hash : storedContentHash(event, integrity.previous);
  if (actual !== integrity.hash)
    return broken({ ...at, kind: 'hash', expected: actual, found: integrity.hash });
  return { ok: true, head: { revision: event.revision, hash: integrity.hash } };
}

const broken = (b: ChainBreak): LinkCheck => ({ ok: false, broken: b });

/**
 * The hash of `event`'s content as the store holds it (a decrypted or shredded event by its
 * ciphertext), chained to the `previous` it carries: equal to its `integrity.hash` when nothing
 * in it was changed after it was written. Undefined for an event written before the chain.
 */
export function contentHash(event: StreamEvent): string | undefined {
  return event.integrity === undefined ? undefined : storedContentHash(event, event.integrity.previous);
}

function storedContentHash(event: StreamEvent, previous: string | null): string {
  return eventHash(event.stored === undefined ? event : { ...event, data: event.stored.data }, previous);
}

/**
 * Events whose content hash was recomputed, and held, by a reader of this process that handed
 * them over (the rebuild's read-ahead thread), so checkLink() does not hash them a second time.
 * A WeakSet rather than a field: nothing read from a store or a wire can claim it, only code that
 * calls vouchForContent() on the very object, and it goes when the event does.
 */
const vouched = new WeakSet<StreamEvent>();

/**
 * Records that `event`'s content hash equals its `integrity.hash`; only after checking exactly
 * that. Its `stored` form may then be left off: the hash is all that is recomputed from it.
 */
export function vouchForContent(event: StreamEvent): void {
  vouched.add(event);
}

/**
 * The first broken link of one stream's events, read in revision order, or undefined when every
 * link holds. `after` is the head of the events before them (omit when they start at revision 0).
 */
export function verifyChain(events: readonly StreamEvent[], after?: ChainHead): ChainBreak | undefined {
  let head = after;
  for (const event of events) {
    const check = checkLink(head, event);
    if (!check.ok) return check.broken;
    head = check.head;
  }
  return undefined;
}

/** The head after `events` (verified or not): their last revision and hash. */
export function headAfter(events: readonly StreamEvent[]): ChainHead | undefined {
  const last = events.at(-1);
  return last === undefined ? undefined : { revision: last.revision, hash: last.integrity?.hash ?? null };
}

/**
 * Follows the chains of many streams through the global log, event by event (verify-store).
 * After its first break a stream is not checked any further: that break is the one to report.
 */
export class ChainTracker {
  private readonly heads = new Map<string, ChainHead>();
  private readonly breaks = new Map<string, ChainBreak>();
  private readonly seen = new Set<string>();

  /**
   * `recorded`: heads a reader recorded earlier (read models), each stream's hash at one revision:
   * the store must still have that hash there, or the stream was rewritten since.
   */
  constructor(private readonly recorded?: ReadonlyMap<string, ChainHead>) {}

  /** The break this event makes, if it is the first of its stream. */
  check(event: StreamEvent): ChainBreak | undefined {
    this.seen.add(event.streamName);
    if (this.breaks.has(event.streamName)) return undefined;
    const result = checkLink(this.heads.get(event.streamName), event);
    const broken = result.ok ? this.differs(result.head, event.streamName) : result.broken;
    if (broken === undefined && result.ok) {
      this.heads.set(event.streamName, result.head);
      return undefined;
    }
    this.breaks.set(event.streamName, broken!);
    return broken;
  }

  private differs(head: ChainHead, streamName: string): ChainBreak | undefined {
    const seen = this.recorded?.get(streamName);
    if (seen === undefined || seen.revision !== head.revision || seen.hash === head.hash) return undefined;
    return { streamName, revision: head.revision, kind: 'rewritten', expected: seen.hash, found: head.hash };
  }

  /** How many streams were seen. */
  get streams(): number {
    return this.seen.size;
  }

  /** The first break of each broken stream, in the order they were found. */
  get broken(): ChainBreak[] {
    return [...this.breaks.values()];
  }
}
