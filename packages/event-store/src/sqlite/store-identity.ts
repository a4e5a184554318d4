import { randomUUID } from 'node:crypto';
import type Database from 'better-sqlite3';

/**
 * One row, made when the file is first opened as an event store: who this store is. A copy of the
 * file (a backup) keeps it; a new file gets a new one. Outside the events table on purpose: the
 * identity is a fact about the store, not an event of the registry's log.
 */
const SCHEMA = `
CREATE TABLE IF NOT EXISTS store_identity (
  singleton  INTEGER PRIMARY KEY CHECK (singleton = 1),
  identity   TEXT    NOT NULL,
  created_at INTEGER NOT NULL
);
`;

/** The store's identity, written first if the file has none (a new store, or one from before identities). */
export function ensureStoreIdentity(db: Database.Database): string {
  const read = () =>
    db.prepare<[], { identity: string }>('SELECT identity FROM store_identity WHERE singleton = 1').get()
      ?.identity;
  // Reading first keeps an existing store's open free of writes.
  const hasTable = db
    .prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'store_identity'")
    .get();
  const existing = hasTable === undefined ? undefined : read();
  if (existing !== undefined) return existing;
  db.exec(SCHEMA);
  // Two processes opening a new file at once: the first insert wins, both read the winner.
  db.prepare('INSERT OR IGNORE INTO store_identity (singleton, identity, created_at) VALUES (1, ?, ?)').run(
    randomUUID(),
    Date.now(),
  );
  return read()!;
}
