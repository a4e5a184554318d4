import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { SqliteEventStore } from '@pzp/event-store';
import { PZP } from './operations.js';
import { writeSyntheticPatients } from './support/patients.js';
import { planVersion, recordPlan, sendFirstConversation } from './support/plans.js';
import { spawnApi, TestServer } from './support/server.js';

/**
 * Issue 11, item 11: storage that cannot be written. How the disk is taken away: the server's
 * file-size limit (RLIMIT_FSIZE) is set to 0 on the running process with prlimit(1), so every write
 * to a regular file fails with EFBIG, which SQLite reports as SQLITE_IOERR_WRITE, like a full or
 * failing disk; raising it gives the disk back. Unlike chmod this also holds for root (CI runs as
 * root) and for files the process already has open, and it needs no mount. Reads keep working
 * and the logs (a pipe) still flow, as on a real full disk.
 */

const ENV = { PZP_CLOCK_START: '2026-03-09T14:00:00+01:00' };
const PATIENT = '111222333';
const OTHER = '123456782';
/** Generous: the node probes its files every 2 s. */
const WITHIN_MS = 20_000;

let server: TestServer | undefined;
afterEach(async () => {
  await server?.stop();
  server = undefined;
});

function setFileSizeLimit(pid: number, soft: number | 'unlimited') {
  execFileSync('prlimit', ['--pid', String(pid), `--fsize=${soft}:unlimited`]);
}

interface ReadyzBody {
  status: string;
  reasons: string[];
  position: string | null;
}

async function readyz(url: string): Promise<{ status: number; body: ReadyzBody }> {
  const response = await fetch(`${url}/readyz`);
  return { status: response.status, body: (await response.json()) as ReadyzBody };
}

/** The store's head, read beside the running server through a read-only connection. */
function headOf(file: string): string {
  const db = new Database(file, { readonly: true });
  try {
    return String(db.prepare<[], { head: number }>('SELECT MAX(position) AS head FROM events').get()!.head);
  } finally {
    db.close();
  }
}

