/**
 * Only the FHIR row of `pnpm bench`: `GET /fhir/Consent?patient=…` (treatment directives) at 32
 * clients against the real API on a seeded region, beside a bare node:http server returning the
 * same bytes; for profiling the FHIR read path without the minute the whole benchmark takes.
 *
 *   node --import tsx scripts/bench-fhir.ts [--patients 2000] [--seed 1] [--seconds 5] [--runs 3]
 *        [--cpu-prof DIR]   # the API runs with --cpu-prof, its profile written to DIR on stop
 *
 * Needs the region seeded by `pnpm bench --smoke` (or `pnpm seed`) in .bench/region-<N>-<seed>/.
 * Works on its own copy (.bench/fhir-work-<N>-<seed>/), so it can run beside `pnpm bench`.
 * Prints one JSON line: registry and bare req/s (median of runs) and their ratio.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { createInterface } from 'node:readline';
import { ensureDevelopmentKeys, mintToken } from '../services/api/src/auth/index.js';
import { personaActor } from '../services/api/src/auth/personas.js';
import { startReferenceServer } from './lib/reference-servers.js';
import { Rng } from './lib/random.js';
import { defaultRegionDir, ROOT, type RegionFacts, type RegionManifest } from './seed-region.js';

const { values } = parseArgs({
  options: {
    patients: { type: 'string', default: '2000' },
    seed: { type: 'string', default: '1' },
    seconds: { type: 'string', default: '5' },
    runs: { type: 'string', default: '3' },
    connections: { type: 'string', default: '32' },
    'cpu-prof': { type: 'string' },
  },
});
const patients = Number(values.patients);
const seed = Number(values.seed);
const seconds = Number(values.seconds);
const runs = Number(values.runs);
const connections = Number(values.connections);
const log = (line: string) => process.stderr.write(`[bench-fhir] ${line}\n`);

/**
 * The API process as test/support/server.ts starts it, with node flags of our own (--cpu-prof is
 * refused in NODE_OPTIONS); resolves with its URL once it logged 'ready'.
 */
