/**
 * Checks the hash chain of every stream in the event store and prints the first broken link of
 * each broken stream: its (pseudonymous) name, the revision, what is wrong and the expected and
 * found hashes, then a summary. Exit code 0 when every chain holds, 1 when one does not, 2 when
 * the store cannot be read.
 *
 *   pnpm verify-store [--data-dir DIR] [--no-read-models]
 *
 * The store is the one the API uses with the same environment: EventStoreDB when
 * EVENTSTORE_CONNECTION_STRING is set, else `events.db` in the data dir (PZP_DATA_DIR, ./data).
 * A SQLite file from before the chain is chained when it is first opened (as by the API).
 * When the data dir holds this node's read models, each stream must also still pass through the
 * chain head they recorded: a stream rewritten after it was projected (every hash recomputed, so
 * its own chain holds) is found that way too. Nothing personal is printed: stream names carry
 * pseudonyms, never a BSN.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import {
  describeLink,
  EsdbEventStore,
  SqliteEventStore,
  verifyStore,
  type EventStore,
} from '@pzp/event-store';
import { recordedChainHeads } from '@pzp/projections';
import { loadConfig } from '../services/api/src/config.js';

function fail(message: string): never {
  process.stderr.write(`${message}\n`);
  process.exit(2);
}

const { values } = (() => {
  try {
    return parseArgs({
      options: { 'data-dir': { type: 'string' }, 'no-read-models': { type: 'boolean', default: false } },
    });
  } catch (error) {
    return fail(
      `${error instanceof Error ? error.message : String(error)}\nUsage: pnpm verify-store [--data-dir DIR] [--no-read-models]`,
    );
  }
})();

const config = (() => {
  try {
    return loadConfig({
      ...process.env,
      ...(values['data-dir'] ? { PZP_DATA_DIR: values['data-dir'] } : {}),
    });
  } catch (error) {
    return fail(error instanceof Error ? error.message : String(error));
  }
})();

async function openStore(): Promise<{ store: EventStore; name: string }> {
  if (config.EVENTSTORE_CONNECTION_STRING) {
    const esdb = EsdbEventStore.fromConnectionString(config.EVENTSTORE_CONNECTION_STRING);
    try {
      await esdb.ping();
    } catch (error) {
      fail(`EventStoreDB does not answer: ${error instanceof Error ? error.message : String(error)}`);
    }
    return { store: esdb, name: 'EventStoreDB' };
  }
  const file = join(resolve(config.dataDir), 'events.db');
  // Opening a missing file would make an empty store, which would verify as fine.
  if (!existsSync(file)) fail(`No event store at ${file}; pass --data-dir or set PZP_DATA_DIR.`);
  try {
    return { store: SqliteEventStore.open(file), name: file };
  } catch (error) {
    return fail(
      `Cannot open the event store at ${file}: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
}

const { store, name } = await openStore();
const readModels = join(resolve(config.dataDir), 'read-models.db');
let result;
let against = '';
try {
  const found = values['no-read-models'] ? undefined : recordedChainHeads(readModels);
  // Read models built from another store say nothing about this one (the node rebuilds them).
  const recorded =
    found !== undefined && found.storeIdentity === (await store.identity()) ? found.heads : undefined;
  if (recorded !== undefined)
    against = `, against the chain heads of ${recorded.size} streams in ${readModels}`;
  else if (found !== undefined) against = `; ${readModels} is from another store, not compared`;
  result = await verifyStore(store, recorded === undefined ? {} : { recorded });
} catch (error) {
  await store.close();
  fail(`Reading the event store failed: ${error instanceof Error ? error.message : String(error)}`);
}
await store.close();

for (const broken of result.breaks)
  process.stdout.write(`BROKEN ${broken.streamName} at ${describeLink(broken)}\n`);
process.stdout.write(
  `${result.breaks.length === 0 ? 'OK' : 'FAILED'}: ${result.events} events in ${result.streams} streams of ${name}` +
    `${against}; ${result.breaks.length} ${result.breaks.length === 1 ? 'stream' : 'streams'} with a broken hash chain\n`,
);
process.exit(result.breaks.length === 0 ? 0 : 1);
