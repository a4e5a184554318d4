import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Bsn } from './bsn.js';
import { STANDARD_TREATMENT_CODES } from './codes.js';
import type { PzpEvent } from './events.js';
import { evolve, fold, initialState, type PlanState } from './evolve.js';
import type { Party } from './model.js';
import { parseEvent } from './upcast.js';
import { currentView, viewOf, withTimeWarnings, type PlanView } from './view.js';
import { actors, asParty, bsns, patientParty } from './testing/fixtures.js';
import { idSequence } from './testing/decider-spec.js';
import { PlanRecorder } from './testing/recorder.js';

/**
 * The current view (domain.md, personas 2 and 3): per standard treatment the current directive with
 * who agreed it and when, or "no agreement recorded"; the representative; the regiebehandelaar; and
 * warnings. It is derived only from the events.
 */

const bsn = bsns[0] as Bsn;
const daughter: Party = { kind: 'RELATIVE', name: 'Anna de Groot', relationship: 'CHILD' };
const gpPatientDaughter: Party[] = [patientParty, asParty(actors.gp), daughter];
const CONVERSATION_AT = '2026-01-12T11:00:00+01:00';
const ICU_CONDITIONS = 'Alleen een kortdurende IC-opname bij een goed behandelbare oorzaak, maximaal 48 uur';

/** Mevrouw De Groot's plan after a full first conversation with her GP. */
function firstConversation(rec = new PlanRecorder(idSequence(7))): PlanRecorder {
  rec.run(
    'RecordConversation',
    {
      conversationId: 'conv-1',
      patient: { bsn, name: 'Wilhelmina de Groot-van Dijk', birthDate: '1938-05-04' },
      date: '2026-01-12',
      location: 'Thuis bij patiënte',
      participants: gpPatientDaughter,
      topics: ['WHAT_MATTERS', 'TREATMENT_WISHES_AND_LIMITS', 'PLACE_OF_DEATH', 'REPRESENTATIVE'],
      treatmentDirectives: [
        { treatment: { code: '89666000' }, decision: 'NIET' },
        { treatment: { code: '305351004' }, decision: 'ANDERS', specification: ICU_CONDITIONS },
        { treatment: { code: 'OTH', text: 'Dialyse' }, decision: 'NIET' },
      ],
      lifeWishes: [{ wishId: 'wish-1', text: 'Zo lang mogelijk thuis blijven wonen' }],
      medicalPolicyGoal: { goal: '1351964001' },
      preferredPlaceOfDeath: { place: { code: '264362003' } },
      euthanasiaPosition: { position: 'DOES_NOT_WANT' },
      organDonation: { answer: 'NO' },
      icdDeactivation: { answer: 'NOT_DISCUSSED' },
      capacity: { hasCapacity: true },
      contactPersons: [
        {
          contactId: 'contact-anna',
          name: 'Anna de Groot',
          role: '24',
          relationship: 'CHILD',
          phone: '+31 6 12345678',
        },
      ],
      advanceDirectives: [{ advanceDirectiveId: 'ad-nr', type: 'NR', date: '2025-11-20' }],
      sharingConsents: [
        { organizationType: 'HAP', decision: 'GRANTED' },
        { organizationType: 'SEH', decision: 'GRANTED' },
        { organizationType: 'AMBULANCE', decision: 'REFUSED' },
      ],
      otherInformation: 'Slechthorend: rechts spreken',
    },
    actors.gp,
    CONVERSATION_AT,
  );
  return rec;
}

function withRegiebehandelaar(rec = firstConversation()): PlanRecorder {
  rec.run(
    'AssignRole',
    {
      assignmentId: 'regie-gp',
      role: 'REGIEBEHANDELAAR',
      practitioner: { id: actors.gp.id, name: actors.gp.name, profession: actors.gp.profession },
      organization: actors.gp.organization,
      from: '2026-01-12',
    },
    actors.gp,
    '2026-01-12T11:10:00+01:00',
  );
  return rec;
}

const codes = (view: PlanView) => view.warnings.map((w) => w.code);
const directive = (view: PlanView, key: string) => view.treatmentDirectives.find((d) => d.key === key);

