/**
 * The registry's benchmark at regional scale, over real HTTP against the real server process.
 * Reports figures (table on stdout, JSON in .bench/results/); nothing is asserted.
 *
 *   pnpm bench            # 100,000 patients (seeded once, then reused), 3 runs of 10 s per figure
 *   pnpm bench --smoke    # CI: 2,000 patients, 1 run of 2 s per figure
 *   pnpm bench --national # the Netherlands: 1,000,000 patients (pnpm seed --patients 1000000 first), 1 run
 *   pnpm bench [--patients N] [--seed S] [--runs R] [--seconds T] [--rebuild-runs R] [--keep]
 *
 * 1. Seeds the region through the real command path (scripts/seed-region.ts), or reuses
 *    .bench/region-<patients>-<seed>/ when its manifest matches the generator version.
 * 2. Full projection rebuild (the compiled packages/projections/src/cli/rebuild.ts) on a copy of the store:
 *    events/s. The copy, with its rebuilt read models, is what the server then runs on, so the
 *    benchmark's own writes never change the reusable seed. Further rebuild runs (for the
 *    median) come at the end, each on a fresh copy.
 * 3. API cold start to 'ready' with the existing read model (spawn to the 'ready' log line).
 * 4. HAP lookup `pzp(bsn, purpose: EMERGENCY)` with a real hap-doctor token (full access policy,
 *    durable access record) over random consented BSNs of the region, at 1, 8 and 32 concurrent
 *    clients; the same requests against a plain express 5 + Apollo Server 5 app with a constant
 *    resolver and against a bare node:http server returning the same bytes; the ratios.
 * 5. `recordConversation` with 10 changes on existing patients, by their regiebehandelaar, with
 *    the expected version: at 1 and 8 concurrent clients.
 *    Then both at once: the HAP lookup at 8 clients while 2 clients write conversations (the
 *    reads' req/s and latency, and the writes' req/s and p99): a write must not stall the reads.
 * 6. `pzpAsOf` halfway through a 200+ event history and `pzpHistory` first page (auditor).
 * 7. The API process's peak RSS (VmHWM) at the end.
 * 8. FHIR `GET /fhir/Consent?patient=…` (the guide's treatment-directive search) at 32 clients,
 *    beside a bare node:http server returning the same bytes: the ratio.
 * 9. The web app's emergency view in headless Chromium (when installed): from pressing Enter on a
 *    BSN to the plan on the screen, a hap-doctor signed in, over consented patients in turn.
 *
 * Before the rebuilds and each group of load rows the work copy's data files are read once from
 * start to end, so every row finds them in the page cache as a serving node does (why:
 * scripts/lib/page-cache.ts); the time that takes is logged and kept in the results, not counted.
 *
 * Each figure is the median of --runs runs. Throughput is responses per second; latency
 * percentiles come from every response's own time (sub-millisecond resolution).
 */
