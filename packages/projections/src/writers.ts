import { activeRoles, currentView, type AccessRecord, type ChangeEntry, type PlanState } from '@pzp/domain';
import type { ReadModelDb } from './read-model-db.js';
import { positionKey } from './position-key.js';

/** Prepared statements for every read-model write, made once per database. */
export function createWriters(db: ReadModelDb) {
  const insertHistory = db.prepare(`
    INSERT INTO change_history (pseudonym, revision, change_id, type, recorded_at, recorded_by, summary, reason,
                                conversation_id, changes, position)
    VALUES (@pseudonym, @revision, @changeId, @type, @recordedAt, @recordedBy, @summary, @reason,
            @conversationId, @changes, @position)
    ON CONFLICT (pseudonym, revision) DO NOTHING`);
  const upsertIndex = db.prepare(`
    INSERT INTO patient_index (pseudonym, stream_name, version, first_recorded_at, last_changed_at, last_position)
    VALUES (@pseudonym, @streamName, @version, @firstChangedAt, @changedAt, @position)
    ON CONFLICT (pseudonym) DO UPDATE SET version = excluded.version, last_changed_at = excluded.last_changed_at,
                                          last_position = excluded.last_position`);
  const upsertPlan = db.prepare(`
    INSERT INTO current_plans (pseudonym, version, view) VALUES (@pseudonym, @version, @view)
    ON CONFLICT (pseudonym) DO UPDATE SET version = excluded.version, view = excluded.view`);
  const deleteRoles = db.prepare('DELETE FROM roles WHERE pseudonym = ?');
  const insertRole = db.prepare(`
    INSERT INTO roles (pseudonym, assignment_id, role, practitioner_id, practitioner_name, profession,
                       organization_id, organization_name, organization_type, from_date)
    VALUES (@pseudonym, @assignmentId, @role, @practitionerId, @practitionerName, @profession,
            @organizationId, @organizationName, @organizationType, @from)`);
  const deleteReviewDue = db.prepare('DELETE FROM review_due WHERE pseudonym = ?');
  const insertReviewDue = db.prepare(`
    INSERT INTO review_due (organization_id, pseudonym, review_due_on, roles)
    VALUES (@organizationId, @pseudonym, @reviewDueOn, @roles)`);
  const insertAccess = db.prepare(
    'INSERT INTO access_log (pseudonym, position, record) VALUES (?, ?, ?) ON CONFLICT DO NOTHING',
  );
  const writeCheckpoint = db.prepare(`
    INSERT INTO checkpoints (name, position) VALUES (@name, @position)
    ON CONFLICT (name) DO UPDATE SET position = excluded.position`);
  const readCheckpoint = db.prepare<[string], { position: string | null }>(
    'SELECT position FROM checkpoints WHERE name = ?',
  );

  return {
    accessRecord(record: AccessRecord, position: bigint) {
      insertAccess.run(record.pseudonym, positionKey(position), JSON.stringify(record));
    },

    history(pseudonym: string, revision: bigint, position: bigint, entry: ChangeEntry) {
      insertHistory.run({
        pseudonym,
        revision,
        changeId: entry.changeId,
        type: entry.type,
        recordedAt: entry.recordedAt,
        recordedBy: JSON.stringify(entry.recordedBy),
        summary: entry.summary,
        reason: entry.reason ?? null,
        conversationId: entry.conversationId ?? null,
        changes: JSON.stringify(entry.changes),
        position: position.toString(),
      });
    },

    /** The per-patient read models that hold only the latest state: written once per patient per batch. */
    latest(
      pseudonym: string,
      streamName: string,
      state: PlanState,
      batch: { firstChangedAt: string; changedAt: string; position: bigint },
    ) {
      const { plan } = state;
      upsertIndex.run({
        pseudonym,
        streamName,
        version: state.version,
        firstChangedAt: batch.firstChangedAt,
        changedAt: batch.changedAt,
        position: batch.position.toString(),
      });
      upsertPlan.run({ pseudonym, version: state.version, view: JSON.stringify(currentView(plan)) });

      deleteRoles.run(pseudonym);
      const roles = activeRoles(plan);
      for (const r of roles) {
        insertRole.run({
          pseudonym,
          assignmentId: r.assignmentId,
          role: r.role,
          practitionerId: r.practitioner.id,
          practitionerName: r.practitioner.name,
          profession: r.practitioner.profession,
          organizationId: r.organization.id,
          organizationName: r.organization.name,
          organizationType: r.organization.type,
          from: r.from,
        });
      }

      // The review is due for every organisation that holds a role for this patient.
      deleteReviewDue.run(pseudonym);
      if (plan.reviewDueOn) {
        const byOrganization = new Map<string, string[]>();
        for (const r of roles)
          byOrganization.set(r.organization.id, [...(byOrganization.get(r.organization.id) ?? []), r.role]);
        for (const [organizationId, orgRoles] of byOrganization) {
          insertReviewDue.run({
            organizationId,
            pseudonym,
            reviewDueOn: plan.reviewDueOn,
            roles: JSON.stringify(orgRoles),
          });
        }
      }
    },

    checkpoint(name: string, position: bigint) {
      writeCheckpoint.run({ name, position: position.toString() });
    },

    readCheckpoint(name: string): bigint | undefined {
      const row = readCheckpoint.get(name);
      return row?.position == null ? undefined : BigInt(row.position);
    },
  };
}

export type Writers = ReturnType<typeof createWriters>;