describe('per standard treatment: the current directive or "no agreement recorded"', () => {
  it('lists the six coded treatments in the order a clinician at night needs them, CPR first', () => {
    const view = currentView(firstConversation().state.plan);
    expect(view.treatmentDirectives.slice(0, 6).map((d) => d.key)).toEqual([...STANDARD_TREATMENT_CODES]);
    expect(view.treatmentDirectives[0]!.treatment.display).toBe('Cardiopulmonale resuscitatie (CPR)');
  });

  it('a treatment without a directive is "no agreement recorded", never yes or no', () => {
    const view = currentView(firstConversation().state.plan);
    expect(directive(view, '40617009')).toEqual({
      key: '40617009',
      treatment: { code: '40617009', display: 'Mechanische beademing' },
      status: 'NO_AGREEMENT_RECORDED',
      decision: null,
      summary: 'Geen afspraak vastgelegd',
    });
    expect(
      view.treatmentDirectives.filter((d) => d.status === 'NO_AGREEMENT_RECORDED').map((d) => d.key),
    ).toEqual(['40617009', '32485007', '281789004', '116762002']);
  });

  it('a directive shows its decision, status and provenance: who agreed it, when, recorded by whom', () => {
    const rec = firstConversation();
    const changeId = rec.events.find(
      (e) => e.type === 'TreatmentDirectiveSet' && e.data.treatment.code === '89666000',
    )!.metadata.eventId;
    expect(directive(currentView(rec.state.plan), '89666000')).toEqual({
      key: '89666000',
      treatment: { code: '89666000', display: 'Cardiopulmonale resuscitatie (CPR)' },
      decision: 'NIET',
      decidedOn: '2026-01-12',
      parties: gpPatientDaughter,
      status: 'CONFIRMED',
      summary: 'Niet uitvoeren',
      conversationId: 'conv-1',
      provenance: {
        changeId,
        recordedAt: '2026-01-12T10:00:00.000Z',
        recordedBy: actors.gp,
        conversationId: 'conv-1',
        byRegiebehandelaar: null,
      },
    });
  });

  it('ANDERS shows its conditions, never "yes", and raises CONDITIONS_APPLY', () => {
    const view = currentView(firstConversation().state.plan);
    const icu = directive(view, '305351004')!;
    expect(icu).toMatchObject({ decision: 'ANDERS', summary: `Alleen onder voorwaarden: ${ICU_CONDITIONS}` });
    expect(icu.summary).not.toMatch(/^Wel/);
    expect(view.warnings).toContainEqual({
      code: 'CONDITIONS_APPLY',
      subject: '305351004',
      message: `Opname op intensive care (IC): alleen onder voorwaarden: ${ICU_CONDITIONS}`,
    });
  });

  it('no CONDITIONS_APPLY for a plain NIET', () => {
    const view = currentView(firstConversation().state.plan);
    expect(view.warnings.filter((w) => w.code === 'CONDITIONS_APPLY').map((w) => w.subject)).toEqual([
      '305351004',
    ]);
  });

  it('other treatments (OTH) follow the six, under their own name', () => {
    const view = currentView(firstConversation().state.plan);
    expect(view.treatmentDirectives).toHaveLength(7);
    expect(view.treatmentDirectives[6]).toMatchObject({
      key: 'OTH:dialyse',
      treatment: { code: 'OTH', text: 'Dialyse', display: 'Dialyse' },
      decision: 'NIET',
    });
  });

  it('an ended directive is not current', () => {
    const rec = firstConversation();
    rec.run(
      'WithdrawTreatmentDirective',
      { treatment: { code: 'OTH', text: 'dialyse' }, endedOn: '2026-02-01', reason: 'Nierfunctie hersteld' },
      actors.gp,
      '2026-02-01T10:00:00+01:00',
    );
    const view = currentView(rec.state.plan);
    expect(view.treatmentDirectives).toHaveLength(6);
    expect(view.treatmentDirectives.some((d) => d.key === 'OTH:dialyse')).toBe(false);
  });

  it('the HAP doctor at night sees the representative with phone number and the regiebehandelaar', () => {
    const view = currentView(withRegiebehandelaar().state.plan);
    expect(view.representatives).toEqual([
      expect.objectContaining({ name: 'Anna de Groot', role: '24', phone: '+31 6 12345678' }),
    ]);
    expect(view.regiebehandelaar).toMatchObject({
      practitioner: { name: 'Dr. A. Jansen' },
      from: '2026-01-12',
    });
    expect(view).toMatchObject({
      medicalPolicyGoal: { value: '1351964001' },
      preferredPlaceOfDeath: { value: { code: '264362003' } },
      euthanasiaPosition: { value: 'DOES_NOT_WANT' },
      organDonation: { value: 'NO' },
      icdDeactivation: { value: 'NOT_DISCUSSED' },
      capacity: { hasCapacity: true },
      otherInformation: { text: 'Slechthorend: rechts spreken' },
      lastDiscussedOn: '2026-01-12',
    });
    expect(view.advanceDirectives).toEqual([
      expect.objectContaining({
        advanceDirectiveId: 'ad-nr',
        display: expect.stringMatching(/^Niet-reanimeren/),
      }),
    ]);
  });

  it('sharing consent is listed for every organisation type, UNKNOWN where never asked', () => {
    const rec = firstConversation();
    rec.run(
      'WithdrawSharingConsent',
      { organizationType: 'SEH', withdrawnOn: '2026-02-01', reason: 'Wil eerst met dochter overleggen' },
      actors.gp,
      '2026-02-01T10:00:00+01:00',
    );
    expect(currentView(rec.state.plan).sharingConsent.map((c) => [c.organizationType, c.decision])).toEqual([
      ['HUISARTSENPRAKTIJK', 'UNKNOWN'],
      ['HAP', 'GRANTED'],
      ['SEH', 'WITHDRAWN'],
      ['ZIEKENHUIS', 'UNKNOWN'],
      ['VVT', 'UNKNOWN'],
      ['AMBULANCE', 'REFUSED'],
    ]);
  });
});

