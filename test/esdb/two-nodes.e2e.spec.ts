import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PZP, RECORD_CONVERSATION, SET_DIRECTIVE } from '../operations.js';
import { dumpReadModelFile, rebuiltFromScratch } from '../support/read-models.js';
import { writeSyntheticPatients } from '../support/patients.js';
import { spawnApi, TestServer } from '../support/server.js';
import { ok } from '../support/graphql.js';
import { startEsdbStandin, type EsdbStandin } from '../esdb-standin/standin.js';
import { ACCESS_LOG_STREAM_PREFIX } from '@pzp/domain';
import { EsdbEventStore, keyEncryptionKey, SqliteKeyStore } from '@pzp/event-store';
import { encryptedPerPatient } from '@pzp/projections';

/**
 * Several API nodes on one EventStoreDB (the gRPC stand-in, in this process), each with its own
 * read-model file, as in production behind a load balancer.
 */

const SECRET = 'two-nodes-e2e-pseudonym-secret-0123456789';
const BSN = '111222333';
const gpActor = { id: 'UZI-100001', name: 'Dr. A. Jansen', profession: 'GENERAL_PRACTITIONER' };
const practice = { id: 'URA-01000001', name: 'Huisartsenpraktijk De Linde', type: 'HUISARTSENPRAKTIJK' };
const gpParty = { kind: 'PROFESSIONAL', ...gpActor, organization: practice };

let standin: EsdbStandin;
let store: EsdbEventStore;
const servers: TestServer[] = [];
const dirs: string[] = [];

// Nodes on one EventStoreDB share the patients' data keys (README "Lawful destruction").
const keyStoreDir = mkdtempSync(join(tmpdir(), 'pzp-node-keys-'));
const nodeEnv = (nodeId: string): Record<string, string> => ({
  EVENTSTORE_CONNECTION_STRING: standin.connectionString,
  PZP_PSEUDONYM_SECRET: SECRET,
  PZP_NODE_ID: nodeId,
  PZP_KEY_STORE_DIR: keyStoreDir,
});
const newDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'pzp-node-'));
  dirs.push(dir);
  return dir;
};
async function startNode(
  nodeId: string,
  dataDir = newDir(),
  env: Record<string, string> = {},
): Promise<TestServer> {
  const server = await TestServer.start({ ...nodeEnv(nodeId), ...env }, dataDir);
  servers.push(server);
  return server;
}
beforeAll(async () => {
  standin = await startEsdbStandin();
  store = EsdbEventStore.fromConnectionString(standin.connectionString);
});

afterAll(async () => {
  for (const server of servers) await server.stop({ removeData: false });
  await store?.close();
  await standin?.close();
  for (const dir of [...dirs, keyStoreDir]) rmSync(dir, { recursive: true, force: true });
});

