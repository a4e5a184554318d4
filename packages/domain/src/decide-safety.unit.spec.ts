import { describe, expect, it } from 'vitest';
import type { Bsn } from './bsn.js';
import type { CommandInput, CommandType } from './commands.js';
import type { NewPzpEvent, PzpEvent } from './events.js';
import { fold } from './evolve.js';
import type { Actor, Party } from './model.js';
import { currentView, type DirectiveView } from './view.js';
import { actors, asParty, bsns, organizations, patientParty } from './testing/fixtures.js';
import { command, given, idSequence, recorded } from './testing/decider-spec.js';
import { PlanRecorder } from './testing/recorder.js';

/**
 * The paths by which a wrong limit could reach a doctor at night (issue 10): a confirmed limit
 * removed by someone not entitled to, a conversation in error whose items stay current, a plan on
 * the wrong patient that cannot be undone, the own GP practice losing access, contradictions
 * between written and treatment directives shown without a warning.
 */

const bsn = bsns[0] as Bsn;
const CPR = { code: '89666000' } as const;
const ICU = { code: '305351004' } as const;
const FIRST_AT = '2026-03-02T14:00:00+01:00';
const LATER = '2026-03-04T10:00:00+01:00';
const LATER_STILL = '2026-03-05T10:00:00+01:00';
const gpAndPatient: Party[] = [patientParty, asParty(actors.gp)];
const nurseAndPatient: Party[] = [patientParty, asParty(actors.districtNurse)];

const at = <T extends CommandType>(type: T, data: CommandInput<T>, actor: Actor = actors.gp, now = LATER) =>
  command(type, data, actor, now);

/** The GP's first conversation: CPR NIET (confirmed), ICU NIET, a wish, mevrouw's daughter as contact. */
function firstConversation(extra: Partial<CommandInput<'RecordConversation'>> = {}): PlanRecorder {
  const rec = new PlanRecorder(idSequence(1));
  rec.run(
    'RecordConversation',
    {
      conversationId: 'conv-1',
      patient: { bsn, name: 'Wilhelmina de Groot-van Dijk', birthDate: '1938-05-04' },
      date: '2026-03-02',
      participants: gpAndPatient,
      treatmentDirectives: [
        { treatment: CPR, decision: 'NIET' },
        { treatment: ICU, decision: 'NIET' },
      ],
      ...extra,
    },
    actors.gp,
    FIRST_AT,
  );
  return rec;
}

const cprOf = (events: readonly PzpEvent[]): DirectiveView =>
  currentView(fold(events).plan).treatmentDirectives.find((d) => d.key === CPR.code)!;

const nurseRevisesCpr = (rec: PlanRecorder, decision: 'WEL' | 'ANDERS' = 'WEL') =>
  rec.run(
    'SetTreatmentDirective',
    {
      treatment: CPR,
      decision,
      ...(decision === 'ANDERS' ? { specification: 'Alleen bij een zichtbare verslikking' } : {}),
      decidedOn: '2026-03-04',
      parties: nurseAndPatient,
    },
    actors.districtNurse,
    LATER,
  );