import { spawn, spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { availableParallelism, cpus, release, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ensureDevelopmentKeys } from '../services/api/src/auth/index.js';
import { TestServer } from '../test/support/server.js';
import { startReferenceServer, type ReferenceServer } from './lib/reference-servers.js';
import { startNoticeProbe, type NoticeFigures } from './lib/notice-probe.js';
import { emergencyViewTimes, type WebFigures } from './lib/web-probe.js';
import { diskFigures, type DiskFigures } from './lib/disk.js';
import { warmPageCache, type Warmed } from './lib/page-cache.js';
import { load, median, medianCpu, medianOf, round, type LoadFigures, type LoadSpec } from './lib/load.js';
import { measureCpu, memoryOf, type CpuFigures } from './lib/process-cpu.js';
import { AS_OF, consentSearches, conversationWrites, hapLookups, HISTORY } from './lib/workloads.js';
import { buildRegion, GENERATOR_VERSION } from './lib/region.js';
import { copyRegion, defaultRegionDir, ROOT, type RegionFacts, type RegionManifest } from './seed-region.js';

// ---------------------------------------------------------------------------------------------
// Options

const { values } = parseArgs({
  options: {
    smoke: { type: 'boolean', default: false },
    national: { type: 'boolean', default: false },
    patients: { type: 'string' },
    seed: { type: 'string', default: '1' },
    runs: { type: 'string' },
    seconds: { type: 'string' },
    warmup: { type: 'string' },
    'rebuild-runs': { type: 'string' },
    keep: { type: 'boolean', default: false },
  },
});
const smoke = values.smoke;
/** The Netherlands on one node (issue 16): a million patients, each figure once. */
const national = values.national;
if (smoke && national) throw new Error('--smoke and --national exclude each other');
const patients = Number(values.patients ?? (smoke ? 2000 : national ? 1_000_000 : 100_000));
const seed = Number(values.seed);
const runs = Number(values.runs ?? (smoke || national ? 1 : 3));
const seconds = Number(values.seconds ?? (smoke ? 2 : 10));
const warmupSeconds = Number(values.warmup ?? (smoke ? 1 : 3));
const rebuildRuns = Number(values['rebuild-runs'] ?? runs);
const HAP_CONNECTIONS = [1, 8, 32];
const WRITE_CONNECTIONS = [1, 8];
/** The mixed-load row: HAP lookups at 8 clients while 2 clients write conversations. */
const MIXED_READ_CONNECTIONS = 8;
const MIXED_WRITE_CONNECTIONS = 2;
for (const [name, v] of Object.entries({ patients, seed, runs, seconds, rebuildRuns })) {
  if (!Number.isInteger(v) || v < (name === 'seed' ? 0 : 1))
    throw new Error(`--${name} must be a positive integer`);
}

const log = (line: string) => process.stderr.write(`[bench] ${line}\n`);

// ---------------------------------------------------------------------------------------------
// Measuring

/** The pid of the process listening on a local TCP port (Linux /proc), for the API's own memory. */
function pidListeningOn(port: number): number | undefined {
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
  const inodes = new Set<string>();
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    if (!existsSync(table)) continue;
    for (const line of readFileSync(table, 'utf8').split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      if (cols.length > 9 && cols[1]!.endsWith(`:${hexPort}`) && cols[3] === '0A') inodes.add(cols[9]!);
    }
  }
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      for (const fd of readdirSync(`/proc/${pid}/fd`)) {
        const target = readlinkSync(`/proc/${pid}/fd/${fd}`);
        const inode = /^socket:\[(\d+)\]$/.exec(target)?.[1];
        if (inode && inodes.has(inode)) return Number(pid);
      }
    } catch {
      // gone, or not ours
    }
  }
  return undefined;
}

/**
 * API processes started on the benchmark's work directory that are still running: TestServer
 * leaves its child behind when the server misses its 30 s start-up limit. Found by their
 * environment (PZP_DATA_DIR is the work directory, which only this benchmark uses) and killed.
 */
function killStrayServers(dataDir: string): void {
  const marker = `PZP_DATA_DIR=${dataDir}`;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      if (!readFileSync(`/proc/${entry}/environ`, 'utf8').split('\0').includes(marker)) continue;
      process.kill(Number(entry), 'SIGKILL');
      log(`killed a stray API process (pid ${entry}) on ${dataDir}`);
    } catch {
      // gone meanwhile, or not ours to read
    }
  }
}

/** "some" CPU pressure over the last 10 s (Linux PSI): how much other work competed for the CPU. */
function cpuPressure(): number | undefined {
  try {
    return Number(/some avg10=([\d.]+)/.exec(readFileSync('/proc/pressure/cpu', 'utf8'))?.[1]);
  } catch {
    return undefined;
  }
}

// ---------------------------------------------------------------------------------------------
// The region

function readManifest(dir: string): RegionManifest | undefined {
  try {
    return JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as RegionManifest;
  } catch {
    return undefined;
  }
}

function ensureRegion(dir: string): { manifest: RegionManifest; reused: boolean } {
  const existing = readManifest(dir);
  if (
    existing?.generatorVersion === GENERATOR_VERSION &&
    existing.patients === patients &&
    existing.seed === seed &&
    existsSync(join(dir, 'events.db')) &&
    existsSync(join(dir, 'patients.json'))
  ) {
    log(`reusing the seeded region in ${dir} (${existing.events.toLocaleString('en-US')} events)`);
    return { manifest: existing, reused: true };
  }
  log(`seeding ${patients.toLocaleString('en-US')} patients into ${dir}`);
  const seeded = spawnSync(
    process.execPath,
    [
      '--import',
      'tsx',
      join(ROOT, 'scripts/seed-region.ts'),
      '--patients',
      String(patients),
      '--seed',
      String(seed),
      '--data-dir',
      dir,
    ],
    { cwd: ROOT, stdio: 'inherit' },
  );
  if (seeded.status !== 0) throw new Error(`seeding failed (exit ${seeded.status})`);
  return { manifest: readManifest(dir)!, reused: false };
}

