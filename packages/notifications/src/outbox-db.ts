import Database from 'better-sqlite3';
import type { ChangeKind } from './kinds.js';
import type { Endpoint } from './endpoints.js';

/**
 * The outbox of one API node, in its own SQLite file beside the read models. Unlike them it is no
 * cache: it holds what was told to whom and what is still to be told (attempts, dead letters), so
 * a rebuild of the read models never touches it, and it uses synchronous=FULL. Its checkpoint (the
 * `$all` position it has worked out notices up to) is committed with the notices, so a crash
 * neither loses a notice nor makes one twice.
 */
export type OutboxDb = Database.Database;

const SCHEMA_VERSION = 1;

const TABLES = `
  CREATE TABLE IF NOT EXISTS outbox_meta (
    key TEXT PRIMARY KEY,
    value TEXT                        -- the checkpoint: a decimal string, or NULL for "from the start"
  );
  CREATE TABLE IF NOT EXISTS endpoints (
    endpoint_id TEXT PRIMARY KEY,
    organization_id TEXT NOT NULL,
    registration TEXT NOT NULL,       -- JSON of the WebhookEndpointRegistered event's data
    removed_at TEXT
  );
  CREATE TABLE IF NOT EXISTS notices (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    notice_id TEXT NOT NULL UNIQUE,   -- the webhook-id: the same on every attempt
    channel TEXT NOT NULL,            -- WEBHOOK | SUBSCRIPTION
    recipient TEXT NOT NULL,          -- the endpoint id, or the subscriber's person id
    organization_id TEXT NOT NULL,
    pseudonym TEXT NOT NULL,
    version INTEGER NOT NULL,
    kinds TEXT NOT NULL,              -- JSON list of change kinds
    changed_at TEXT NOT NULL,
    position TEXT NOT NULL,
    created_at TEXT NOT NULL,
    state TEXT NOT NULL,              -- PENDING | DELIVERED | DEAD
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL, -- epoch ms
    last_attempt_at TEXT,
    last_status INTEGER,
    last_error TEXT,
    delivered_at TEXT
  );
  CREATE INDEX IF NOT EXISTS notices_queue ON notices (recipient, state, seq);
  CREATE INDEX IF NOT EXISTS notices_patient ON notices (pseudonym, seq);
  CREATE INDEX IF NOT EXISTS notices_organization ON notices (organization_id, state, seq);
  CREATE INDEX IF NOT EXISTS notices_state ON notices (state, channel);
`;

export function openOutboxDb(path: string): OutboxDb {
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.pragma('busy_timeout = 5000');
  const version = db.pragma('user_version', { simple: true }) as number;
  if (version !== 0 && version !== SCHEMA_VERSION)
    throw new Error(`The outbox at ${path} has schema version ${version}; this code reads ${SCHEMA_VERSION}`);
  db.exec(TABLES);
  db.pragma(`user_version = ${SCHEMA_VERSION}`);
  return db;
}

export type NoticeState = 'PENDING' | 'DELIVERED' | 'DEAD';
export type NoticeChannel = 'WEBHOOK' | 'SUBSCRIPTION';

export interface NewNotice {
  readonly noticeId: string;
  readonly channel: NoticeChannel;
  readonly recipient: string;
  readonly organizationId: string;
  readonly pseudonym: string;
  readonly version: number;
  readonly kinds: readonly ChangeKind[];
  readonly changedAt: string;
  readonly position: bigint;
}

export interface NoticeRow extends NewNotice {
  readonly seq: number;
  readonly createdAt: string;
  readonly state: NoticeState;
  readonly attempts: number;
  readonly nextAttemptAt: number;
  readonly lastAttemptAt: string | null;
  readonly lastStatus: number | null;
  readonly lastError: string | null;
  readonly deliveredAt: string | null;
}

interface RawNotice {
  seq: number;
  notice_id: string;
  channel: NoticeChannel;
  recipient: string;
  organization_id: string;
  pseudonym: string;
  version: number;
  kinds: string;
  changed_at: string;
  position: string;
  created_at: string;
  state: NoticeState;
  attempts: number;
  next_attempt_at: number;
  last_attempt_at: string | null;
  last_status: number | null;
  last_error: string | null;
  delivered_at: string | null;
}