describe("1. a non-physician's change never replaces a confirmed limit", () => {
  it('given a confirmed CPR NIET, when a nurse records WEL, then a revision is proposed, not made', () => {
    given(firstConversation().events)
      .when(
        at(
          'SetTreatmentDirective',
          { treatment: CPR, decision: 'WEL', decidedOn: '2026-03-04', parties: nurseAndPatient },
          actors.districtNurse,
        ),
      )
      .then((events) => expect(events.map((e) => e.type)).toEqual(['TreatmentDirectiveRevisionProposed']));
  });

  it('the confirmed NIET stays current and the proposal is shown beside it with who, when and what', () => {
    const rec = firstConversation();
    nurseRevisesCpr(rec);
    const cpr = cprOf(rec.events);
    expect(cpr).toMatchObject({ decision: 'NIET', status: 'CONFIRMED', summary: 'Niet uitvoeren' });
    expect(cpr).toMatchObject({
      pendingRevision: {
        decision: 'WEL',
        decidedOn: '2026-03-04',
        summary: 'Wel uitvoeren',
        provenance: { recordedBy: actors.districtNurse },
      },
    });
    const warning = currentView(rec.state.plan).warnings.find((w) => w.code === 'PENDING_REVISION');
    expect(warning).toMatchObject({ subject: CPR.code });
    expect(warning!.message).toContain('L. Visser');
    expect(warning!.message).toContain('2026-03-04');
    expect(warning!.message).toContain('Wel uitvoeren');
    expect(warning!.message).toContain('Niet uitvoeren');
  });

  it('the two-step removal is closed: the nurse cannot then withdraw the confirmed limit', () => {
    const rec = firstConversation();
    nurseRevisesCpr(rec);
    given(rec.events)
      .when(
        at(
          'WithdrawTreatmentDirective',
          { treatment: CPR, endedOn: '2026-03-05', reason: 'Patiënte wil toch gereanimeerd worden' },
          actors.districtNurse,
          LATER_STILL,
        ),
      )
      .thenThrows('FORBIDDEN');
  });

  it('the nurse may withdraw her own pending revision; the confirmed NIET is still there', () => {
    const rec = firstConversation();
    nurseRevisesCpr(rec);
    const events = given(rec.events)
      .when(
        at(
          'WithdrawTreatmentDirectiveRevision',
          { treatment: CPR, reason: 'Verkeerd begrepen' },
          actors.districtNurse,
          LATER_STILL,
        ),
      )
      .then((events) => expect(events.map((e) => e.type)).toEqual(['TreatmentDirectiveRevisionWithdrawn']));
    const after = [...rec.events, ...recorded(actors.districtNurse, LATER_STILL, events)];
    expect(cprOf(after)).toMatchObject({ decision: 'NIET', status: 'CONFIRMED' });
    expect(cprOf(after)).not.toHaveProperty('pendingRevision');
  });

  it("another nurse may not withdraw someone else's pending revision", () => {
    const rec = firstConversation();
    nurseRevisesCpr(rec);
    const error = given(rec.events)
      .when(
        at(
          'WithdrawTreatmentDirectiveRevision',
          { treatment: CPR, reason: 'Niet mee eens' },
          actors.practiceNurse,
          LATER_STILL,
        ),
      )
      .thenThrows('FORBIDDEN');
    expect(error.reason).toBe('NOT_THE_AUTHOR');
  });

  it('a physician confirming the revision makes it replace the old limit, confirmed', () => {
    const rec = firstConversation();
    nurseRevisesCpr(rec, 'ANDERS');
    rec.run(
      'ConfirmTreatmentDirective',
      { treatment: CPR, confirmedOn: '2026-03-05', comment: 'Met patiënte besproken' },
      actors.gpColleague,
      LATER_STILL,
    );
    const cpr = cprOf(rec.events);
    expect(cpr).toMatchObject({
      decision: 'ANDERS',
      specification: 'Alleen bij een zichtbare verslikking',
      status: 'CONFIRMED',
      summary: 'Alleen onder voorwaarden: Alleen bij een zichtbare verslikking',
      provenance: { recordedBy: actors.districtNurse },
      confirmation: { confirmedOn: '2026-03-05', by: { recordedBy: actors.gpColleague } },
    });
    expect(cpr).not.toHaveProperty('pendingRevision');
    expect(currentView(rec.state.plan).warnings.map((w) => w.code)).not.toContain('PENDING_REVISION');
  });

  it('a physician rejecting the revision keeps the old limit and drops the proposal', () => {
    const rec = firstConversation();
    nurseRevisesCpr(rec);
    rec.run(
      'RejectTreatmentDirectiveRevision',
      { treatment: CPR, reason: 'Patiënte bevestigt bij navraag: niet reanimeren' },
      actors.gp,
      LATER_STILL,
    );
    expect(cprOf(rec.events)).toMatchObject({ decision: 'NIET', status: 'CONFIRMED' });
    expect(cprOf(rec.events)).not.toHaveProperty('pendingRevision');
  });

  it('only a physician may reject a pending revision', () => {
    const rec = firstConversation();
    nurseRevisesCpr(rec);
    given(rec.events)
      .when(
        at(
          'RejectTreatmentDirectiveRevision',
          { treatment: CPR, reason: 'Niet mee eens' },
          actors.practiceNurse,
          LATER_STILL,
        ),
      )
      .thenThrows('FORBIDDEN');
  });

  it('rejecting or withdrawing when nothing is pending is NOT_FOUND', () => {
    given(firstConversation().events)
      .when(at('RejectTreatmentDirectiveRevision', { treatment: CPR, reason: 'Niets voorgesteld' }))
      .thenThrows('NOT_FOUND', ['treatment']);
  });

  it('a nurse recording a conversation over a confirmed limit proposes too', () => {
    const rec = firstConversation();
    given(rec.events)
      .when(
        at(
          'RecordConversation',
          {
            conversationId: 'conv-2',
            date: '2026-03-04',
            participants: nurseAndPatient,
            treatmentDirectives: [{ treatment: CPR, decision: 'WEL' }],
          },
          actors.districtNurse,
        ),
      )
      .then((events) =>
        expect(events.map((e) => e.type)).toEqual([
          'ConversationRecorded',
          'TreatmentDirectiveRevisionProposed',
        ]),
      );
  });

  it('an older stream where a non-physician "revised" a confirmed limit is read safely, as a proposal', () => {
    const rec = firstConversation();
    const legacy: NewPzpEvent = {
      type: 'TreatmentDirectiveRevised',
      data: {
        treatment: CPR,
        decision: 'WEL',
        decidedOn: '2026-03-04',
        parties: nurseAndPatient,
        status: 'PROVISIONAL',
      },
    };
    const events = [...rec.events, ...recorded(actors.districtNurse, LATER, [legacy])];
    expect(cprOf(events)).toMatchObject({
      decision: 'NIET',
      status: 'CONFIRMED',
      pendingRevision: { decision: 'WEL' },
    });
  });

  it('a physician setting a new limit over a pending proposal replaces both', () => {
    const rec = firstConversation();
    nurseRevisesCpr(rec);
    rec.run(
      'SetTreatmentDirective',
      { treatment: CPR, decision: 'WEL', decidedOn: '2026-03-05', parties: gpAndPatient },
      actors.gp,
      LATER_STILL,
    );
    expect(cprOf(rec.events)).toMatchObject({ decision: 'WEL', status: 'CONFIRMED' });
    expect(cprOf(rec.events)).not.toHaveProperty('pendingRevision');
  });
});

