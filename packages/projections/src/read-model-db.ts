import Database from 'better-sqlite3';
import { probeSqliteWrite } from '@pzp/event-store';

/**
 * The read models of one API node, in one SQLite file. They can always be rebuilt from the event
 * store, so they use synchronous=NORMAL (a crash may lose the last commits, which the projector
 * then replays from its checkpoint; rows and checkpoint always go together).
 */
export type ReadModelDb = Database.Database;

/** Bump when the tables change shape: the projector then rebuilds from scratch. */
export const READ_MODEL_SCHEMA_VERSION = 8;

const TABLES = `
  CREATE TABLE IF NOT EXISTS checkpoints (
    name TEXT PRIMARY KEY,
    position TEXT                    -- decimal string: positions are bigints end to end
  );
  CREATE TABLE IF NOT EXISTS patient_index (
    pseudonym TEXT PRIMARY KEY,
    stream_name TEXT NOT NULL,
    version INTEGER NOT NULL,        -- stream revision of the last event folded in
    first_recorded_at TEXT NOT NULL,
    last_changed_at TEXT NOT NULL,
    last_position TEXT NOT NULL
  );
  CREATE TABLE IF NOT EXISTS current_plans (
    pseudonym TEXT PRIMARY KEY,
    version INTEGER NOT NULL,
    view TEXT NOT NULL               -- JSON of the domain's currentView(plan)
  );
  CREATE TABLE IF NOT EXISTS review_due (
    organization_id TEXT NOT NULL,
    pseudonym TEXT NOT NULL,
    review_due_on TEXT NOT NULL,
    roles TEXT NOT NULL,             -- JSON list of the organisation's roles for this patient
    -- Keyed by patient first: the projector replaces a patient's rows by pseudonym (keyed by
    -- organisation first, every such delete scanned the whole table).
    PRIMARY KEY (pseudonym, organization_id)
  );
  CREATE TABLE IF NOT EXISTS roles (
    pseudonym TEXT NOT NULL,
    assignment_id TEXT NOT NULL,
    role TEXT NOT NULL,
    practitioner_id TEXT NOT NULL,
    practitioner_name TEXT NOT NULL,
    profession TEXT NOT NULL,
    organization_id TEXT NOT NULL,
    organization_name TEXT NOT NULL,
    organization_type TEXT NOT NULL,
    from_date TEXT NOT NULL,
    PRIMARY KEY (pseudonym, assignment_id)
  );
  CREATE TABLE IF NOT EXISTS access_log (
    pseudonym TEXT NOT NULL,
    position TEXT NOT NULL,          -- positionKey(global position): fixed-width hex, sorts like the number
    record TEXT NOT NULL,            -- JSON AccessRecord
    PRIMARY KEY (pseudonym, position)
  ) WITHOUT ROWID;
  -- Flagged access records (break the glass, refused attempts, too many patients): the auditors'
  -- review queue. A copy of the access_log row, keyed by access id, which a review names.
  CREATE TABLE IF NOT EXISTS flagged_accesses (
    access_id TEXT PRIMARY KEY,
    pseudonym TEXT NOT NULL,
    position TEXT NOT NULL,          -- positionKey(global position), as access_log
    break_glass INTEGER NOT NULL,    -- 1: a granted break-the-glass read, told to the regiebehandelaar
    record TEXT NOT NULL             -- JSON AccessRecord
  ) WITHOUT ROWID;
  CREATE INDEX IF NOT EXISTS flagged_accesses_by_position ON flagged_accesses (position);
  CREATE INDEX IF NOT EXISTS flagged_accesses_break_glass ON flagged_accesses (pseudonym, position)
    WHERE break_glass = 1;
  -- The auditors' conclusions (BreakGlassAccessReviewed), one per access: kept apart from the queue
  -- so that neither depends on the order the two arrive in.
  CREATE TABLE IF NOT EXISTS break_glass_reviews (
    access_id TEXT PRIMARY KEY,
    position TEXT NOT NULL,          -- positionKey of the review event
    review TEXT NOT NULL             -- JSON BreakGlassReview
  ) WITHOUT ROWID;
  -- Facts about how the rows were built, e.g. code_version (PROJECTION_CODE_VERSION): written with
  -- every batch, in its transaction, so it always describes the rows next to it.
  CREATE TABLE IF NOT EXISTS read_model_meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
  );
  -- The last link of each stream's hash chain the projector verified (see chain-heads.ts): the
  -- next event must link to it, so a stream rewritten after it was projected is found.
  CREATE TABLE IF NOT EXISTS stream_heads (
    stream_name TEXT PRIMARY KEY,
    revision INTEGER NOT NULL,       -- of the last event applied (patients) or verified (access logs)
    hash TEXT                        -- its hash; null for events from before the chain (EventStoreDB)
  ) WITHOUT ROWID;
  -- Streams the projector could not read (see quarantine.ts). No event data values in here.
  CREATE TABLE IF NOT EXISTS destroyed_records (
    pseudonym TEXT PRIMARY KEY,
    version INTEGER NOT NULL,        -- stream revision of the destruction
    destruction TEXT NOT NULL        -- JSON Destruction: grounds, reference, when, by whom (no personal data)
  ) WITHOUT ROWID;
  CREATE TABLE IF NOT EXISTS quarantined_streams (
    stream_name TEXT PRIMARY KEY,
    pseudonym TEXT,                  -- null for an access-log stream
    revision INTEGER NOT NULL,       -- of the event that could not be applied
    position TEXT NOT NULL,          -- decimal string
    event_type TEXT NOT NULL,
    error_name TEXT NOT NULL,
    error_message TEXT NOT NULL,
    quarantined_at TEXT NOT NULL
  );
`;