describe('warnings', () => {
  it('PROVISIONAL for a limit a nurse recorded, in the summary and as a warning', () => {
    const rec = withRegiebehandelaar();
    rec.run(
      'SetTreatmentDirective',
      {
        treatment: { code: '281789004' },
        decision: 'NIET',
        decidedOn: '2026-02-03',
        parties: [patientParty, asParty(actors.districtNurse)],
      },
      actors.districtNurse,
      '2026-02-03T15:00:00+01:00',
    );
    const view = currentView(rec.state.plan);
    expect(directive(view, '281789004')).toMatchObject({
      status: 'PROVISIONAL',
      summary: 'Niet uitvoeren — VOORLOPIG, nog niet door een arts bevestigd',
    });
    expect(view.warnings).toContainEqual({
      code: 'PROVISIONAL',
      subject: '281789004',
      message: 'Antibiotica: voorlopig, vastgelegd door L. Visser; nog niet door een arts bevestigd',
    });
  });

  it('no PROVISIONAL warning for limits recorded by a physician', () => {
    expect(codes(currentView(withRegiebehandelaar().state.plan))).not.toContain('PROVISIONAL');
  });

  it('CHANGED_BY_OTHER_THAN_REGIEBEHANDELAAR when someone else changes a limit or wish, until the regiebehandelaar reviews', () => {
    const rec = withRegiebehandelaar();
    rec.run(
      'SetTreatmentDirective',
      {
        treatment: { code: '32485007' },
        decision: 'NIET',
        decidedOn: '2026-02-03',
        parties: [patientParty, asParty(actors.hapDoctor)],
      },
      actors.hapDoctor,
      '2026-02-03T02:30:00+01:00',
    );
    rec.run(
      'RecordLifeWish',
      { wishId: 'wish-2', text: 'Niet meer naar het ziekenhuis' },
      actors.districtNurse,
      '2026-02-03T15:00:00+01:00',
    );
    const changed = () =>
      currentView(rec.state.plan)
        .warnings.filter((w) => w.code === 'CHANGED_BY_OTHER_THAN_REGIEBEHANDELAAR')
        .map((w) => w.subject);
    expect(changed()).toEqual(['32485007', 'wish-2']);

    // A colleague reviewing the plan does not clear it; the regiebehandelaar does.
    rec.run(
      'ConfirmPlanReviewed',
      { reviewedOn: '2026-02-04' },
      actors.gpColleague,
      '2026-02-04T09:00:00+01:00',
    );
    expect(changed()).toEqual(['32485007', 'wish-2']);
    rec.run('ConfirmPlanReviewed', { reviewedOn: '2026-02-05' }, actors.gp, '2026-02-05T09:00:00+01:00');
    expect(changed()).toEqual([]);
  });

  it('no CHANGED_BY_OTHER_THAN_REGIEBEHANDELAAR for changes by the regiebehandelaar herself', () => {
    const rec = withRegiebehandelaar();
    rec.run(
      'SetTreatmentDirective',
      {
        treatment: { code: '32485007' },
        decision: 'NIET',
        decidedOn: '2026-02-03',
        parties: gpPatientDaughter,
      },
      actors.gp,
      '2026-02-03T10:00:00+01:00',
    );
    expect(codes(currentView(rec.state.plan))).not.toContain('CHANGED_BY_OTHER_THAN_REGIEBEHANDELAAR');
    expect(directive(currentView(rec.state.plan), '32485007')).toMatchObject({
      provenance: { byRegiebehandelaar: true },
    });
  });

  it('NO_REGIEBEHANDELAAR until one is assigned', () => {
    expect(codes(currentView(firstConversation().state.plan))).toContain('NO_REGIEBEHANDELAAR');
    expect(codes(currentView(withRegiebehandelaar().state.plan))).not.toContain('NO_REGIEBEHANDELAAR');
  });

  it('an empty registry entry (no patient) has no warnings and no agreements', () => {
    const view = currentView(initialState.plan);
    expect(view.warnings).toEqual([]);
    expect(view.treatmentDirectives.every((d) => d.status === 'NO_AGREEMENT_RECORDED')).toBe(true);
  });

  it('REVIEW_REQUESTED after a change of regiebehandelaar', () => {
    const rec = withRegiebehandelaar();
    expect(codes(currentView(rec.state.plan))).not.toContain('REVIEW_REQUESTED');
    rec.run(
      'AssignRole',
      {
        assignmentId: 'regie-so',
        role: 'REGIEBEHANDELAAR',
        practitioner: {
          id: actors.elderlyCarePhysician.id,
          name: actors.elderlyCarePhysician.name,
          profession: actors.elderlyCarePhysician.profession,
        },
        organization: actors.elderlyCarePhysician.organization,
        from: '2026-02-10',
        transition: 'NURSING_HOME_ADMISSION',
      },
      actors.elderlyCarePhysician,
      '2026-02-10T10:00:00+01:00',
    );
    const view = currentView(rec.state.plan);
    expect(view.warnings).toContainEqual({
      code: 'REVIEW_REQUESTED',
      message: 'Nieuwe regiebehandelaar: het plan moet opnieuw worden besproken',
    });
    expect(view.reviewDueOn).toBe('2026-02-10');
    expect(codes(viewOf(rec.state, '2026-02-11'))).toContain('REVIEW_OVERDUE');
  });

  it('PATIENT_NOT_READY when the last conversation found the patient not ready', () => {
    const rec = firstConversation();
    expect(codes(currentView(rec.state.plan))).not.toContain('PATIENT_NOT_READY');
    rec.run(
      'RecordConversation',
      { conversationId: 'conv-2', date: '2026-02-20', participants: gpPatientDaughter, patientReady: false },
      actors.gp,
      '2026-02-20T10:00:00+01:00',
    );
    expect(currentView(rec.state.plan).warnings).toContainEqual({
      code: 'PATIENT_NOT_READY',
      message: 'Patiënt was op 2026-02-20 nog niet toe aan het gesprek',
    });
  });

  // A late entry of an older conversation must not override where the patient stands now.
  it('PATIENT_NOT_READY is judged on the latest conversation by date, not a late entry', () => {
    const rec = firstConversation(); // 12 January, patient ready
    rec.run(
      'RecordConversation',
      { conversationId: 'conv-0', date: '2025-12-01', participants: gpPatientDaughter, patientReady: false },
      actors.gp,
      '2026-01-13T09:00:00+01:00',
    );
    expect(codes(currentView(rec.state.plan))).not.toContain('PATIENT_NOT_READY');
  });
});