describe('2. a conversation marked entered-in-error takes everything recorded in it out of the plan', () => {
  function twoConversations(): PlanRecorder {
    const rec = firstConversation({ lifeWishes: [{ wishId: 'wish-1', text: 'Thuis blijven' }] });
    rec.run(
      'RecordConversation',
      {
        conversationId: 'conv-2',
        date: '2026-03-04',
        participants: gpAndPatient,
        treatmentDirectives: [{ treatment: CPR, decision: 'WEL' }],
        lifeWishes: [{ wishId: 'wish-2', text: 'Nog één keer naar zee' }],
        contactPersons: [
          {
            contactId: 'contact-2',
            name: 'Piet de Groot',
            role: '01',
            relationship: 'CHILD',
            phone: '+31 6 12345678',
          },
        ],
        medicalPolicyGoal: { goal: '713148004' },
      },
      actors.gp,
      LATER,
    );
    return rec;
  }

  it('given two conversations, when the second is marked in error, then its items leave the current view', () => {
    const rec = twoConversations();
    const conversation = rec.events.find(
      (e) => e.type === 'ConversationRecorded' && e.data.conversationId === 'conv-2',
    )!;
    rec.run(
      'MarkEnteredInError',
      { changeId: conversation.metadata.eventId, reason: 'Gesprek bij de verkeerde patiënt ingevoerd' },
      actors.gp,
      LATER_STILL,
    );
    const view = currentView(rec.state.plan);
    // The first conversation's CPR NIET is current again; the second's WEL, wish, contact and goal are gone.
    expect(view.treatmentDirectives.find((d) => d.key === CPR.code)).toMatchObject({ decision: 'NIET' });
    expect(view.lifeWishes.map((w) => w.wishId)).toEqual(['wish-1']);
    expect(view.contactPersons).toEqual([]);
    expect(view.medicalPolicyGoal).toBeNull();
    expect(view.conversations.map((c) => c.conversationId)).toEqual(['conv-1']);
    // The correction names everything it took out, so history can mark each of them.
    const cascaded = rec.events
      .filter((e) => (e.data as { conversationId?: string }).conversationId === 'conv-2')
      .filter((e) => e !== conversation)
      .map((e) => e.metadata.eventId);
    expect(cascaded.length).toBeGreaterThanOrEqual(4);
    expect(view.corrections).toEqual([
      expect.objectContaining({ changeId: conversation.metadata.eventId, cascadedChangeIds: cascaded }),
    ]);
  });

  it('an item of a conversation already in error cannot be marked again', () => {
    const rec = twoConversations();
    const conversation = rec.events.find(
      (e) => e.type === 'ConversationRecorded' && e.data.conversationId === 'conv-2',
    )!;
    const wish = rec.events.find((e) => e.type === 'LifeWishRecorded' && e.data.wishId === 'wish-2')!;
    rec.run(
      'MarkEnteredInError',
      { changeId: conversation.metadata.eventId, reason: 'Verkeerde patiënt' },
      actors.gp,
      LATER_STILL,
    );
    given(rec.events)
      .when(
        at(
          'MarkEnteredInError',
          { changeId: wish.metadata.eventId, reason: 'Dubbel' },
          actors.gp,
          LATER_STILL,
        ),
      )
      .thenThrows('INVALID', ['changeId']);
  });
});

