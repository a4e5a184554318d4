import { describe, expect, it } from 'vitest';
import type { Bsn } from './bsn.js';
import type { CommandInput } from './commands.js';
import { fold } from './evolve.js';
import type { Actor, Party } from './model.js';
import { currentView } from './view.js';
import { actors, asParty, bsns, patientParty } from './testing/fixtures.js';
import { command, given, idSequence } from './testing/decider-spec.js';
import { PlanRecorder } from './testing/recorder.js';

/**
 * Recording a PZP conversation (domain.md, persona 1: "one form, one submit"): who took part, what
 * was discussed, each wish and limit, the representative, place of death and the next review.
 */

const bsn = bsns[1] as Bsn;
const patient = { bsn, name: 'Johannes van den Berg', birthDate: '1941-11-23' };
const NOW = '2026-03-02T14:00:00+01:00';
const gpAndPatient: Party[] = [patientParty, asParty(actors.gp)];

const conversation = (
  data: Partial<CommandInput<'RecordConversation'>> = {},
  actor: Actor = actors.gp,
  now = NOW,
) =>
  command(
    'RecordConversation',
    {
      conversationId: 'conv-1',
      patient,
      date: '2026-03-02',
      participants: gpAndPatient,
      ...data,
    },
    actor,
    now,
  );

/** A plan that already holds meneer Van den Berg's first conversation. */
function existingPlan(): PlanRecorder {
  const rec = new PlanRecorder(idSequence(2));
  rec.run(
    'RecordConversation',
    {
      conversationId: 'conv-1',
      patient,
      date: '2026-01-12',
      participants: gpAndPatient,
      lifeWishes: [{ wishId: 'wish-1', text: 'Kleinzoon nog zien afstuderen in juni' }],
      advanceDirectives: [{ advanceDirectiveId: 'ad-eu', type: 'EU', date: '2024-06-01' }],
    },
    actors.gp,
    '2026-01-12T11:00:00+01:00',
  );
  return rec;
}

describe('the first conversation opens the plan', () => {
  it('identifies the patient, records the conversation and every item discussed, in one go', () => {
    given()
      .when(
        conversation({
          location: 'Spreekkamer huisartsenpraktijk',
          topics: ['WHAT_MATTERS', 'TREATMENT_WISHES_AND_LIMITS', 'PLACE_OF_DEATH'],
          summary: 'Patiënt wil geen ziekenhuisopname meer, wel thuis behandeld worden',
          treatmentDirectives: [
            { treatment: { code: '89666000' }, decision: 'NIET' },
            { treatment: { code: '32485007' }, decision: 'NIET' },
          ],
          lifeWishes: [{ wishId: 'wish-1', text: 'Thuis sterven, met zijn vrouw erbij' }],
          medicalPolicyGoal: { goal: '713148004' },
          preferredPlaceOfDeath: { place: { code: '264362003' } },
          contactPersons: [
            {
              contactId: 'contact-1',
              name: 'Maria van den Berg-Smits',
              role: '01',
              relationship: 'SPOUSE_OR_PARTNER',
              phone: '040-2123456',
            },
          ],
          sharingConsents: [{ organizationType: 'HAP', decision: 'GRANTED' }],
          nextReviewOn: '2026-09-01',
        }),
      )
      .then((events) => {
        expect(events.map((e) => e.type)).toEqual([
          'PatientIdentified',
          'ConversationRecorded',
          'RegisteredGpPracticeSet',
          'ContactPersonDesignated',
          'TreatmentDirectiveSet',
          'TreatmentDirectiveSet',
          'LifeWishRecorded',
          'MedicalPolicyGoalSet',
          'PreferredPlaceOfDeathSet',
          'SharingConsentRecorded',
        ]);
        expect(events[0]).toEqual({ type: 'PatientIdentified', data: patient });
        // Recorded by a GP practice on a new plan: that practice is the one the patient is registered with.
        expect(events[2]!.data).toEqual({
          practice: actors.gp.organization,
          from: '2026-03-02',
          conversationId: 'conv-1',
        });
        expect(events[1]!.data).toMatchObject({
          conversationId: 'conv-1',
          date: '2026-03-02',
          participants: gpAndPatient,
          patientReady: true,
          nextReviewOn: '2026-09-01',
        });
        // Items agreed in the conversation carry its date, parties and id.
        expect(events[4]!.data).toMatchObject({
          decidedOn: '2026-03-02',
          parties: gpAndPatient,
          conversationId: 'conv-1',
          status: 'CONFIRMED',
        });
        expect(events[9]!.data).toMatchObject({ recordedOn: '2026-03-02', conversationId: 'conv-1' });
      });
  });

  it('the first conversation must identify the patient', () => {
    given()
      .when(conversation({ patient: undefined }))
      .thenThrows('INVALID', ['patient']);
  });

  it('a BSN that fails the 11-check is refused', () => {
    given()
      .when(conversation({ patient: { ...patient, bsn: '123456789' as Bsn } }))
      .thenThrows('INVALID', ['patient', 'bsn']);
  });

  it('a later conversation for another BSN is refused', () => {
    given(existingPlan().events)
      .when(conversation({ patient: { ...patient, bsn: bsns[0] as Bsn } }))
      .thenThrows('INVALID', ['patient', 'bsn']);
  });

  it('a later conversation without patient details does not identify the patient again', () => {
    given(existingPlan().events)
      .when(conversation({ conversationId: 'conv-2', patient: undefined }))
      .then((events) => expect(events.map((e) => e.type)).toEqual(['ConversationRecorded']));
  });

  it('a later conversation with changed details re-identifies the patient', () => {
    given(existingPlan().events)
      .when(conversation({ conversationId: 'conv-2', patient: { ...patient, name: 'J. van den Berg' } }))
      .then((events) =>
        expect(events.map((e) => e.type)).toEqual(['PatientIdentified', 'ConversationRecorded']),
      );
  });

  it('records that the patient was not ready to talk', () => {
    given()
      .when(conversation({ patientReady: false, summary: 'Patiënt wil er nu nog niet over praten' }))
      .then((events) => expect(events[1]!.data).toMatchObject({ patientReady: false }));
  });
});