/**
 * Indexes a bulk load drops and makes again at the end: one sorted build instead of a random
 * B-tree update per row, which at regional scale costs more than everything else the projector
 * does. They serve queries only. Opening the database makes any that are missing, so a bulk load that died
 * half-way leaves nothing to repair by hand.
 */
const BULK_DROPPED_INDEXES = {
  review_due_by_date:
    'INDEX IF NOT EXISTS review_due_by_date ON review_due (organization_id, review_due_on, pseudonym)',
  roles_by_practitioner: 'INDEX IF NOT EXISTS roles_by_practitioner ON roles (practitioner_id, role)',
  roles_by_organization: 'INDEX IF NOT EXISTS roles_by_organization ON roles (organization_id, role)',
};
const createBulkDroppedIndexes = (db: ReadModelDb) =>
  db.exec(
    Object.values(BULK_DROPPED_INDEXES)
      .map((definition) => `CREATE ${definition};`)
      .join('\n'),
  );

// A reset empties the quarantine too: a rebuild tries every stream again.
const DATA_TABLES = [
  'patient_index',
  'current_plans',
  'review_due',
  'roles',
  'access_log',
  'flagged_accesses',
  'break_glass_reviews',
  'read_model_meta',
  'stream_heads',
  'quarantined_streams',
  'destroyed_records',
];

/**
 * How much of the read models SQLite reads through a memory map instead of read() into its own
 * page cache: better-sqlite3's build allows at most 0x7fff0000 bytes (a larger request is cut to
 * it), which covers the whole file of a regional registry (1 GB at 100,000 patients); beyond it
 * SQLite reads as before. A lookup that finds its page in the OS cache then costs no system call
 * and no copy: measured on the HAP lookup (100,000 patients, 8 clients, 2 interleaved pairs)
 * 1,078 → 1,146 and 1,094 → 1,238 req/s, p99 26.4 → 25.1 and 27.5 → 23.0 ms, peak RSS +4 to +12
 * MiB (mapped pages that were read count in it). The cost SQLite documents: an I/O error on a
 * mapped page ends the process with SIGBUS instead of failing the one query. A disk that fails
 * reads serves no plan either way; the load balancer's health check moves traffic to another node
 * and the node's supervisor starts it again (README, Production deployment). Only reads map: SQLite
 * writes through its own pages, so a write is made durable as before.
 */
export const READ_MMAP_BYTES = 0x7fff0000;

export function openReadModelDb(filePath: string): ReadModelDb {
  const db = new Database(filePath);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('busy_timeout = 5000');
  db.pragma(`mmap_size = ${READ_MMAP_BYTES}`);
  const version = db.pragma('user_version', { simple: true }) as number;
  if (version !== READ_MODEL_SCHEMA_VERSION) {
    // An older shape cannot be migrated in place safely; drop it and let the projector replay.
    dropAll(db);
    db.pragma(`user_version = ${READ_MODEL_SCHEMA_VERSION}`);
  }
  db.exec(TABLES);
  createBulkDroppedIndexes(db);
  return db;
}

/**
 * Tables older read models had. change_history (schema 7) held every change described again beside
 * the event log, more bytes than the log itself; the history is now made from the events on read
 * (@pzp/application planHistory).
 */
const FORMER_TABLES = ['change_history'];

function dropAll(db: ReadModelDb) {
  db.exec(
    [...DATA_TABLES, ...FORMER_TABLES, 'checkpoints'].map((t) => `DROP TABLE IF EXISTS ${t};`).join('\n'),
  );
}

/** Empties every read model and its checkpoint, in one transaction. */
export function resetReadModels(db: ReadModelDb) {
  db.transaction(() => {
    for (const t of [...DATA_TABLES, 'checkpoints']) db.exec(`DELETE FROM ${t}`);
  })();
}

/** SQLite's page cache during a bulk load, in KiB (the default is 2 MiB). */
export const BULK_CACHE_KIB = 16_384;
/** SQLite's default page cache, in KiB. */
export const DEFAULT_CACHE_KIB = 2000;

/**
 * Prepares empty read models for a bulk load (a rebuild, or a new node's first catch-up): drops
 * the indexes above and gives SQLite a larger page cache. Nothing else changes: the projector
 * still commits rows and checkpoint together per batch, so a bulk load that stops half-way
 * resumes like any catch-up.
 *
 * Not done, because measured without gain (1.3 M events, 100,000 patients): synchronous=OFF,
 * journal_mode=OFF and deferring WAL checkpoints during the load changed events/s by less than
 * the run-to-run noise. Each would also need a crashed load to be discarded and started over.
 */
export function beginBulkLoad(db: ReadModelDb) {
  db.exec(
    Object.keys(BULK_DROPPED_INDEXES)
      .map((name) => `DROP INDEX IF EXISTS ${name};`)
      .join('\n'),
  );
  db.pragma(`cache_size = -${BULK_CACHE_KIB}`);
}

/** Ends a bulk load, also one that failed: the indexes are made again, the page cache returned. */
export function endBulkLoad(db: ReadModelDb) {
  createBulkDroppedIndexes(db);
  db.pragma(`cache_size = -${DEFAULT_CACHE_KIB}`);
}

/**
 * Throws what the projector's next transaction would get if the file cannot be written now
 * (read-only, full, I/O error), writing nothing a dump of the tables would show.
 */
export function probeReadModelWrite(db: ReadModelDb): void {
  probeSqliteWrite(db);
}