const toNotice = (r: RawNotice): NoticeRow => ({
  seq: r.seq,
  noticeId: r.notice_id,
  channel: r.channel,
  recipient: r.recipient,
  organizationId: r.organization_id,
  pseudonym: r.pseudonym,
  version: r.version,
  kinds: JSON.parse(r.kinds) as ChangeKind[],
  changedAt: r.changed_at,
  position: BigInt(r.position),
  createdAt: r.created_at,
  state: r.state,
  attempts: r.attempts,
  nextAttemptAt: r.next_attempt_at,
  lastAttemptAt: r.last_attempt_at,
  lastStatus: r.last_status,
  lastError: r.last_error,
  deliveredAt: r.delivered_at,
});

const CHECKPOINT = 'checkpoint';

/** Prepared statements of the outbox, made once per file. */
export function outboxStatements(db: OutboxDb) {
  const readMeta = db.prepare<[string], { value: string | null }>(
    'SELECT value FROM outbox_meta WHERE key = ?',
  );
  const writeMeta = db.prepare<[string, string | null]>(`
    INSERT INTO outbox_meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value`);
  const upsertEndpoint = db.prepare<[string, string, string]>(`
    INSERT INTO endpoints (endpoint_id, organization_id, registration) VALUES (?, ?, ?)
    ON CONFLICT (endpoint_id) DO UPDATE SET registration = excluded.registration`);
  const removeEndpoint = db.prepare<[string, string]>(
    'UPDATE endpoints SET removed_at = ? WHERE endpoint_id = ? AND removed_at IS NULL',
  );
  const allEndpoints = db.prepare<[], { registration: string; removed_at: string | null }>(
    'SELECT registration, removed_at FROM endpoints',
  );
  const insertNotice = db.prepare(`
    INSERT INTO notices (notice_id, channel, recipient, organization_id, pseudonym, version, kinds, changed_at,
                         position, created_at, state, attempts, next_attempt_at, delivered_at)
    VALUES (@noticeId, @channel, @recipient, @organizationId, @pseudonym, @version, @kinds, @changedAt,
            @position, @createdAt, @state, @attempts, @nextAttemptAt, @deliveredAt)
    ON CONFLICT (notice_id) DO NOTHING`);
  // The head of each live endpoint's queue: notices go out one at a time, in order, per endpoint.
  const queueHeads = db.prepare<[], RawNotice>(`
    SELECT n.* FROM notices n JOIN endpoints e ON e.endpoint_id = n.recipient AND e.removed_at IS NULL
    WHERE n.seq IN (SELECT MIN(seq) FROM notices WHERE channel = 'WEBHOOK' AND state = 'PENDING' GROUP BY recipient)`);
  const queueHead = db.prepare<[string], RawNotice>(`
    SELECT * FROM notices WHERE recipient = ? AND channel = 'WEBHOOK' AND state = 'PENDING' ORDER BY seq LIMIT 1`);
  const attempted = db.prepare(`
    UPDATE notices SET attempts = attempts + 1, state = @state, next_attempt_at = @nextAttemptAt,
                       last_attempt_at = @at, last_status = @status, last_error = @error,
                       delivered_at = CASE WHEN @state = 'DELIVERED' THEN @at ELSE delivered_at END
    WHERE seq = @seq AND state = 'PENDING'`);
  const postpone = db.prepare<[number, number]>(
    "UPDATE notices SET next_attempt_at = ? WHERE seq = ? AND state = 'PENDING'",
  );
  const settledElsewhere = db.prepare(`
    UPDATE notices SET state = @state, last_error = @note,
                       delivered_at = CASE WHEN @state = 'DELIVERED' THEN @at END
    WHERE seq = @seq AND state = 'PENDING'`);
  const byPatient = db.prepare<[string, number, number], RawNotice>(
    'SELECT * FROM notices WHERE pseudonym = ? AND seq > ? ORDER BY seq LIMIT ?',
  );
  const deadOf = db.prepare<[string, number, number], RawNotice>(`
    SELECT * FROM notices WHERE organization_id = ? AND state = 'DEAD' AND seq > ? ORDER BY seq LIMIT ?`);
  const replay = db.prepare<[number, string, string], { notice_id: string }>(`
    UPDATE notices SET state = 'PENDING', attempts = 0, next_attempt_at = ?, last_error = NULL
    WHERE organization_id = ? AND notice_id = ? AND state = 'DEAD' RETURNING notice_id`);
  const replayAll = db.prepare<[number, string], { notice_id: string }>(`
    UPDATE notices SET state = 'PENDING', attempts = 0, next_attempt_at = ?, last_error = NULL
    WHERE organization_id = ? AND state = 'DEAD' RETURNING notice_id`);
  const countBy = db.prepare<[], { state: NoticeState; n: number }>(
    "SELECT state, COUNT(*) AS n FROM notices WHERE state IN ('PENDING', 'DEAD') AND channel = 'WEBHOOK' GROUP BY state",
  );

  return {
    /** undefined: never started (see Outbox.start); null: from the start of the store. */
    readCheckpoint(): bigint | null | undefined {
      const row = readMeta.get(CHECKPOINT);
      if (row === undefined) return undefined;
      return row.value === null ? null : BigInt(row.value);
    },
    writeCheckpoint(position: bigint | null) {
      writeMeta.run(CHECKPOINT, position === null ? null : position.toString());
    },
    registerEndpoint(e: Endpoint) {
      upsertEndpoint.run(e.endpointId, e.organization.id, JSON.stringify({ ...e, removedAt: undefined }));
      if (e.removedAt !== null) removeEndpoint.run(e.removedAt, e.endpointId);
    },
    removeEndpoint(endpointId: string, at: string) {
      removeEndpoint.run(at, endpointId);
    },
    endpoints(): Endpoint[] {
      return allEndpoints
        .all()
        .map((r) => ({ ...(JSON.parse(r.registration) as Endpoint), removedAt: r.removed_at }));
    },
    insert(n: NewNotice, createdAt: string, state: NoticeState, nextAttemptAt: number) {
      insertNotice.run({
        ...n,
        kinds: JSON.stringify(n.kinds),
        position: n.position.toString(),
        createdAt,
        state,
        attempts: state === 'DELIVERED' ? 1 : 0,
        nextAttemptAt,
        deliveredAt: state === 'DELIVERED' ? createdAt : null,
      });
    },
    queueHeads: (): NoticeRow[] => queueHeads.all().map(toNotice),
    queueHead: (endpointId: string): NoticeRow | undefined => {
      const r = queueHead.get(endpointId);
      return r === undefined ? undefined : toNotice(r);
    },
    attempted(
      seq: number,
      outcome: {
        state: NoticeState;
        nextAttemptAt: number;
        at: string;
        status: number | null;
        error: string | null;
      },
    ) {
      attempted.run({ seq, ...outcome });
    },
    /** Another node holds the notice's lease: look again at `at` (epoch ms). */
    postpone(seq: number, at: number) {
      postpone.run(at, seq);
    },
    /** Another node delivered it (or gave up on it): this node's row says so. */
    settledElsewhere(seq: number, state: 'DELIVERED' | 'DEAD', at: string, note: string) {
      settledElsewhere.run({ state, note, at, seq });
    },
    byPatient: (pseudonym: string, afterSeq: number, limit: number): NoticeRow[] =>
      byPatient.all(pseudonym, afterSeq, limit).map(toNotice),
    deadLetters: (organizationId: string, afterSeq: number, limit: number): NoticeRow[] =>
      deadOf.all(organizationId, afterSeq, limit).map(toNotice),
    /** Puts dead letters of the organisation back in their queues; returns their ids. */
    replay(organizationId: string, noticeId: string | undefined, now: number): string[] {
      const rows =
        noticeId === undefined
          ? replayAll.all(now, organizationId)
          : replay.all(now, organizationId, noticeId);
      return rows.map((r) => r.notice_id);
    },
    /** Webhook notices waiting and given up (cheap: an index range each). */
    counts(): Record<'PENDING' | 'DEAD', number> {
      const counts = { PENDING: 0, DEAD: 0 };
      for (const r of countBy.all()) if (r.state !== 'DELIVERED') counts[r.state] = r.n;
      return counts;
    },
  };
}

export type OutboxStatements = ReturnType<typeof outboxStatements>;
