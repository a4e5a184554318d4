import {
  streamNameFor,
  type AccessRecord,
  type BreakGlassReview,
  type Destruction,
  type PlanView,
} from '@pzp/domain';
import type { ReadModelDb } from './read-model-db.js';
import { positionFromKey, positionKey } from './position-key.js';
import { toQuarantineRow, type QuarantineRow, type RawQuarantine } from './quarantine.js';
import { decodeView } from './view-codec.js';

export interface CurrentPlanRow {
  readonly pseudonym: string;
  readonly version: number;
  readonly view: PlanView;
}

export interface DestroyedRecordRow extends Destruction {
  /** The stream revision of the destruction. */
  readonly version: number;
}

export interface ReviewDueRow {
  readonly pseudonym: string;
  readonly reviewDueOn: string;
  readonly roles: readonly string[];
}

export interface RoleRow {
  readonly pseudonym: string;
  readonly assignmentId: string;
  readonly role: string;
  readonly practitioner: { readonly id: string; readonly name: string; readonly profession: string };
  readonly organization: { readonly id: string; readonly name: string; readonly type: string };
  readonly from: string;
}

export interface AccessLogRow {
  readonly position: bigint;
  readonly record: AccessRecord;
}

/** A flagged access record, and the auditor's conclusion once there is one. */
export interface FlaggedAccessRow {
  readonly position: bigint;
  readonly record: AccessRecord;
  readonly review: BreakGlassReview | undefined;
}

export interface Page<T> {
  readonly items: readonly T[];
  readonly hasMore: boolean;
}

interface RawRole {
  pseudonym: string;
  assignment_id: string;
  role: string;
  practitioner_id: string;
  practitioner_name: string;
  profession: string;
  organization_id: string;
  organization_name: string;
  organization_type: string;
  from_date: string;
}

const toRole = (r: RawRole): RoleRow => ({
  pseudonym: r.pseudonym,
  assignmentId: r.assignment_id,
  role: r.role,
  practitioner: { id: r.practitioner_id, name: r.practitioner_name, profession: r.profession },
  organization: { id: r.organization_id, name: r.organization_name, type: r.organization_type },
  from: r.from_date,
});

/** Read side of the read models: prepared once, each query one statement. */
/** Parsed views kept per node: the patients looked up again and again (a night's HAP work). */
const VIEW_CACHE_SIZE = 2_000;

