import { randomBytes } from 'node:crypto';
import Database from 'better-sqlite3';
import { KeyDestroyedError, type KeyStore, type StreamKeyState } from './key-store.js';
import { KEK_BYTES, unwrapKey, wrapKey } from './key-wrap.js';

interface KeyRow {
  wrapped: Buffer | null;
  destroyed_at: string | null;
}

/**
 * The embedded key store: one SQLite file of its own (never the event log's, never the read
 * models'), a row per stream with its wrapped data key. Destroying a key overwrites it in place:
 * secure_delete zeroes the freed bytes, and the WAL is checkpointed and truncated at once, so
 * the old page does not linger in the file or its log. The row stays, keyless, as the record that
 * the stream was destroyed (so reads tell "destroyed" from "key store lost").
 */
export class SqliteKeyStore implements KeyStore {
  private readonly getStmt: Database.Statement<[string], KeyRow>;
  private readonly insertStmt: Database.Statement<[string, Buffer, string]>;
  private readonly destroyStmt: Database.Statement<[string, string]>;
  private readonly tombstoneStmt: Database.Statement<[string, string, string]>;

  private constructor(
    private readonly db: Database.Database,
    private readonly kek: Buffer,
  ) {
    this.getStmt = db.prepare('SELECT wrapped, destroyed_at FROM stream_keys WHERE stream = ?');
    this.insertStmt = db.prepare(
      'INSERT INTO stream_keys (stream, wrapped, created_at) VALUES (?, ?, ?) ON CONFLICT (stream) DO NOTHING',
    );
    this.destroyStmt = db.prepare(
      'UPDATE stream_keys SET wrapped = NULL, destroyed_at = ? WHERE stream = ? AND destroyed_at IS NULL',
    );
    this.tombstoneStmt = db.prepare(
      'INSERT INTO stream_keys (stream, wrapped, created_at, destroyed_at) VALUES (?, NULL, ?, ?) ON CONFLICT (stream) DO NOTHING',
    );
  }

  static open(path: string, kek: Buffer): SqliteKeyStore {
    if (kek.length !== KEK_BYTES) throw new Error(`The key-encryption key must be ${KEK_BYTES} bytes`);
    const db = new Database(path);
    // Before anything else: nodes sharing the file may open it at the same moment.
    db.pragma('busy_timeout = 5000');
    db.pragma('journal_mode = WAL');
    db.pragma('secure_delete = ON');
    db.exec(`
      CREATE TABLE IF NOT EXISTS stream_keys (
        stream TEXT PRIMARY KEY,
        wrapped BLOB,
        created_at TEXT NOT NULL,
        destroyed_at TEXT,
        CHECK ((wrapped IS NULL) = (destroyed_at IS NOT NULL))
      ) STRICT`);
    return new SqliteKeyStore(db, kek);
  }

  get(streamName: string): Promise<StreamKeyState> {
    return Promise.resolve(this.state(streamName));
  }

  create(streamName: string): Promise<Buffer> {
    const key = randomBytes(32);
    this.insertStmt.run(streamName, wrapKey(this.kek, streamName, key), new Date().toISOString());
    // Whoever inserted first made the key; a destroyed stream gets none.
    const state = this.state(streamName);
    if (state.kind !== 'key') throw new KeyDestroyedError(streamName);
    return Promise.resolve(state.key);
  }

  destroy(streamName: string, at: Date): Promise<void> {
    const when = at.toISOString();
    const changed = this.db.transaction(
      () =>
        this.destroyStmt.run(when, streamName).changes +
        this.tombstoneStmt.run(streamName, when, when).changes,
    )();
    // The WAL still holds the page with the key until it is checkpointed: empty it now.
    if (changed > 0) this.db.pragma('wal_checkpoint(TRUNCATE)');
    return Promise.resolve();
  }

  close(): Promise<void> {
    this.db.close();
    return Promise.resolve();
  }

  private state(streamName: string): StreamKeyState {
    const row = this.getStmt.get(streamName);
    if (row === undefined) return { kind: 'none' };
    if (row.wrapped === null) return { kind: 'destroyed', destroyedAt: new Date(row.destroyed_at!) };
    return { kind: 'key', key: unwrapKey(this.kek, streamName, row.wrapped) };
  }
}