describe('REVIEW_OVERDUE depends on the day the plan is looked at', () => {
  it('is not part of the stored view, only of viewOf(state, today)', () => {
    const rec = firstConversation();
    expect(currentView(rec.state.plan).reviewDueOn).toBe('2027-01-12');
    expect(codes(viewOf(rec.state))).not.toContain('REVIEW_OVERDUE');
  });

  it('is raised the day after the due date, not on it', () => {
    const rec = firstConversation();
    expect(codes(viewOf(rec.state, '2027-01-12'))).not.toContain('REVIEW_OVERDUE');
    expect(viewOf(rec.state, '2027-01-13').warnings).toContainEqual({
      code: 'REVIEW_OVERDUE',
      message: 'Herbespreking was gepland op 2027-01-12 en is verlopen',
    });
  });

  it('follows calendar arithmetic: 12 months after 29 February 2024 is due 28 February 2025', () => {
    const rec = new PlanRecorder(idSequence(8));
    rec.run(
      'RecordConversation',
      {
        conversationId: 'conv-leap',
        patient: { bsn, name: 'Wilhelmina de Groot-van Dijk', birthDate: '1938-05-04' },
        date: '2024-02-29',
        participants: gpPatientDaughter,
      },
      actors.gp,
      '2024-02-29T16:00:00+01:00',
    );
    expect(currentView(rec.state.plan).reviewDueOn).toBe('2025-02-28');
    expect(codes(viewOf(rec.state, '2025-02-28'))).not.toContain('REVIEW_OVERDUE');
    expect(codes(viewOf(rec.state, '2025-03-01'))).toContain('REVIEW_OVERDUE');
  });

  it('a confirmed review moves the due date', () => {
    const rec = firstConversation();
    rec.run(
      'ConfirmPlanReviewed',
      { reviewedOn: '2026-01-31', reviewAfterMonths: 1 },
      actors.gp,
      '2026-01-31T12:00:00+01:00',
    );
    expect(currentView(rec.state.plan)).toMatchObject({
      reviewDueOn: '2026-02-28',
      lastReviewedOn: '2026-01-31',
    });
    expect(codes(withTimeWarnings(currentView(rec.state.plan), '2026-03-01'))).toContain('REVIEW_OVERDUE');
  });
});