export function createQueries(db: ReadModelDb) {
  const planStmt = db.prepare<[string], { pseudonym: string; version: number; view: string }>(
    'SELECT pseudonym, version, view FROM current_plans WHERE pseudonym = ?',
  );
  const plansStmt = db.prepare<[string], { pseudonym: string; version: number; view: string }>(
    'SELECT pseudonym, version, view FROM current_plans WHERE pseudonym IN (SELECT value FROM json_each(?))',
  );
  const reviewDueStmt = db.prepare<
    [string, string, string, string, string, number],
    { pseudonym: string; review_due_on: string; roles: string }
  >(`
    SELECT pseudonym, review_due_on, roles FROM review_due
    WHERE organization_id = ? AND review_due_on < ? AND (review_due_on > ? OR (review_due_on = ? AND pseudonym > ?))
      -- A quarantined plan's rows are stale: pzp refuses it as unavailable, so no list offers it.
      AND NOT EXISTS (SELECT 1 FROM quarantined_streams q WHERE q.pseudonym = review_due.pseudonym)
    ORDER BY review_due_on, pseudonym LIMIT ?`);
  const accessLogStmt = db.prepare<[string, string, number], { position: string; record: string }>(
    'SELECT position, record FROM access_log WHERE pseudonym = ? AND position > ? ORDER BY position LIMIT ?',
  );
  // reviewed: -1 both, 0 open only, 1 concluded only.
  const flaggedStmt = db.prepare<
    [string, number, number, number],
    { position: string; record: string; review: string | null }
  >(`
    SELECT f.position, f.record, r.review FROM flagged_accesses f
    LEFT JOIN break_glass_reviews r ON r.access_id = f.access_id
    WHERE f.position > ? AND (? = -1 OR (r.access_id IS NOT NULL) = ?)
    ORDER BY f.position LIMIT ?`);
  const flaggedOneStmt = db.prepare<[string], { position: string; record: string; review: string | null }>(`
    SELECT f.position, f.record, r.review FROM flagged_accesses f
    LEFT JOIN break_glass_reviews r ON r.access_id = f.access_id WHERE f.access_id = ?`);
  const openCountStmt = db.prepare<[], { n: number }>(`
    SELECT count(*) AS n FROM flagged_accesses f
    WHERE NOT EXISTS (SELECT 1 FROM break_glass_reviews r WHERE r.access_id = f.access_id)`);
  // The organisation (or practitioner) that holds the patient's REGIEBEHANDELAAR role now; the
  // door decides each row again on the plan itself.
  const noticesStmt = db.prepare<
    [string, string, string, number],
    { position: string; record: string; review: string | null }
  >(`
    SELECT f.position, f.record, NULL AS review FROM flagged_accesses f
    WHERE f.break_glass = 1 AND f.position > ? AND EXISTS (
      SELECT 1 FROM roles o WHERE o.pseudonym = f.pseudonym AND o.role = 'REGIEBEHANDELAAR'
        AND (o.organization_id = ? OR o.practitioner_id = ?))
    ORDER BY f.position LIMIT ?`);
  const toFlagged = (r: { position: string; record: string; review: string | null }): FlaggedAccessRow => ({
    position: positionFromKey(r.position),
    record: JSON.parse(r.record) as AccessRecord,
    review: r.review === null ? undefined : (JSON.parse(r.review) as BreakGlassReview),
  });
  const page = <R>(rows: R[], limit: number, map: (r: R) => FlaggedAccessRow): Page<FlaggedAccessRow> => ({
    hasMore: rows.length > limit,
    items: rows.slice(0, limit).map(map),
  });
  const rolesOfStmt = db.prepare<[string], RawRole>(
    'SELECT * FROM roles WHERE pseudonym = ? ORDER BY role, from_date',
  );
  const rolesOfManyStmt = db.prepare<[string], RawRole>(
    'SELECT * FROM roles WHERE pseudonym IN (SELECT value FROM json_each(?)) ORDER BY pseudonym, role, from_date',
  );
  const rolesHeldStmt = db.prepare<[string], RawRole>(
    'SELECT * FROM roles WHERE practitioner_id = ? ORDER BY pseudonym, role',
  );
  const countStmt = db.prepare<[], { n: number }>('SELECT count(*) AS n FROM current_plans');
  const quarantineStmt = db.prepare<[string], RawQuarantine>(
    'SELECT * FROM quarantined_streams WHERE stream_name = ?',
  );
  const quarantinedStmt = db.prepare<[], RawQuarantine>(
    'SELECT * FROM quarantined_streams ORDER BY quarantined_at, stream_name',
  );
  const streamVersionStmt = db.prepare<[string], { version: number }>(
    'SELECT version FROM patient_index WHERE pseudonym = ?',
  );

  const versionStmt = db.prepare<[string], { version: number }>(
    'SELECT version FROM current_plans WHERE pseudonym = ?',
  );
  const versionsStmt = db.prepare<[string], { pseudonym: string; version: number }>(
    'SELECT pseudonym, version FROM current_plans WHERE pseudonym IN (SELECT value FROM json_each(?))',
  );
  // Parsing a stored view is most of a lookup's cost. A view is a pure function of the stream up
  // to its version, so a parsed view stays right for as long as the row's version is the same:
  // every lookup still reads the current version, and only the parse is skipped. Frozen, because
  // the same object serves many requests; bounded, least recently used out.
  const views = new Map<string, CurrentPlanRow>();
  const remember = (plan: CurrentPlanRow): CurrentPlanRow => {
    views.delete(plan.pseudonym);
    views.set(plan.pseudonym, plan);
    if (views.size > VIEW_CACHE_SIZE) views.delete(views.keys().next().value!);
    return plan;
  };
  const toPlan = (r: { pseudonym: string; version: number; view: string }): CurrentPlanRow =>
    remember(
      Object.freeze({
        pseudonym: r.pseudonym,
        version: r.version,
        view: decodeView(r.view),
      }),
    );
  const cached = (pseudonym: string, version: number): CurrentPlanRow | undefined => {
    const hit = views.get(pseudonym);
    return hit?.version === version ? remember(hit) : undefined;
  };

  const destroyedStmt = db.prepare<[string], { version: number; destruction: string }>(
    'SELECT version, destruction FROM destroyed_records WHERE pseudonym = ?',
  );

  return {
    currentPlan(pseudonym: string): CurrentPlanRow | undefined {
      // One statement either way: the version alone when a parsed copy may still be right, else
      // the row itself (most lookups in a large region are of a patient not looked up lately).
      if (views.has(pseudonym)) {
        const current = versionStmt.get(pseudonym);
        const hit = current && cached(pseudonym, current.version);
        if (hit) return hit;
      }
      const row = planStmt.get(pseudonym);
      if (!row) {
        // No row (none yet, voided, destroyed): nor a parsed copy of one kept in memory.
        views.delete(pseudonym);
        return undefined;
      }
      return toPlan(row);
    },

    /** The record of a lawful destruction of this patient's record, if it was destroyed. */
    destroyedRecord(pseudonym: string): DestroyedRecordRow | undefined {
      const row = destroyedStmt.get(pseudonym);
      return row && { version: row.version, ...(JSON.parse(row.destruction) as Destruction) };
    },

    /** For DataLoader: one statement for many patients, results in the order asked. */
    currentPlans(pseudonyms: readonly string[]): (CurrentPlanRow | undefined)[] {
      const found = new Map<string, CurrentPlanRow>();
      const missing: string[] = [];
      for (const { pseudonym, version } of versionsStmt.all(JSON.stringify(pseudonyms))) {
        const hit = cached(pseudonym, version);
        if (hit) found.set(pseudonym, hit);
        else missing.push(pseudonym);
      }
      if (missing.length > 0) {
        for (const r of plansStmt.all(JSON.stringify(missing))) found.set(r.pseudonym, toPlan(r));
      }
      return pseudonyms.map((p) => found.get(p));
    },

    /** Plans of an organisation whose review date lies before `until`, earliest first. */
    reviewsDue(
      organizationId: string,
      until: string,
      limit: number,
      after?: { reviewDueOn: string; pseudonym: string },
    ): Page<ReviewDueRow> {
      const from = after ?? { reviewDueOn: '', pseudonym: '' };
      const rows = reviewDueStmt.all(
        organizationId,
        until,
        from.reviewDueOn,
        from.reviewDueOn,
        from.pseudonym,
        limit + 1,
      );
      return {
        hasMore: rows.length > limit,
        items: rows.slice(0, limit).map((r) => ({
          pseudonym: r.pseudonym,
          reviewDueOn: r.review_due_on,
          roles: JSON.parse(r.roles) as string[],
        })),
      };
    },

    /** Access records of one patient, oldest first; `afterPosition` is the cursor. */
    accessLog(pseudonym: string, afterPosition: bigint | undefined, limit: number): Page<AccessLogRow> {
      const rows = accessLogStmt.all(
        pseudonym,
        afterPosition === undefined ? '' : positionKey(afterPosition),
        limit + 1,
      );
      return {
        hasMore: rows.length > limit,
        items: rows.slice(0, limit).map((r) => ({
          position: positionFromKey(r.position),
          record: JSON.parse(r.record) as AccessRecord,
        })),
      };
    },

    /**
     * Flagged access records, oldest first, after the global position `afterPosition`: all of
     * them, or only those not reviewed yet (`reviewed` false) or only the concluded (true).
     */
    flaggedAccesses(
      reviewed: boolean | undefined,
      afterPosition: bigint | undefined,
      limit: number,
    ): Page<FlaggedAccessRow> {
      const want = reviewed === undefined ? -1 : reviewed ? 1 : 0;
      const after = afterPosition === undefined ? '' : positionKey(afterPosition);
      return page(flaggedStmt.all(after, want, want, limit + 1), limit, toFlagged);
    },

    /** One flagged access record by its access id; undefined when there is no such flagged record. */
    flaggedAccess(accessId: string): FlaggedAccessRow | undefined {
      const row = flaggedOneStmt.get(accessId);
      return row && toFlagged(row);
    },

    /** How many flagged access records have no conclusion yet. */
    openBreakGlassReviewCount(): number {
      return openCountStmt.get()!.n;
    },

    /**
     * Granted break-the-glass reads of the patients whose regiebehandelaar is this organisation
     * (or this practitioner), oldest first, after `afterPosition`.
     */
    breakGlassNotices(
      organizationId: string,
      practitionerId: string,
      afterPosition: bigint | undefined,
      limit: number,
    ): Page<FlaggedAccessRow> {
      const after = afterPosition === undefined ? '' : positionKey(afterPosition);
      return page(noticesStmt.all(after, organizationId, practitionerId, limit + 1), limit, toFlagged);
    },

    rolesOf(pseudonym: string): RoleRow[] {
      return rolesOfStmt.all(pseudonym).map(toRole);
    },

    /** For DataLoader: roles of many patients at once, grouped in the order asked. */
    rolesOfMany(pseudonyms: readonly string[]): RoleRow[][] {
      const grouped = new Map<string, RoleRow[]>();
      for (const r of rolesOfManyStmt.all(JSON.stringify(pseudonyms))) {
        grouped.set(r.pseudonym, [...(grouped.get(r.pseudonym) ?? []), toRole(r)]);
      }
      return pseudonyms.map((p) => grouped.get(p) ?? []);
    },

    rolesHeldBy(practitionerId: string): RoleRow[] {
      return rolesHeldStmt.all(practitionerId).map(toRole);
    },

    planCount(): number {
      return countStmt.get()!.n;
    },

    /**
     * Why this patient's stream is quarantined, if it is. Its rows stop before an event this node
     * could not read, so a read of this patient should answer with a typed error, not its plan.
     */
    quarantine(pseudonym: string): QuarantineRow | undefined {
      const row = quarantineStmt.get(streamNameFor(pseudonym));
      return row && toQuarantineRow(row);
    },

    /** Every quarantined stream (patients and access logs), oldest quarantine first. */
    quarantined(): QuarantineRow[] {
      return quarantinedStmt.all().map(toQuarantineRow);
    },

    /** Stream revision of the last event of this patient in the read models; undefined when none. */
    streamVersion(pseudonym: string): number | undefined {
      return streamVersionStmt.get(pseudonym)?.version;
    },
  };
}

export type Queries = ReturnType<typeof createQueries>;
