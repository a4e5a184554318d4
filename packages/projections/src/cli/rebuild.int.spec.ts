import { spawnSync } from 'node:child_process';
import { closeSync, openSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SqliteEventStore } from '@pzp/event-store';
import { Projector } from '../projector.js';
import { openReadModelDb } from '../read-model-db.js';
import { append, BSNS, dump, patientEvents, pseudonymOf, streamOf, testEnv } from '../spec-support.js';

/** `pnpm rebuild-projections` as an operator runs it: its own process, its output, its exit code. */

const CLI = fileURLToPath(new URL('./rebuild.ts', import.meta.url));

let env: ReturnType<typeof testEnv>;
beforeEach(() => {
  env = testEnv();
});
afterEach(() => env.close());

function rebuild(dataDir: string) {
  const { EVENTSTORE_CONNECTION_STRING: _, ...rest } = process.env;
  const run = spawnSync(process.execPath, ['--import', 'tsx', CLI, '--data-dir', dataDir], {
    env: rest,
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { code: run.status, stdout: run.stdout.trim(), stderr: run.stderr.trim() };
}

/** Read models built from the patients' events, then the store closed: what a stopped node leaves. */
async function builtReadModels() {
  for (const [i, bsn] of BSNS.entries()) await append(env.store, bsn, patientEvents(bsn, i));
  const db = openReadModelDb(join(env.dir, 'read-models.db'));
  await new Projector(env.store, db).catchUp();
  const before = dump(db);
  db.close();
  await env.store.close();
  return before;
}

function readModelsNow() {
  const db = openReadModelDb(join(env.dir, 'read-models.db'));
  try {
    return dump(db);
  } finally {
    db.close();
  }
}

const eventsFile = () => join(env.dir, 'events.db');

/** No stack trace, nothing but the one line. */
function expectOneLine(stderr: string) {
  expect(stderr.split('\n')).toHaveLength(1);
  expect(stderr).not.toMatch(/\n\s+at |Error: /);
}

describe('pnpm rebuild-projections', () => {
  it('rebuilds from a store with events', async () => {
    await builtReadModels();
    const run = rebuild(env.dir);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^Rebuilt read models from \d+ events/);
  });

  it.each([
    ['an empty file', () => writeFileSync(eventsFile(), '')],
    [
      'a store without events',
      async () => {
        rmSync(eventsFile());
        await SqliteEventStore.open(eventsFile()).close();
      },
    ],
  ])('refuses %s, and leaves the read models as they are', async (_, replace) => {
    const before = await builtReadModels();
    for (const extra of ['-wal', '-shm']) rmSync(`${eventsFile()}${extra}`, { force: true });
    await replace();

    const run = rebuild(env.dir);
    expect(run.code).toBe(1);
    expectOneLine(run.stderr);
    expect(run.stderr).toBe(
      `Refusing to rebuild: ${eventsFile()} holds no events, so the read models would be left empty. ` +
        'If it was replaced or emptied by mistake, restore it from its backup (README, "Restore from backup"); else check --data-dir.',
    );
    expect(readModelsNow()).toEqual(before);
  });

  it('reports a file that is not a SQLite database as damaged, without a stack', async () => {
    const before = await builtReadModels();
    writeFileSync(eventsFile(), 'not a database, but text long enough to be read as a header '.repeat(20));
    const run = rebuild(env.dir);
    expect(run.code).toBe(1);
    expectOneLine(run.stderr);
    expect(run.stderr).toContain(`${eventsFile()} is damaged (SQLITE_NOTADB: file is not a database)`);
    expect(run.stderr).toContain('Restore it from its backup');
    expect(readModelsNow()).toEqual(before);
  });

  it('reports a malformed store as damaged, without a stack', async () => {
    const before = await builtReadModels();
    // Garbage over every page but the first (the header and schema): the b-trees no longer hold.
    const size = statSync(eventsFile()).size;
    const fd = openSync(eventsFile(), 'r+');
    for (let offset = 4096; offset < size; offset += 4096)
      writeSync(fd, Buffer.alloc(512, 0xa5), 0, 512, offset);
    closeSync(fd);

    const run = rebuild(env.dir);
    expect(run.code).toBe(1);
    expectOneLine(run.stderr);
    expect(run.stderr).toMatch(
      new RegExp(`^Refusing to rebuild: ${eventsFile().replace(/[.]/g, '\\.')} is damaged \\(`),
    );
    expect(readModelsNow()).toEqual(before);
  });

  it('names each stream it had to quarantine and exits with 2 (a changed event: hash chain broken)', async () => {
    await builtReadModels();
    // The tampering of README "Tamper evidence": one byte pattern in a stored event, nothing else.
    const raw = new Database(eventsFile());
    const changed = raw
      .prepare(
        `UPDATE events SET data = replace(data, '"NIET"', '"WEL "')
         WHERE position = (SELECT min(position) FROM events WHERE stream = ? AND data LIKE '%"NIET"%')`,
      )
      .run(streamOf(BSNS[1]!)).changes;
    raw.close();
    expect(changed).toBe(1);

    const run = rebuild(env.dir);
    expect(run.code).toBe(2);
    expect(run.stdout).toMatch(/^Rebuilt read models from \d+ events/);
    const lines = run.stderr.split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(new RegExp(`^QUARANTINED patient ${pseudonymOf(BSNS[1]!)} at revision \\d+: `));
    expect(lines[1]).toMatch(/^1 stream\(s\) quarantined/);
    for (const bsn of BSNS) expect(run.stderr).not.toContain(bsn);
  });
});
