/**
 * Drops this node's read models and replays the whole event store into them.
 * Stop the API node that uses the read-model file first: a projector must be its only writer.
 *
 *   pnpm rebuild-projections [--data-dir ./data]
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { SqliteEventStore } from '@pzp/event-store';
import { Projector } from '../projector.js';
import { openReadModelDb } from '../read-model-db.js';

const { values } = parseArgs({
  options: { 'data-dir': { type: 'string', default: process.env.PZP_DATA_DIR ?? 'data' } },
});
const dataDir = resolve(values['data-dir']);
const eventsFile = join(dataDir, 'events.db');
if (!existsSync(eventsFile)) {
  console.error(`No event store at ${eventsFile}; pass --data-dir or set PZP_DATA_DIR.`);
  process.exit(1);
}

const store = SqliteEventStore.open(eventsFile);
const db = openReadModelDb(join(dataDir, 'read-models.db'));
const started = performance.now();
const count = await new Projector(store, db).rebuild();
const seconds = (performance.now() - started) / 1000;
console.log(
  `Rebuilt read models from ${count} events in ${seconds.toFixed(1)} s (${Math.round(count / seconds)} events/s)`,
);
db.close();
await store.close();
