/**
 * The stand-in's storage: an in-memory transaction log with EventStoreDB's write rules.
 *
 * Positions. Since v20 EventStoreDB writes every event of an append as its own prepare record
 * flagged `IsCommitted` (an implicit transaction; no separate commit record), and `$all` reports
 * each such event at `{ commit: P, prepare: P }` where P is the byte offset of its prepare record in
 * the transaction file (AllReader: `new CommitEventRecord(eventRecord, prepare.LogPosition)`). The
 * server's `Position` type even refuses `commit < prepare`. So here every event gets a log position
 * P = the end of the previous record; commit and prepare are both P; `$all` order is P order; the
 * events of one append are contiguous and strictly increasing.
 *
 * Write rules are a port of `IndexWriter.CheckCommit` (expected version, idempotent retries).
 */

/** Expected-version sentinels, as EventStoreDB encodes them internally. A value >= 0 is an exact revision. */
export const ANY = -2n;
export const NO_STREAM = -1n;
export const STREAM_EXISTS = -4n;

/** ulong.MaxValue: what the server sends where it has no position (stream reads) or means "end". */
export const U64_MAX = 18446744073709551615n;

/** EventStoreDB's default `MaxAppendSize` (1 MiB). */
export const MAX_APPEND_SIZE = 1_048_576;

/** The log position of the first record the stand-in writes, as if the node's own startup records preceded it. */
const FIRST_LOG_POSITION = 1_000n;

export interface ProposedEvent {
  readonly id: string;
  readonly type: string;
  readonly isJson: boolean;
  readonly data: Uint8Array;
  readonly metadata: Uint8Array;
}

export interface StoredEvent extends ProposedEvent {
  readonly streamId: string;
  readonly revision: bigint;
  /** Log position of the event's prepare record; in `$all` commit == prepare == this. */
  readonly position: bigint;
  /** .NET ticks (100 ns) since the Unix epoch, as the server reports `created`. */
  readonly created: bigint;
}

export type AppendResult =
  | {
      readonly kind: 'success';
      /** Revision of the last event written (or found, for an idempotent retry); -1 = the stream has no events. */
      readonly currentRevision: bigint;
      /** Position of the last event written; undefined for an empty append. */
      readonly position: bigint | undefined;
    }
  | { readonly kind: 'wrong_expected_version'; readonly currentRevision: bigint };

/** Size EventStoreDB counts against `MaxAppendSize` (`Event.SizeOnDisk`; type length in UTF-16 units, as in .NET). */
export function sizeOnDisk(event: ProposedEvent): number {
  return event.data.length + event.metadata.length + event.type.length * 2;
}

/** Approximate size of a LogV2 prepare record (length prefix + fixed header + strings + payload + length suffix). */
function recordSize(streamId: string, event: ProposedEvent): bigint {
  const str = (s: string) => {
    const bytes = Buffer.byteLength(s, 'utf8');
    return bytes + (bytes < 0x80 ? 1 : bytes < 0x4000 ? 2 : 3);
  };
  const header = 1 + 1 + 8 + 2 + 8 + 4 + 8 + 16 + 16 + 8; // type, version, position, flags, tx pos, tx offset, expected version, event id, correlation id, timestamp
  return BigInt(
    4 + header + str(streamId) + str(event.type) + 4 + event.data.length + 4 + event.metadata.length + 4,
  );
}

function nowTicks(): bigint {
  return BigInt(Date.now()) * 10_000n;
}

export class TransactionLog {
  /** Every event in `$all` order. Append-only, so an index into it is a stable cursor. */
  readonly all: StoredEvent[] = [];
  private readonly streams = new Map<string, StoredEvent[]>();
  /** EventStoreDB's `_committedEvents`: event id -> where it was written (unbounded here, an LRU cache there). */
  private readonly committedEvents = new Map<string, StoredEvent>();
  private nextPosition = FIRST_LOG_POSITION;
  private waiters = new Set<() => void>();

  /** Successful appends that wrote events, per stream: lets tests see group commit at work. */
  readonly appends = new Map<string, number>();

  stream(streamId: string): readonly StoredEvent[] | undefined {
    return this.streams.get(streamId);
  }