describe('two API nodes on one event store', () => {
  let a: TestServer;
  let b: TestServer;

  beforeAll(async () => {
    [a, b] = await Promise.all([
      startNode('node-a'),
      // Node B tells when its access-log writer has queued a record (see access-log-probe.mjs), and
      // gives a request a minute, so that no answer times out while the test holds its append.
      startNode('node-b', newDir(), { ...ACCESS_LOG_PROBE, PZP_REQUEST_TIMEOUT_MS: '60000' }),
    ]);
  }, 60_000);

  it("a GP's conversation recorded on node A is visible on node B within one second", async () => {
    const recorded = ok(
      await a.graphql<{ recordConversation: { record: { version: number } } }>(
        await a.token('gp', 'HIS'),
        RECORD_CONVERSATION,
        {
          input: {
            bsn: BSN,
            patient: { bsn: BSN, name: 'W. de Groot-Peters', birthDate: '1938-05-04' },
            date: '2026-03-09',
            participants: [{ kind: 'PATIENT' }, gpParty],
            topics: ['TREATMENT_WISHES_AND_LIMITS', 'SHARING_CONSENT'],
            treatmentDirectives: [{ treatment: { code: 'CPR' }, decision: 'NIET' }],
            sharingConsents: [{ organizationType: 'HAP', decision: 'GRANTED' }],
          },
        },
      ),
    ).recordConversation.record;
    const committed = performance.now();

    const hap = await b.token('hap-doctor', 'HAP system');
    let seen: { version: number; treatmentDirectives: { key: string; decision: string }[] } | undefined;
    while (performance.now() - committed < 1_000) {
      const r = await b.graphql<{ pzp: typeof seen | null }>(hap, PZP, { bsn: BSN, purpose: 'EMERGENCY' });
      if (r.data?.pzp?.version === recorded.version) {
        seen = r.data.pzp;
        break;
      }
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(seen, 'node B did not show the conversation within 1 s').toBeDefined();
    expect(seen!.treatmentDirectives).toContainEqual(
      expect.objectContaining({ key: '89666000', agreement: expect.objectContaining({ decision: 'NIET' }) }),
    );
  });

  it('forty reads queued behind an access-log append in flight cost one append; no answer before its record is durable', async () => {
    const hap = await b.token('hap-doctor', 'HAP system');
    const start = await store.headPosition();
    const appendsBefore = accessLogAppends('node-b');
    const queuedBefore = queuedAccessRecords(b);
    let answered = 0;
    const read = () => b.graphql(hap, PZP, { bsn: BSN, purpose: 'EMERGENCY' }).finally(() => answered++);

    // The stand-in keeps access-log appends in flight until released.
    const hold = standin.holdAppends(ACCESS_LOG_STREAM_PREFIX);
    try {
      // One read: the writer appends its record on its own, and that append stays in flight.
      const first = read();
      await hold.waitForAppends(1, { timeoutMs: 30_000 });
      // Forty reads at once; wait until all forty records are in the writer's queue behind it.
      const forty = Array.from({ length: 40 }, read);
      await until(() => queuedAccessRecords(b) - queuedBefore >= 41, "41 records in node B's queue");
      expect(queuedAccessRecords(b) - queuedBefore).toBe(41);
      // The writer sends nothing more while its append is in flight, and no one has an answer.
      expect(hold.appends).toEqual([{ stream: expect.stringMatching(/-node-b$/), events: 1, held: true }]);
      expect(answered).toBe(0);

      hold.release();
      const answers = await Promise.all([first, ...forty]);
      for (const answer of answers) {
        expect(answer.status).toBe(200);
        expect(answer.errors).toBeUndefined();
      }
      // The writer's group commit (AccessLogWriter.flush in @pzp/access): one append in flight at a
      // time; when it completes, everything queued meanwhile (up to maxBatch = 512 records) goes
      // in the next one. Records queued behind the held append: 40 <= 512, so exactly one more
      // append: 2 in all, of 1 and 40 events, however the machine schedules the requests.
      expect(hold.appends.map((x) => x.events)).toEqual([1, 40]);
      expect(accessLogAppends('node-b') - appendsBefore).toBe(2);
      // Every answer was sent after its record was appended: all 41 are in the store now.
      const records = (await store.readAll({ fromPosition: start! })).filter(
        (e) => e.type === 'PatientRecordAccessed',
      );
      expect(records).toHaveLength(41);
      for (const record of records) expect(record.streamName).toMatch(/^accesslog-\d{8}-node-b$/);
    } finally {
      hold.release();
    }
  }, 90_000);

  it('concurrent changes with the same expectedVersion on both nodes: one wins, the rest get CONFLICT', async () => {
    const [gpA, gpB] = await Promise.all([a.token('gp'), b.token('gp')]);
    const { version } = ok(await a.graphql<{ pzp: { version: number } }>(gpA, PZP, { bsn: BSN })).pzp;
    const attempt = (server: TestServer, token: string, specification: string) =>
      server.graphql(token, SET_DIRECTIVE, {
        input: {
          bsn: BSN,
          expectedVersion: version,
          treatment: { code: 'BLOOD_PRODUCTS' },
          decision: 'ANDERS',
          specification,
          decidedOn: '2026-03-09',
          parties: [{ kind: 'PATIENT' }, gpParty],
        },
      });
    const results = await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        i % 2 ? attempt(b, gpB, `Variant ${i}`) : attempt(a, gpA, `Variant ${i}`),
      ),
    );
    const codes = results.map((r) => r.errors?.[0]?.extensions?.code ?? 'OK');
    expect(codes.filter((c) => c === 'OK')).toHaveLength(1);
    expect(codes.filter((c) => c === 'CONFLICT')).toHaveLength(5);
    for (const r of results.filter((r) => r.errors)) {
      expect(r.errors![0]!.extensions!.currentVersion).toBe(version + 1);
    }
  });
});

describe('a node killed during catch-up', () => {
  it('resumes from its checkpoint to read models identical to a from-scratch rebuild', async () => {
    await writeSyntheticPatients(store, { from: 10_000, count: 400, secret: SECRET });
    const head = (await store.headPosition())!;

    const dataDir = newDir();
    const file = join(dataDir, 'read-models.db');
    // Small catch-up batches: many commits, so the kill lands between two of them.
    const first = spawnApi({ ...nodeEnv('node-c'), PZP_CATCH_UP_BATCH_SIZE: '200' }, dataDir);
    let checkpoint: bigint | undefined;
    try {
      // Kill it as soon as it has committed part of the log, but not all of it.
      const deadline = Date.now() + 30_000;
      while (checkpoint === undefined && Date.now() < deadline) {
        checkpoint = readCheckpoint(file);
        if (checkpoint === undefined) await new Promise((r) => setTimeout(r, 5));
      }
    } finally {
      first.child.kill('SIGKILL');
      await first.exited;
    }
    const persisted = readCheckpoint(file);
    expect(persisted, 'the node had not committed any read models yet').toBeDefined();
    expect(persisted! < head, 'the node had already caught up: the kill was not during catch-up').toBe(true);

    const restarted = await startNode('node-c', dataDir);
    const resumedFrom = restarted.logs
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as { msg?: string; from?: string | null })
      .find((l) => l.msg === 'catching up')!.from;
    expect(resumedFrom).toBe(persisted!.toString());
    await restarted.stop({ removeData: false });

    // Read as the nodes read it: the patients' data decrypted with the keys they share.
    const keys = SqliteKeyStore.open(
      join(keyStoreDir, 'keys.db'),
      keyEncryptionKey({ configured: undefined, dir: keyStoreDir, mayGenerate: true }),
    );
    try {
      const decrypted = encryptedPerPatient(store, keys);
      const scratch = await rebuiltFromScratch(decrypted, join(newDir(), 'scratch.db'));
      expect(dumpReadModelFile(file)).toEqual(scratch);
    } finally {
      await keys.close();
    }
  }, 90_000);
});

