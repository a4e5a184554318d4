import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { handleCommand, planAsOf as heldAt, planHistory } from '@pzp/application';
import {
  amsterdamDate,
  Bsn,
  fold,
  parseEvent,
  pseudonymFor,
  streamNameFor,
  viewOf,
  withTimeWarnings,
  type CommandInput,
  type CommandType,
  type DirectiveView,
  type PlanView,
  type PzpCommand,
} from '@pzp/domain';
import { actors, asParty, idSequence, patientParty } from '@pzp/domain/testing';
import { SqliteEventStore, type EventStore } from '@pzp/event-store';
import { Projector, createQueries, openReadModelDb, type Queries } from '@pzp/projections';

/**
 * One patient through a realistic year of PZP: a first conversation at home with the GP, a
 * nurse's provisional limit confirmed by the GP, a hospital admission where a specialist becomes
 * hoofdbehandelaar and changes the ICU limit, discharge, a move to a nursing home with a new
 * regiebehandelaar, and one correction (entered-in-error). Real store, real projector.
 */

const SECRET = 'test-secret-of-at-least-thirty-two-characters';
const bsn = Bsn.parse('111222333');
const pseudonym = pseudonymFor(bsn, SECRET);
const streamName = streamNameFor(pseudonym);
const daughter = {
  contactId: 'contact-anna',
  name: 'Anna de Groot',
  role: '24',
  relationship: 'CHILD',
  phone: '+31 6 12345678',
} as const;

let dir: string;
let store: SqliteEventStore;
let projector: Projector;
let queries: Queries;
const newId = idSequence(7);
/** changeIds of the steps we refer back to. */
const marks: Record<string, string> = {};

async function run<T extends CommandType>(
  type: T,
  data: CommandInput<T>,
  actor: (typeof actors)[keyof typeof actors],
  now: string,
) {
  const command = { type, data, metadata: { actor, now } } as PzpCommand;
  const result = await handleCommand(store, { streamName, command, sourceSystem: 'test-his', newId });
  await projector.waitFor(result.position!);
  return result;
}

/** The plan as held at `at`, with the date-dependent warnings judged at that instant (as the API shows it). */
async function planAsOf(store: EventStore, streamName: string, at: Date) {
  const held = await heldAt(store, streamName, at);
  return held && { ...held, view: withTimeWarnings(held.view, amsterdamDate(at)) };
}

const directive = (view: PlanView, code: string): DirectiveView =>
  view.treatmentDirectives.find((d) => d.key === code)!;

