/**
 * The writer thread of a catch-up (see batch-writer.ts): its own connection to the read-model
 * file commits the batches the projector sends, in order, each in one transaction. After a batch
 * fails it commits nothing more, so what is on disk is always a prefix of the batches sent.
 */
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { commitBatch, writeTargets } from '../batch-writes.js';
import { toWire, type FromWriter, type ToWriter, type WriterInput } from './protocol.js';

const input = workerData as WriterInput;
const port = parentPort!;
const send = (message: FromWriter) => port.postMessage(message);

/** The connection, ready for the load; should it fail, every commit sent fails with its error. */
function open() {
  const db = new Database(input.path, { fileMustExist: true });
  // As openReadModelDb, without making the tables and indexes: a bulk load dropped some of them.
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('busy_timeout = 5000');
  db.pragma(`cache_size = -${input.cacheKib}`);
  const targets = writeTargets(db);
  return { db, targets };
}

let opened: ReturnType<typeof open>;
try {
  opened = open();
} catch (error) {
  send({ kind: 'unable', error: toWire(error) });
  port.close();
  throw error;
}
const { db, targets } = opened;
let failed = false;

port.on('message', (message: ToWriter) => {
  if (message.kind === 'close') {
    db.close();
    send({ kind: 'closed' });
    port.close();
    return;
  }
  if (failed) {
    send({ kind: 'failed', id: message.id, error: { name: 'Error', message: 'an earlier batch failed' } });
    return;
  }
  try {
    commitBatch(db, targets, message.batch);
    send({ kind: 'committed', id: message.id });
  } catch (error) {
    failed = true;
    send({ kind: 'failed', id: message.id, error: toWire(error) });
  }
});