describe('3. a record entered on the wrong patient can be voided', () => {
  const voidIt = (actor: Actor) =>
    at(
      'VoidRecord',
      { reason: 'Onder het BSN van de verkeerde patiënt ingevoerd', voidedOn: '2026-03-04' },
      actor,
    );

  it('given a plan, when a physician voids it, then there is no plan for this patient', () => {
    const rec = firstConversation();
    const events = given(rec.events)
      .when(voidIt(actors.hapDoctor))
      .then([
        {
          type: 'RecordVoided',
          data: { reason: 'Onder het BSN van de verkeerde patiënt ingevoerd', voidedOn: '2026-03-04' },
        },
      ]);
    const state = fold([...rec.events, ...recorded(actors.hapDoctor, LATER, events)]);
    expect(state.plan.patient).toBeNull();
    expect(state.plan.treatmentDirectives).toEqual({});
  });

  it('a nurse of the organisation that entered it may void it; a nurse elsewhere may not', () => {
    const rec = firstConversation();
    given(rec.events)
      .when(voidIt(actors.practiceNurse))
      .then((e) => expect(e).toHaveLength(1));
    given(rec.events).when(voidIt(actors.districtNurse)).thenThrows('FORBIDDEN');
  });

  it('after a void only a new first conversation may follow, and it starts a fresh plan', () => {
    const rec = firstConversation();
    rec.run('VoidRecord', { reason: 'Verkeerde patiënt', voidedOn: '2026-03-04' }, actors.gp, LATER);
    given(rec.events)
      .when(at('ConfirmPlanReviewed', { reviewedOn: '2026-03-05' }, actors.gp, LATER_STILL))
      .thenThrows('NOT_FOUND');
    rec.run(
      'RecordConversation',
      {
        conversationId: 'conv-right',
        patient: { bsn, name: 'Wilhelmina de Groot-van Dijk', birthDate: '1938-05-04' },
        date: '2026-03-05',
        participants: gpAndPatient,
        treatmentDirectives: [{ treatment: ICU, decision: 'WEL' }],
      },
      actors.gp,
      LATER_STILL,
    );
    const view = currentView(rec.state.plan);
    expect(view.conversations.map((c) => c.conversationId)).toEqual(['conv-right']);
    expect(view.treatmentDirectives.find((d) => d.key === CPR.code)).toMatchObject({
      status: 'NO_AGREEMENT_RECORDED',
    });
    expect(view.treatmentDirectives.find((d) => d.key === ICU.code)).toMatchObject({ decision: 'WEL' });
  });

  it('a voided change cannot be marked in error, and the patient cannot be marked in error at all', () => {
    const rec = firstConversation();
    const identified = rec.events[0]!;
    given(rec.events)
      .when(at('MarkEnteredInError', { changeId: identified.metadata.eventId, reason: 'Verkeerde patiënt' }))
      .thenThrows('INVALID', ['changeId']);
    rec.run('VoidRecord', { reason: 'Verkeerde patiënt', voidedOn: '2026-03-04' }, actors.gp, LATER);
    const voided = rec.events.at(-1)!;
    given(rec.events)
      .when(
        at(
          'MarkEnteredInError',
          { changeId: voided.metadata.eventId, reason: 'Toch goed' },
          actors.gp,
          LATER_STILL,
        ),
      )
      .thenThrows('NOT_FOUND');
  });
});

