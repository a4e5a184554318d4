import { chainHeadStore, patientRowEraser } from './chain-heads.js';
import type { ReadModelDb } from './read-model-db.js';
import { lineageMeta } from './store-lineage.js';
import { createWriters } from './writers.js';

/**
 * Everything one batch writes, as data (structured-cloneable): the projector makes it, and one
 * transaction applies it, on the projector's own connection or on the writer thread's
 * (writer-thread.ts). Both run commitBatch with the same targets, so the rows are the same
 * statements in the same order either way.
 */
export function writeTargets(db: ReadModelDb) {
  const writers = createWriters(db);
  const heads = chainHeadStore(db);
  const lineage = lineageMeta(db);
  return {
    writers,
    accessRecord: writers.accessRecord,
    breakGlassReview: writers.breakGlassReview,
    latest: writers.latest,
    destroyed: writers.destroyed,
    quarantine: writers.quarantine,
    head: heads.write,
    erase: patientRowEraser(db),
    codeVersion: writers.codeVersion,
    checkpoint: writers.checkpoint,
    last: lineage.recordLast,
  };
}

type Targets = Omit<ReturnType<typeof writeTargets>, 'writers'>;
type Op = keyof Targets;
export type BatchWrite = { [K in Op]: [K, ...Parameters<Targets[K]>] }[Op];

export interface BatchWrites {
  readonly writes: BatchWrite[];
  /** A destroyed record is among them: its rows are overwritten with zeros, not left in free pages. */
  readonly destroying: boolean;
}

/** Applies one batch in one transaction: all of it or, when a write throws, nothing. */
export function commitBatch(db: ReadModelDb, targets: Targets, batch: BatchWrites): void {
  if (batch.destroying) db.pragma('secure_delete = ON');
  try {
    db.transaction(() => {
      for (const [op, ...args] of batch.writes) (targets[op] as (...a: unknown[]) => void)(...args);
    })();
  } finally {
    if (batch.destroying) db.pragma('secure_delete = OFF');
  }
  // The WAL still holds the pages as they were before: fold it into the file and empty it.
  if (batch.destroying) db.pragma('wal_checkpoint(TRUNCATE)');
}
