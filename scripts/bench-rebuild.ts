/**
 * Projection rebuild at regional scale on the embedded store: events/s of a full rebuild, the
 * process's peak RSS while it runs, and the as-of query for the patient with the longest history.
 *
 *   pnpm exec tsx scripts/bench-rebuild.ts [--patients 100000] [--long 5] [--long-events 220]
 *                                           [--data-dir DIR] [--verify] [--batch-size N] [--cache-events N]
 *                                           [--one-thread]
 *
 * The region is generated once with the real decider (scripts/lib/synthetic-patient.ts, plus a
 * few patients with 200+ events) into DIR/events.db and reused by later runs; generation runs in
 * a child process so the peak RSS reported here is the rebuild's own. Appends are in time order,
 * one append per command, so patients interleave in the global log as they would in a region.
 * --verify also builds the read models one small batch at a time and compares every row.
 * --one-thread commits on the projector's own thread instead of the bulk load's writer thread.
 * DIR may also be a region made by `pnpm seed` (its events.db, read with the keys beside it);
 * touch DIR/events.complete first.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { DateTime } from 'luxon';
import { Bsn, ZONE, pseudonymFor, streamNameFor, type PzpEvent } from '@pzp/domain';
import { actors, asParty, idSequence, patientParty, PlanRecorder, syntheticBsn } from '@pzp/domain/testing';
import { SqliteEventStore, type EventStore } from '@pzp/event-store';
import { planAsOf } from '@pzp/application';
import { Projector, openReadModelDb, type ReadModelDb } from '@pzp/projections';
import { seededRandom, syntheticPatient } from './lib/synthetic-patient.js';
import { openRegionStore } from './seed-region.js';

const { values } = parseArgs({
  options: {
    patients: { type: 'string', default: '100000' },
    long: { type: 'string', default: '5' },
    'long-events': { type: 'string', default: '220' },
    'data-dir': { type: 'string' },
    'batch-size': { type: 'string' },
    'cache-events': { type: 'string' },
    verify: { type: 'boolean', default: false },
    'one-thread': { type: 'boolean', default: false },
    'as-of-only': { type: 'boolean', default: false },
    generate: { type: 'boolean', default: false },
  },
});
const patients = Number(values.patients);
const longPatients = Number(values.long);
const longEvents = Number(values['long-events']);
const dataDir =
  values['data-dir'] ?? join(tmpdir(), `pzp-bench-region-${patients}-${longPatients}x${longEvents}`);
const eventsFile = join(dataDir, 'events.db');
const completeMarker = join(dataDir, 'events.complete');
const SECRET = 'bench-secret-0123456789abcdef0123456789';
const LONG_BASE = 4_000_000; // synthetic BSN numbers of the long-history patients, clear of the others

const streamOf = (bsn: string) => streamNameFor(pseudonymFor(Bsn.parse(bsn), SECRET));

/** A patient followed for years: reviews, provisional limits confirmed, wishes, a correction now and then. */
function longHistoryPatient(n: number, target: number): { bsn: string; events: PzpEvent[] } {
  const bsn = syntheticBsn(LONG_BASE + n);
  const recorder = new PlanRecorder(idSequence(LONG_BASE + n));
  let day = DateTime.fromISO('2024-01-08', { zone: ZONE }).plus({ days: n });
  const at = (hour: number) => day.set({ hour }).toISO()!;
  recorder.run(
    'RecordConversation',
    {
      conversationId: `long-${n}-0`,
      patient: { bsn, name: `Langdurig ${n}`, birthDate: '1935-05-15' },
      date: day.toISODate()!,
      participants: [patientParty, asParty(actors.gp)],
      treatmentDirectives: [{ treatment: { code: '89666000' }, decision: 'NIET' }],
      lifeWishes: [{ wishId: `long-${n}-wish-0`, text: 'Thuis blijven' }],
      sharingConsents: [{ organizationType: 'HAP', decision: 'GRANTED' }],
    },
    actors.gp,
    at(10),
  );
  recorder.run(
    'AssignRole',
    {
      assignmentId: `long-${n}-regie`,
      role: 'REGIEBEHANDELAAR',
      practitioner: actors.gp,
      organization: actors.gp.organization,
      from: day.toISODate()!,
    },
    actors.gp,
    at(11),
  );
  const codes = ['40617009', '305351004', '32485007', '281789004', '116762002'] as const;
  for (let round = 1; recorder.events.length < target; round++) {
    day = day.plus({ days: 2 });
    const date = day.toISODate()!;
    const code = codes[round % codes.length]!;
    recorder.run(
      'SetTreatmentDirective',
      {
        treatment: { code },
        decision: round % 2 ? 'NIET' : 'WEL',
        decidedOn: date,
        parties: [patientParty, asParty(actors.districtNurse)],
      },
      actors.districtNurse,
      at(9),
    );
    recorder.run('ConfirmTreatmentDirective', { treatment: { code }, confirmedOn: date }, actors.gp, at(12));
    const wishId = `long-${n}-wish-${round}`;
    const [wish] = recorder.run('RecordLifeWish', { wishId, text: `Wens ${round}` }, actors.gp, at(13));
    if (round % 7 === 0) {
      recorder.run(
        'MarkEnteredInError',
        { changeId: wish!.metadata.eventId, reason: 'Bij de verkeerde patiënt vastgelegd' },
        actors.gp,
        at(14),
      );
    } else if (round % 3 === 0) {
      recorder.run('WithdrawLifeWish', { wishId, reason: 'Niet meer van toepassing' }, actors.gp, at(14));
    }
    if (round % 5 === 0) recorder.run('ConfirmPlanReviewed', { reviewedOn: date }, actors.gp, at(15));
    if (round % 11 === 0) {
      recorder.run(
        'RecordConversation',
        {
          conversationId: `long-${n}-${round}`,
          date,
          participants: [patientParty, asParty(actors.gp)],
          treatmentDirectives: [{ treatment: { code: '89666000' }, decision: round % 2 ? 'WEL' : 'NIET' }],
        },
        actors.gp,
        at(16),
      );
    }
  }
  return { bsn, events: recorder.events };
}