/** The directive for `code`, which must hold an agreement. */
function agreed(view: PlanView, code: string): Exclude<DirectiveView, { status: 'NO_AGREEMENT_RECORDED' }> {
  const found = directive(view, code);
  if (found.status === 'NO_AGREEMENT_RECORDED') throw new Error(`no agreement recorded for ${code}`);
  return found;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'pzp-life-'));
  store = SqliteEventStore.open(join(dir, 'events.db'));
  const db = openReadModelDb(join(dir, 'read-models.db'));
  projector = new Projector(store, db);
  queries = createQueries(db);
  await projector.start();

  // 12 January: first PZP conversation at home with the GP, patient and daughter.
  const first = await run(
    'RecordConversation',
    {
      conversationId: 'conv-home-1',
      patient: { bsn, name: 'W. de Groot-Peters', birthDate: '1938-05-04' },
      date: '2026-01-12',
      location: 'Thuis',
      participants: [
        patientParty,
        { kind: 'RELATIVE', name: daughter.name, relationship: 'CHILD' },
        asParty(actors.gp),
      ],
      topics: [
        'WHAT_MATTERS',
        'GOALS',
        'TREATMENT_WISHES_AND_LIMITS',
        'PLACE_OF_DEATH',
        'REPRESENTATIVE',
        'SHARING_CONSENT',
      ],
      treatmentDirectives: [
        { treatment: { code: '89666000' }, decision: 'NIET' },
        { treatment: { code: '40617009' }, decision: 'NIET' },
        {
          treatment: { code: '32485007' },
          decision: 'ANDERS',
          specification: 'Alleen bij een goed behandelbare oorzaak, zoals een heupfractuur',
        },
      ],
      lifeWishes: [{ wishId: 'wish-home', text: 'Zo lang mogelijk thuis blijven, bij de tuin' }],
      medicalPolicyGoal: { goal: '1351964001' },
      preferredPlaceOfDeath: { place: { code: '264362003' } },
      contactPersons: [daughter],
      sharingConsents: (['HAP', 'SEH', 'ZIEKENHUIS', 'VVT', 'AMBULANCE'] as const).map(
        (organizationType) => ({
          organizationType,
          decision: 'GRANTED' as const,
        }),
      ),
      reviewAfterMonths: 6,
    },
    actors.gp,
    '2026-01-12T15:00:00+01:00',
  );
  marks.firstConversation = first.events[0]!.metadata.eventId;
  await run(
    'AssignRole',
    {
      assignmentId: 'role-gp-regie',
      role: 'REGIEBEHANDELAAR',
      practitioner: actors.gp,
      organization: actors.gp.organization,
      from: '2026-01-12',
    },
    actors.gp,
    '2026-01-12T15:05:00+01:00',
  );
  await run(
    'AssignRole',
    {
      assignmentId: 'role-gp-hoofd',
      role: 'HOOFDBEHANDELAAR',
      practitioner: actors.gp,
      organization: actors.gp.organization,
      from: '2026-01-12',
    },
    actors.gp,
    '2026-01-12T15:06:00+01:00',
  );

  // 3 February: the district nurse records "no ICU" with the patient: provisional.
  await run(
    'SetTreatmentDirective',
    {
      treatment: { code: '305351004' },
      decision: 'NIET',
      decidedOn: '2026-02-03',
      parties: [patientParty, asParty(actors.districtNurse)],
    },
    actors.districtNurse,
    '2026-02-03T10:00:00+01:00',
  );
  // 5 February: the GP confirms it.
  await run(
    'ConfirmTreatmentDirective',
    { treatment: { code: '305351004' }, confirmedOn: '2026-02-05' },
    actors.gp,
    '2026-02-05T09:00:00+01:00',
  );

  // 10 April: hospital admission; the specialist becomes hoofdbehandelaar and changes the ICU limit.
  await run(
    'AssignRole',
    {
      assignmentId: 'role-specialist-hoofd',
      role: 'HOOFDBEHANDELAAR',
      practitioner: actors.specialist,
      organization: actors.specialist.organization,
      from: '2026-04-10',
      transition: 'HOSPITAL_ADMISSION',
    },
    actors.specialist,
    '2026-04-10T11:00:00+02:00',
  );
  const icuRevision = await run(
    'SetTreatmentDirective',
    {
      treatment: { code: '305351004' },
      decision: 'ANDERS',
      specification: 'Kortdurende IC-opname (max. 48 uur) alleen bij een reversibele oorzaak',
      decidedOn: '2026-04-10',
      parties: [
        patientParty,
        { kind: 'RELATIVE', name: daughter.name, relationship: 'CHILD' },
        asParty(actors.specialist),
      ],
    },
    actors.specialist,
    '2026-04-10T16:00:00+02:00',
  );
  marks.icuRevision = icuRevision.events[0]!.metadata.eventId;

  // 20 April: discharge; the GP is hoofdbehandelaar again.
  await run(
    'AssignRole',
    {
      assignmentId: 'role-gp-hoofd-2',
      role: 'HOOFDBEHANDELAAR',
      practitioner: actors.gp,
      organization: actors.gp.organization,
      from: '2026-04-20',
      transition: 'HOSPITAL_DISCHARGE',
    },
    actors.gp,
    '2026-04-20T10:00:00+02:00',
  );

  // 1 September: move to a nursing home; the elderly-care physician becomes regiebehandelaar and hoofdbehandelaar.
  for (const role of ['REGIEBEHANDELAAR', 'HOOFDBEHANDELAAR'] as const) {
    await run(
      'AssignRole',
      {
        assignmentId: `role-so-${role.toLowerCase()}`,
        role,
        practitioner: actors.elderlyCarePhysician,
        organization: actors.elderlyCarePhysician.organization,
        from: '2026-09-01',
        transition: 'NURSING_HOME_ADMISSION',
      },
      actors.elderlyCarePhysician,
      '2026-09-01T14:00:00+02:00',
    );
  }

  // 3 September: a conversation in the nursing home; a wrong entry follows and is corrected.
  await run(
    'RecordConversation',
    {
      conversationId: 'conv-nh-1',
      date: '2026-09-03',
      location: 'Verpleeghuis De Akkers',
      participants: [
        patientParty,
        { kind: 'REPRESENTATIVE', name: daughter.name, contactId: daughter.contactId },
        asParty(actors.elderlyCarePhysician),
      ],
      topics: ['EARLIER_AGREEMENTS', 'TREATMENT_WISHES_AND_LIMITS', 'PLACE_OF_DEATH'],
      treatmentDirectives: [
        { treatment: { code: '281789004' }, decision: 'WEL', comment: 'Bij pneumonie, oraal' },
      ],
      preferredPlaceOfDeath: { place: { code: '108344006' }, comment: 'Thuis is niet meer haalbaar' },
    },
    actors.elderlyCarePhysician,
    '2026-09-03T11:00:00+02:00',
  );
  const wrong = await run(
    'SetTreatmentDirective',
    {
      treatment: { code: '116762002' },
      decision: 'NIET',
      decidedOn: '2026-09-04',
      parties: [patientParty, asParty(actors.elderlyCarePhysician)],
    },
    actors.elderlyCarePhysician,
    '2026-09-04T09:00:00+02:00',
  );
  marks.wrongEntry = wrong.events[0]!.metadata.eventId;
  await run(
    'MarkEnteredInError',
    { changeId: marks.wrongEntry, reason: 'Vastgelegd bij de verkeerde patiënt' },
    actors.elderlyCarePhysician,
    '2026-09-04T13:00:00+02:00',
  );
});

