/**
 * Where the API's time goes under one workload: the compiled node, started as `pnpm start` starts
 * it but with `--cpu-prof`, on a work copy of a seeded region, under one load over real HTTP; then
 * each thread's profile summarised in the source's own names (scripts/lib/cpu-profile.ts).
 * Prints figures and shares; asserts nothing.
 *
 *   pnpm run profile hap|write|mixed|fhir|rebuild [--patients 2000] [--seed 1] [--seconds 10]
 *                [--connections 8] [--top 30] [--reuse]
 *
 * hap: the HAP lookup; write: recordConversation (10 changes); mixed: the HAP lookup at
 * --connections while 2 clients write; fhir: the FHIR Consent search; rebuild: the projection
 * rebuild command itself. Needs the region seeded (`pnpm bench --smoke` seeds 2,000 patients,
 * `pnpm seed --patients N` any size). The .cpuprofile files stay in .bench/profiles/<workload>/
 * for Chrome DevTools or speedscope. --reuse serves the work copy as the last full run's rebuild
 * left it (kept beside it; writes of earlier runs are not in it, so a write's expected versions
 * still hold) instead of copying the region and rebuilding: for comparing two builds side by side
 * within minutes (a build with another projection code version rebuilds on start anyway).
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ensureDevelopmentKeys } from '../services/api/src/auth/index.js';
import { TestServer } from '../test/support/server.js';
import { summarizeProfile } from './lib/cpu-profile.js';
import { load, type LoadFigures } from './lib/load.js';
import { measureCpu, memoryOf, type CpuFigures } from './lib/process-cpu.js';
import { warmPageCache } from './lib/page-cache.js';
import { buildRegion } from './lib/region.js';
import { consentSearches, conversationWrites, hapLookups } from './lib/workloads.js';
import { copyRegion, defaultRegionDir, ROOT, type RegionFacts, type RegionManifest } from './seed-region.js';

const WORKLOADS = ['hap', 'write', 'mixed', 'fhir', 'rebuild'] as const;
type Workload = (typeof WORKLOADS)[number];

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    patients: { type: 'string', default: '2000' },
    seed: { type: 'string', default: '1' },
    seconds: { type: 'string', default: '10' },
    connections: { type: 'string', default: '8' },
    top: { type: 'string', default: '30' },
    reuse: { type: 'boolean', default: false },
  },
});
const workload = positionals[0] as Workload;
if (!WORKLOADS.includes(workload)) {
  process.stderr.write(
    `Usage: pnpm run profile ${WORKLOADS.join('|')} [--patients N] [--seconds S] [--connections C]\n`,
  );
  process.exit(2);
}
const patients = Number(values.patients);
const seed = Number(values.seed);
const seconds = Number(values.seconds);
const connections = Number(values.connections);
const top = Number(values.top);
const log = (line: string) => process.stderr.write(`[profile] ${line}\n`);

function printSummaries(dir: string) {
  // CPU.<date>.<time>.<pid>.<thread>.<n>.cpuprofile: thread 0 is the main thread.
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.cpuprofile'))
    .sort((a, b) => Number(a.split('.')[4]) - Number(b.split('.')[4]));
  for (const [i, file] of files.entries()) {
    const s = summarizeProfile(join(dir, file), ROOT, i === 0 ? top : 8);
    const thread = i === 0 ? 'main thread' : `thread ${file.split('.')[4]}`;
    process.stdout.write(`\n${thread}: ${s.busySeconds} s busy of ${s.seconds} s (${join(dir, file)})\n`);
    if (i === 0) {
      process.stdout.write('  inclusive (percent of busy):\n');
      for (const x of s.inclusive)
        process.stdout.write(`  ${x.percent.toFixed(1).padStart(5)}  ${x.where}\n`);
    }
    process.stdout.write('  self:\n');
    for (const x of s.self) process.stdout.write(`  ${x.percent.toFixed(1).padStart(5)}  ${x.where}\n`);
  }
}

/** Copies every file of `from` (a data dir: SQLite files and keys, no folders) into `to`. */
function copyFiles(from: string, to: string) {
  for (const f of readdirSync(from, { withFileTypes: true }))
    if (f.isFile()) copyFileSync(join(from, f.name), join(to, f.name));
}