/** Generates the region into `eventsFile`: every command is one append, all in time order. */
async function generate() {
  rmSync(dataDir, { recursive: true, force: true });
  mkdirSync(dataDir, { recursive: true });
  const random = seededRandom(42);
  const appends: { stream: string; at: string; events: PzpEvent[] }[] = [];
  const addPatient = ({ bsn, events }: { bsn: string; events: PzpEvent[] }) => {
    const stream = streamOf(bsn);
    for (const e of events) {
      const last = appends[appends.length - 1];
      if (last?.stream === stream && last.events[0]!.metadata.correlationId === e.metadata.correlationId)
        last.events.push(e);
      else appends.push({ stream, at: e.metadata.recordedAt, events: [e] });
    }
  };
  let t0 = performance.now();
  for (let n = 0; n < patients; n++) addPatient(syntheticPatient(n, random));
  for (let n = 0; n < longPatients; n++) addPatient(longHistoryPatient(n, longEvents));
  // Stable sort: a patient's own appends keep their order when they share an instant.
  appends.sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0));
  const total = appends.reduce((sum, a) => sum + a.events.length, 0);
  console.log(
    `generated ${total} events in ${appends.length} appends (${Math.round(performance.now() - t0)} ms)`,
  );

  t0 = performance.now();
  const store = SqliteEventStore.open(eventsFile);
  const revisions = new Map<string, bigint>();
  for (const a of appends) {
    const expected = revisions.get(a.stream);
    const result = await store.appendToStream(
      a.stream,
      a.events.map((e) => ({ id: e.metadata.eventId, type: e.type, data: e.data, metadata: e.metadata })),
      { expectedRevision: expected ?? 'no_stream' },
    );
    revisions.set(a.stream, result.nextExpectedRevision);
  }
  await store.close();
  writeFileSync(completeMarker, `${total}\n`);
  console.log(`appended in ${Math.round(performance.now() - t0)} ms`);
}