  /** Appends atomically, or not at all, following EventStoreDB's commit check. */
  append(streamId: string, expectedVersion: bigint, events: readonly ProposedEvent[]): AppendResult {
    const existing = this.streams.get(streamId) ?? [];
    const current = BigInt(existing.length) - 1n;
    const decision = this.checkCommit(streamId, existing, current, expectedVersion, events);
    if (decision.kind !== 'ok') return decision;
    if (events.length === 0) return { kind: 'success', currentRevision: current, position: undefined };

    const created = nowTicks();
    const written = events.map((event, i): StoredEvent => {
      const position = this.nextPosition;
      this.nextPosition += recordSize(streamId, event);
      return { ...event, streamId, revision: current + 1n + BigInt(i), position, created };
    });
    this.streams.set(streamId, [...existing, ...written]);
    for (const event of written) {
      this.all.push(event);
      this.committedEvents.set(event.id, event);
    }
    const last = written[written.length - 1]!;
    this.appends.set(streamId, (this.appends.get(streamId) ?? 0) + 1);
    this.notifyAppended();
    return { kind: 'success', currentRevision: last.revision, position: last.position };
  }

  /**
   * Test control: replaces the data of one stored event in place, as an edit of the server's data
   * files (or a doctored backup) would. Nothing is notified; reads from now on see the new data.
   */
  rewriteData(streamId: string, revision: bigint, data: Uint8Array): void {
    const events = this.streams.get(streamId);
    const old = events?.[Number(revision)];
    if (events === undefined || old === undefined) throw new RangeError(`No event ${streamId}@${revision}`);
    const rewritten: StoredEvent = { ...old, data };
    events[Number(revision)] = rewritten;
    this.all[this.all.indexOf(old)] = rewritten;
    if (this.committedEvents.get(old.id) === old) this.committedEvents.set(old.id, rewritten);
  }

  /** Resolves at the next successful append, or when `signal` aborts. */
  nextAppend(signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      if (signal.aborted) return resolve();
      const done = () => {
        this.waiters.delete(done);
        signal.removeEventListener('abort', done);
        resolve();
      };
      this.waiters.add(done);
      signal.addEventListener('abort', done, { once: true });
    });
  }

  private notifyAppended(): void {
    const waiters = [...this.waiters];
    for (const wake of waiters) wake();
  }

  /**
   * `IndexWriter.CheckCommit`: Ok, WrongExpectedVersion, or Idempotent (all proposed ids already
   * written where this request would put them: success without writing). CorruptedIdempotency
   * (only some of them) is answered as WrongExpectedVersion, as the server does.
   */
  private checkCommit(
    streamId: string,
    existing: readonly StoredEvent[],
    current: bigint,
    expectedVersion: bigint,
    events: readonly ProposedEvent[],
  ): AppendResult | { kind: 'ok' } {
    const wrong = { kind: 'wrong_expected_version', currentRevision: current } as const;
    const idempotent = (last: StoredEvent): AppendResult => ({
      kind: 'success',
      currentRevision: last.revision,
      position: last.position,
    });

    if (expectedVersion === STREAM_EXISTS && current < 0n) return wrong;

    if (expectedVersion === ANY || expectedVersion === STREAM_EXISTS) {
      let last: StoredEvent | undefined;
      for (const event of events) {
        const earlier = this.committedEvents.get(event.id);
        if (earlier === undefined || earlier.streamId !== streamId)
          return last === undefined ? { kind: 'ok' } : wrong;
        last = earlier;
      }
      return last === undefined ? { kind: 'ok' } : idempotent(last);
    }

    if (expectedVersion < current) {
      let revision = expectedVersion;
      for (const event of events) {
        revision += 1n;
        if (existing[Number(revision)]?.id === event.id) continue;
        return wrong; // first id differs: plain conflict; a later one: corrupted idempotency; both answered the same
      }
      if (revision === expectedVersion) return wrong; // nothing proposed
      return idempotent(existing[Number(revision)]!);
    }

    if (expectedVersion > current) return wrong;
    return { kind: 'ok' };
  }
}
