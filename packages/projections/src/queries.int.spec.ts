import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Projector } from './projector.js';
import { createQueries } from './queries.js';
import { append, BSNS, patientEvents, pseudonymOf, testEnv } from './spec-support.js';

const clock = () => new Date('2026-04-01T08:00:00.000Z');
const [A] = BSNS as [string];

// currentPlan keeps parsed views: a kept copy may serve only while the stored row is the same.
describe('currentPlan with parsed views kept', () => {
  let env: ReturnType<typeof testEnv>;
  beforeEach(() => {
    env = testEnv();
  });
  afterEach(() => env.close());

  it('serves the kept copy while the row is unchanged, the new row once it changes, none once it is gone', async () => {
    const events = patientEvents(A, 1);
    await append(env.store, A, events.slice(0, -1));
    const db = env.openDb('node.db');
    const projector = new Projector(env.store, db, { clock });
    await projector.catchUp();
    const queries = createQueries(db);

    const first = queries.currentPlan(pseudonymOf(A))!;
    expect(first.version).toBe(events.length - 2);
    expect(queries.currentPlan(pseudonymOf(A))).toBe(first); // not parsed again
    const icu = (plan: typeof first) =>
      plan.view.treatmentDirectives.find((d) => d.treatment.code === '305351004');
    expect(icu(first)?.status).toBe('NO_AGREEMENT_RECORDED');

    // A later event: the next lookup shows it, never the copy kept from before.
    await append(env.store, A, events.slice(-1), events.length - 1);
    await projector.catchUp();
    const second = queries.currentPlan(pseudonymOf(A))!;
    expect(second.version).toBe(events.length - 1);
    expect(icu(second)?.decision).toBe('NIET');
    expect(queries.currentPlans([pseudonymOf(A)])[0]).toBe(second);

    // The row gone (as when a plan is voided or destroyed): no kept copy is shown instead.
    db.prepare('DELETE FROM current_plans WHERE pseudonym = ?').run(pseudonymOf(A));
    expect(queries.currentPlan(pseudonymOf(A))).toBeUndefined();
    expect(queries.currentPlans([pseudonymOf(A)])).toEqual([undefined]);
  });
});
