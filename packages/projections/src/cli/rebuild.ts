/**
 * Drops this node's read models and replays the whole event store into them.
 * Stop the API node that uses the read-model file first: a projector must be its only writer.
 *
 *   pnpm rebuild-projections [--data-dir ./data]
 *
 * The events come from EventStoreDB when EVENTSTORE_CONNECTION_STRING is set (as for the API node),
 * else from the embedded store in the data dir.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { EsdbEventStore, SqliteEventStore, type EventStore } from '@pzp/event-store';
import { Projector } from '../projector.js';
import { openReadModelDb } from '../read-model-db.js';

const { values } = parseArgs({
  options: { 'data-dir': { type: 'string', default: process.env.PZP_DATA_DIR ?? 'data' } },
});
const dataDir = resolve(values['data-dir']);
const connectionString = process.env.EVENTSTORE_CONNECTION_STRING;
let store: EventStore;
if (connectionString) {
  const esdb = EsdbEventStore.fromConnectionString(connectionString);
  try {
    await esdb.ping();
  } catch (error) {
    console.error(`EventStoreDB does not answer: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  }
  store = esdb;
} else {
  const eventsFile = join(dataDir, 'events.db');
  if (!existsSync(eventsFile)) {
    console.error(`No event store at ${eventsFile}; pass --data-dir or set PZP_DATA_DIR.`);
    process.exit(1);
  }
  store = SqliteEventStore.open(eventsFile);
}
const db = openReadModelDb(join(dataDir, 'read-models.db'));
const started = performance.now();
const count = await new Projector(store, db).rebuild();
const seconds = (performance.now() - started) / 1000;
console.log(
  `Rebuilt read models from ${count} events in ${seconds.toFixed(1)} s (${Math.round(count / seconds)} events/s)`,
);
db.close();
await store.close();