afterAll(async () => {
  await projector.stop();
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('a patient through a year of PZP', () => {
  it('shows the HAP the current plan: every treatment, its status, who agreed it, the representative and the regiebehandelaar', () => {
    const row = queries.currentPlan(pseudonym)!;
    const view = row.view;
    expect(directive(view, '89666000')).toMatchObject({
      decision: 'NIET',
      status: 'CONFIRMED',
      decidedOn: '2026-01-12',
    });
    expect(agreed(view, '89666000').provenance.recordedBy.id).toBe(actors.gp.id);
    expect(directive(view, '40617009')).toMatchObject({ decision: 'NIET', status: 'CONFIRMED' });
    expect(directive(view, '305351004')).toMatchObject({
      decision: 'ANDERS',
      status: 'CONFIRMED',
      specification: 'Kortdurende IC-opname (max. 48 uur) alleen bij een reversibele oorzaak',
    });
    expect(directive(view, '305351004').summary).toContain('max. 48 uur');
    expect(agreed(view, '305351004').provenance.recordedBy.profession).toBe('MEDICAL_SPECIALIST');
    expect(directive(view, '32485007')).toMatchObject({ decision: 'ANDERS', status: 'CONFIRMED' });
    expect(directive(view, '281789004')).toMatchObject({ decision: 'WEL', status: 'CONFIRMED' });
    // The wrong entry was removed: no agreement, never a "no".
    expect(directive(view, '116762002')).toMatchObject({ status: 'NO_AGREEMENT_RECORDED', decision: null });

    expect(view.regiebehandelaar?.practitioner.id).toBe(actors.elderlyCarePhysician.id);
    expect(view.roles.filter((r) => r.role === 'HOOFDBEHANDELAAR').map((r) => r.practitioner.id)).toEqual([
      actors.elderlyCarePhysician.id,
    ]);
    expect(view.representatives).toEqual([
      expect.objectContaining({ name: daughter.name, phone: daughter.phone, role: '24' }),
    ]);
    expect(view.preferredPlaceOfDeath?.value.code).toBe('108344006');
    expect(view.lifeWishes.map((w) => w.text)).toEqual(['Zo lang mogelijk thuis blijven, bij de tuin']);
    expect(view.lastDiscussedOn).toBe('2026-09-03');
    // The nursing-home conversation came after the change of regiebehandelaar: no review pending.
    const codes = view.warnings.map((w) => `${w.code}:${w.subject ?? ''}`);
    expect(codes).toContain('CONDITIONS_APPLY:305351004');
    expect(codes).toContain('CONDITIONS_APPLY:32485007');
    expect(codes).toContain('CHANGED_BY_OTHER_THAN_REGIEBEHANDELAAR:305351004');
    expect(codes).not.toContain('REVIEW_REQUESTED:');
    expect(codes.filter((c) => c.startsWith('PROVISIONAL'))).toEqual([]);
  });

  it('stores exactly what folding the events with evolve gives', async () => {
    const events = (await store.readStream(streamName)).map((e) => parseEvent(e));
    const state = fold(events);
    const row = queries.currentPlan(pseudonym)!;
    expect(row.version).toBe(state.version);
    expect(row.view).toEqual(JSON.parse(JSON.stringify(viewOf(state))));
  });

  it('keeps every change in history with who, what, before and after, and why', async () => {
    const events = await store.readStream(streamName);
    const page = await planHistory(store, streamName, -1, 1000);
    expect(page.items).toHaveLength(events.length);
    expect(page.items.map((h) => h.revision)).toEqual(events.map((_, i) => i));

    const revision = page.items.find((h) => h.changeId === marks.icuRevision)!;
    expect(revision.type).toBe('TreatmentDirectiveRevised');
    expect(revision.recordedBy).toMatchObject({
      profession: 'MEDICAL_SPECIALIST',
      organization: { type: 'ZIEKENHUIS' },
    });
    const icu = revision.changes.find((c) => c.section === 'treatmentDirectives' && c.key === '305351004')!;
    expect(icu.before).toMatchObject({ decision: 'NIET', status: 'CONFIRMED' });
    expect(icu.after).toMatchObject({ decision: 'ANDERS' });

    const correction = page.items.at(-1)!;
    expect(correction.type).toBe('ChangeMarkedEnteredInError');
    expect(correction.reason).toBe('Vastgelegd bij de verkeerde patiënt');
    expect(correction.changes).toEqual([
      expect.objectContaining({ section: 'treatmentDirectives', key: '116762002', after: null }),
    ]);
    // The wrong entry itself is still in the history.
    expect(
      page.items.some((h) => h.changeId === marks.wrongEntry && h.type === 'TreatmentDirectiveSet'),
    ).toBe(true);

    const firstPage = await planHistory(store, streamName, -1, 5);
    const secondPage = await planHistory(store, streamName, firstPage.items.at(-1)!.revision, 5);
    expect(firstPage.hasMore).toBe(true);
    expect(secondPage.items[0]!.revision).toBe(5);
  });

  it('shows the plan as the registry held it at three instants', async () => {
    // Between the nurse's provisional limit and the GP's confirmation.
    const feb = (await planAsOf(store, streamName, new Date('2026-02-04T12:00:00+01:00')))!;
    expect(directive(feb.view, '305351004')).toMatchObject({ decision: 'NIET', status: 'PROVISIONAL' });
    expect(feb.view.warnings.map((w) => w.code)).toContain('PROVISIONAL');
    expect(feb.view.regiebehandelaar?.practitioner.id).toBe(actors.gp.id);

    // During the hospital admission.
    const april = (await planAsOf(store, streamName, new Date('2026-04-15T12:00:00+02:00')))!;
    expect(directive(april.view, '305351004')).toMatchObject({ decision: 'ANDERS' });
    expect(april.view.roles.find((r) => r.role === 'HOOFDBEHANDELAAR')?.practitioner.id).toBe(
      actors.specialist.id,
    );
    expect(april.view.regiebehandelaar?.practitioner.id).toBe(actors.gp.id);
    expect(april.view.warnings.map((w) => w.code)).toContain('REVIEW_REQUESTED');

    // Between the wrong entry and its correction: the registry did hold the wrong "no blood products".
    const sept = (await planAsOf(store, streamName, new Date('2026-09-04T10:00:00+02:00')))!;
    expect(directive(sept.view, '116762002')).toMatchObject({ decision: 'NIET' });
    expect(sept.version).toBe(
      fold((await store.readStream(streamName)).map((e) => parseEvent(e))).version - 1,
    );

    // Before the first event there was no plan.
    expect(await planAsOf(store, streamName, new Date('2026-01-01T00:00:00+01:00'))).toBeUndefined();
    // Overdue is judged at the instant asked for. In February the 6-month review (12 July) lay ahead;
    // the hospital admission asked for a review on 10 April, which by 15 August nobody had confirmed.
    expect(feb.view.reviewDueOn).toBe('2026-07-12');
    expect(feb.view.warnings.map((w) => w.code)).not.toContain('REVIEW_OVERDUE');
    const august = (await planAsOf(store, streamName, new Date('2026-08-15T12:00:00+02:00')))!;
    expect(august.view.reviewDueOn).toBe('2026-04-10');
    expect(august.view.warnings.map((w) => w.code)).toContain('REVIEW_OVERDUE');
  });

  it('indexes roles and the review due date per organisation', () => {
    const nursingHome = actors.elderlyCarePhysician.organization.id;
    const due = queries.reviewsDue(nursingHome, '2028-01-01', 10);
    expect(due.items).toEqual([
      { pseudonym, reviewDueOn: '2027-09-03', roles: ['REGIEBEHANDELAAR', 'HOOFDBEHANDELAAR'] },
    ]);
    // The GP practice holds no role any more.
    expect(queries.reviewsDue(actors.gp.organization.id, '2028-01-01', 10).items).toEqual([]);
    expect(
      queries
        .rolesHeldBy(actors.elderlyCarePhysician.id)
        .map((r) => r.role)
        .sort(),
    ).toEqual(['HOOFDBEHANDELAAR', 'REGIEBEHANDELAAR']);
  });

  it('rebuilds the read models from the events to exactly the same rows', async () => {
    const before = { plan: queries.currentPlan(pseudonym), version: queries.streamVersion(pseudonym) };
    const count = await projector.rebuild();
    expect(count).toBe((await store.readAll()).length);
    expect({ plan: queries.currentPlan(pseudonym), version: queries.streamVersion(pseudonym) }).toEqual(
      before,
    );
  });
});