interface RebuildFigures {
  readonly events: number;
  readonly seconds: number;
  readonly eventsPerSecond: number;
}

/** The projections' rebuild command on the work copy (drops and replays the read models). */
function rebuild(dir: string, expectedEvents: number): Promise<RebuildFigures> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(
      process.execPath,
      ['--enable-source-maps', join(ROOT, 'services/api/dist/rebuild.js'), '--data-dir', dir],
      { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.once('exit', (code) => {
      const wall = (performance.now() - started) / 1000;
      if (code !== 0) {
        reject(new Error(`rebuild failed (exit ${code}): ${out}`));
        return;
      }
      // "Rebuilt read models from N events in X s (R events/s)"; else the wall time.
      const m = /from ([\d,]+) events in ([\d.]+) s/.exec(out);
      const events = m ? Number(m[1]!.replaceAll(',', '')) : expectedEvents;
      const secs = m ? Number(m[2]) : wall;
      resolve({ events, seconds: round(secs, 1), eventsPerSecond: Math.round(events / secs) });
    });
  });
}

// ---------------------------------------------------------------------------------------------
// The benchmark

async function main() {
  const startedAt = new Date();
  const machine = {
    cpus: availableParallelism(),
    cpuModel: cpus()[0]?.model ?? 'unknown',
    memoryGiB: round(totalmem() / 2 ** 30, 1),
    node: process.version,
    kernel: release(),
  };
  const pressure: Record<string, number | undefined> = { atStart: cpuPressure() };
  log(
    `${smoke ? 'smoke' : national ? 'national' : 'full'} run: ${patients} patients, ${runs} run(s) of ${seconds} s per figure, ` +
      `${machine.cpus} CPUs, Node ${machine.node}`,
  );

  // Production runs the compiled node and rebuild command (README, "Compiled start"): so does this.
  const built = spawnSync(process.execPath, [join(ROOT, 'services/api/build.mjs')], { stdio: 'inherit' });
  if (built.status !== 0) throw new Error(`the build failed (exit ${built.status})`);

  const regionDir = defaultRegionDir(patients, seed);
  const { manifest, reused } = ensureRegion(regionDir);
  const facts = JSON.parse(readFileSync(join(regionDir, 'patients.json'), 'utf8')) as RegionFacts;
  const region = buildRegion({ patients, seed });

  // A work copy of the seeded store: the rebuild writes its read models here, the server its
  // access records and conversations. Each rebuild run gets a fresh copy (the same events).
  const work = join(ROOT, '.bench', `work-${patients}-${seed}`);
  const freshCopy = () => {
    killStrayServers(work);
    rmSync(work, { recursive: true, force: true });
    mkdirSync(work, { recursive: true });
    copyRegion(regionDir, work);
  };
  // Before the rebuild and before each group of load rows: the work copy's files in the page
  // cache, as a serving node has them (scripts/lib/page-cache.ts says why).
  const warmups: (Warmed & { readonly before: string })[] = [];
  const warm = (before: string) => {
    const w = warmPageCache(work);
    warmups.push({ before, ...w });
    log(
      `page cache: read ${w.mebibytes.toLocaleString('en-US')} MiB of data files in ${w.seconds} s (before ${before})`,
    );
  };
  const rebuilds: RebuildFigures[] = [];
  const rebuildRun = async () => {
    warm('the rebuild');
    log(`projection rebuild ${rebuilds.length + 1}/${rebuildRuns}`);
    rebuilds.push(await rebuild(work, manifest.events));
    log(`  ${rebuilds.at(-1)!.eventsPerSecond.toLocaleString('en-US')} events/s`);
  };
  // The first rebuild makes the read models the server starts on; the others run at the end.
  freshCopy();
  await rebuildRun();
  const disk = diskFigures(work);
  log(`on disk: event log ${disk.eventLogMiB} MiB, read models ${disk.readModelsMiB} MiB (${disk.ratio})`);

  const env = { PZP_PSEUDONYM_SECRET: manifest.pseudonymSecret, PZP_NODE_ID: 'bench', LOG_LEVEL: 'info' };
  const coldStarts: number[] = [];
  let server: TestServer | undefined;
  const references: ReferenceServer[] = [];
  const figures: Record<string, unknown> = {};
  const raw: Record<string, LoadFigures[]> = {};
  try {
    for (let r = 0; r < runs; r++) {
      const t0 = performance.now();
      server = await TestServer.start(env, work, { compiled: true });
      coldStarts.push(Math.round(performance.now() - t0));
      log(`cold start ${r + 1}/${runs}: ${coldStarts.at(-1)} ms to 'ready'`);
      if (r < runs - 1) await server.stop({ removeData: false });
    }
    const api = server!;
    const port = Number(new URL(api.url).port);
    const getterPid = Reflect.get(api, 'pid') as unknown;
    const pid =
      typeof getterPid === 'number' && readFileSync(`/proc/${getterPid}/cmdline`, 'utf8').includes('main.js')
        ? getterPid
        : pidListeningOn(port);
    if (pid === undefined) log('warning: cannot find the API process; no memory figures');

    // --- HAP lookup -------------------------------------------------------------------------
    const hapToken = await api.token('hap-doctor', 'bench');
    const lookups = hapLookups(facts, seed);
    const { consented, lookup } = lookups;
    log(`HAP lookup over ${consented.length.toLocaleString('en-US')} consented patients`);
    const sample = await fetch(`${api.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${hapToken}` },
      body: lookup(consented[0]!),
    });
    const sampleBody = await sample.text();
    if (sample.status !== 200 || sampleBody.includes('"errors":') || sampleBody.includes('"pzp":null')) {
      throw new Error(`the HAP lookup does not work on the seeded region: ${sampleBody.slice(0, 500)}`);
    }
    const responseFile = join(work, 'reference-response.json');
    writeFileSync(responseFile, sampleBody);
    references.push(await startReferenceServer('apollo', responseFile));
    references.push(await startReferenceServer('bare', responseFile));
    const targets: { name: string; url: string; headers: Record<string, string>; pid?: number }[] = [
      { name: 'registry', url: api.url, headers: { authorization: `Bearer ${hapToken}` }, pid },
      { name: 'apolloReference', url: references[0]!.url, headers: {}, pid: references[0]!.pid },
      { name: 'bareReference', url: references[1]!.url, headers: {}, pid: references[1]!.pid },
    ];
    const hapSpec = lookups.spec;
    warm('the HAP lookups');
    for (const t of targets) {
      log(`warm-up ${t.name} (${warmupSeconds} s)`);
      await load(hapSpec(t.url, t.headers, 8, warmupSeconds));
    }
    for (let r = 0; r < runs; r++) {
      for (const connections of HAP_CONNECTIONS) {
        for (const t of targets) {
          const key = `hap.${t.name}.${connections}`;
          const result = await load({ ...hapSpec(t.url, t.headers, connections, seconds), serverPid: t.pid });
          (raw[key] ??= []).push(result);
          log(
            `HAP ${t.name} x${connections} run ${r + 1}/${runs}: ${result.rps} req/s, p50 ${result.p50} ms, p99 ${result.p99} ms, errors ${result.errors}`,
          );
        }
      }
    }
    const hap: Record<string, Record<string, ReturnType<typeof medianOf>>> = {};
    for (const t of targets) {
      hap[t.name] = Object.fromEntries(
        HAP_CONNECTIONS.map((c) => [String(c), medianOf(raw[`hap.${t.name}.${c}`]!)]),
      );
    }
    const ratios = Object.fromEntries(
      HAP_CONNECTIONS.map((c) => {
        const reg = hap.registry![String(c)]!;
        const apollo = hap.apolloReference![String(c)]!;
        const bare = hap.bareReference![String(c)]!;
        return [
          String(c),
          {
            throughputVsApollo: round(reg.rps / apollo.rps, 3),
            throughputVsBare: round(reg.rps / bare.rps, 3),
            p50VsApollo: round(reg.p50 / apollo.p50, 1),
            p50VsBare: round(reg.p50 / bare.p50, 1),
          },
        ];
      }),
    );
    figures.hapLookup = { ...hap, ratios, responseBytes: Buffer.byteLength(sampleBody) };
    await Promise.all(references.splice(0).map((r) => r.stop()));
    pressure.afterHap = cpuPressure();

    // --- FHIR treatment-directive search, beside a bare server with the same bytes -------------
    // Patient ids first (a Patient search by BSN each), then the guide's Consent search at 32.
    const searches = await consentSearches(api.url, hapToken, consented, seed);
    const consentBody = searches.sampleBody;
    const consentFile = join(work, 'reference-consent.json');
    writeFileSync(consentFile, consentBody);
    references.push(await startReferenceServer('bare', consentFile));
    const fhirSpec = (url: string, secs: number) => searches.spec(url, 32, secs);
    const fhirTargets = [
      { name: 'registry', url: api.url, pid },
      { name: 'bare', url: references[0]!.url, pid: references[0]!.pid },
    ];
    warm('the FHIR searches');
    for (const t of fhirTargets) await load(fhirSpec(t.url, warmupSeconds));
    for (let r = 0; r < runs; r++) {
      for (const t of fhirTargets) {
        const result = await load({ ...fhirSpec(t.url, seconds), serverPid: t.pid });
        (raw[`fhir.${t.name}`] ??= []).push(result);
        log(
          `FHIR Consent ${t.name} x32 run ${r + 1}/${runs}: ${result.rps} req/s, p99 ${result.p99} ms, errors ${result.errors}`,
        );
      }
    }
    const fhirRegistry = medianOf(raw['fhir.registry']!);
    const fhirBare = medianOf(raw['fhir.bare']!);
    figures.fhirConsent = {
      registry: fhirRegistry,
      bare: fhirBare,
      throughputVsBare: round(fhirRegistry.rps / fhirBare.rps, 3),
      responseBytes: Buffer.byteLength(consentBody),
    };
    await Promise.all(references.splice(0).map((r) => r.stop()));

    // --- recordConversation ------------------------------------------------------------------
    const keys = await ensureDevelopmentKeys(work);
    const conversations = await conversationWrites({ region, facts, seed, privateJwk: keys.privateJwk });
    const writeSpec = (connections: number, secs: number) => conversations.spec(api.url, connections, secs);
    // Notices (issue 14): an ambulance endpoint and subscriber hear of every conversation written.
    const noticeProbe = await startNoticeProbe(api);
    warm('recordConversation');
    log(`recordConversation warm-up (${warmupSeconds} s)`);
    await load(writeSpec(8, warmupSeconds));
    for (let r = 0; r < runs; r++) {
      for (const connections of WRITE_CONNECTIONS) {
        const result = await load({ ...writeSpec(connections, seconds), serverPid: pid });
        (raw[`record.${connections}`] ??= []).push(result);
        log(
          `recordConversation x${connections} run ${r + 1}/${runs}: ${result.rps} req/s, p50 ${result.p50} ms, p99 ${result.p99} ms, errors ${result.errors}`,
        );
      }
    }
    figures.recordConversation = Object.fromEntries(
      WRITE_CONNECTIONS.map((c) => [String(c), medianOf(raw[`record.${c}`]!)]),
    );

    // --- HAP lookups while conversations are written (issue 16: writes never stall reads) -----
    // The HAP load at 8 clients and the recordConversation load at 2, side by side, on one server.
    const hapTarget = targets[0]!;
    warm('HAP lookups while writing');
    const mixedCpu: CpuFigures[] = [];
    for (let r = 0; r < runs; r++) {
      // One CPU measure over both loads: the server's time cannot be told apart between them.
      const both = () =>
        Promise.all([
          load(hapSpec(hapTarget.url, hapTarget.headers, MIXED_READ_CONNECTIONS, seconds)),
          load(writeSpec(MIXED_WRITE_CONNECTIONS, seconds)),
        ]);
      const measured = await measureCpu(pid, both, ([a, b]) => a.responses + b.responses);
      const [reads, writes] = measured.result;
      if (measured.cpu) mixedCpu.push(measured.cpu);
      (raw['mixed.reads'] ??= []).push(reads);
      (raw['mixed.writes'] ??= []).push(writes);
      log(
        `HAP x${MIXED_READ_CONNECTIONS} while recordConversation x${MIXED_WRITE_CONNECTIONS} run ${r + 1}/${runs}: ` +
          `reads ${reads.rps} req/s, p50 ${reads.p50} ms, p99 ${reads.p99} ms, errors ${reads.errors}; ` +
          `writes ${writes.rps} req/s, p99 ${writes.p99} ms, errors ${writes.errors}`,
      );
    }
    figures.hapWhileWriting = {
      readConnections: MIXED_READ_CONNECTIONS,
      writeConnections: MIXED_WRITE_CONNECTIONS,
      reads: medianOf(raw['mixed.reads']!),
      writes: medianOf(raw['mixed.writes']!),
      // Per response of either kind.
      ...(mixedCpu.length === runs ? { cpu: medianCpu(mixedCpu) } : {}),
    };
    figures.notices = await noticeProbe.finish();
    {
      const n = figures.notices as NoticeFigures;
      log(
        `notices: webhook ${n.webhook.notices} (${n.webhook.perSecond}/s, p99 ${n.webhook.p99DelayMs} ms), ` +
          `subscription ${n.subscription.notices} (${n.subscription.perSecond}/s, p99 ${n.subscription.p99DelayMs} ms, ` +
          `${n.subscription.shortfall} short of the webhook)`,
      );
    }
    pressure.afterWrites = cpuPressure();

    // --- The web app's emergency view in a real browser (issue 13: "within 300 ms") ----------
    const webSamples = smoke ? 20 : 100;
    const web = await emergencyViewTimes(api.url, hapToken, consented, webSamples);
    figures.emergencyView = web ?? { skipped: 'no chromium (apt-get install -y chromium)' };
    log(
      web
        ? `emergency view: Enter to plan shown p50 ${web.p50Ms} ms, p99 ${web.p99Ms} ms over ${web.samples} lookups`
        : 'emergency view: skipped, no chromium',
    );

    // --- pzpAsOf and pzpHistory on the long histories ------------------------------------------
    const auditor = await api.token('auditor', 'bench');
    const long = facts.long.map((l) => ({ ...l, bsn: facts.bsn[l.index]! }));
    let turn = 0;
    const historyRead = (kind: 'asOf' | 'history'): LoadSpec => ({
      url: api.url,
      connections: 1,
      seconds,
      serverPid: pid,
      next: () => {
        const l = long[turn++ % long.length]!;
        const body =
          kind === 'asOf'
            ? { query: AS_OF, variables: { bsn: l.bsn, at: l.midway } }
            : { query: HISTORY, variables: { bsn: l.bsn, first: 50 } };
        return { body: JSON.stringify(body), headers: { authorization: `Bearer ${auditor}` } };
      },
    });
    const probe = await api.graphql<{ pzpAsOf: { version: number } | null }>(auditor, AS_OF, {
      bsn: long[0]!.bsn,
      at: long[0]!.midway,
    });
    if (probe.errors || !probe.data?.pzpAsOf) throw new Error(`pzpAsOf fails: ${JSON.stringify(probe)}`);
    warm('pzpAsOf and pzpHistory');
    for (const kind of ['asOf', 'history'] as const) {
      await load({ ...historyRead(kind), seconds: warmupSeconds });
      for (let r = 0; r < runs; r++) {
        const result = await load(historyRead(kind));
        (raw[kind] ??= []).push(result);
        log(
          `${kind} x1 run ${r + 1}/${runs}: ${result.rps} req/s, p50 ${result.p50} ms, p99 ${result.p99} ms, errors ${result.errors}`,
        );
      }
    }
    figures.pzpAsOf = {
      ...medianOf(raw.asOf!),
      patients: long.length,
      events: long.map((l) => l.events),
      versionShown: probe.data.pzpAsOf.version,
    };
    figures.pzpHistory = { ...medianOf(raw.history!), pageSize: 50 };

    figures.api = {
      ...(pid === undefined ? {} : memoryOf(pid)),
      coldStartMs: median(coldStarts),
      coldStartRuns: coldStarts,
    };
    pressure.afterHistory = cpuPressure();
    await server!.stop({ removeData: false });
    server = undefined;
    while (rebuilds.length < rebuildRuns) {
      freshCopy();
      await rebuildRun();
    }
  } finally {
    await Promise.all(references.map((r) => r.stop()));
    await server?.stop({ removeData: false });
    killStrayServers(work);
    if (!values.keep) rmSync(work, { recursive: true, force: true });
  }
  pressure.atEnd = cpuPressure();

  figures.disk = disk;
  figures.rebuild = {
    eventsPerSecond: Math.round(median(rebuilds.map((r) => r.eventsPerSecond))),
    seconds: median(rebuilds.map((r) => r.seconds)),
    events: rebuilds[0]?.events,
    runs: rebuilds,
  };
  const results = {
    startedAt: startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    mode: smoke ? 'smoke' : national ? 'national' : 'full',
    machine,
    config: {
      patients,
      seed,
      runs,
      secondsPerRun: seconds,
      warmupSeconds,
      rebuildRuns,
      hapConnections: HAP_CONNECTIONS,
      writeConnections: WRITE_CONNECTIONS,
      mixed: { readConnections: MIXED_READ_CONNECTIONS, writeConnections: MIXED_WRITE_CONNECTIONS },
    },
    region: {
      reused,
      dir: regionDir,
      events: manifest.events,
      appends: manifest.appends,
      seedSeconds: manifest.seconds,
      seedEventsPerSecond: manifest.eventsPerSecond,
      longHistories: facts.long.map((l) => l.events),
    },
    figures,
    raw,
    /** The page-cache warm-ups before the rebuilds and the load rows (scripts/lib/page-cache.ts). */
    pageCache: warmups,
    /** Linux PSI "some" avg10 for the CPU: above ~10, other work competed for the CPU. */
    cpuPressure: pressure,
  };
  const dir = join(ROOT, '.bench', 'results');
  mkdirSync(dir, { recursive: true });
  const json = `${JSON.stringify(results, null, 2)}\n`;
  // A smoke run (CI) does not replace the latest full figures.
  const latest = join(dir, smoke ? 'latest-smoke.json' : national ? 'latest-national.json' : 'latest.json');
  writeFileSync(latest, json);
  const stamped = join(dir, `${startedAt.toISOString().replace(/[:.]/g, '-')}${smoke ? '-smoke' : ''}.json`);
  writeFileSync(stamped, json);
  printTable(results);
  process.stdout.write(`\nResults: ${latest} (and ${stamped})\n`);
}

