import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { verifyChain } from '../integrity/chain.js';
import { SqliteEventStore } from './sqlite-event-store.js';

/** The events table as every file made before the hash chain has it. */
const BEFORE_THE_CHAIN = `
CREATE TABLE events (
  position    INTEGER PRIMARY KEY AUTOINCREMENT,
  stream      TEXT    NOT NULL,
  revision    INTEGER NOT NULL,
  id          TEXT    NOT NULL UNIQUE,
  type        TEXT    NOT NULL,
  data        TEXT    NOT NULL,
  metadata    TEXT    NOT NULL,
  recorded_at INTEGER NOT NULL,
  UNIQUE (stream, revision)
);
CREATE TABLE streams (stream TEXT PRIMARY KEY, revision INTEGER NOT NULL) WITHOUT ROWID;
`;

let dir: string;
let file: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'pzp-hash-chain-'));
  file = join(dir, 'events.db');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** A file written by the code before the chain: `counts[i]` events in stream i, interleaved. */
function legacyFile(counts: readonly number[]): string[] {
  const db = new Database(file);
  db.exec(BEFORE_THE_CHAIN);
  const streams = counts.map((_, i) => `pzp-legacy-${i}`);
  const insert = db.prepare(
    'INSERT INTO events (stream, revision, id, type, data, metadata, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
  );
  db.transaction(() => {
    for (let revision = 0; revision < Math.max(...counts); revision++) {
      for (const [i, stream] of streams.entries()) {
        if (revision >= counts[i]!) continue;
        insert.run(
          stream,
          revision,
          randomUUID(),
          'Old',
          JSON.stringify({ n: revision, note: 'NIET' }),
          '{"v":1}',
          1,
        );
      }
    }
    for (const [i, stream] of streams.entries()) {
      db.prepare('INSERT INTO streams (stream, revision) VALUES (?, ?)').run(stream, counts[i]! - 1);
    }
  })();
  db.close();
  return streams;
}

describe('SQLite hash chain', () => {
  it('chains a file from before the chain when it is opened, once, and appends chain on from there', async () => {
    // More events than one page of the migration, spread over streams in both orders.
    const streams = legacyFile([2_500, 3, 1]);
    const store = SqliteEventStore.open(file);
    for (const stream of streams) {
      const read = await store.readStream(stream);
      expect(read.every((e) => e.integrity !== undefined && /^[0-9a-f]{64}$/.test(e.integrity.hash))).toBe(
        true,
      );
      expect(read[0]!.integrity!.previous).toBeNull();
      expect(verifyChain(read)).toBeUndefined();
    }
    const chained = await store.readStream(streams[1]!);
    await store.appendToStream(streams[1]!, [{ id: randomUUID(), type: 'New', data: {}, metadata: {} }], {
      expectedRevision: 2n,
    });
    const after = await store.readStream(streams[1]!);
    expect(after[3]!.integrity!.previous).toBe(chained[2]!.integrity!.hash);
    expect(verifyChain(after)).toBeUndefined();
    await store.close();

    // Opened again: nothing is chained anew.
    const again = SqliteEventStore.open(file);
    expect(await again.readStream(streams[1]!)).toEqual(after);
    await again.close();
  });

  it('a hash removed by hand is a break, not an event from before the chain', async () => {
    const store = SqliteEventStore.open(file);
    const stream = 'pzp-stripped';
    await store.appendToStream(
      stream,
      [0, 1].map((n) => ({ id: randomUUID(), type: 'E', data: { n }, metadata: {} })),
      { expectedRevision: 'no_stream' },
    );
    const db = new Database(file);
    db.prepare("UPDATE events SET hash = '', previous = NULL WHERE stream = ?").run(stream);
    db.close();

    const read = await store.readStream(stream);
    expect(verifyChain(read)).toMatchObject({ revision: 0n, kind: 'hash', found: '' });
    await store.close();
  });
});
