import { copyFileSync, existsSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { STORE_CHANGED_MESSAGE } from '@pzp/projections';
import { changePlan, planVersion, recordPlan } from './support/plans.js';
import { spawnApi, TestServer } from './support/server.js';

/**
 * Issue 11, item 9: the real server started on an events.db that is not the one its read models
 * came from. Restored from an older backup: the read models are rebuilt to the store. Deleted, or
 * replaced by an empty file: the node refuses to start and says what to do.
 */

const ENV = { PZP_CLOCK_START: '2026-03-09T14:00:00+01:00' };
const PATIENT = '111222333';
const NEW_PATIENT = '123456782';

const running: TestServer[] = [];
afterEach(async () => {
  for (const server of running.splice(0)) await server.stop();
});

async function start(dataDir?: string): Promise<TestServer> {
  const server = await TestServer.start(ENV, dataDir);
  running.push(server);
  return server;
}

async function stop(server: TestServer): Promise<void> {
  running.splice(running.indexOf(server), 1);
  await server.stop({ removeData: false });
}

/** Replaces the store file as an operator restoring or deleting it would (the node is stopped). */
function replaceEventsDb(dataDir: string, with_: (file: string) => void) {
  const file = join(dataDir, 'events.db');
  for (const extra of ['-wal', '-shm']) rmSync(`${file}${extra}`, { force: true });
  with_(file);
}

const logEntries = (server: TestServer) =>
  server.logs.flatMap((line) => {
    try {
      return [JSON.parse(line) as Record<string, unknown>];
    } catch {
      return [];
    }
  });

describe('events.db restored from a backup next to newer read models', () => {
  it('rebuilds the read models to the restored store: its version is shown, a new write shows too', async () => {
    let server = await start();
    const { dataDir } = server;
    const backedUp = await recordPlan(server, PATIENT);
    await stop(server);
    // A clean stop leaves everything in events.db (the WAL checkpointed and removed): a file copy is a backup.
    expect(existsSync(join(dataDir, 'events.db-wal'))).toBe(false);
    copyFileSync(join(dataDir, 'events.db'), join(dataDir, 'backup.db'));

    server = await start(dataDir);
    const later = await changePlan(server, PATIENT, backedUp);
    expect(await planVersion(server, PATIENT)).toBe(later);
    await stop(server);

    replaceEventsDb(dataDir, (file) => copyFileSync(join(dataDir, 'backup.db'), file));
    server = await start(dataDir);

    expect(await planVersion(server, PATIENT)).toBe(backedUp);
    const warning = logEntries(server).find((e) => e['msg'] === STORE_CHANGED_MESSAGE);
    expect(warning).toMatchObject({ level: 40, reason: expect.stringContaining('head lies before') });
    expect(warning?.['storeHead']).not.toBe(warning?.['checkpoint']);

    const version = await recordPlan(server, NEW_PATIENT);
    expect(await planVersion(server, NEW_PATIENT)).toBe(version);
    // And the patient from the backup can be changed again, from the version the store holds.
    expect(await changePlan(server, PATIENT, backedUp)).toBe(later);
  }, 120_000);
});

describe.each([
  ['deleted', (file: string) => rmSync(file)],
  ['replaced by an empty file', (file: string) => writeFileSync(file, '')],
])('events.db %s next to read models with data', (_, replace) => {
  it('refuses to start, naming both files and what to do', async () => {
    const server = await start();
    const { dataDir } = server;
    await recordPlan(server, PATIENT);
    await stop(server);
    replaceEventsDb(dataDir, replace);

    const api = spawnApi(ENV, dataDir);
    try {
      const outcome = await Promise.race([
        api.exited.then((code) => ({ exited: code })),
        api.port.then(
          () => 'ready',
          () => 'exited',
        ),
      ]);
      expect(outcome === 'exited' ? { exited: await api.exited } : outcome).toEqual({ exited: 1 });
    } finally {
      api.child.kill('SIGKILL');
    }
    const stderr = api.logs.filter((line) => !line.startsWith('{'));
    expect(stderr).toHaveLength(1);
    const [message] = stderr;
    expect(message).toContain('Refusing to start');
    expect(message).toContain(join(dataDir, 'events.db'));
    expect(message).toContain(join(dataDir, 'read-models.db'));
    expect(message).toContain('restore it from its backup');
    expect(message).toContain(`delete ${join(dataDir, 'read-models.db')}`);
    // The read models were left as they were: restoring the store and starting again works.
    rmSync(dataDir, { recursive: true, force: true });
  }, 120_000);
});