function printTable(results: {
  machine: { cpus: number; cpuModel: string; node: string };
  config: { patients: number; runs: number; secondsPerRun: number };
  region: { events: number; seedSeconds: number; seedEventsPerSecond: number; reused: boolean };
  figures: Record<string, unknown>;
}) {
  const f = results.figures as {
    hapLookup: Record<string, Record<string, LoadFigures>> & {
      ratios: Record<string, Record<string, number>>;
    };
    recordConversation: Record<string, LoadFigures>;
    hapWhileWriting: { reads: LoadFigures; writes: LoadFigures; cpu?: CpuFigures };
    pzpAsOf: LoadFigures;
    pzpHistory: LoadFigures;
    rebuild: { eventsPerSecond: number; seconds: number };
    api: { peakRssMiB?: number; rssMiB?: number; coldStartMs: number };
    disk: DiskFigures;
    notices: NoticeFigures;
    emergencyView: WebFigures | { skipped: string };
    fhirConsent: { registry: LoadFigures; bare: LoadFigures; throughputVsBare: number };
  };
  const { machine, config, region } = results;
  const rows: Record<string, Record<string, string | number>> = {};
  // CPU per response: the server (all threads, and its main thread), the load generator, and the
  // share of the machine both used (lib/process-cpu.ts).
  const cpuColumns = (c: CpuFigures | undefined) => ({
    'server CPU ms (main)': c ? `${c.serverMsPerResponse} (${c.mainThreadMsPerResponse})` : '',
    'load CPU ms': c?.generatorMsPerResponse ?? '',
    'machine %': c?.machinePercent ?? '',
  });
  const row = (name: string, r: LoadFigures, note = '', cpu = r.cpu) =>
    (rows[name] = {
      'req/s': r.rps,
      'p50 ms': r.p50,
      'p99 ms': r.p99,
      errors: r.errors,
      ...cpuColumns(cpu),
      note,
    });
  // The first row fixes the columns' order (console.table): the note last.
  rows['seed (real command path)'] = {
    'req/s': '',
    'p50 ms': '',
    'p99 ms': '',
    errors: '',
    ...cpuColumns(undefined),
    note: `${region.events.toLocaleString('en-US')} events, ${region.seedSeconds} s, ${region.seedEventsPerSecond.toLocaleString('en-US')} events/s${region.reused ? ' (reused seed)' : ''}`,
  };
  for (const c of HAP_CONNECTIONS) {
    const ratio = f.hapLookup.ratios[String(c)]!;
    row(
      `pzp HAP lookup x${c}`,
      f.hapLookup.registry![String(c)]!,
      `${ratio.throughputVsApollo} of Apollo, ${ratio.throughputVsBare} of bare`,
    );
    row(`  Apollo reference x${c}`, f.hapLookup.apolloReference![String(c)]!);
    row(`  bare http reference x${c}`, f.hapLookup.bareReference![String(c)]!);
  }
  for (const c of WRITE_CONNECTIONS)
    row(`recordConversation (10 changes) x${c}`, f.recordConversation[String(c)]!);
  {
    const { reads, writes, cpu } = f.hapWhileWriting;
    row(
      `pzp HAP lookup x${MIXED_READ_CONNECTIONS} while ${MIXED_WRITE_CONNECTIONS} write`,
      reads,
      `writes: ${writes.rps} req/s, p99 ${writes.p99} ms, errors ${writes.errors}` +
        (cpu ? '; CPU per response of either kind' : ''),
      cpu,
    );
  }
  for (const [name, c] of [
    ['webhook', f.notices.webhook],
    ['planChanged subscription', f.notices.subscription],
  ] as const)
    rows[`notices: ${name}, append to delivery`] = {
      'req/s': c.perSecond,
      'p50 ms': c.p50DelayMs,
      'p99 ms': c.p99DelayMs,
      errors: '',
      note:
        `${c.notices.toLocaleString('en-US')} notices during the writes (max ${c.maxDelayMs} ms)` +
        ('shortfall' in c ? `; ${c.shortfall} short of the webhook` : ''),
    };
  row('pzpAsOf, 200+ event patient x1', f.pzpAsOf);
  row('pzpHistory first page (50) x1', f.pzpHistory);
  row(
    'FHIR Consent search (treatment) x32',
    f.fhirConsent.registry,
    `${f.fhirConsent.throughputVsBare} of bare`,
  );
  // Its own label: rows are keyed by label, and the HAP lookup's bare x32 row has the plain one.
  row('  bare http reference, FHIR bytes x32', f.fhirConsent.bare);
  rows['web app: emergency view, Enter to plan shown'] =
    'skipped' in f.emergencyView
      ? { 'req/s': '', 'p50 ms': '', 'p99 ms': '', errors: '', note: f.emergencyView.skipped }
      : {
          'req/s': '',
          'p50 ms': f.emergencyView.p50Ms,
          'p99 ms': f.emergencyView.p99Ms,
          errors: '',
          note: `${f.emergencyView.samples} lookups in headless Chromium (max ${f.emergencyView.maxMs} ms)`,
        };
  const info = (name: string, note: string) =>
    (rows[name] = { 'req/s': '', 'p50 ms': '', 'p99 ms': '', errors: '', note });
  info(
    'projection rebuild',
    `${f.rebuild.eventsPerSecond.toLocaleString('en-US')} events/s (${f.rebuild.seconds} s)`,
  );
  info(
    'API peak RSS (VmHWM)',
    f.api.peakRssMiB === undefined ? 'n/a' : `${f.api.peakRssMiB} MiB (RSS at end ${f.api.rssMiB} MiB)`,
  );
  info('API cold start to ready', `${f.api.coldStartMs} ms (existing read model)`);
  info(
    'read models ÷ event log on disk',
    `${f.disk.ratio} (${f.disk.readModelsMiB.toLocaleString('en-US')} MiB ÷ ${f.disk.eventLogMiB.toLocaleString('en-US')} MiB)`,
  );
  process.stdout.write(
    `\nPZP registry benchmark: ${config.patients.toLocaleString('en-US')} patients, ` +
      `median of ${config.runs} run(s) of ${config.secondsPerRun} s; ${machine.cpus} CPUs (${machine.cpuModel}), Node ${machine.node}\n`,
  );
  console.table(rows);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