describe('the view is derived only from the events', () => {
  /** A longer life of the plan, with snapshots of the view after every command. */
  function scenario() {
    const rec = withRegiebehandelaar();
    const snapshots: { count: number; view: PlanView }[] = [];
    const snap = () => snapshots.push({ count: rec.events.length, view: currentView(rec.state.plan) });
    snap();
    const [nurseLimit] = rec.run(
      'SetTreatmentDirective',
      {
        treatment: { code: '281789004' },
        decision: 'ANDERS',
        specification: 'Alleen orale antibiotica',
        decidedOn: '2026-02-03',
        parties: [patientParty, asParty(actors.districtNurse)],
      },
      actors.districtNurse,
      '2026-02-03T15:00:00+01:00',
    );
    snap();
    rec.run(
      'ConfirmTreatmentDirective',
      { treatment: { code: '281789004' }, confirmedOn: '2026-02-04' },
      actors.gp,
      '2026-02-04T09:00:00+01:00',
    );
    snap();
    rec.run(
      'RemoveContactPerson',
      { contactId: 'contact-anna', reason: 'Dochter verhuisd' },
      actors.gp,
      '2026-02-05T09:00:00+01:00',
    );
    snap();
    rec.run(
      'MarkEnteredInError',
      { changeId: nurseLimit!.metadata.eventId, reason: 'Verkeerde cliënt' },
      actors.gp,
      '2026-02-06T09:00:00+01:00',
    );
    snap();
    rec.run(
      'WithdrawLifeWish',
      { wishId: 'wish-1', reason: 'Verhuisd naar hospice' },
      actors.gp,
      '2026-02-07T09:00:00+01:00',
    );
    snap();
    return { rec, snapshots };
  }

  it('equals a fold of the events with evolve, at every point of the stream', () => {
    const { rec, snapshots } = scenario();
    for (const { count, view } of snapshots) {
      const prefix = rec.events.slice(0, count);
      expect(currentView(fold(prefix).plan)).toEqual(view);
      expect(currentView(prefix.reduce<PlanState>(evolve, initialState).plan)).toEqual(view);
    }
    expect(fold(rec.events).version).toBe(rec.events.length - 1);
  });

  it('is the same after the events are stored as JSON and read back', () => {
    const { rec } = scenario();
    const stored = JSON.parse(JSON.stringify(rec.events)) as PzpEvent[];
    const reread = stored.map((e) => parseEvent(e));
    expect(JSON.parse(JSON.stringify(currentView(fold(reread).plan)))).toEqual(
      JSON.parse(JSON.stringify(currentView(rec.state.plan))),
    );
  });

  describe('independent of the wall clock', () => {
    afterEach(() => {
      vi.useRealTimers();
    });
    it('folding in 2020 or in 2040 gives the same view', () => {
      const { rec } = scenario();
      vi.useFakeTimers();
      vi.setSystemTime(new Date('2020-01-01T00:00:00Z'));
      const early = viewOf(fold(rec.events), '2026-02-08');
      vi.setSystemTime(new Date('2040-06-30T23:59:00Z'));
      const late = viewOf(fold(rec.events), '2026-02-08');
      expect(late).toEqual(early);
      expect(codes(early)).not.toContain('REVIEW_OVERDUE');
    });
  });

  it('the scenario view reflects every step', () => {
    const { rec } = scenario();
    const view = currentView(rec.state.plan);
    expect(directive(view, '281789004')).toMatchObject({ status: 'NO_AGREEMENT_RECORDED' });
    expect(view.lifeWishes).toEqual([]);
    expect(view.representatives).toEqual([]);
    expect(view.corrections.map((c) => c.changeType)).toEqual(['TreatmentDirectiveSet']);
  });
});
