/**
 * Drops this node's read models and replays the whole event store into them.
 * Stop the API node that uses the read-model file first: a projector must be its only writer.
 *
 *   pnpm rebuild-projections [--data-dir ./data]
 *
 * The events come from EventStoreDB when EVENTSTORE_CONNECTION_STRING is set (as for the API node),
 * else from the embedded store in the data dir. A store without events, or a damaged events.db, is
 * refused before the read models are touched: rebuilding from it would leave a node showing no
 * plans, or half of them. Every refusal and failure is one line on stderr and exit code 1.
 * A rebuild that had to quarantine streams (an event it cannot read, a broken hash chain) names
 * each on stderr and exits with 2: those patients' records are refused until the cause is fixed,
 * and an operator restoring a node must not take that for a clean rebuild.
 */
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import {
  EsdbEventStore,
  keyEncryptionKey,
  SqliteEventStore,
  SqliteKeyStore,
  type EventStore,
} from '@pzp/event-store';
import { encryptedPerPatient } from '../patient-encryption.js';
import { Projector } from '../projector.js';
import { ReadAheadStore } from '../read-ahead/read-ahead-store.js';
import { createQueries } from '../queries.js';
import { openReadModelDb, type ReadModelDb } from '../read-model-db.js';
import { damageCode, inspectEventsFile } from './events-file.js';

class Refusal extends Error {}

const FROM_BACKUP = 'from its backup (README, "Restore from backup")';

interface OpenedStore {
  readonly store: EventStore;
  readonly where: string;
  /** The embedded store's file, which the read-ahead thread opens too; undefined for EventStoreDB. */
  readonly eventsFile: string | undefined;
}

async function openStore(dataDir: string): Promise<OpenedStore> {
  const connectionString = process.env.EVENTSTORE_CONNECTION_STRING;
  if (connectionString) {
    const esdb = EsdbEventStore.fromConnectionString(connectionString);
    try {
      await esdb.ping();
    } catch (error) {
      await esdb.close().catch(() => undefined);
      throw new Refusal(
        `EventStoreDB does not answer: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
    return { store: esdb, where: 'EventStoreDB', eventsFile: undefined };
  }
  const eventsFile = join(dataDir, 'events.db');
  const state = inspectEventsFile(eventsFile);
  switch (state.kind) {
    case 'missing':
      throw new Refusal(`No event store at ${eventsFile}; pass --data-dir or set PZP_DATA_DIR.`);
    case 'empty':
      throw new Refusal(
        `Refusing to rebuild: ${eventsFile} holds no events, so the read models would be left empty. ` +
          `If it was replaced or emptied by mistake, restore it ${FROM_BACKUP}; else check --data-dir.`,
      );
    case 'damaged':
      throw new Refusal(
        `Refusing to rebuild: ${eventsFile} is damaged (${state.detail}); the read models were left as they are. ` +
          `Restore it ${FROM_BACKUP}.`,
      );
    case 'events':
      return { store: SqliteEventStore.open(eventsFile), where: eventsFile, eventsFile };
  }
}

/**
 * The store as the API node reads it: patients' personal data decrypted with their keys, from the
 * node's key store (PZP_KEY_STORE_DIR, default the data dir; README "Lawful destruction"). The
 * embedded store's `$all` is read, decrypted and hash-checked ahead on a thread of its own
 * (ReadAheadStore), so this thread only folds; EventStoreDB's reads already happen off-node.
 */
function decrypted({ store, eventsFile }: OpenedStore, dataDir: string): EventStore {
  const dir = resolve(process.env.PZP_KEY_STORE_DIR ?? dataDir);
  const keysFile = join(dir, 'keys.db');
  let keys: SqliteKeyStore;
  let kek: Buffer;
  try {
    kek = keyEncryptionKey({
      configured: process.env.PZP_KEY_ENCRYPTION_KEY,
      dir,
      mayGenerate: (process.env.PZP_MODE ?? 'development') === 'development',
    });
    keys = SqliteKeyStore.open(keysFile, kek);
  } catch (error) {
    void store.close();
    throw new Refusal(`Cannot open the key store in ${dir}: ${describe(error)}`);
  }
  const readable = encryptedPerPatient(store, keys);
  return eventsFile === undefined ? readable : new ReadAheadStore(readable, { eventsFile, keysFile, kek });
}

async function rebuild(dataDir: string): Promise<{ summary: string; quarantined: string[] }> {
  const opened = await openStore(dataDir);
  const { where } = opened;
  const store = decrypted(opened, dataDir);
  let db: ReadModelDb | undefined;
  try {
    if ((await store.headPosition()) === undefined) {
      throw new Refusal(
        `Refusing to rebuild: ${where} holds no events, so the read models would be left empty.`,
      );
    }
    const readModelsFile = join(dataDir, 'read-models.db');
    try {
      db = openReadModelDb(readModelsFile);
    } catch (error) {
      throw new Refusal(`Cannot open the read models at ${readModelsFile}: ${describe(error)}`);
    }
    const started = performance.now();
    let count: number;
    try {
      count = await new Projector(store, db).rebuild();
    } catch (error) {
      if (damageCode(error) === undefined) throw error;
      throw new Refusal(
        `${where} is damaged (${describe(error)}); the rebuild stopped. Restore it ${FROM_BACKUP}, then rebuild.`,
      );
    }
    const seconds = (performance.now() - started) / 1000;
    const quarantined = createQueries(db).quarantined();
    return {
      summary: `Rebuilt read models from ${count} events in ${seconds.toFixed(1)} s (${Math.round(count / seconds)} events/s)`,
      // Pseudonyms and stream names only: never personal data.
      quarantined: quarantined.map(
        (q) =>
          `QUARANTINED ${q.pseudonym === undefined ? q.streamName : `patient ${q.pseudonym}`} at revision ${q.revision}: ` +
          `${q.errorName}: ${q.errorMessage}`,
      ),
    };
  } finally {
    db?.close();
    await store.close();
  }
}

function describe(error: unknown): string {
  const code = typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
  const message = error instanceof Error ? error.message : String(error);
  return typeof code === 'string' && !message.startsWith(code) ? `${code}: ${message}` : message;
}

const { values } = parseArgs({
  options: { 'data-dir': { type: 'string', default: process.env.PZP_DATA_DIR ?? 'data' } },
});
try {
  const { summary, quarantined } = await rebuild(resolve(values['data-dir']));
  console.log(summary);
  if (quarantined.length > 0) {
    for (const line of quarantined) console.error(line);
    console.error(
      `${quarantined.length} stream(s) quarantined: their records are refused until the cause is fixed ` +
        '(`pnpm verify-store` shows broken hash chains; README, "Tamper evidence").',
    );
    process.exitCode = 2;
  }
} catch (error) {
  console.error(error instanceof Refusal ? error.message : `Rebuild failed: ${describe(error)}`);
  process.exit(1);
}