describe('6. the practice the patient is registered with is a recorded fact of the plan', () => {
  it('the first conversation by a GP records that practice; a later change records the new one', () => {
    const rec = firstConversation();
    expect(rec.state.plan.registeredGpPractice).toMatchObject({
      practice: organizations.practice,
      from: '2026-03-02',
    });
    const other = { id: 'URA-01000077', name: 'Huisartsen Stratum', type: 'HUISARTSENPRAKTIJK' } as const;
    rec.run('SetRegisteredGpPractice', { practice: other, from: '2026-03-04' }, actors.gp, LATER);
    expect(currentView(rec.state.plan).registeredGpPractice).toMatchObject({
      practice: other,
      from: '2026-03-04',
    });
  });

  it('a registered practice must be a GP practice', () => {
    given(firstConversation().events)
      .when(at('SetRegisteredGpPractice', { practice: organizations.hospital, from: '2026-03-04' } as never))
      .thenThrows('INVALID', ['practice', 'type']);
  });

  it('a first conversation in a nursing home records no practice unless one is given', () => {
    const data = {
      conversationId: 'conv-so',
      patient: { bsn, name: 'Wilhelmina de Groot-van Dijk', birthDate: '1938-05-04' },
      date: '2026-03-02',
      participants: [patientParty, asParty(actors.elderlyCarePhysician)],
    };
    given()
      .when(at('RecordConversation', data, actors.elderlyCarePhysician))
      .then((events) => expect(events.map((e) => e.type)).not.toContain('RegisteredGpPracticeSet'));
    given()
      .when(
        at(
          'RecordConversation',
          { ...data, registeredGpPractice: organizations.practice },
          actors.elderlyCarePhysician,
        ),
      )
      .then((events) =>
        expect(events.find((e) => e.type === 'RegisteredGpPracticeSet')?.data).toMatchObject({
          practice: organizations.practice,
        }),
      );
  });
});

