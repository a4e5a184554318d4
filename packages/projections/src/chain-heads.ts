import { existsSync } from 'node:fs';
import Database from 'better-sqlite3';
import {
  checkLink,
  headAfter,
  verifyChain,
  type ChainBreak,
  type ChainHead,
  type StreamEvent,
} from '@pzp/event-store';
import type { ReadModelDb } from './read-model-db.js';
import { lineageMeta } from './store-lineage.js';

/**
 * The hash-chain side of projecting: every event the projector applies must be the next link of
 * its stream's chain (see @pzp/event-store integrity). The last verified link of each stream is
 * kept in stream_heads, in the batch's transaction, beside the rows it vouches for, so:
 * - incremental catch-up checks each new event's `previous` against it, which also finds a stream
 *   rewritten (consistently re-hashed) after it was projected, at its next event;
 * - a state folded again from the store (cache miss) must end at that very hash;
 * - a rebuild of the same store compares each stream with the heads the old rows recorded.
 */
export function chainHeadStore(db: ReadModelDb) {
  const read = db.prepare<[string], { revision: number; hash: string | null }>(
    'SELECT revision, hash FROM stream_heads WHERE stream_name = ?',
  );
  const readAll = db.prepare<[], { stream_name: string; revision: number; hash: string | null }>(
    'SELECT stream_name, revision, hash FROM stream_heads',
  );
  const write = db.prepare<[string, bigint, string | null]>(`
    INSERT INTO stream_heads (stream_name, revision, hash) VALUES (?, ?, ?)
    ON CONFLICT (stream_name) DO UPDATE SET revision = excluded.revision, hash = excluded.hash`);
  return {
    read(streamName: string): ChainHead | undefined {
      const row = read.get(streamName);
      return row === undefined ? undefined : { revision: BigInt(row.revision), hash: row.hash };
    },
    /** Every stream's head: what a rebuild of the same store compares with. */
    readAll(): Map<string, ChainHead> {
      return new Map(
        readAll.all().map((r) => [r.stream_name, { revision: BigInt(r.revision), hash: r.hash }]),
      );
    },
    write(streamName: string, head: ChainHead) {
      write.run(streamName, head.revision, head.hash);
    },
  };
}

export type ChainHeadStore = ReturnType<typeof chainHeadStore>;

/**
 * The chain heads a read-model file recorded, and the identity of the store they came from, read
 * without changing the file (verify-store); undefined when there is no such file or it has none.
 */
export function recordedChainHeads(
  filePath: string,
): { readonly storeIdentity: string | undefined; readonly heads: Map<string, ChainHead> } | undefined {
  if (!existsSync(filePath)) return undefined;
  const db = new Database(filePath, { readonly: true, fileMustExist: true });
  try {
    const tables = db
      .prepare<[], { name: string }>(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name IN ('stream_heads', 'read_model_meta')",
      )
      .all();
    if (tables.length < 2) return undefined;
    return { storeIdentity: lineageMeta(db).read().identity, heads: chainHeadStore(db).readAll() };
  } finally {
    db.close();
  }
}

/**
 * Drops every row of one patient, and the stream's head: for a stream a rebuild found rewritten
 * at the head the old rows recorded. Its events before that head were applied by then, and which
 * of them changed cannot be told, so none of its rows can be kept (the stream is quarantined).
 */
export function patientRowEraser(db: ReadModelDb) {
  const byPseudonym = ['patient_index', 'current_plans', 'review_due', 'roles'].map((table) =>
    db.prepare<[string]>(`DELETE FROM ${table} WHERE pseudonym = ?`),
  );
  const head = db.prepare<[string]>('DELETE FROM stream_heads WHERE stream_name = ?');
  return (pseudonym: string, streamName: string) => {
    for (const statement of byPseudonym) statement.run(pseudonym);
    head.run(streamName);
  };
}

/**
 * One batch's view of the chains: the committed heads, moved on by the events of the batch as
 * they are applied. Written with the batch (touched()); dropped with it when it fails.
 */