describe('a conversation has at least two participants, a professional and the patient side among them', () => {
  it('accepts patient, daughter and district nurse', () => {
    given()
      .when(
        conversation(
          {
            participants: [
              patientParty,
              { kind: 'RELATIVE', name: 'Ellen van den Berg', relationship: 'CHILD' },
              asParty(actors.districtNurse),
            ],
          },
          actors.districtNurse,
        ),
      )
      .then((events) => expect(events.map((e) => e.type)).toContain('ConversationRecorded'));
  });

  it('accepts the mentor and the elderly-care physician when the patient cannot take part', () => {
    given()
      .when(
        conversation(
          {
            participants: [
              { kind: 'REPRESENTATIVE', name: 'Mr. H. Kuipers' },
              asParty(actors.elderlyCarePhysician),
            ],
          },
          actors.elderlyCarePhysician,
        ),
      )
      .then((events) => expect(events).toHaveLength(2));
  });

  it('refuses a conversation with only the patient', () => {
    given()
      .when(conversation({ participants: [patientParty] }))
      .thenThrows('INVALID', ['participants']);
  });

  it('refuses a conversation without a professional', () => {
    given()
      .when(
        conversation({
          participants: [
            patientParty,
            { kind: 'RELATIVE', name: 'Maria van den Berg', relationship: 'SPOUSE_OR_PARTNER' },
          ],
        }),
      )
      .thenThrows('INVALID', ['participants']);
  });

  it('refuses a conversation between professionals only', () => {
    given()
      .when(conversation({ participants: [asParty(actors.gp), asParty(actors.practiceNurse)] }))
      .thenThrows('INVALID', ['participants']);
  });
});

