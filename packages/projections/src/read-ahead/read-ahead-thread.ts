/**
 * The rebuild's read-ahead thread (see read-ahead-store.ts): its own connections to the event log
 * and the key store read `$all` page after page, decrypt each page as the node's own store does,
 * and recompute every event's content hash, while the projector folds the page before. A page
 * whose read fails is answered with the error, and nothing is read after it.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { contentHash, SqliteEventStore, SqliteKeyStore, type EventStore } from '@pzp/event-store';
import { encryptedPerPatient } from '../patient-encryption.js';
import { toWire } from '../writer/protocol.js';
import type { FromReader, ReadAheadInput, ToReader } from './protocol.js';

const input = workerData as ReadAheadInput;
const port = parentPort!;
const send = (message: FromReader) => port.postMessage(message);

let store: EventStore | undefined;
let after = input.after;
let failed = false;
// Requests are answered one after another, in the order they came.
let reading: Promise<void> = Promise.resolve();

async function readPage(): Promise<void> {
  if (failed) return;
  try {
    store ??= encryptedPerPatient(
      SqliteEventStore.open(input.eventsFile),
      SqliteKeyStore.open(input.keysFile, Buffer.from(input.kek)),
    );
    const events = await store.readAll({ fromPosition: after, maxCount: input.pageSize });
    const vouched: number[] = [];
    const sent = events.map((e, i) => {
      if (e.integrity === undefined || contentHash(e) !== e.integrity.hash) return e;
      vouched.push(i);
      // The stored form serves only to recompute the hash, and is most of a sealed event's bytes.
      const { stored: _stored, ...vouchedFor } = e;
      return vouchedFor;
    });
    if (events.length > 0) after = events[events.length - 1]!.position;
    send({ kind: 'page', events: sent, vouched });
  } catch (error) {
    failed = true;
    send({ kind: 'failed', error: toWire(error) });
  }
}

port.on('message', (message: ToReader) => {
  if (message.kind === 'more') {
    reading = reading.then(readPage);
    return;
  }
  reading = reading.then(async () => {
    await store?.close();
    port.close();
  });
});
