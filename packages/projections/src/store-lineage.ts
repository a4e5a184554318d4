import type { EventStore, RecordedEvent } from '@pzp/event-store';
import type { ReadModelDb } from './read-model-db.js';

/**
 * Which store the read models were built from, and the last event they hold from it. Kept in
 * read_model_meta beside the checkpoint (the last event is written in every batch's transaction),
 * so that a node notices, before it serves anything, an event store that is not the one its read
 * models came from: another store, a new empty one, or this one restored from an older backup.
 */
export interface StoreLineage {
  /** EventStore.identity() of the store the rows came from; undefined before identities were recorded. */
  readonly identity: string | undefined;
  /** The event at the checkpoint. */
  readonly last: LastEvent | undefined;
}

export interface LastEvent {
  readonly stream: string;
  readonly revision: string;
  readonly id: string;
}

const IDENTITY_KEY = 'store_identity';
const LAST_EVENT_KEY = 'last_event';

/** Reads and writes the lineage in read_model_meta (emptied with the read models on a reset). */
export function lineageMeta(db: ReadModelDb) {
  const write = db.prepare<[string, string]>(`
    INSERT INTO read_model_meta (key, value) VALUES (?, ?)
    ON CONFLICT (key) DO UPDATE SET value = excluded.value`);
  const read = db.prepare<[string], { value: string }>('SELECT value FROM read_model_meta WHERE key = ?');
  return {
    read(): StoreLineage {
      const last = read.get(LAST_EVENT_KEY)?.value;
      return {
        identity: read.get(IDENTITY_KEY)?.value,
        last: last === undefined ? undefined : parseLastEvent(last),
      };
    },
    recordIdentity(identity: string) {
      write.run(IDENTITY_KEY, identity);
    },
    /** Inside the batch's transaction, with the checkpoint. */
    recordLast(event: Pick<RecordedEvent, 'streamName' | 'revision' | 'id'>) {
      const last: LastEvent = { stream: event.streamName, revision: event.revision.toString(), id: event.id };
      write.run(LAST_EVENT_KEY, JSON.stringify(last));
    },
  };
}

function parseLastEvent(json: string): LastEvent | undefined {
  try {
    const value = JSON.parse(json) as Partial<LastEvent>;
    const { stream, revision, id } = value;
    if (
      typeof stream === 'string' &&
      typeof revision === 'string' &&
      /^\d+$/.test(revision) &&
      typeof id === 'string'
    )
      return { stream, revision, id };
  } catch {
    // unreadable: treated as unknown, which makes the check rebuild
  }
  return undefined;
}

/** What the read models next to this store are worth. */
export type LineageVerdict =
  | { readonly kind: 'same'; readonly identity: string }
  | {
      readonly kind: 'rebuild';
      readonly identity: string;
      readonly reason: string;
      readonly found: LineageFound;
    }
  | { readonly kind: 'empty-store'; readonly identity: string; readonly found: LineageFound };

/** What the check saw, for the log line an operator reads. */
export interface LineageFound {
  readonly storeIdentity: string;
  readonly readModelsIdentity: string | null;
  readonly storeHead: string | null;
  readonly checkpoint: string | null;
}

/**
 * Compares the store with what the read models record. Empty read models fit any store. Read
 * models that hold rows are rebuilt when the store is another one, when its head lies before their
 * checkpoint (restored from an older backup), or when the event at their checkpoint is not the
 * store's (restored, then written to past the old checkpoint: the head alone would not show it).
 * A store without events next to read models with rows is almost certainly an operator's mistake
 * (the file deleted, an empty one in its place): rebuilding would silently wipe every plan the node
 * shows, so the caller refuses to start instead.
 */
export async function checkLineage(
  store: EventStore,
  recorded: StoreLineage,
  checkpoint: bigint | undefined,
  hasRows: boolean,
): Promise<LineageVerdict> {
  const identity = await store.identity();
  if (!hasRows) return { kind: 'same', identity };
  const head = await store.headPosition();
  const found: LineageFound = {
    storeIdentity: identity,
    readModelsIdentity: recorded.identity ?? null,
    storeHead: head?.toString() ?? null,
    checkpoint: checkpoint?.toString() ?? null,
  };
  if (head === undefined) return { kind: 'empty-store', identity, found };
  const rebuild = (reason: string): LineageVerdict => ({ kind: 'rebuild', identity, reason, found });
  if (recorded.identity === undefined) return rebuild('the read models record no event-store identity');
  if (recorded.identity !== identity)
    return rebuild('the event store is not the one the read models were built from');
  if (checkpoint === undefined) return { kind: 'same', identity };
  if (head < checkpoint)
    return rebuild(
      "the event store's head lies before the read models' checkpoint (restored from an older backup?)",
    );
  if (recorded.last === undefined) return rebuild('the read models record no last event');
  const { stream, revision, id } = recorded.last;
  const [atCheckpoint] = await store.readStream(stream, { fromRevision: BigInt(revision), maxCount: 1 });
  if (atCheckpoint?.id !== id)
    return rebuild(
      "the event at the read models' checkpoint is not in the event store (restored, then written to?)",
    );
  return { kind: 'same', identity };
}

/**
 * Thrown instead of serving, or rebuilding, read models from a store that holds no events: the
 * message says what to do; a caller that knows the paths may add them.
 */
export class EmptyEventStoreError extends Error {
  override readonly name = 'EmptyEventStoreError';
  constructor(readonly found: LineageFound) {
    super(
      `The event store holds no events, but the read models hold data up to position ${found.checkpoint ?? '?'} ` +
        'from a store that did. If the event store was deleted or replaced by mistake, restore it from its backup ' +
        'and start again. To start over with an empty registry on purpose, delete the read models and start again.',
    );
  }
}
