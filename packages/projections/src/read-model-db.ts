import Database from 'better-sqlite3';

/**
 * The read models of one API node, in one SQLite file. They can always be rebuilt from the event
 * store, so they use synchronous=NORMAL (a crash may lose the last commits, which the projector
 * then replays from its checkpoint; rows and checkpoint always go together).
 */
export type ReadModelDb = Database.Database;

/** Bump when the tables change shape: the projector then rebuilds from scratch. */
export const READ_MODEL_SCHEMA_VERSION = 3;

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
  CREATE TABLE IF NOT EXISTS change_history (
    pseudonym TEXT NOT NULL,
    revision INTEGER NOT NULL,
    change_id TEXT NOT NULL,
    type TEXT NOT NULL,
    recorded_at TEXT NOT NULL,
    recorded_by TEXT NOT NULL,       -- JSON actor: id, name, profession, organisation
    summary TEXT NOT NULL,
    reason TEXT,
    conversation_id TEXT,
    changes TEXT NOT NULL,           -- JSON [{section, key, before, after}]
    position TEXT NOT NULL,
    PRIMARY KEY (pseudonym, revision)
  );
  CREATE TABLE IF NOT EXISTS review_due (
    organization_id TEXT NOT NULL,
    pseudonym TEXT NOT NULL,
    review_due_on TEXT NOT NULL,
    roles TEXT NOT NULL,             -- JSON list of the organisation's roles for this patient
    PRIMARY KEY (organization_id, pseudonym)
  );
  CREATE INDEX IF NOT EXISTS review_due_by_date ON review_due (organization_id, review_due_on, pseudonym);
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
  CREATE INDEX IF NOT EXISTS roles_by_practitioner ON roles (practitioner_id, role);
  CREATE INDEX IF NOT EXISTS roles_by_organization ON roles (organization_id, role);
`;

const DATA_TABLES = ['patient_index', 'current_plans', 'change_history', 'review_due', 'roles', 'access_log'];

export function openReadModelDb(filePath: string): ReadModelDb {
  const db = new Database(filePath);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('busy_timeout = 5000');
  const version = db.pragma('user_version', { simple: true }) as number;
  if (version !== READ_MODEL_SCHEMA_VERSION) {
    // An older shape cannot be migrated in place safely; drop it and let the projector replay.
    dropAll(db);
    db.pragma(`user_version = ${READ_MODEL_SCHEMA_VERSION}`);
  }
  db.exec(TABLES);
  return db;
}

function dropAll(db: ReadModelDb) {
  db.exec([...DATA_TABLES, 'checkpoints'].map((t) => `DROP TABLE IF EXISTS ${t};`).join('\n'));
}

/** Empties every read model and its checkpoint, in one transaction. */
export function resetReadModels(db: ReadModelDb) {
  db.transaction(() => {
    for (const t of [...DATA_TABLES, 'checkpoints']) db.exec(`DELETE FROM ${t}`);
  })();
}