function startApi(env: Record<string, string>, dataDir: string, nodeFlags: string[]) {
  const child = spawn(
    process.execPath,
    [...nodeFlags, '--import', 'tsx', join(ROOT, 'services/api/src/main.ts')],
    {
      cwd: ROOT,
      env: { PATH: process.env.PATH, PZP_MODE: 'development', PORT: '0', PZP_DATA_DIR: dataDir, ...env },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  return new Promise<{ url: string; child: ChildProcess }>((ready, fail) => {
    child.once('exit', (code) => fail(new Error(`the API exited with ${code}`)));
    createInterface({ input: child.stdout! }).on('line', (line) => {
      try {
        const entry = JSON.parse(line) as { msg?: string; port?: number };
        if (entry.msg === 'ready' && entry.port) ready({ url: `http://127.0.0.1:${entry.port}`, child });
      } catch {
        // not JSON
      }
    });
  });
}

/** Responses per second of one autocannon run, and how many were not a searchset. */
function load(url: string, next: () => string, headers: Record<string, string>, secs: number) {
  let failed = 0;
  return new Promise<{ rps: number; errors: number; responses: number }>((done, fail) => {
    autocannon(
      {
        url,
        connections,
        duration: secs,
        requests: [
          {
            method: 'GET',
            setupRequest: (request) => ({
              ...request,
              path: next(),
              headers: { ...request.headers, ...headers },
            }),
            onResponse: (status, body) => {
              if (status !== 200 || !body.includes('"searchset"')) failed++;
            },
          },
        ],
      },
      (error, result) =>
        error
          ? fail(error instanceof Error ? error : new Error(String(error)))
          : done({
              rps: Math.round(result.requests.total / result.duration),
              responses: result.requests.total,
              errors: result.errors + result.timeouts + failed,
            }),
    );
  });
}

/** CPU seconds a process has used so far, all its threads (Linux /proc, clock ticks of 1/100 s). */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

const median = (xs: readonly number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function main() {
  const regionDir = defaultRegionDir(patients, seed);
  if (!existsSync(join(regionDir, 'events.db')))
    throw new Error(`no seeded region in ${regionDir}: run pnpm bench --smoke or pnpm seed first`);
  const manifest = JSON.parse(readFileSync(join(regionDir, 'manifest.json'), 'utf8')) as RegionManifest;
  const facts = JSON.parse(readFileSync(join(regionDir, 'patients.json'), 'utf8')) as RegionFacts;
  const work = join(ROOT, '.bench', `fhir-work-${patients}-${seed}`);
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  copyFileSync(join(regionDir, 'events.db'), join(work, 'events.db'));
  const rebuilt = spawnSync(
    process.execPath,
    ['--import', 'tsx', join(ROOT, 'packages/projections/src/cli/rebuild.ts'), '--data-dir', work],
    { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] },
  );
  if (rebuilt.status !== 0) throw new Error(`rebuild failed (exit ${rebuilt.status})`);

  const profDir = values['cpu-prof'] && resolve(values['cpu-prof']);
  const api = await startApi(
    { PZP_PSEUDONYM_SECRET: manifest.pseudonymSecret, PZP_NODE_ID: 'bench-fhir', LOG_LEVEL: 'info' },
    work,
    profDir ? ['--cpu-prof', `--cpu-prof-dir=${profDir}`] : [],
  );
  const bare: { stop(): Promise<void> }[] = [];
  try {
    const keys = await ensureDevelopmentKeys(work);
    const token = await mintToken({
      privateJwk: keys.privateJwk,
      actor: personaActor('hap-doctor'),
      clientSystem: 'bench',
      issuer: 'pzp-registry-dev',
      audience: 'pzp-registry',
    });
    const headers = { authorization: `Bearer ${token}`, accept: 'application/fhir+json' };
    const longIndices = new Set(facts.long.map((l) => l.index));
    const consented = facts.bsn.filter((_, i) => facts.hap[i] === 1 && !longIndices.has(i));
    const ids: string[] = [];
    for (const bsn of consented.slice(0, 200)) {
      const found = await fetch(
        `${api.url}/fhir/Patient?identifier=${encodeURIComponent(`http://fhir.nl/fhir/NamingSystem/bsn|${bsn}`)}`,
        { headers },
      );
      const id = ((await found.json()) as { entry?: { resource: { id: string } }[] }).entry?.[0]?.resource.id;
      if (id) ids.push(id);
    }
    // The same search as scripts/bench.ts's FHIR row.
    const consentPath = (id: string) =>
      `/fhir/Consent?patient=${id}&scope=${encodeURIComponent('http://terminology.hl7.org/CodeSystem/consentscope|treatment')}` +
      `&category=${encodeURIComponent('http://snomed.info/sct|129125009')}`;
    const sample = await fetch(`${api.url}${consentPath(ids[0]!)}`, { headers });
    const body = await sample.text();
    if (sample.status !== 200 || !body.includes('"searchset"'))
      throw new Error(`the FHIR Consent search does not work: ${body.slice(0, 300)}`);
    const file = join(work, 'reference-consent.json');
    writeFileSync(file, body);
    const reference = await startReferenceServer('bare', file);
    bare.push(reference);
    const rng = new Rng(seed ^ 0x4a9);
    const next = () => consentPath(rng.pick(ids));
    await load(api.url, next, headers, 2);
    await load(reference.url, next, headers, 1);
    /** Access records and group commits so far (from /metrics): how well reads share an append. */
    const commits = async () => {
      const text = await (await fetch(`${api.url}/metrics`)).text();
      const value = (re: RegExp) => Number(re.exec(text)?.[1] ?? Number.NaN);
      return {
        records: value(/^pzp_access_records_total\{outcome="ok"\} (\d+)/m),
        appends: value(/^pzp_access_record_commit_duration_seconds_count\{outcome="ok"\} (\d+)/m),
      };
    };
    const before = await commits();
    const registry: number[] = [];
    let cpu = 0;
    let responses = 0;
    const plain: number[] = [];
    for (let r = 0; r < runs; r++) {
      const cpuBefore = cpuSeconds(api.child.pid!);
      const reg = await load(api.url, next, headers, seconds);
      cpu += cpuSeconds(api.child.pid!) - cpuBefore;
      responses += reg.responses;
      const ref = await load(reference.url, next, headers, seconds);
      log(`run ${r + 1}/${runs}: registry ${reg.rps} req/s (errors ${reg.errors}), bare ${ref.rps} req/s`);
      registry.push(reg.rps);
      plain.push(ref.rps);
    }
    const after = await commits();
    const result = {
      /** The API's own CPU per answer: what the ratio is made of, less sensitive to other work on the machine. */
      apiCpuMsPerRequest: Math.round((cpu * 1000 * 1000) / responses) / 1000,
      recordsPerAppend:
        Math.round(((after.records - before.records) / (after.appends - before.appends)) * 10) / 10,
      registry: median(registry),
      bare: median(plain),
      ratio: Math.round((median(registry) / median(plain)) * 1000) / 1000,
      ratios: registry.map((r, i) => Math.round((r / plain[i]!) * 1000) / 1000),
      responseBytes: Buffer.byteLength(body),
    };
    process.stdout.write(`${JSON.stringify(result)}\n`);
  } finally {
    await Promise.all(bare.map((b) => b.stop()));
    const exited = new Promise((r) => api.child.once('exit', r));
    api.child.kill('SIGTERM'); // a clean exit, so that --cpu-prof writes its profile
    await exited;
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
});