describe('start-up while the event store is down', () => {
  it('retries with growing backoff, then gives up with a clear message', async () => {
    await standin.stop();
    try {
      const node = spawnApi({ ...nodeEnv('node-d'), PZP_EVENTSTORE_STARTUP_TIMEOUT_MS: '3000' }, newDir());
      const code = await Promise.race([
        node.exited,
        new Promise<'still running'>((r) => setTimeout(() => r('still running'), 20_000)),
      ]);
      if (code === 'still running') node.child.kill('SIGKILL');
      expect(code).toBe(1);
      const retries = node.logs
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as { msg: string; retryInMs?: number; attempt?: number })
        .filter((l) => l.msg === 'event store unreachable; retrying');
      expect(retries.map((r) => r.retryInMs)).toEqual([500, 1000]);
      expect(node.logs.join('\n')).toContain(
        `EventStoreDB at 127.0.0.1:${standin.port} did not answer within 3000 ms`,
      );
      expect(node.logs.join('\n'), 'no stack trace').not.toMatch(/^\s+at /m);
    } finally {
      await standin.start();
    }
  }, 30_000);

  it('comes up by itself once the event store answers', async () => {
    await standin.stop();
    const node = spawnApi(nodeEnv('node-e'), newDir());
    try {
      const retrying = () => node.logs.some((l) => l.includes('event store unreachable; retrying'));
      for (let waited = 0; !retrying() && waited < 15_000; waited += 50)
        await new Promise((r) => setTimeout(r, 50));
      expect(retrying()).toBe(true);
      await standin.start();
      const port = await node.port;
      // Ready once caught up; the subscription turns live when the store confirms it.
      let body: { status?: string; eventStore?: { subscription?: { state?: string } } } = {};
      for (let waited = 0; waited < 5_000; waited += 50) {
        const ready = await fetch(`http://127.0.0.1:${port}/readyz`);
        body = (await ready.json()) as typeof body;
        expect(ready.status, JSON.stringify(body)).toBe(200);
        if (body.eventStore?.subscription?.state === 'live') break;
        await new Promise((r) => setTimeout(r, 50));
      }
      expect(body).toMatchObject({
        status: 'ready',
        eventStore: { store: `127.0.0.1:${standin.port}`, subscription: { state: 'live' } },
      });
    } finally {
      node.child.kill('SIGTERM');
      await node.exited;
      await standin.start();
    }
  }, 30_000);
});

/**
 * Preloads access-log-probe.mjs into an API process: it prints QUEUED_LINE each time the node's
 * access-log writer has queued a record.
 */
const ACCESS_LOG_PROBE = {
  NODE_OPTIONS: `--import ${new URL('./access-log-probe.mjs', import.meta.url).href}`,
};
const QUEUED_LINE = '{"msg":"e2e probe: access record queued"}';

/** Records a node (started with ACCESS_LOG_PROBE) has queued at its access-log writer so far. */
function queuedAccessRecords(server: TestServer): number {
  return server.logs.filter((line) => line === QUEUED_LINE).length;
}

/** Polls `condition` until it holds; fails after `timeoutMs` naming `what`. */
async function until(condition: () => boolean, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Appends the stand-in received on a node's access-log streams (`accesslog-<day>-<node>`). */
function accessLogAppends(nodeId: string): number {
  let total = 0;
  for (const [stream, count] of standin.appendCounts()) if (stream.endsWith(`-${nodeId}`)) total += count;
  return total;
}

function readCheckpoint(file: string): bigint | undefined {
  if (!existsSync(file)) return undefined;
  try {
    const db = new Database(file, { readonly: true, fileMustExist: true });
    try {
      const row = db
        .prepare<[], { position: string | null }>('SELECT position FROM checkpoints LIMIT 1')
        .get();
      return row?.position ? BigInt(row.position) : undefined;
    } finally {
      db.close();
    }
  } catch {
    return undefined; // the node is still creating the file
  }
}
