import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { appendOn } from './append.js';
import {
  toWire,
  type AppendRequest,
  type Outcome,
  type ToWriter,
  type WriterInput,
} from './writer-protocol.js';

/**
 * The embedded store's writer: a worker thread that owns the write connection, so the store's
 * thread never waits for a commit's fsync. Group commit: every append that arrived while the last
 * transaction was committing goes into the next one, so one fsync covers many appends. Each append
 * runs under its own savepoint: one that is refused (expected revision, reused id, an event that
 * cannot be stored) is rolled back alone and answered with its error, the others commit.
 */

/** Bounds one transaction, so the first appends of a long queue are not held back by the last. */
const MAX_APPENDS_PER_COMMIT = 1_000;

function run(): void {
  const port = parentPort!;
  // Checked by the store that started this thread (sqlite-writer.ts).
  const input = workerData as WriterInput;
  const db = new Database(input.path);
  db.pragma('journal_mode = WAL');
  db.pragma(`synchronous = ${input.synchronous}`);
  db.pragma('busy_timeout = 5000');
  const append = appendOn(db);
  const begin = db.prepare('BEGIN IMMEDIATE');
  const commit = db.prepare('COMMIT');
  const rollback = db.prepare('ROLLBACK');
  const savepoint = db.prepare('SAVEPOINT append');
  const release = db.prepare('RELEASE append');
  const rollbackTo = db.prepare('ROLLBACK TO append');

  const queue: AppendRequest[] = [];
  let closing = false;
  let scheduled = false;

  /** Nothing of the batch is stored: every append gets the error that stopped it. */
  const failAll = (batch: readonly AppendRequest[], error: unknown): Outcome[] => {
    if (db.inTransaction) rollback.run();
    return batch.map((a) => ({ id: a.id, error: toWire(error) }));
  };

  const commitBatch = (batch: readonly AppendRequest[]): Outcome[] => {
    const outcomes: Outcome[] = [];
    try {
      // IMMEDIATE takes the write lock before any stream's revision is read, so another process
      // on the file cannot pass the same expected-revision check in between.
      begin.run();
      for (const request of batch) {
        savepoint.run();
        try {
          const result = append(request.stream, request.events, request.expected);
          release.run();
          outcomes.push({ id: request.id, result });
        } catch (error) {
          // SQLite rolls the whole transaction back on some errors (a full disk, an I/O error):
          // then no append of the batch is stored.
          if (!db.inTransaction) throw error;
          rollbackTo.run();
          release.run();
          outcomes.push({ id: request.id, error: toWire(error) });
        }
      }
      commit.run();
    } catch (error) {
      return failAll(batch, error);
    }
    return outcomes;
  };

  const flush = () => {
    scheduled = false;
    while (queue.length > 0) {
      const batch = queue.splice(0, MAX_APPENDS_PER_COMMIT);
      port.postMessage({ kind: 'committed', outcomes: commitBatch(batch) });
      if (queue.length > 0 && !closing) {
        // Lets the appends that arrived meanwhile join the next transaction.
        schedule();
        return;
      }
    }
    if (closing) {
      db.close();
      port.close();
    }
  };
  const schedule = () => {
    if (scheduled) return;
    scheduled = true;
    setImmediate(flush);
  };

  port.on('message', (message: ToWriter) => {
    if (message.kind === 'close') closing = true;
    else queue.push(message);
    schedule();
  });
}

if (!isMainThread) run();