export class BatchChain {
  private readonly heads = new Map<string, ChainHead | undefined>();
  /** Committed heads looked up by this batch (each stream once). */
  private readonly recorded = new Map<string, ChainHead | undefined>();
  /** Breaks found in a stream's earlier events while reading them again, reported at its first event here. */
  private readonly earlier = new Map<string, ChainBreak>();

  constructor(
    private readonly committed: ChainHeadStore,
    /** The heads the read models recorded before a rebuild of the same store, if this is one. */
    private readonly witness: ReadonlyMap<string, ChainHead> | undefined,
  ) {}

  /** True when the batch cannot check `event` without the stream's earlier events (no head recorded). */
  needsEarlier(event: StreamEvent): boolean {
    return (
      event.revision > 0n && this.head(event.streamName) === undefined && !this.earlier.has(event.streamName)
    );
  }

  /**
   * Takes in a stream's events before the batch, read again from the store: they must hold as a
   * chain and, where a head is recorded for them, end at exactly that hash. Returns the break.
   */
  seed(streamName: string, events: readonly StreamEvent[]): ChainBreak | undefined {
    const broken = verifyChain(events) ?? this.differs(streamName, headAfter(events));
    if (broken !== undefined) {
      this.earlier.set(streamName, broken);
      return broken;
    }
    const head = headAfter(events);
    if (head !== undefined) this.heads.set(streamName, head);
    return undefined;
  }

  /**
   * Takes in a stream's head before the batch as another reader verified it (see FoldedStates):
   * where a head is recorded at that revision it must be the same. Returns the break.
   */
  seedHead(streamName: string, head: ChainHead): ChainBreak | undefined {
    const broken = this.differs(streamName, head);
    if (broken !== undefined) {
      this.earlier.set(streamName, broken);
      return broken;
    }
    this.heads.set(streamName, head);
    return undefined;
  }

  /** The break `event` makes as the next link of its stream (nothing moves on: see advance()). */
  check(event: StreamEvent): ChainBreak | undefined {
    const earlier = this.earlier.get(event.streamName);
    if (earlier !== undefined) return earlier;
    const result = checkLink(this.head(event.streamName), event);
    if (!result.ok) return result.broken;
    const seen = this.witness?.get(event.streamName);
    if (seen !== undefined && seen.revision === event.revision && seen.hash !== result.head.hash) {
      return {
        streamName: event.streamName,
        revision: event.revision,
        kind: 'rewritten',
        expected: seen.hash,
        found: result.head.hash,
      };
    }
    return undefined;
  }

  /** Moves the stream's head to `event` (applied, or for an access log at least passed). */
  advance(event: StreamEvent): void {
    this.earlier.delete(event.streamName);
    this.heads.set(event.streamName, { revision: event.revision, hash: event.integrity?.hash ?? null });
  }

  /** Moves the stream's head back to `head` (undefined: to the committed one). */
  rewind(streamName: string, head: ChainHead | undefined): void {
    if (head === undefined) this.heads.delete(streamName);
    else this.heads.set(streamName, head);
  }

  /** The heads this batch moved, to write in its transaction. */
  touched(): [string, ChainHead][] {
    return [...this.heads].filter((e): e is [string, ChainHead] => e[1] !== undefined);
  }

  private head(streamName: string): ChainHead | undefined {
    return this.heads.has(streamName) ? this.heads.get(streamName) : this.recordedHead(streamName);
  }

  private recordedHead(streamName: string): ChainHead | undefined {
    if (!this.recorded.has(streamName)) this.recorded.set(streamName, this.committed.read(streamName));
    return this.recorded.get(streamName);
  }

  /** A break when the store's events before the batch end elsewhere than the recorded head. */
  private differs(streamName: string, head: ChainHead | undefined): ChainBreak | undefined {
    const recorded = this.recordedHead(streamName);
    if (recorded === undefined || head === undefined || recorded.revision !== head.revision) return undefined;
    if (recorded.hash === head.hash) return undefined;
    return {
      streamName,
      revision: head.revision,
      kind: 'rewritten',
      expected: recorded.hash,
      found: head.hash,
    };
  }
}
