import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type * as Domain from '@pzp/domain';
import { actors } from '@pzp/domain/testing';
import { Projector } from './projector.js';
import { createQueries } from './queries.js';
import { append, BSNS, dump, patientEvents, pseudonymOf, testEnv } from './spec-support.js';

/** The nurse's limit that patientEvents() ends with. */
const NURSE_LIMIT = '305351004';

// A view bug that only one patient's plan runs into: once "Patiënt 1" has the nurse's limit.
vi.mock('@pzp/domain', async (importOriginal) => {
  const domain = await importOriginal<typeof Domain>();
  return {
    ...domain,
    currentView: (plan: Domain.Plan) => {
      if (plan.patient?.name === 'Patiënt 1' && Object.hasOwn(plan.treatmentDirectives, NURSE_LIMIT)) {
        throw new TypeError("Cannot read properties of undefined (reading 'Patiënt 1')");
      }
      return domain.currentView(plan);
    },
  };
});

const [A, B] = BSNS as [string, string];
const clock = () => new Date('2026-04-01T08:00:00.000Z');

let env: ReturnType<typeof testEnv>;
beforeEach(() => {
  env = testEnv();
});
afterEach(() => env.close());

describe('quarantine when a view cannot be made', () => {
  it('keeps the rows up to the event before, in one batch as in one event per batch', async () => {
    const a = patientEvents(A, 0);
    const b = patientEvents(B, 1);
    await append(env.store, A, a);
    await append(env.store, B, b);

    const whole = env.openDb('whole.db');
    const projector = new Projector(env.store, whole, { clock });
    await projector.catchUp();
    const queries = createQueries(whole);
    const limit = b.length - 1; // the nurse's limit is B's last event
    expect(queries.quarantine(pseudonymOf(B))).toMatchObject({
      revision: limit,
      eventType: b[limit]!.type,
      errorName: 'TypeError',
      // The thrown message quoted data: it is not stored.
      errorMessage: 'view of the folded plan could not be made',
    });
    expect(queries.currentPlan(pseudonymOf(B))?.version).toBe(limit - 1);
    expect(queries.streamVersion(pseudonymOf(B))).toBe(limit - 1);
    expect(queries.currentPlan(pseudonymOf(A))?.version).toBe(a.length - 1);

    const single = env.openDb('single.db');
    await new Projector(env.store, single, { clock, batchSize: 1 }).catchUp();
    expect(dump(single)).toEqual(dump(whole));
  });

  it('leaves a quarantined plan out of the review list, as pzp refuses it', async () => {
    // The GP holds the regiebehandelaar role of both plans, so both fall due for her practice.
    await append(env.store, A, patientEvents(A, 0, { regiebehandelaar: true }));
    await append(env.store, B, patientEvents(B, 1, { regiebehandelaar: true }));
    const db = env.openDb('list.db');
    await new Projector(env.store, db, { clock }).catchUp();
    const queries = createQueries(db);
    expect(queries.quarantine(pseudonymOf(B))).toBeDefined();
    const due = queries.reviewsDue(actors.gp.organization.id, '2030-01-01', 10).items;
    expect(due.map((p) => p.pseudonym)).toEqual([pseudonymOf(A)]);
  });
});