describe('directives agreed in a conversation', () => {
  it('ANDERS needs its conditions, also within a conversation', () => {
    given()
      .when(conversation({ treatmentDirectives: [{ treatment: { code: '281789004' }, decision: 'ANDERS' }] }))
      .thenThrows('INVALID', ['treatmentDirectives', 0, 'specification']);
    given()
      .when(
        conversation({
          treatmentDirectives: [
            {
              treatment: { code: '281789004' },
              decision: 'ANDERS',
              specification: 'Alleen orale antibiotica bij een urineweginfectie, geen infuus',
            },
          ],
        }),
      )
      .then((events) =>
        expect(events.at(-1)).toMatchObject({
          type: 'TreatmentDirectiveSet',
          data: {
            decision: 'ANDERS',
            specification: 'Alleen orale antibiotica bij een urineweginfectie, geen infuus',
          },
        }),
      );
  });

  it('zib 2017 JA_MAAR in a conversation maps to ANDERS and needs a specification', () => {
    given()
      .when(
        conversation({
          treatmentDirectives: [{ treatment: { code: '40617009' }, decision: 'JA_MAAR' as never }],
        }),
      )
      .thenThrows('INVALID', ['treatmentDirectives', 0, 'specification']);
  });

  it('the same treatment may appear only once (OTH compared by name)', () => {
    given()
      .when(
        conversation({
          treatmentDirectives: [
            { treatment: { code: 'OTH', text: 'Sondevoeding' }, decision: 'NIET' },
            { treatment: { code: 'OTH', text: 'sondevoeding ' }, decision: 'WEL' },
          ],
        }),
      )
      .thenThrows('INVALID', ['treatmentDirectives', 1, 'treatment']);
    given()
      .when(
        conversation({
          treatmentDirectives: [
            { treatment: { code: 'OTH', text: 'Sondevoeding' }, decision: 'NIET' },
            { treatment: { code: 'OTH', text: 'Dialyse' }, decision: 'NIET' },
          ],
        }),
      )
      .then((events) => expect(events.filter((e) => e.type === 'TreatmentDirectiveSet')).toHaveLength(2));
  });

  it('directives from a conversation recorded by a nurse are provisional', () => {
    given()
      .when(
        conversation(
          {
            participants: [patientParty, asParty(actors.districtNurse)],
            treatmentDirectives: [{ treatment: { code: '89666000' }, decision: 'NIET' }],
          },
          actors.districtNurse,
        ),
      )
      .then((events) => expect(events.at(-1)!.data).toMatchObject({ status: 'PROVISIONAL' }));
  });

  it('a directive for a treatment with a current one is a revision', () => {
    const rec = existingPlan();
    rec.run(
      'SetTreatmentDirective',
      { treatment: { code: '89666000' }, decision: 'WEL', decidedOn: '2026-01-12', parties: gpAndPatient },
      actors.gp,
      '2026-01-12T11:30:00+01:00',
    );
    given(rec.events)
      .when(
        conversation({
          conversationId: 'conv-2',
          treatmentDirectives: [{ treatment: { code: '89666000' }, decision: 'NIET' }],
        }),
      )
      .then((events) =>
        expect(events.map((e) => e.type)).toEqual(['ConversationRecorded', 'TreatmentDirectiveRevised']),
      );
  });

  it('a life wish or advance directive id that exists is refused', () => {
    given(existingPlan().events)
      .when(
        conversation({
          conversationId: 'conv-2',
          lifeWishes: [{ wishId: 'wish-1', text: 'Nog één keer naar zee' }],
        }),
      )
      .thenThrows('INVALID', ['lifeWishes', 0, 'wishId']);
    given(existingPlan().events)
      .when(
        conversation({
          conversationId: 'conv-2',
          advanceDirectives: [{ advanceDirectiveId: 'ad-eu', type: 'EU', date: '2026-01-01' }],
        }),
      )
      .thenThrows('INVALID', ['advanceDirectives', 0, 'advanceDirectiveId']);
  });

  // A replayed or duplicated submit must not record the same conversation twice.
  it('a conversation id that is already in the plan is refused', () => {
    given(existingPlan().events)
      .when(conversation({ conversationId: 'conv-1', patient: undefined }))
      .thenThrows('INVALID', ['conversationId']);
  });
});

describe('conversation dates are judged in Europe/Amsterdam', () => {
  it('at 00:30 on 10 March in Amsterdam (23:30 UTC on the 9th) a conversation of 10 March is accepted', () => {
    given()
      .when(conversation({ date: '2026-03-10' }, actors.gp, '2026-03-09T23:30:00Z'))
      .then((events) => expect(events[1]!.data).toMatchObject({ date: '2026-03-10' }));
  });

  it('at 00:30 on 10 March in Amsterdam a conversation of 11 March is refused', () => {
    given()
      .when(conversation({ date: '2026-03-11' }, actors.gp, '2026-03-09T23:30:00Z'))
      .thenThrows('INVALID', ['date']);
  });

  it('uses summer time after the DST change: 00:15 CEST on 30 March is 22:15 UTC on the 29th', () => {
    given()
      .when(conversation({ date: '2026-03-30' }, actors.gp, '2026-03-29T22:15:00Z'))
      .then((events) => expect(events).toHaveLength(3));
    given()
      .when(conversation({ date: '2026-03-31' }, actors.gp, '2026-03-29T22:15:00Z'))
      .thenThrows('INVALID', ['date']);
  });

  it('an advance directive dated in the future is refused', () => {
    given()
      .when(
        conversation({ advanceDirectives: [{ advanceDirectiveId: 'ad-1', type: 'NR', date: '2026-03-03' }] }),
      )
      .thenThrows('INVALID', ['advanceDirectives', 0, 'date']);
  });
});

