import { createHash } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Bsn, currentView, evolve, initialState, type PzpEvent } from '@pzp/domain';
import { actors, asParty, bsns, idSequence, patientParty, PlanRecorder } from '@pzp/domain/testing';
import { PROJECTION_CODE_VERSION } from './code-version.js';
import { CODE_CHANGED_MESSAGE, Projector } from './projector.js';
import { createQueries } from './queries.js';
import { append, BSNS, dump, patientEvents, pseudonymOf, recordingLogger, testEnv } from './spec-support.js';

/**
 * sha256 of what the stored read models hold for the fixture stream below (every currentView()
 * along the way; up to version 3 every describeChange() entry too, when the read models held the
 * change history), per PROJECTION_CODE_VERSION.
 * When the golden test fails: bump PROJECTION_CODE_VERSION and add the new hash here under it.
 */
const RECORDED_OUTPUT: Readonly<Record<number, string>> = {
  1: '14fc438ff227487cc03d6958a43f205c3d481a7003d2119c80c5aabba9e3b82a',
  // Ended directives in the view (endedTreatmentDirectives).
  2: 'd7b5a978f114e19b0f73c4781074cf3dc75f08fa60faa9b4646461981d096202',
  // Whether the patient has an ICD (icd), from the national form's question 4h.
  3: '2247e1fa636c096f62d10e5d8bbc0b73511ddf28aa094273716139c7bfeca3ce',
  // The read models no longer hold the change history: only the views are hashed.
  4: '30f7a6a021c95773cdf36ce9d1ed9ab3f0e503b68009c6794e8f3e346043aa67',
};

let env: ReturnType<typeof testEnv>;
beforeEach(() => {
  env = testEnv();
});
afterEach(() => env.close());

async function appendPatients() {
  for (const [i, bsn] of BSNS.entries()) await append(env.store, bsn, patientEvents(bsn, i));
}

describe('projection code version', () => {
  it('rebuilds read models built by other view code when the projector starts, and only then', async () => {
    await appendPatients();
    const built = env.openDb('node.db');
    await new Projector(env.store, built, { codeVersion: 1 }).catchUp();
    // What version 1 stored is not what version 2 would: here, garbage.
    built.exec(`UPDATE current_plans SET view = '{"treatmentDirectives":"old shape"}'`);
    built.close();

    const fresh = env.openDb('fresh.db');
    await new Projector(env.store, fresh, { codeVersion: 2 }).rebuild();

    const upgraded = env.openDb('node.db');
    const logger = recordingLogger();
    const projector = new Projector(env.store, upgraded, { codeVersion: 2, logger });
    await projector.start();
    await projector.stop();
    expect(logger.lines).toContainEqual({
      level: 'info',
      fields: { from: 1, to: 2 },
      message: CODE_CHANGED_MESSAGE,
    });
    expect(dump(upgraded)).toEqual(dump(fresh));
    upgraded.close();

    // Same version again: nothing is rebuilt, so a row changed by hand stays as it is.
    const again = env.openDb('node.db');
    const pseudonym = pseudonymOf(BSNS[0]!);
    again.prepare(`UPDATE current_plans SET view = '{"touched":true}' WHERE pseudonym = ?`).run(pseudonym);
    const touched = dump(again);
    const quiet = recordingLogger();
    const restarted = new Projector(env.store, again, { codeVersion: 2, logger: quiet });
    expect(await restarted.catchUp()).toBe(0);
    expect(quiet.lines.map((l) => l.message)).not.toContain(CODE_CHANGED_MESSAGE);
    expect(dump(again)).toEqual(touched);
    expect(createQueries(again).currentPlan(pseudonym)?.view).toEqual({ touched: true });
  });

  it('records the code version with the rows, and rebuilds read models that hold rows but none', async () => {
    await appendPatients();
    const db = env.openDb('unversioned.db');
    // A new node (empty read models) just builds them: that is no code change.
    const first = recordingLogger();
    await new Projector(env.store, db, { logger: first }).catchUp();
    expect(first.lines.map((l) => l.message)).not.toContain(CODE_CHANGED_MESSAGE);
    expect(db.prepare('SELECT value FROM read_model_meta WHERE key = ?').get('code_version')).toEqual({
      value: String(PROJECTION_CODE_VERSION),
    });
    db.exec('DELETE FROM read_model_meta'); // as written by a version of this code that kept none
    db.exec(`UPDATE current_plans SET view = '{}'`);

    const logger = recordingLogger();
    await new Projector(env.store, db, { logger }).catchUp();
    expect(logger.lines).toContainEqual({
      level: 'info',
      fields: { from: null, to: PROJECTION_CODE_VERSION },
      message: CODE_CHANGED_MESSAGE,
    });
    const fresh = env.openDb('fresh.db');
    await new Projector(env.store, fresh).catchUp();
    expect(dump(db)).toEqual(dump(fresh));
  });
});

