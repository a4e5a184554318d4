import type Database from 'better-sqlite3';
import { eventHash } from '../integrity/hash.js';

/**
 * The hash-chain columns of the SQLite store: each event's `hash` and `previous` (see
 * ../integrity), and each stream's head `hash` beside its revision, so an append reads the hash
 * it chains to in the lookup it already makes.
 *
 * A file from before the chain is chained here, once, when it is first opened: every event gets
 * its hash in stream order, in one transaction (about a minute for a million events). The other
 * way, accepting unhashed events as a legacy prefix of a stream, does not work for a file that can
 * be edited in place: hashes removed by hand would look exactly like that prefix. Chaining at open
 * makes "every event carries a hash" hold for every SQLite store, so a missing or empty hash is
 * always a break. (It vouches for the events as the file holds them at that moment: nothing can
 * vouch for what happened to a file before it was chained.)
 */
export function ensureHashChain(db: Database.Database): void {
  if (hasChain(db)) return;
  const timeout = db.pragma('busy_timeout', { simple: true }) as number;
  // Another process may be chaining the same file: wait for it rather than fail after 5 s.
  db.pragma('busy_timeout = 600000');
  try {
    db.transaction(() => {
      if (hasChain(db)) return;
      db.exec(`
        ALTER TABLE events ADD COLUMN hash TEXT NOT NULL DEFAULT '';
        ALTER TABLE events ADD COLUMN previous TEXT;
        ALTER TABLE streams ADD COLUMN hash TEXT;
      `);
      chainExisting(db);
    }).immediate();
  } finally {
    db.pragma(`busy_timeout = ${timeout}`);
  }
}

function hasChain(db: Database.Database): boolean {
  return db.prepare("SELECT 1 FROM pragma_table_info('events') WHERE name = 'hash'").get() !== undefined;
}

interface LegacyRow {
  position: bigint;
  stream: string;
  revision: bigint;
  id: string;
  type: string;
  data: string;
  metadata: string;
}

const PAGE = 2_000;

function chainExisting(db: Database.Database): void {
  // Pages in (stream, revision) order along the UNIQUE (stream, revision) index.
  const page = db
    .prepare<[string, string, bigint, number], LegacyRow>(
      `SELECT position, stream, revision, id, type, data, metadata FROM events
       WHERE stream > ? OR (stream = ? AND revision > ?) ORDER BY stream, revision LIMIT ?`,
    )
    .safeIntegers(true);
  const setEvent = db.prepare<[string, string | null, bigint]>(
    'UPDATE events SET hash = ?, previous = ? WHERE position = ?',
  );
  const setStream = db.prepare<[string, string]>('UPDATE streams SET hash = ? WHERE stream = ?');
  let stream = '';
  let revision = -1n;
  let previous: string | null = null;
  for (;;) {
    const rows = page.all(stream, stream, revision, PAGE);
    if (rows.length === 0) break;
    for (const row of rows) {
      if (row.stream !== stream) {
        if (previous !== null) setStream.run(previous, stream);
        previous = null;
      }
      const hash = eventHash(
        {
          streamName: row.stream,
          revision: row.revision,
          id: row.id,
          type: row.type,
          data: JSON.parse(row.data) as unknown,
          metadata: JSON.parse(row.metadata) as unknown,
        },
        previous,
      );
      setEvent.run(hash, previous, row.position);
      stream = row.stream;
      revision = row.revision;
      previous = hash;
    }
  }
  if (previous !== null) setStream.run(previous, stream);
}
