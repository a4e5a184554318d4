import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { probeSqliteWrite } from '@pzp/event-store';
import { createLogger } from './logger.js';
import { probeWrites, storageErrorCode, Writability } from './writability.js';

/** The classification against the errors real SQLite gives, and the probe on a real file. */

let dir: string;
let db: Database.Database;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'pzp-writability-'));
  db = new Database(join(dir, 'x.db'));
  db.pragma('journal_mode = WAL');
  db.exec('CREATE TABLE t (v TEXT)');
});
afterEach(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

const thrown = (f: () => unknown): unknown => {
  try {
    f();
  } catch (error) {
    return error;
  }
  throw new Error('did not throw');
};

describe('storage errors', () => {
  it('read-only, full and cannot-open are storage errors; a constraint violation is not', () => {
    db.pragma('query_only = ON');
    expect(storageErrorCode(thrown(() => db.exec("INSERT INTO t VALUES ('x')")))).toBe('SQLITE_READONLY');
    db.pragma('query_only = OFF');

    db.exec('CREATE TABLE u (v TEXT UNIQUE)');
    db.exec("INSERT INTO u VALUES ('a')");
    expect(storageErrorCode(thrown(() => db.exec("INSERT INTO u VALUES ('a')")))).toBeUndefined();
    expect(storageErrorCode(new Error('SQLITE_FULL'))).toBeUndefined();

    db.pragma(`max_page_count = ${db.pragma('page_count', { simple: true }) as number}`);
    const big = 'x'.repeat(100_000);
    expect(storageErrorCode(thrown(() => db.prepare('INSERT INTO t VALUES (?)').run(big)))).toBe(
      'SQLITE_FULL',
    );

    expect(
      storageErrorCode(thrown(() => new Database(dir, { fileMustExist: true }).exec('SELECT 1'))),
    ).toMatch(/^SQLITE_CANTOPEN/);
  });

  it('the probe commits a real write that leaves the tables alone, and fails as a write would', () => {
    db.exec("INSERT INTO t VALUES ('row')");
    // data_version, as another connection sees it, changes with every commit made elsewhere.
    const other = new Database(join(dir, 'x.db'));
    try {
      const version = () => other.pragma('data_version', { simple: true }) as number;
      const before = version();
      probeSqliteWrite(db);
      expect(version()).not.toBe(before);
    } finally {
      other.close();
    }
    expect(db.prepare('SELECT v FROM t').all()).toEqual([{ v: 'row' }]);

    db.pragma('query_only = ON');
    expect(storageErrorCode(thrown(() => probeSqliteWrite(db)))).toBe('SQLITE_READONLY');
  });
});

describe('Writability', () => {
  it('marks a place by its storage error, with path and code, and a probe that works clears it', () => {
    const writability = new Writability(createLogger('silent'));
    const target = { name: 'read models', path: join(dir, 'x.db') };
    expect(writability.failed(target, new Error('not storage'))).toBe(false);
    expect(writability.reasons()).toEqual([]);

    db.pragma('query_only = ON');
    const stop = probeWrites(writability, [{ target, probe: () => probeSqliteWrite(db) }], 60_000);
    try {
      expect(writability.writable(target)).toBe(false);
      expect(writability.reasons()).toEqual([
        `read models at ${target.path} cannot be written: SQLITE_READONLY (attempt to write a readonly database)`,
      ]);
      writability.succeeded(target);
      expect(writability.reasons()).toEqual([]);
    } finally {
      stop();
    }
  });
});