/**
 * One patient's plan through most of what view.ts and history.ts render: a first conversation with
 * directives (one with conditions), a wish, a place of death, a representative and consents; the
 * GP as regiebehandelaar; a nurse's provisional limit and its confirmation; a wish entered in error;
 * a withdrawn consent; a handover; and a review.
 */
function fixtureStream(): PzpEvent[] {
  const recorder = new PlanRecorder(idSequence(7));
  recorder.run(
    'RecordConversation',
    {
      conversationId: 'conv-golden',
      patient: { bsn: Bsn.parse(bsns[0]), name: 'Patiënt Golden', birthDate: '1938-05-17' },
      date: '2026-03-02',
      participants: [patientParty, asParty(actors.gp)],
      treatmentDirectives: [
        { treatment: { code: '89666000' }, decision: 'NIET' },
        {
          treatment: { code: '40617009' },
          decision: 'ANDERS',
          specification: 'Alleen bij een longontsteking',
        },
      ],
      lifeWishes: [{ wishId: 'wish-home', text: 'Zo lang mogelijk thuis blijven' }],
      preferredPlaceOfDeath: { place: { code: '264362003' } },
      capacity: { hasCapacity: true },
      contactPersons: [
        { contactId: 'contact-1', name: 'J. Golden', role: '24', relationship: 'CHILD', phone: '0612345678' },
      ],
      sharingConsents: [
        { organizationType: 'HAP', decision: 'GRANTED' },
        { organizationType: 'SEH', decision: 'GRANTED' },
      ],
    },
    actors.gp,
    '2026-03-02T14:00:00+01:00',
  );
  recorder.run(
    'AssignRole',
    {
      assignmentId: 'regie-1',
      role: 'REGIEBEHANDELAAR',
      practitioner: actors.gp,
      organization: actors.gp.organization,
      from: '2026-03-02',
    },
    actors.gp,
    '2026-03-02T15:00:00+01:00',
  );
  recorder.run(
    'SetTreatmentDirective',
    {
      treatment: { code: '305351004' },
      decision: 'NIET',
      decidedOn: '2026-03-04',
      parties: [patientParty, asParty(actors.districtNurse)],
    },
    actors.districtNurse,
    '2026-03-04T10:00:00+01:00',
  );
  recorder.run(
    'ConfirmTreatmentDirective',
    { treatment: { code: '305351004' }, confirmedOn: '2026-03-05' },
    actors.gp,
    '2026-03-05T09:00:00+01:00',
  );
  recorder.run(
    'RecordLifeWish',
    { wishId: 'wish-music', text: 'Muziek van Bach' },
    actors.gp,
    '2026-03-05T10:00:00+01:00',
  );
  const wish = recorder.events.find((e) => e.type === 'LifeWishRecorded' && e.data.wishId === 'wish-music')!;
  recorder.run(
    'MarkEnteredInError',
    { changeId: wish.metadata.eventId, reason: 'Bij de verkeerde patiënt vastgelegd' },
    actors.gp,
    '2026-03-06T09:00:00+01:00',
  );
  recorder.run(
    'WithdrawSharingConsent',
    { organizationType: 'SEH', withdrawnOn: '2026-03-10', reason: 'Wil het zelf vertellen' },
    actors.gp,
    '2026-03-10T09:00:00+01:00',
  );
  recorder.run(
    'AssignRole',
    {
      assignmentId: 'regie-2',
      role: 'REGIEBEHANDELAAR',
      practitioner: actors.gpColleague,
      organization: actors.gpColleague.organization,
      from: '2026-06-01',
    },
    actors.gp,
    '2026-06-01T09:00:00+02:00',
  );
  recorder.run(
    'ConfirmPlanReviewed',
    { reviewedOn: '2026-06-02' },
    actors.gpColleague,
    '2026-06-02T09:00:00+02:00',
  );
  return recorder.events;
}

describe('PROJECTION_CODE_VERSION', () => {
  it('is bumped whenever what currentView() returns changes (golden hash)', () => {
    const output: unknown[] = [];
    let state = initialState;
    for (const event of fixtureStream()) {
      const after = evolve(state, event);
      output.push(currentView(after.plan));
      state = after;
    }
    const hash = createHash('sha256').update(JSON.stringify(output)).digest('hex');
    expect(
      hash,
      `The output of currentView() (packages/domain view.ts) is not what ` +
        `PROJECTION_CODE_VERSION ${PROJECTION_CODE_VERSION} recorded. Stored views would go stale on deploy: ` +
        `bump PROJECTION_CODE_VERSION in packages/projections/src/code-version.ts (every node then rebuilds ` +
        `its read models on start) and record this hash under the new version in RECORDED_OUTPUT in ` +
        `code-version.int.spec.ts: ${hash}`,
    ).toBe(RECORDED_OUTPUT[PROJECTION_CODE_VERSION]);
  });
});
