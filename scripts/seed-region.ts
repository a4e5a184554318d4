/**
 * Seeds a synthetic region into an embedded event store through the real command path: every
 * command of every patient is decided by the domain against the patient's state (kept in memory)
 * and appended to the patient's stream with its expected revision, one append per command, as the
 * API does. Deterministic: the same --patients and --seed give the same streams and events.
 * A batch's appends are sent at once, so the store's writer thread group-commits them.
 *
 *   pnpm seed [--patients 100000] [--seed 1] [--data-dir .bench/region-<patients>-<seed>]
 *             [--batch 250] [--workers N]
 *
 * Writes <data-dir>/events.db, <data-dir>/patients.json (what the benchmark needs to know about
 * each patient) and, last, <data-dir>/manifest.json (its presence means the seed is complete).
 * Personal data is encrypted as a node stores it (README, "Lawful destruction"): each patient's
 * key in <data-dir>/keys.db, wrapped by a key-encryption key generated into the data dir as a
 * development node does; copyRegion() copies all three into a node's data dir.
 * The stream names use PZP_PSEUDONYM_SECRET, or a fixed benchmark secret (in the manifest); start
 * the API with the same secret. Patients are interleaved in batches of --batch: their commands
 * go round-robin, so consecutive appends hit different streams, as on a live registry.
 */