describe('7. contradictions between written directives and treatment directives are warned of', () => {
  const conflicts = (rec: PlanRecorder) =>
    currentView(rec.state.plan).warnings.filter((w) => w.code === 'DIRECTIVE_CONFLICT');
  const nr = { advanceDirectiveId: 'ad-nr', type: 'NR', date: '2025-11-20' } as const;

  it('a niet-reanimerenverklaring beside no CPR agreement', () => {
    const rec = firstConversation({ treatmentDirectives: [], advanceDirectives: [nr] });
    expect(conflicts(rec)).toEqual([expect.objectContaining({ subject: CPR.code })]);
    expect(conflicts(rec)[0]!.message).toContain('geen afspraak');
  });

  it('a niet-reanimerenverklaring beside CPR WEL, and after the CPR directive was withdrawn', () => {
    const rec = firstConversation({
      treatmentDirectives: [{ treatment: CPR, decision: 'WEL' }],
      advanceDirectives: [nr],
    });
    expect(conflicts(rec)).toEqual([expect.objectContaining({ subject: CPR.code })]);
    expect(conflicts(rec)[0]!.message).toContain('Wel uitvoeren');
    rec.run(
      'WithdrawTreatmentDirective',
      { treatment: CPR, endedOn: '2026-03-04', reason: 'Opnieuw bespreken' },
      actors.gp,
      LATER,
    );
    expect(conflicts(rec)).toHaveLength(1);
  });

  it('no warning when the CPR directive agrees (NIET), or once the declaration is revoked', () => {
    const rec = firstConversation({ advanceDirectives: [nr] });
    expect(conflicts(rec)).toEqual([]);
    const rec2 = firstConversation({ treatmentDirectives: [], advanceDirectives: [nr] });
    rec2.run(
      'RevokeAdvanceDirective',
      { advanceDirectiveId: 'ad-nr', revokedOn: '2026-03-04', reason: 'Ingetrokken' },
      actors.gp,
      LATER,
    );
    expect(conflicts(rec2)).toEqual([]);
  });

  it('a treatment refusal (VERB) beside a WEL for the refused treatment', () => {
    const rec = firstConversation({
      treatmentDirectives: [
        { treatment: ICU, decision: 'WEL' },
        { treatment: CPR, decision: 'NIET' },
      ],
      advanceDirectives: [
        { advanceDirectiveId: 'ad-verb', type: 'VERB', date: '2025-10-01', refusedTreatments: [ICU] },
      ],
    });
    expect(conflicts(rec)).toEqual([expect.objectContaining({ subject: ICU.code })]);
  });

  it('only a treatment refusal names refused treatments', () => {
    given()
      .when(
        at('RecordConversation', {
          conversationId: 'c',
          patient: { bsn, name: 'W. de Groot', birthDate: '1938-05-04' },
          date: '2026-03-02',
          participants: gpAndPatient,
          advanceDirectives: [{ ...nr, refusedTreatments: [ICU] }],
        }),
      )
      .thenThrows('INVALID', ['advanceDirectives', 0, 'refusedTreatments']);
  });

  it('a euthanasia declaration beside the position "does not want euthanasia"', () => {
    const rec = firstConversation({
      advanceDirectives: [{ advanceDirectiveId: 'ad-eu', type: 'EU', date: '2024-06-01' }],
      euthanasiaPosition: { position: 'DOES_NOT_WANT' },
    });
    expect(conflicts(rec)).toEqual([expect.objectContaining({ subject: 'euthanasiaPosition' })]);
    const agreeing = firstConversation({
      advanceDirectives: [{ advanceDirectiveId: 'ad-eu', type: 'EU', date: '2024-06-01' }],
      euthanasiaPosition: { position: 'HAS_DECLARATION' },
    });
    expect(conflicts(agreeing)).toEqual([]);
  });
});

describe('an ended directive stays visible as ended, with when and why, never as the agreement', () => {
  it('given CPR NIET, when the GP withdraws it, then CPR reads "no agreement" and the ended one carries endedOn and endReason', () => {
    const rec = firstConversation();
    rec.run(
      'WithdrawTreatmentDirective',
      { treatment: CPR, endedOn: '2026-03-04', reason: 'Patiënte wil opnieuw nadenken' },
      actors.gp,
      LATER,
    );
    const view = currentView(rec.state.plan);
    expect(view.treatmentDirectives.find((d) => d.key === CPR.code)).toMatchObject({
      status: 'NO_AGREEMENT_RECORDED',
    });
    expect(view.endedTreatmentDirectives).toEqual([
      expect.objectContaining({
        key: CPR.code,
        decision: 'NIET',
        summary: 'Niet uitvoeren',
        endedOn: '2026-03-04',
        endReason: 'Patiënte wil opnieuw nadenken',
        ended: expect.objectContaining({ recordedBy: actors.gp }),
      }),
    ]);
  });
});