/**
 * CPU seconds per thread of this process so far (Linux /proc; empty elsewhere), by thread id. On
 * a machine shared with other work the wall clock stretches; the busiest thread's CPU time is
 * what the rebuild would take on idle cores, at best.
 */
function threadCpu(): Map<string, number> {
  const ticks = 100; // USER_HZ
  const out = new Map<string, number>();
  let tasks: string[];
  try {
    tasks = readdirSync('/proc/self/task');
  } catch {
    return out;
  }
  for (const tid of tasks) {
    try {
      // Fields after the parenthesised name: utime and stime are the 12th and 13th.
      const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      out.set(tid, (Number(fields[11]) + Number(fields[12])) / ticks);
    } catch {
      // the thread ended meanwhile
    }
  }
  return out;
}

/** A digest of every row of every read model, in a fixed order. */
function digest(db: ReadModelDb): Record<string, string> {
  const out: Record<string, string> = {};
  for (const table of ['current_plans', 'patient_index', 'review_due', 'roles', 'access_log']) {
    const hash = createHash('sha256');
    let rows = 0;
    for (const row of db.prepare(`SELECT * FROM ${table} ORDER BY 1, 2, 3`).iterate()) {
      hash.update(JSON.stringify(row));
      rows++;
    }
    out[table] = `${rows} rows ${hash.digest('hex').slice(0, 16)}`;
  }
  return out;
}

/**
 * planAsOf for the patients with 200+ events (else the longest history), found in the rebuilt
 * index: the plan now, and halfway through its history, 10 times each.
 */
async function measureAsOf(db: ReadModelDb, store: EventStore): Promise<string | undefined> {
  const times: number[] = [];
  const streams = db
    .prepare<[], { stream_name: string; version: number }>(
      `SELECT stream_name, version FROM patient_index
       WHERE version >= 199 OR version = (SELECT max(version) FROM patient_index) ORDER BY version DESC LIMIT 10`,
    )
    .all();
  if (streams.length === 0) return undefined;
  for (const { stream_name: stream } of streams) {
    const events = await store.readStream(stream);
    const middle = new Date(
      String((events[events.length >> 1]!.metadata as { recordedAt: string }).recordedAt),
    );
    for (const at of [new Date(), middle]) {
      for (let i = 0; i < 10; i++) {
        const s = performance.now();
        await planAsOf(store, stream, at);
        times.push(performance.now() - s);
      }
    }
  }
  times.sort((a, b) => a - b);
  const pct = (p: number) => times[Math.min(times.length - 1, Math.floor(times.length * p))]!.toFixed(1);
  return `planAsOf, ${streams.length} patients with up to ${streams[0]!.version + 1} events: p50 ${pct(0.5)} ms, p95 ${pct(0.95)} ms, max ${pct(1)} ms`;
}

if (values['as-of-only']) {
  const store = openRegionStore(dataDir);
  const db = openReadModelDb(join(dataDir, 'read-models.db'));
  console.log((await measureAsOf(db, store)) ?? 'no read models: run a rebuild first');
  db.close();
  await store.close();
  process.exit(0);
}

if (values.generate) {
  await generate();
  process.exit(0);
}

if (!existsSync(completeMarker)) {
  console.log(`generating the region into ${dataDir} ...`);
  const child = spawnSync(
    process.execPath,
    [...process.execArgv, process.argv[1]!, ...process.argv.slice(2), '--generate'],
    {
      stdio: 'inherit',
    },
  );
  if (child.status !== 0) process.exit(child.status ?? 1);
}