async function main() {
  const regionDir = defaultRegionDir(patients, seed);
  if (!existsSync(join(regionDir, 'manifest.json')))
    throw new Error(
      `no seeded region in ${regionDir}: run pnpm bench --smoke or pnpm seed --patients ${patients}`,
    );
  const manifest = JSON.parse(readFileSync(join(regionDir, 'manifest.json'), 'utf8')) as RegionManifest;
  const facts = JSON.parse(readFileSync(join(regionDir, 'patients.json'), 'utf8')) as RegionFacts;
  const built = spawnSync(process.execPath, [join(ROOT, 'services/api/build.mjs')], { stdio: 'inherit' });
  if (built.status !== 0) throw new Error(`the build failed (exit ${built.status})`);

  const work = join(ROOT, '.bench', `profile-work-${patients}-${seed}`);
  // The work copy as its rebuild left it, for --reuse.
  const rebuiltCopy = `${work}.rebuilt`;
  const profiles = join(ROOT, '.bench', 'profiles', workload);
  const reuse = values.reuse && workload !== 'rebuild' && existsSync(join(rebuiltCopy, 'read-models.db'));
  for (const dir of [work, profiles]) {
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
  }
  if (reuse) {
    log(`reusing the rebuilt work copy in ${rebuiltCopy}`);
    copyFiles(rebuiltCopy, work);
  } else {
    copyRegion(regionDir, work);
    const rebuildFlags = workload === 'rebuild' ? ['--cpu-prof', `--cpu-prof-dir=${profiles}`] : [];
    const rebuilt = spawnSync(
      process.execPath,
      [...rebuildFlags, join(ROOT, 'services/api/dist/rebuild.js'), '--data-dir', work],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    if (rebuilt.status !== 0) throw new Error(`the rebuild failed (exit ${rebuilt.status})`);
    log(rebuilt.stdout.toString().trim());
    if (workload === 'rebuild') {
      printSummaries(profiles);
      return;
    }
    rmSync(rebuiltCopy, { recursive: true, force: true });
    mkdirSync(rebuiltCopy);
    copyFiles(work, rebuiltCopy);
  }

  // As the benchmark does before its load rows: the files in the page cache (lib/page-cache.ts).
  const warmed = warmPageCache(work);
  log(`page cache: read ${warmed.mebibytes} MiB of data files in ${warmed.seconds} s`);
  const api = await TestServer.start(
    { PZP_PSEUDONYM_SECRET: manifest.pseudonymSecret, PZP_NODE_ID: 'profile', LOG_LEVEL: 'info' },
    work,
    { compiled: true, nodeFlags: ['--cpu-prof', `--cpu-prof-dir=${profiles}`] },
  );
  let figures: Record<string, LoadFigures> = {};
  let cpu: CpuFigures | undefined;
  let peakRssMiB = 0;
  try {
    const hapToken = await api.token('hap-doctor', 'profile');
    const lookups = hapLookups(facts, seed);
    const hap = (c: number, s: number) =>
      lookups.spec(api.url, { authorization: `Bearer ${hapToken}` }, c, s);
    const writes =
      workload === 'write' || workload === 'mixed'
        ? await conversationWrites({
            region: buildRegion({ patients, seed }),
            facts,
            seed,
            privateJwk: (await ensureDevelopmentKeys(work)).privateJwk,
          })
        : undefined;
    const searches =
      workload === 'fhir' ? await consentSearches(api.url, hapToken, lookups.consented, seed) : undefined;
    const run = async (s: number): Promise<Record<string, LoadFigures>> => {
      if (workload === 'hap') return { reads: await load(hap(connections, s)) };
      if (workload === 'fhir') return { reads: await load(searches!.spec(api.url, connections, s)) };
      if (workload === 'write') return { writes: await load(writes!.spec(api.url, connections, s)) };
      const [reads, written] = await Promise.all([
        load(hap(connections, s)),
        load(writes!.spec(api.url, 2, s)),
      ]);
      return { reads, writes: written };
    };
    log(`warm-up (2 s), then ${workload} for ${seconds} s at ${connections} clients`);
    await run(2);
    const measured = await measureCpu(
      api.pid,
      () => run(seconds),
      (all) => Object.values(all).reduce((a, f) => a + f.responses, 0),
    );
    figures = measured.result;
    cpu = measured.cpu;
    peakRssMiB = Math.round(memoryOf(api.pid)?.peakRssMiB ?? 0);
  } finally {
    await api.stop({ removeData: false }); // a clean exit: --cpu-prof writes the profiles then
  }
  process.stdout.write(
    `${JSON.stringify({
      workload,
      patients,
      connections,
      ...figures,
      apiCpuMsPerResponse: cpu?.serverMsPerResponse,
      mainThreadCpuMsPerResponse: cpu?.mainThreadMsPerResponse,
      peakRssMiB,
    })}\n`,
  );
  printSummaries(profiles);
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
});