describe('the next review date', () => {
  const nextReviewOn = (data: Partial<CommandInput<'RecordConversation'>>, now = NOW) =>
    given()
      .when(conversation(data, actors.gp, now))
      .then(() => undefined)
      .find((e) => e.type === 'ConversationRecorded')!.data;

  it('defaults to 12 months after the conversation', () => {
    expect(nextReviewOn({})).toMatchObject({ nextReviewOn: '2027-03-02' });
  });

  it('12 months after 29 February 2024 is 28 February 2025', () => {
    expect(nextReviewOn({ date: '2024-02-29' }, '2024-02-29T16:00:00+01:00')).toMatchObject({
      nextReviewOn: '2025-02-28',
    });
  });

  it('one month after 31 January is the last day of February', () => {
    expect(
      nextReviewOn({ date: '2026-01-31', reviewAfterMonths: 1 }, '2026-01-31T10:00:00+01:00'),
    ).toMatchObject({
      nextReviewOn: '2026-02-28',
    });
    expect(
      nextReviewOn({ date: '2024-01-31', reviewAfterMonths: 1 }, '2024-01-31T10:00:00+01:00'),
    ).toMatchObject({
      nextReviewOn: '2024-02-29',
    });
  });

  it('an explicit date wins over the interval', () => {
    expect(nextReviewOn({ nextReviewOn: '2026-06-15', reviewAfterMonths: 6 })).toMatchObject({
      nextReviewOn: '2026-06-15',
    });
  });

  it('the next review must come after the conversation', () => {
    given()
      .when(conversation({ nextReviewOn: '2026-03-02' }))
      .thenThrows('INVALID', ['nextReviewOn']);
    given()
      .when(conversation({ reviewAfterMonths: 0 }))
      .thenThrows('INVALID', ['reviewAfterMonths']);
  });

  it('confirming a review moves the due date by calendar months', () => {
    given(existingPlan().events)
      .when(
        command(
          'ConfirmPlanReviewed',
          { reviewedOn: '2026-01-31', reviewAfterMonths: 1, comment: 'Ongewijzigd' },
          actors.gp,
          '2026-02-02T09:00:00+01:00',
        ),
      )
      .then([
        {
          type: 'PlanReviewConfirmed',
          data: { reviewedOn: '2026-01-31', nextReviewOn: '2026-02-28', comment: 'Ongewijzigd' },
        },
      ]);
  });

  it('the view shows the due date of the latest conversation, not of a late-entered older one', () => {
    const rec = existingPlan();
    expect(currentView(rec.state.plan).reviewDueOn).toBe('2027-01-12');
    rec.run(
      'RecordConversation',
      { conversationId: 'conv-0', date: '2025-12-01', participants: gpAndPatient, reviewAfterMonths: 3 },
      actors.gp,
      '2026-01-13T09:00:00+01:00',
    );
    expect(currentView(fold(rec.events).plan)).toMatchObject({
      reviewDueOn: '2027-01-12',
      lastDiscussedOn: '2026-01-12',
    });
  });
});

describe('who may record a conversation', () => {
  it('the auditor may not', () => {
    given()
      .when(conversation({ participants: [patientParty, asParty(actors.gp)] }, actors.auditor))
      .thenThrows('FORBIDDEN');
  });

  it('a practice nurse may', () => {
    given()
      .when(
        conversation({ participants: [patientParty, asParty(actors.practiceNurse)] }, actors.practiceNurse),
      )
      .then((events) => expect(events).toHaveLength(3));
  });
});

describe("the national form's sections 7 and 8a on the conversation", () => {
  it('records earlier agreements (and whether they differ) and that the patient was told to share', () => {
    given()
      .when(
        conversation({
          earlierAgreements: { recorded: 'YES', differ: 'YES', comment: 'Begin 2020 eerder gesprek gevoerd' },
          patientInformedToShare: true,
        }),
      )
      .then((events) => {
        const recorded = events.find((e) => e.type === 'ConversationRecorded');
        expect(recorded?.data).toMatchObject({
          earlierAgreements: { recorded: 'YES', differ: 'YES', comment: 'Begin 2020 eerder gesprek gevoerd' },
          patientInformedToShare: true,
        });
      });
  });
});
