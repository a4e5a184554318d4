/**
 * Core figures on the embedded store: appends per second (1-event and 10-event appends) and
 * projection rebuild events per second. Prints the figures; nothing here is asserted.
 *
 *   pnpm bench:core [--patients 20000] [--appends 5000]
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { pseudonymFor, streamNameFor, type PzpEvent } from '@pzp/domain';
import { SqliteEventStore, type EventData } from '@pzp/event-store';
import { Projector, openReadModelDb } from '@pzp/projections';
import { seededRandom, syntheticPatient } from './lib/synthetic-patient.js';

const { values } = parseArgs({
  options: {
    patients: { type: 'string', default: '20000' },
    appends: { type: 'string', default: '5000' },
  },
});
const patients = Number(values.patients);
const appends = Number(values.appends);
const SECRET = 'bench-secret-0123456789abcdef0123456789';

const dir = mkdtempSync(join(tmpdir(), 'pzp-bench-'));
const toData = (e: PzpEvent): EventData => ({
  id: randomUUID(),
  type: e.type,
  data: e.data,
  metadata: e.metadata,
});

try {
  // Realistic payloads: the events of generated patients, made by the real decider.
  const random = seededRandom(42);
  const generated = Array.from({ length: patients }, (_, n) => syntheticPatient(n, random));
  const sample = generated[0]!.events;

  const store = SqliteEventStore.open(join(dir, 'events.db'));
  const rate = (count: number, ms: number) => Math.round((count / ms) * 1000);

  // 1-event appends, each with an exact expected revision (the write path's concurrency check).
  let t0 = performance.now();
  for (let i = 0; i < appends; i++) {
    await store.appendToStream('bench-single', [toData(sample[i % sample.length]!)], {
      expectedRevision: i === 0 ? 'no_stream' : BigInt(i - 1),
    });
  }
  const single = rate(appends, performance.now() - t0);

  // 10-event appends (one conversation's worth).
  const batches = Math.max(1, Math.floor(appends / 10));
  t0 = performance.now();
  for (let i = 0; i < batches; i++) {
    const events = Array.from({ length: 10 }, (_, k) => toData(sample[k % sample.length]!));
    await store.appendToStream(`bench-ten-${i}`, events, { expectedRevision: 'no_stream' });
  }
  const ten = rate(batches * 10, performance.now() - t0);

  // The region: one stream per patient.
  let total = 0;
  for (const { bsn, events } of generated) {
    const streamName = streamNameFor(pseudonymFor(bsn as never, SECRET));
    await store.appendToStream(streamName, events.map(toData), { expectedRevision: 'no_stream' });
    total += events.length;
  }

  const db = openReadModelDb(join(dir, 'read-models.db'));
  const projector = new Projector(store, db);
  t0 = performance.now();
  const replayed = await projector.rebuild();
  const rebuildMs = performance.now() - t0;

  console.log(
    `Embedded SQLite event store, Node ${process.version}, ${patients} patients (${total} plan events)`,
  );
  console.table({
    'append, 1 event per append': { 'events/s': single },
    'append, 10 events per append': { 'events/s': ten },
    'projection rebuild': {
      'events/s': rate(replayed, rebuildMs),
      events: replayed,
      ms: Math.round(rebuildMs),
    },
  });
  db.close();
  await store.close();
} finally {
  rmSync(dir, { recursive: true, force: true });
}