const store = openRegionStore(dataDir);
const readModelsFile = join(dataDir, 'read-models.db');
for (const suffix of ['', '-wal', '-shm']) rmSync(readModelsFile + suffix, { force: true });
const db = openReadModelDb(readModelsFile);
const options = {
  ...(values['batch-size'] ? { batchSize: Number(values['batch-size']) } : {}),
  ...(values['cache-events'] ? { cacheEvents: Number(values['cache-events']) } : {}),
  ...(values['one-thread'] ? { writerThread: false } : {}),
};
const rssBefore = process.memoryUsage().rss;
const threadsBefore = threadCpu();
// The writer thread ends with the rebuild: its CPU time is read just before (see below).
let threadsDuring = new Map<string, number>();
const sampler = setInterval(() => (threadsDuring = threadCpu()), 200);
const cpuBefore = process.cpuUsage();
let t0 = performance.now();
const projector = new Projector(store, db, options);
const replayed = await projector.rebuild();
const rebuildMs = performance.now() - t0;
const cpu = process.cpuUsage(cpuBefore);
clearInterval(sampler);
for (const [tid, seconds] of threadCpu()) threadsDuring.set(tid, seconds);
const busiest = [...threadsDuring]
  .map(([tid, seconds]) => ({
    thread: tid === String(process.pid) ? 'main' : tid,
    seconds: seconds - (threadsBefore.get(tid) ?? 0),
  }))
  .filter((t) => t.seconds >= 0.5)
  .sort((a, b) => b.seconds - a.seconds);
const cpuMs = (cpu.user + cpu.system) / 1000;
// With --expose-gc: what the projector keeps (its cache) after the rebuild.
const gc = (globalThis as { gc?: () => void }).gc;
gc?.();
const liveHeap = process.memoryUsage().heapUsed;
const peakRss = process.resourceUsage().maxRSS * 1024;
const mb = (bytes: number) => `${Math.round(bytes / 1024 / 1024)} MB`;
const asOf = await measureAsOf(db, store);

const patientCount = db.prepare<[], { n: number }>('SELECT count(*) AS n FROM patient_index').get()!.n;
console.log(`Embedded SQLite event store, Node ${process.version}, ${patientCount} patients`);
console.table({
  'projection rebuild': {
    events: replayed,
    ms: Math.round(rebuildMs),
    'events/s': Math.round((replayed / rebuildMs) * 1000),
    // Less sensitive to other work on a shared machine than wall-clock time (all threads counted).
    'CPU ms': Math.round(cpuMs),
    'events per CPU-s': Math.round((replayed / cpuMs) * 1000),
  },
});
console.log(`streams folded again after a cache miss: ${projector.streamReads}`);
if (busiest.length > 0) {
  console.log(
    `CPU by thread (s): ${busiest.map((t) => `${t.thread} ${t.seconds.toFixed(1)}`).join(', ')}; ` +
      `busiest thread ${Math.round(replayed / busiest[0]!.seconds).toLocaleString('en-US')} events per CPU-s`,
  );
}
console.log(
  `peak RSS ${mb(peakRss)} (RSS before the rebuild ${mb(rssBefore)}${gc ? `, live heap after it ${mb(liveHeap)}` : ''})`,
);
if (asOf) console.log(asOf);

if (values.verify) {
  const fast = digest(db);
  const slowFile = join(dataDir, 'read-models-small-batches.db');
  for (const suffix of ['', '-wal', '-shm']) rmSync(slowFile + suffix, { force: true });
  const slow = openReadModelDb(slowFile);
  t0 = performance.now();
  await new Projector(store, slow, { batchSize: 7 }).catchUp();
  console.log(`small-batch build in ${Math.round(performance.now() - t0)} ms`);
  const reference = digest(slow);
  slow.close();
  console.table(
    Object.fromEntries(
      Object.keys(fast).map((t) => [t, { rebuild: fast[t], 'small batches': reference[t] }]),
    ),
  );
  const same = JSON.stringify(fast) === JSON.stringify(reference);
  console.log(same ? 'identical: every table matches' : 'MISMATCH between rebuild and small-batch build');
  if (!same) process.exitCode = 1;
}
db.close();
await store.close();