async function eventually<T>(what: string, probe: () => Promise<T>, done: (value: T) => boolean): Promise<T> {
  const deadline = Date.now() + WITHIN_MS;
  for (;;) {
    const value = await probe();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`${what}: still ${JSON.stringify(value)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('storage that cannot be written', () => {
  it('without traffic: /readyz turns 503 with the reason, requests get 503, and all is back once the disk is', async () => {
    server = await TestServer.start(ENV);
    const version = await recordPlan(server, PATIENT);
    expect((await readyz(server.url)).status).toBe(200);

    setFileSizeLimit(server.pid, 0);
    const unready = await eventually(
      '/readyz after the disk went',
      () => readyz(server!.url),
      (r) => r.status === 503 && r.body.reasons.length >= 2,
    );
    expect(unready.body.status).toBe('not-ready');
    expect(unready.body.reasons).toEqual(
      expect.arrayContaining([
        expect.stringMatching(
          new RegExp(
            `^event store at ${escape(join(server.dataDir, 'events.db'))} cannot be written: SQLITE_IOERR`,
          ),
        ),
        expect.stringMatching(
          new RegExp(
            `^read models at ${escape(join(server.dataDir, 'read-models.db'))} cannot be written: SQLITE_IOERR`,
          ),
        ),
      ]),
    );
    const refused = await server.graphql(await server.token('gp'), PZP, { bsn: PATIENT });
    expect(refused.status).toBe(503);
    expect(refused.errors?.[0]?.extensions?.['code']).toBe('SERVICE_UNAVAILABLE');

    setFileSizeLimit(server.pid, 'unlimited');
    await eventually(
      '/readyz after the disk came back',
      () => readyz(server!.url),
      (r) => r.status === 200,
    );
    expect(await planVersion(server, PATIENT)).toBe(version);
    expect(await recordPlan(server, OTHER)).toBeGreaterThanOrEqual(0);
  }, 120_000);

  it('a request that meets it first gets 503 SERVICE_UNAVAILABLE, not 500, and the node turns unready at once', async () => {
    server = await TestServer.start(ENV);
    await recordPlan(server, PATIENT);
    const token = await server.token('gp');
    // The access record of that write is projected just after the answer: let the read models
    // take it, so that the next thing to write is the read below (and not the projector).
    const head = headOf(join(server.dataDir, 'events.db'));
    await eventually(
      'read models at the head',
      () => readyz(server!.url),
      (r) => r.body.position === head,
    );

    setFileSizeLimit(server.pid, 0);
    // Its access record cannot be stored, so the plan is not shown.
    const read = await server.graphql(token, PZP, { bsn: PATIENT });
    expect(read.status).toBe(503);
    expect(read.errors?.map((e) => e.extensions?.['code'])).toEqual(['SERVICE_UNAVAILABLE']);
    expect(read.data?.['pzp'] ?? null).toBeNull();
    const state = await readyz(server.url);
    expect(state.status).toBe(503);
    expect(state.body.reasons.join('\n')).toContain(`event store at ${join(server.dataDir, 'events.db')}`);

    const write = await sendFirstConversation(server, OTHER);
    expect(write.status).toBe(503);
    expect(write.errors?.map((e) => e.extensions?.['code'])).toEqual(['SERVICE_UNAVAILABLE']);
    expect(server.logs.join('\n')).not.toMatch(/INTERNAL_SERVER_ERROR|"msg":"unexpected error"/);

    setFileSizeLimit(server.pid, 'unlimited');
    await eventually(
      '/readyz after the disk came back',
      () => readyz(server!.url),
      (r) => r.status === 200,
    );
    expect(await recordPlan(server, OTHER)).toBeGreaterThanOrEqual(0);
  }, 120_000);
});

describe('read models that cannot take what the store got', () => {
  it('the projector stops, /readyz says why, and it resumes from its checkpoint once the disk is back', async () => {
    server = await TestServer.start(ENV);
    await recordPlan(server, PATIENT);
    const events = join(server.dataDir, 'events.db');
    await eventually(
      'read models at the head',
      () => readyz(server!.url),
      (r) => r.body.position === headOf(events),
    );

    setFileSizeLimit(server.pid, 0);
    // Another process (this one, without the limit) appends: the server's projector must write it.
    const other = SqliteEventStore.open(events);
    const secret = readFileSync(join(server.dataDir, 'dev-pseudonym-secret'), 'utf8').trim();
    await writeSyntheticPatients(other, { from: 0, count: 1, secret });
    await other.close();
    const head = headOf(events);

    const stopped = await eventually(
      '/readyz after the projector met the disk',
      () => readyz(server!.url),
      (r) => r.body.reasons.some((reason) => reason.startsWith('the projector stopped on SQLITE_IOERR')),
    );
    expect(stopped.status).toBe(503);
    expect(stopped.body.reasons.join('\n')).toContain(join(server.dataDir, 'read-models.db'));
    expect(stopped.body.position).not.toBe(head);

    setFileSizeLimit(server.pid, 'unlimited');
    const back = await eventually(
      '/readyz after the disk came back',
      () => readyz(server!.url),
      (r) => r.status === 200,
    );
    expect(back.body.position).toBe(head);
  }, 120_000);
});

describe('start-up on storage it cannot open', () => {
  const cases: [string, (dir: string) => { dataDir: string; path: string }][] = [
    [
      'the read models',
      (dir) => (mkdirSync(join(dir, 'read-models.db')), { dataDir: dir, path: join(dir, 'read-models.db') }),
    ],
    [
      'the event store',
      (dir) => (mkdirSync(join(dir, 'events.db')), { dataDir: dir, path: join(dir, 'events.db') }),
    ],
    [
      'the data directory',
      (dir) => (
        writeFileSync(join(dir, 'file'), ''),
        { dataDir: join(dir, 'file', 'data'), path: join(dir, 'file', 'data') }
      ),
    ],
  ];
  it.each(cases)(
    '%s: exits with one line naming the path, no stack',
    async (what, arrange) => {
      const dir = mkdtempSync(join(tmpdir(), 'pzp-startup-'));
      try {
        const { dataDir, path } = arrange(dir);
        const api = spawnApi(ENV, dataDir);
        const code = await api.exited;
        expect(code).toBe(1);
        const lines = api.logs.filter((line) => !line.startsWith('{'));
        expect(lines).toHaveLength(1);
        expect(lines[0]).toMatch(new RegExp(`^Cannot open ${what} at ${escape(path)}: `));
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
    60_000,
  );
});

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
