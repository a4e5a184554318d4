import type Database from 'better-sqlite3';

/**
 * A real, durable write that changes nothing: the header's user_version written back as it is,
 * committed like any transaction (with the connection's fsync). It fails as an append would when
 * the file, its directory or the disk cannot be written (SQLITE_READONLY, SQLITE_FULL,
 * SQLITE_IOERR_*), without leaving a row behind that a comparison of databases would see.
 */
export function probeSqliteWrite(db: Database.Database): void {
  db.transaction(() => {
    const version = db.pragma('user_version', { simple: true }) as number;
    db.pragma(`user_version = ${version}`);
  }).immediate();
}