import {
  closeSync,
  copyFileSync,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { availableParallelism, cpus } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import { pseudonymFor, streamNameFor, type Bsn } from '@pzp/domain';
import {
  DEV_KEK_FILE,
  keyEncryptionKey,
  SqliteEventStore,
  SqliteKeyStore,
  startWorker,
  type EventData,
  type EventStore,
} from '@pzp/event-store';
import { encryptedPerPatient } from '@pzp/projections';
import { Progress } from './lib/progress.js';
import { buildRegion, GENERATOR_VERSION, PatientRun, type Region } from './lib/region.js';

export const ROOT = fileURLToPath(new URL('../', import.meta.url));

export interface RegionManifest {
  readonly generatorVersion: number;
  readonly patients: number;
  readonly seed: number;
  /** The pseudonym secret the stream names were made with: start the API with it. */
  readonly pseudonymSecret: string;
  readonly events: number;
  readonly appends: number;
  readonly seconds: number;
  readonly eventsPerSecond: number;
  readonly longHistoryPatients: number;
  readonly createdAt: string;
  readonly machine: { readonly cpus: number; readonly node: string };
}

/** What the benchmark needs to know per patient (columns, index = patient number). */
export interface RegionFacts {
  readonly bsn: string[];
  /** Plan version (stream revision) after seeding. */
  readonly version: number[];
  /** 1 when the patient consented to sharing with HAP organisations. */
  readonly hap: number[];
  /** The current regiebehandelaar as an index into buildRegion(...).actors; -1 when none. */
  readonly writer: number[];
  /** The patients with a long history, and an instant halfway through it (for as-of reads). */
  readonly long: { readonly index: number; readonly events: number; readonly midway: string }[];
}

export const defaultRegionDir = (patients: number, seed: number) =>
  join(ROOT, '.bench', `region-${patients}-${seed}`);

/** A seeded region's stores: the events, the patients' keys and the key that wraps those. */
const REGION_STORES = ['events.db', 'keys.db', DEV_KEK_FILE];

/** Copies a seeded region's stores into a node's data dir (which then finds its keys there). */
export function copyRegion(regionDir: string, dataDir: string): void {
  for (const file of REGION_STORES) copyFileSync(join(regionDir, file), join(dataDir, file));
}

/**
 * The store of a data dir as a node reads it: decrypting with the keys beside it when there are
 * any (a seeded region, a node's copy of one), else as it is (a region of plaintext events).
 */
export function openRegionStore(dataDir: string): EventStore {
  const plain = SqliteEventStore.open(join(dataDir, 'events.db'));
  if (!existsSync(join(dataDir, 'keys.db'))) return plain;
  // Checked first, so that encrypted() reads this key rather than generating another.
  if (!existsSync(join(dataDir, DEV_KEK_FILE)))
    throw new Error(`${dataDir} has keys.db but not the ${DEV_KEK_FILE} that wraps its keys`);
  return encrypted(plain, dataDir);
}

/**
 * `plain` with every patient's personal data encrypted, as a node's store is: under the keys in
 * `dir`/keys.db, wrapped by `dir`'s key-encryption key (generated there when it has none; never
 * PZP_KEY_ENCRYPTION_KEY, so that a node given a copy of the region finds it beside the keys, as
 * a development node finds the one it generated).
 */
function encrypted(plain: EventStore, dir: string): EventStore {
  const kek = keyEncryptionKey({ configured: undefined, dir, mayGenerate: true });
  const keys = SqliteKeyStore.open(join(dir, 'keys.db'), kek);
  return encryptedPerPatient(plain, keys);
}

export const benchSecret = (seed: number) => `pzp-benchmark-region-pseudonyms-seed-${seed}`;

interface Append {
  readonly stream: string;
  /** Stream revision before the append; -1: the stream does not exist yet. */
  readonly expectedVersion: number;
  readonly events: EventData[];
}

interface PatientFact {
  readonly index: number;
  readonly bsn: string;
  readonly version: number;
  readonly hap: number;
  readonly writer: number;
  readonly long?: { readonly events: number; readonly midway: string } | undefined;
}

/** One batch of patients, decided: their appends in the order to write them, and their facts. */
interface Batch {
  readonly batch: number;
  readonly appends: Append[];
  readonly facts: PatientFact[];
}

interface WorkerInput {
  readonly patients: number;
  readonly seed: number;
  readonly secret: string;
  readonly batchSize: number;
  readonly workers: number;
  readonly worker: number;
}

/** How many batches a worker may run ahead of the writer. */
const AHEAD = 3;

/**
 * Decides every command of patients [first, last) and interleaves them: round-robin over the
 * batch, one command (= one append) per patient per round, as commands of many patients arrive
 * at a live registry.
 */
function decideBatch(region: Region, secret: string, batch: number, first: number, last: number): Batch {
  const appends: Append[] = [];
  const facts: PatientFact[] = [];
  let active: { run: PatientRun; stream: string }[] = [];
  for (let i = first; i < last; i++) {
    const run = new PatientRun(region, i);
    active.push({ run, stream: streamNameFor(pseudonymFor(run.bsn as Bsn, secret)) });
  }
  while (active.length > 0) {
    const still: typeof active = [];
    for (const entry of active) {
      const decided = entry.run.next();
      if (!decided) {
        facts.push(factOf(region, entry.run));
        continue;
      }
      still.push(entry);
      if (decided.events.length === 0) continue;
      appends.push({
        stream: entry.stream,
        expectedVersion: decided.expectedVersion,
        events: decided.events.map((e) => ({
          id: e.metadata.eventId,
          type: e.type,
          data: e.data,
          metadata: e.metadata,
        })),
      });
    }
    active = still;
  }
  return { batch, appends, facts };
}

function factOf(region: Region, run: PatientRun): PatientFact {
  const { state } = run;
  const writer = run.regiebehandelaar;
  return {
    index: run.index,
    bsn: run.bsn,
    version: state.version,
    hap: state.plan.sharingConsent.HAP?.decision === 'GRANTED' ? 1 : 0,
    writer: writer ? (region.actorIndex.get(writer.id) ?? -1) : -1,
    long: run.long
      ? {
          events: state.log.length,
          midway: state.log[Math.floor(state.log.length / 2)]!.metadata.recordedAt,
        }
      : undefined,
  };
}

/** Worker thread: decides its share of the batches (every `workers`-th) and posts them in order. */
async function runWorker(input: WorkerInput) {
  const port = parentPort!;
  const region = buildRegion({ patients: input.patients, seed: input.seed });
  let outstanding = 0;
  let acked: (() => void) | undefined;
  port.on('message', () => {
    outstanding--;
    acked?.();
  });
  const batches = Math.ceil(input.patients / input.batchSize);
  for (let b = input.worker; b < batches; b += input.workers) {
    const first = b * input.batchSize;
    const last = Math.min(input.patients, first + input.batchSize);
    port.postMessage(decideBatch(region, input.secret, b, first, last));
    outstanding++;
    while (outstanding >= AHEAD) await new Promise<void>((r) => (acked = r));
  }
}

/** Batches in order, decided by worker threads (or here, with `workers` 0). */
function batchSource(
  options: Omit<WorkerInput, 'worker'>,
  region: Region,
): { next: (batch: number) => Promise<Batch>; ack: (batch: number) => void; close: () => Promise<void> } {
  if (options.workers === 0) {
    return {
      next: (b) => {
        const first = b * options.batchSize;
        return Promise.resolve(
          decideBatch(
            region,
            options.secret,
            b,
            first,
            Math.min(options.patients, first + options.batchSize),
          ),
        );
      },
      ack: () => {},
      close: () => Promise.resolve(),
    };
  }
  const workers = Array.from({ length: options.workers }, (_, worker) =>
    startWorker(import.meta.url, { workerData: { ...options, worker } }),
  );
  const received = new Map<number, Batch>();
  let waiting: { batch: number; resolve: (b: Batch) => void } | undefined;
  let failed: Error | undefined;
  let fail: ((e: Error) => void) | undefined;
  for (const w of workers) {
    w.on('message', (message: Batch) => {
      if (waiting?.batch === message.batch) {
        const { resolve } = waiting;
        waiting = undefined;
        resolve(message);
      } else {
        received.set(message.batch, message);
      }
    });
    w.on('error', (e) => {
      failed = e;
      fail?.(e);
    });
  }
  return {
    next: (batch) => {
      if (failed) return Promise.reject(failed);
      const ready = received.get(batch);
      if (ready) {
        received.delete(batch);
        return Promise.resolve(ready);
      }
      return new Promise<Batch>((resolve, reject) => {
        waiting = { batch, resolve };
        fail = reject;
      });
    },
    ack: (batch) => workers[batch % workers.length]!.postMessage('ack'),
    close: async () => {
      await Promise.all(workers.map((w) => w.terminate()));
    },
  };
}

async function main() {
  const { values } = parseArgs({
    options: {
      patients: { type: 'string', default: '100000' },
      seed: { type: 'string', default: '1' },
      'data-dir': { type: 'string' },
      batch: { type: 'string', default: '250' },
      workers: { type: 'string', default: String(Math.max(1, Math.min(3, availableParallelism() - 1))) },
    },
  });
  const patients = Number(values.patients);
  const seed = Number(values.seed);
  const batchSize = Number(values.batch);
  const workers = Number(values.workers);
  if (!Number.isInteger(patients) || patients < 1) throw new Error('--patients must be a positive integer');
  if (!Number.isInteger(seed) || seed < 0) throw new Error('--seed must be a non-negative integer');
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new Error('--batch must be a positive integer');
  if (!Number.isInteger(workers) || workers < 0) throw new Error('--workers must be 0 or more');
  const dir = resolve(values['data-dir'] ?? defaultRegionDir(patients, seed));
  const secret = process.env.PZP_PSEUDONYM_SECRET ?? benchSecret(seed);
  if (secret.length < 32) throw new Error('PZP_PSEUDONYM_SECRET must be at least 32 characters');

  mkdirSync(dir, { recursive: true });
  for (const file of ['manifest.json', 'patients.json', ...REGION_STORES]) {
    for (const suffix of ['', '-wal', '-shm']) rmSync(join(dir, `${file}${suffix}`), { force: true });
  }
  process.stderr.write(
    `Seeding ${patients.toLocaleString('en-US')} patients (seed ${seed}) into ${dir}, ` +
      `${workers} decide worker(s) + 1 writer\n`,
  );

  const region = buildRegion({ patients, seed });
  const eventsFile = join(dir, 'events.db');
  // OFF: no fsync per commit or checkpoint. A crash mid-seed means seeding again from scratch;
  // the finished file is checkpointed (close) and fsynced once below.
  const store = encrypted(SqliteEventStore.open(eventsFile, { synchronous: 'OFF' }), dir);
  const source = batchSource({ patients, seed, secret, batchSize, workers }, region);
  const facts: RegionFacts = { bsn: [], version: [], hap: [], writer: [], long: [] };
  const progress = new Progress({ label: 'seed', total: patients, unit: 'patients', rateUnit: 'events' });
  let events = 0;
  let appends = 0;
  let done = 0;
  try {
    const batches = Math.ceil(patients / batchSize);
    for (let b = 0; b < batches; b++) {
      const batch = await source.next(b);
      source.ack(b);
      // Sent without waiting for each: the writer thread applies them in the order sent (a
      // patient's later command after its earlier one) and commits all that wait in one go.
      const written = batch.appends.map((append) =>
        store.appendToStream(append.stream, append.events, {
          expectedRevision: append.expectedVersion < 0 ? 'no_stream' : BigInt(append.expectedVersion),
        }),
      );
      await Promise.all(written);
      for (const append of batch.appends) events += append.events.length;
      appends += batch.appends.length;
      for (const fact of batch.facts) {
        facts.bsn[fact.index] = fact.bsn;
        facts.version[fact.index] = fact.version;
        facts.hap[fact.index] = fact.hap;
        facts.writer[fact.index] = fact.writer;
        if (fact.long) facts.long.push({ index: fact.index, ...fact.long });
      }
      done += batch.facts.length;
      progress.update(done, events);
    }
  } finally {
    await source.close();
    await store.close();
  }
  const fd = openSync(eventsFile, 'r+');
  fsyncSync(fd);
  closeSync(fd);
  progress.finish();
  const seconds = progress.elapsed;
  facts.long.sort((a, b) => a.index - b.index);

  writeFileSync(join(dir, 'patients.json'), JSON.stringify(facts));
  const manifest: RegionManifest = {
    generatorVersion: GENERATOR_VERSION,
    patients,
    seed,
    pseudonymSecret: secret,
    events,
    appends,
    seconds: Math.round(seconds * 10) / 10,
    eventsPerSecond: Math.round(events / seconds),
    longHistoryPatients: facts.long.length,
    createdAt: new Date().toISOString(),
    machine: { cpus: cpus().length, node: process.version },
  };
  writeFileSync(join(dir, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  if (existsSync(join(dir, 'events.db-wal'))) process.stderr.write('warning: the WAL was not checkpointed\n');
  process.stdout.write(
    `Seeded ${patients.toLocaleString('en-US')} patients: ${events.toLocaleString('en-US')} events in ` +
      `${appends.toLocaleString('en-US')} appends, ${seconds.toFixed(1)} s, ` +
      `${manifest.eventsPerSecond.toLocaleString('en-US')} events/s\n`,
  );
}

if (!isMainThread && (workerData as WorkerInput | undefined)?.batchSize) {
  void runWorker(workerData as WorkerInput);
} else if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  });
}
