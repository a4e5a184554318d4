import { rmSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureDevelopmentKeys } from '@pzp/api/auth';
import { Rng } from '../scripts/lib/random.js';
import { CATALOGUE, hostileCases } from './support/hostile/catalogue.js';
import { clinicalEventCounts, clinicalWrites } from './support/hostile/clinical-events.js';
import { GeneratorContext } from './support/hostile/generator.js';
import { judge, report, type Problem } from './support/hostile/judge.js';
import { mutationDocument, TEMPLATES } from './support/hostile/mutations.js';
import { probeHealth, runCases, watchLiveness } from './support/hostile/run.js';
import {
  bsnSource,
  PERSONAS,
  seedPatient,
  today,
  type HostileTarget,
  type Persona,
} from './support/hostile/target.js';
import { TokenForge } from './support/hostile/tokens.js';
import { TestServer } from './support/server.js';

/**
 * Issue 11, item 12: a bounded fuzz run against the real server process over real HTTP. Two
 * thousand hostile requests in seventeen categories (the abuse items and the HTTP
 * envelope), from a seeded PRNG, eight at a time. The server must stay up and answer /healthz
 * throughout, answer every request without a 5xx, give every error a code, never repeat a value
 * it was sent, refuse what must be refused, and write no clinical event.
 */

const SEED = 20_261_112;
const CONCURRENCY = 8;
/** Per request: far beyond any answer a healthy server gives (a freeze shows up as a timeout). */
const REQUEST_TIMEOUT_MS = 10_000;
/**
 * No new request after this: a server that stalls fails the test in bounded time. Generous: the
 * run takes about ten seconds on an idle two-core machine, and CI runs other test files beside it.
 */
const RUN_DEADLINE_MS = 60_000;
const HEALTH_INTERVAL_MS = 200;
const HEALTH_TIMEOUT_MS = 5_000;
/** Three probes in a row unanswered (15 s and more): the server is frozen, sending more proves nothing. */
const FROZEN_AFTER_FAILED_PROBES = 3;
/** pino's level number for `error`. */
const ERROR_LEVEL = 50;

let server: TestServer;
let target: HostileTarget;

beforeAll(async () => {
  server = await TestServer.start();
  const { privateJwk } = await ensureDevelopmentKeys(server.dataDir);
  const forge = new TokenForge(privateJwk);
  const tokens = Object.fromEntries(PERSONAS.map((p) => [p, forge.valid(p)])) as Record<Persona, string>;
  const freshBsn = bsnSource(new Rng(SEED));
  const patients = [];
  for (let i = 0; i < 3; i++) patients.push(await seedPatient(server, tokens, freshBsn()));
  target = { tokens, forge, patients, today: today(), freshBsn };
}, 60_000);

afterAll(async () => {
  if (!server) return;
  // A server still busy with a request that froze it takes SIGTERM only after it: do not wait.
  const stopped = await Promise.race([server.stop({ removeData: false }).then(() => true), sleep(3_000)]);
  if (!stopped) await server.kill();
  rmSync(server.dataDir, { recursive: true, force: true });
});

const isAlive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('hostile requests against the real server', () => {
  // Without this, a template the server refuses for another reason would make its hostile cases
  // pass whatever the server does with the hostile value.
  it('accepts each mutation the hostile cases start from, as it is', async () => {
    const refused: string[] = [];
    // Its own BSNs: the hostile run's cases are the same whether or not this test ran first.
    const freshBsn = bsnSource(new Rng(SEED + 2));
    for (const template of TEMPLATES) {
      const patient = await seedPatient(server, target.tokens, freshBsn());
      const input = template.input({ patient, freshBsn: freshBsn(), today: target.today });
      const r = await server.graphql(target.tokens[template.persona], mutationDocument(template), { input });
      if (r.errors)
        refused.push(`${template.mutation}: ${r.errors.map((e) => e.extensions?.['code']).join(', ')}`);
    }
    expect(refused).toEqual([]);
  }, 60_000);

  it(`stays up and refuses, without a 5xx, an echo or a clinical write, 2,000 hostile requests`, async () => {
    const cases = hostileCases(new GeneratorContext(new Rng(SEED + 1), target));
    expect(cases.length).toBe(Object.values(CATALOGUE).reduce((n, [, count]) => n + count, 0));
    const before = clinicalEventCounts(server.dataDir);
    const logsFrom = server.logs.length;

    const liveness = watchLiveness(server.url, {
      intervalMs: HEALTH_INTERVAL_MS,
      timeoutMs: HEALTH_TIMEOUT_MS,
    });
    const run = await runCases(server.url, cases, {
      concurrency: CONCURRENCY,
      timeoutMs: REQUEST_TIMEOUT_MS,
      deadlineMs: RUN_DEADLINE_MS,
      abandon: () => liveness.consecutiveFailures >= FROZEN_AFTER_FAILED_PROBES,
    });
    const health = await liveness.stop();
    const finalHealth = await probeHealth(server.url, HEALTH_TIMEOUT_MS);

    const failures: string[] = [];
    if (!isAlive(server.pid)) failures.push('the server process exited');
    if (finalHealth) failures.push(`/healthz after the run: ${finalHealth}`);
    if (health.failures.length > 0) {
      const first = health.failures.slice(0, 5).map((f) => `${f.reason} at ${f.atMs} ms`);
      failures.push(
        `/healthz failed ${health.failures.length} of ${health.probes} probes during the run: ${first.join(', ')}`,
      );
    }
    if (run.unsent > 0) {
      // Which requests held it up: for the reader, not a timing assertion.
      const slowest = cases
        .map((c, i) => ({ c, ms: run.outcomes[i]?.ms ?? 0 }))
        .sort((a, b) => b.ms - a.ms)
        .slice(0, 5)
        .map(({ c, ms }) => `${c.category} ${c.label} ${ms} ms`);
      failures.push(
        `${run.unsent} of ${cases.length} requests not sent (the server froze, or the run passed ${RUN_DEADLINE_MS} ms); slowest: ${slowest.join(', ')}`,
      );
    }

    const problems: Problem[] = cases.flatMap((c, i) => judge(c, run.outcomes[i]));
    if (problems.length > 0) failures.push(`responses broke the rules:\n${report(problems, cases)}`);

    const writes = clinicalWrites(before, clinicalEventCounts(server.dataDir));
    if (writes.events !== 0)
      failures.push(
        `hostile requests wrote ${writes.events} clinical events (${writes.newStreams} new patient streams, ${writes.changedStreams} changed)`,
      );

    // Issue 11.3: a client's mistake is never logged as the server's error. Only the log's fixed
    // message is shown: the rest of a line may hold what the request sent.
    const errorLogs = server.logs
      .slice(logsFrom)
      .map((line) => {
        try {
          return JSON.parse(line) as { level?: number; msg?: string };
        } catch {
          return {};
        }
      })
      .filter((entry) => (entry.level ?? 0) >= ERROR_LEVEL);
    if (errorLogs.length > 0) {
      const messages = [...new Set(errorLogs.map((e) => e.msg ?? '(no msg)'))];
      failures.push(`${errorLogs.length} error-level log lines during the run: ${messages.join('; ')}`);
    }

    expect(failures, failures.join('\n')).toEqual([]);
  }, 120_000);
});
