import {
  activeRoles,
  type AccessRecord,
  type BreakGlassReview,
  type Destruction,
  type PlanState,
  type RoleAssignmentItem,
} from '@pzp/domain';
import type { ReadModelDb } from './read-model-db.js';
import { positionKey } from './position-key.js';
import { toQuarantineRow, type QuarantineRow, type RawQuarantine } from './quarantine.js';

/** read_model_meta key of the PROJECTION_CODE_VERSION the rows were built with. */
const CODE_VERSION_KEY = 'code_version';

/** One patient's last change in a batch: what patient_index records besides the state. */
export interface LatestChange {
  readonly pseudonym: string;
  readonly streamName: string;
  /** When the first event of this batch was recorded: the plan's first recording when it is new. */
  readonly firstChangedAt: string;
  readonly changedAt: string;
  readonly position: bigint;
}

/**
 * Prepared statements for every read-model write, made once per database. Parameters are
 * positional (cheaper to bind than named ones on the rebuild's hot path).
 */
export function createWriters(db: ReadModelDb) {
  const upsertIndex = db.prepare<[string, string, number, string, string, string]>(`
    INSERT INTO patient_index (pseudonym, stream_name, version, first_recorded_at, last_changed_at, last_position)
    VALUES (?, ?, ?, ?, ?, ?)
    ON CONFLICT (pseudonym) DO UPDATE SET version = excluded.version, last_changed_at = excluded.last_changed_at,
                                          last_position = excluded.last_position`);
  const upsertPlan = db.prepare<[string, number, string]>(`
    INSERT INTO current_plans (pseudonym, version, view) VALUES (?, ?, ?)
    ON CONFLICT (pseudonym) DO UPDATE SET version = excluded.version, view = excluded.view`);
  const deletePlan = db.prepare<[string]>('DELETE FROM current_plans WHERE pseudonym = ?');
  const deleteRoles = db.prepare<[string]>('DELETE FROM roles WHERE pseudonym = ?');
  const insertRole = db.prepare<
    [string, string, string, string, string, string, string, string, string, string]
  >(`
    INSERT INTO roles (pseudonym, assignment_id, role, practitioner_id, practitioner_name, profession,
                       organization_id, organization_name, organization_type, from_date)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
  const deleteReviewDue = db.prepare<[string]>('DELETE FROM review_due WHERE pseudonym = ?');
  const insertReviewDue = db.prepare<[string, string, string, string]>(`
    INSERT INTO review_due (organization_id, pseudonym, review_due_on, roles) VALUES (?, ?, ?, ?)`);
  const insertAccess = db.prepare<[string, string, string]>(
    'INSERT INTO access_log (pseudonym, position, record) VALUES (?, ?, ?) ON CONFLICT DO NOTHING',
  );
  const insertFlagged = db.prepare<[string, string, string, number, string]>(`
    INSERT INTO flagged_accesses (access_id, pseudonym, position, break_glass, record) VALUES (?, ?, ?, ?, ?)
    ON CONFLICT DO NOTHING`);
  // The store keeps one conclusion per access (its own stream, appended to once); should a second
  // arrive anyway, the first stands.
  const insertReview = db.prepare<[string, string, string]>(
    'INSERT INTO break_glass_reviews (access_id, position, review) VALUES (?, ?, ?) ON CONFLICT DO NOTHING',
  );
  const writeCheckpoint = db.prepare<[string, string]>(`
    INSERT INTO checkpoints (name, position) VALUES (?, ?)
    ON CONFLICT (name) DO UPDATE SET position = excluded.position`);
  const readCheckpoint = db.prepare<[string], { position: string | null }>(
    'SELECT position FROM checkpoints WHERE name = ?',
  );
  const writeMeta = db.prepare<[string, string]>(`
    INSERT INTO read_model_meta (key, value) VALUES (?, ?)
    ON CONFLICT (key) DO UPDATE SET value = excluded.value`);
  const readMeta = db.prepare<[string], { value: string }>('SELECT value FROM read_model_meta WHERE key = ?');
  const anyRows = db.prepare<[], { n: number }>(
    'SELECT EXISTS (SELECT 1 FROM checkpoints) OR EXISTS (SELECT 1 FROM patient_index) AS n',
  );
  // The first unreadable event of a stream is the one recorded: a stream is quarantined once.
  const insertQuarantine = db.prepare<
    [string, string | null, number, string, string, string, string, string]
  >(`
    INSERT INTO quarantined_streams (stream_name, pseudonym, revision, position, event_type, error_name,
                                     error_message, quarantined_at)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (stream_name) DO NOTHING`);
  const readQuarantines = db.prepare<[], RawQuarantine>('SELECT * FROM quarantined_streams');
  const readVersion = db.prepare<[string], { version: number }>(
    'SELECT version FROM patient_index WHERE pseudonym = ?',
  );
  // patient_index stays (pseudonym and revision only): read-your-writes waits on its version.
  const erasePersonal = ['current_plans', 'review_due', 'roles'].map((table) =>
    db.prepare<[string]>(`DELETE FROM ${table} WHERE pseudonym = ?`),
  );
  const insertDestroyed = db.prepare<[string, number, string]>(`
    INSERT INTO destroyed_records (pseudonym, version, destruction) VALUES (?, ?, ?)
    ON CONFLICT (pseudonym) DO UPDATE SET version = excluded.version, destruction = excluded.destruction`);

  return {
    accessRecord(record: AccessRecord, position: bigint) {
      const json = JSON.stringify(record);
      insertAccess.run(record.pseudonym, positionKey(position), json);
      if (record.flagged) {
        const breakGlass = record.purpose === 'BREAK_THE_GLASS' && record.outcome === 'GRANTED';
        insertFlagged.run(record.accessId, record.pseudonym, positionKey(position), breakGlass ? 1 : 0, json);
      }
    },

    breakGlassReview(review: BreakGlassReview, position: bigint) {
      insertReview.run(review.accessId, positionKey(position), JSON.stringify(review));
    },

    /**
     * The per-patient read models that hold only the latest state, worked out once per patient per
     * batch (see latestRows) and written here.
     */
    latest(rows: LatestRows) {
      const { pseudonym } = rows;
      upsertIndex.run(...rows.index);
      // A record voided as entered on the wrong patient has no current plan: no row, so the
      // patient reads as "no plan" (history and the index keep it).
      if (rows.plan === undefined) deletePlan.run(pseudonym);
      else {
        const [, version, view] = rows.plan;
        upsertPlan.run(pseudonym, version, view);
      }
      if (rows.roles !== undefined) {
        if (!rows.isNew) deleteRoles.run(pseudonym);
        for (const r of rows.roles) insertRole.run(...r);
      }
      if (rows.reviewDue !== undefined) {
        if (!rows.isNew) deleteReviewDue.run(pseudonym);
        for (const r of rows.reviewDue) insertReviewDue.run(...r);
      }
    },

    /**
     * A lawfully destroyed record: every row holding the patient's personal data goes (the plan,
     * its history, roles and reviews), and what is left is that it was destroyed. Access records
     * stay: NEN 7513 keeps them, and they hold the pseudonym and the professionals, not the plan.
     */
    destroyed(pseudonym: string, version: number, destruction: Destruction) {
      for (const statement of erasePersonal) statement.run(pseudonym);
      insertDestroyed.run(pseudonym, version, JSON.stringify(destruction));
    },

    checkpoint(name: string, position: bigint) {
      writeCheckpoint.run(name, position.toString());
    },

    readCheckpoint(name: string): bigint | undefined {
      const row = readCheckpoint.get(name);
      return row?.position == null ? undefined : BigInt(row.position);
    },

    codeVersion(version: number) {
      writeMeta.run(CODE_VERSION_KEY, String(version));
    },

    /** The PROJECTION_CODE_VERSION the rows were built with; undefined when never recorded. */
    readCodeVersion(): number | undefined {
      const row = readMeta.get(CODE_VERSION_KEY);
      return row === undefined ? undefined : Number(row.value);
    },

    /** True when the read models hold anything (a checkpoint or a patient). */
    hasRows(): boolean {
      return anyRows.get()!.n === 1;
    },

    quarantine(row: QuarantineRow) {
      insertQuarantine.run(
        row.streamName,
        row.pseudonym ?? null,
        row.revision,
        row.position.toString(),
        row.eventType,
        row.errorName,
        row.errorMessage,
        row.quarantinedAt,
      );
    },

    readQuarantines(): QuarantineRow[] {
      return readQuarantines.all().map(toQuarantineRow);
    },

    /** The committed stream revision of a patient's rows; undefined when there are none. */
    streamVersion(pseudonym: string): number | undefined {
      return readVersion.get(pseudonym)?.version;
    },
  };
}

type IndexRow = [string, string, number, string, string, string];
type RoleRow = [string, string, string, string, string, string, string, string, string, string];
type ReviewDueRow = [string, string, string, string];

/** One patient's latest rows as data: made where the batch is folded, written by whoever commits it. */
export interface LatestRows {
  readonly pseudonym: string;
  /** No rows of this patient yet: nothing to delete before inserting. */
  readonly isNew: boolean;
  readonly index: IndexRow;
  /** Undefined: the plan row is deleted. */
  readonly plan: [string, number, string] | undefined;
  /** Undefined: the role rows are already right and are left alone. */
  readonly roles: RoleRow[] | undefined;
  /** Undefined: the review rows are already right and are left alone. */
  readonly reviewDue: ReviewDueRow[] | undefined;
}

/**
 * The per-patient read models that hold only the latest state, for one patient once per batch.
 * `committed` is the state the read models hold for this patient now (initialState when they
 * hold none). evolve() shares the parts of the plan an event did not touch, so when the plan's
 * roles are the very object they were, the role rows (and, with the same review date, the review
 * rows) are already right and are left alone. A state folded again from the store never shares
 * objects with the new one, so it always rewrites: the check errs only towards writing. `view` is
 * currentView(state.plan) as view-codec.ts stores it, made before the transaction (a view that
 * cannot be made quarantines the stream instead of failing the batch), so the writer (on the
 * writer thread, see writer/) stores the string as it comes.
 */
export function latestRows(
  change: LatestChange,
  state: PlanState,
  committed: PlanState,
  view: string,
): LatestRows {
  const { pseudonym } = change;
  const { plan } = state;
  const index: IndexRow = [
    pseudonym,
    change.streamName,
    state.version,
    change.firstChangedAt,
    change.changedAt,
    change.position.toString(),
  ];
  const planRow: LatestRows['plan'] = plan.patient === null ? undefined : [pseudonym, state.version, view];
  const isNew = committed.version === -1;
  const rolesSame = !isNew && plan.roles === committed.plan.roles;
  if (rolesSame && plan.reviewDueOn === committed.plan.reviewDueOn) {
    return { pseudonym, isNew, index, plan: planRow, roles: undefined, reviewDue: undefined };
  }
  const roles = activeRoles(plan);
  const roleRows: RoleRow[] | undefined = rolesSame
    ? undefined
    : roles.map((r) => [
        pseudonym,
        r.assignmentId,
        r.role,
        r.practitioner.id,
        r.practitioner.name,
        r.practitioner.profession,
        r.organization.id,
        r.organization.name,
        r.organization.type,
        r.from,
      ]);
  // The review is due for every organisation that holds a role for this patient.
  const reviewDue: ReviewDueRow[] = [];
  if (plan.reviewDueOn) {
    for (const [organizationId, orgRoles] of rolesByOrganization(roles)) {
      reviewDue.push([organizationId, pseudonym, plan.reviewDueOn, JSON.stringify(orgRoles)]);
    }
  }
  return { pseudonym, isNew, index, plan: planRow, roles: roleRows, reviewDue };
}

function rolesByOrganization(roles: readonly RoleAssignmentItem[]): Map<string, string[]> {
  const byOrganization = new Map<string, string[]>();
  for (const r of roles) {
    const list = byOrganization.get(r.organization.id);
    if (list) list.push(r.role);
    else byOrganization.set(r.organization.id, [r.role]);
  }
  return byOrganization;
}

export type Writers = ReturnType<typeof createWriters>;
