import { describe, expect, it } from 'vitest';
import type { Bsn } from './bsn.js';
import type { CommandInput } from './commands.js';
import type { PzpEvent } from './events.js';
import { fold } from './evolve.js';
import type { Actor, Party } from './model.js';
import { currentView } from './view.js';
import { actors, asParty, bsns, patientParty } from './testing/fixtures.js';
import { command, given, idSequence, recorded } from './testing/decider-spec.js';
import { PlanRecorder } from './testing/recorder.js';

/**
 * Treatment directives, life wishes and written advance directives (domain.md "What is recorded"):
 * ANDERS needs its conditions, an agreement needs a professional and the patient side, a limit
 * agreed by a non-physician is provisional until a physician confirms it, and nothing that does not
 * exist or has ended can be ended, confirmed or revoked.
 */

const bsn = bsns[0] as Bsn;
const CONVERSATION_AT = '2026-03-02T14:00:00+01:00';
const LATER = '2026-03-04T10:00:00+01:00';
const CPR = { code: '89666000' } as const;
const ICU = { code: '305351004' } as const;
const ANTIBIOTICS = { code: '281789004' } as const;
const gpAndPatient: Party[] = [patientParty, asParty(actors.gp)];
const nurseAndPatient: Party[] = [patientParty, asParty(actors.districtNurse)];

/** A plan after the GP's first PZP conversation with mevrouw De Groot: no CPR, confirmed. */
function planAfterFirstConversation(): PlanRecorder {
  const rec = new PlanRecorder(idSequence(1));
  rec.run(
    'RecordConversation',
    {
      conversationId: 'conv-1',
      patient: { bsn, name: 'Wilhelmina de Groot-van Dijk', birthDate: '1938-05-04' },
      date: '2026-03-02',
      location: 'Thuis bij patiënt',
      participants: [...gpAndPatient, { kind: 'RELATIVE', name: 'Anna de Groot', relationship: 'CHILD' }],
      topics: ['TREATMENT_WISHES_AND_LIMITS', 'WHAT_MATTERS'],
      treatmentDirectives: [{ treatment: CPR, decision: 'NIET' }],
      lifeWishes: [{ wishId: 'wish-1', text: 'Zo lang mogelijk thuis blijven wonen, bij haar kat' }],
      advanceDirectives: [
        {
          advanceDirectiveId: 'ad-nr',
          type: 'NR',
          date: '2025-11-20',
          documentReference: 'Niet-reanimerenpenning, verklaring in dossier',
        },
      ],
    },
    actors.gp,
    CONVERSATION_AT,
  );
  return rec;
}

const setDirective = (
  data: Partial<CommandInput<'SetTreatmentDirective'>>,
  actor: Actor = actors.gp,
  now = LATER,
) =>
  command(
    'SetTreatmentDirective',
    { treatment: ICU, decision: 'NIET', decidedOn: '2026-03-04', parties: gpAndPatient, ...data },
    actor,
    now,
  );

const confirm = (treatment: CommandInput<'ConfirmTreatmentDirective'>['treatment'], actor: Actor) =>
  command(
    'ConfirmTreatmentDirective',
    { treatment, confirmedOn: '2026-03-05', comment: 'Besproken en akkoord' },
    actor,
    '2026-03-05T09:00:00+01:00',
  );

const directiveOf = (events: PzpEvent[], key: string) =>
  currentView(fold(events).plan).treatmentDirectives.find((d) => d.key === key);

describe('ANDERS (only under conditions) needs a specification', () => {
  it('rejects ANDERS without a specification, pointing at the field', () => {
    given(planAfterFirstConversation().events)
      .when(setDirective({ decision: 'ANDERS' }))
      .thenThrows('INVALID', ['specification']);
  });

  it('rejects the zib 2017 code JA_MAAR without a specification too (it maps to ANDERS)', () => {
    given(planAfterFirstConversation().events)
      .when(setDirective({ decision: 'JA_MAAR' as never }))
      .thenThrows('INVALID', ['specification']);
  });

  it('accepts ANDERS with its conditions and keeps the conditions on the event', () => {
    const specification =
      'Alleen een kortdurende IC-opname bij een goed behandelbare oorzaak, maximaal 48 uur';
    given(planAfterFirstConversation().events)
      .when(setDirective({ decision: 'ANDERS', specification }))
      .then([
        {
          type: 'TreatmentDirectiveSet',
          data: {
            treatment: ICU,
            decision: 'ANDERS',
            specification,
            decidedOn: '2026-03-04',
            parties: gpAndPatient,
            status: 'CONFIRMED',
          },
        },
      ]);
  });

  it('maps the zib 2017 codes JA and NEE to WEL and NIET', () => {
    given(planAfterFirstConversation().events)
      .when(setDirective({ decision: 'JA' as never }))
      .then((events) => expect(events[0]!.data).toMatchObject({ decision: 'WEL' }));
    given(planAfterFirstConversation().events)
      .when(setDirective({ decision: 'NEE' as never }))
      .then((events) => expect(events[0]!.data).toMatchObject({ decision: 'NIET' }));
  });

  it('rejects an unknown decision code', () => {
    given(planAfterFirstConversation().events)
      .when(setDirective({ decision: 'MISSCHIEN' as never }))
      .thenThrows('INVALID', ['decision']);
  });
});

describe('an agreement has at least two parties, a professional and the patient side among them', () => {
  const history = () => planAfterFirstConversation().events;

  it('accepts the patient and the GP', () => {
    given(history())
      .when(setDirective({ parties: gpAndPatient }))
      .then((events) => expect(events).toHaveLength(1));
  });

  it('accepts the legal representative and the elderly-care physician', () => {
    const parties: Party[] = [
      { kind: 'REPRESENTATIVE', name: 'Anna de Groot', contactId: 'contact-anna' },
      asParty(actors.elderlyCarePhysician),
    ];
    given(history())
      .when(setDirective({ parties }, actors.elderlyCarePhysician))
      .then((events) => expect(events[0]!.data).toMatchObject({ parties }));
  });

  it('rejects the patient alone', () => {
    given(history())
      .when(setDirective({ parties: [patientParty] }))
      .thenThrows('INVALID', ['parties']);
  });

  it('rejects the GP alone', () => {
    given(history())
      .when(setDirective({ parties: [asParty(actors.gp)] }))
      .thenThrows('INVALID', ['parties']);
  });

  it('rejects patient and daughter without a professional', () => {
    given(history())
      .when(
        setDirective({
          parties: [patientParty, { kind: 'RELATIVE', name: 'Anna de Groot', relationship: 'CHILD' }],
        }),
      )
      .thenThrows('INVALID', ['parties']);
  });

  it('rejects two professionals without the patient or a representative', () => {
    given(history())
      .when(setDirective({ parties: [asParty(actors.gp), asParty(actors.districtNurse)] }))
      .thenThrows('INVALID', ['parties']);
  });

  it('rejects an empty list', () => {
    given(history())
      .when(setDirective({ parties: [] }))
      .thenThrows('INVALID', ['parties']);
  });
});

describe('a limit recorded by a non-physician is provisional until a physician confirms it', () => {
  it('a directive recorded by the district nurse is PROVISIONAL', () => {
    given(planAfterFirstConversation().events)
      .when(setDirective({ parties: nurseAndPatient }, actors.districtNurse))
      .then((events) => expect(events[0]).toMatchObject({ data: { status: 'PROVISIONAL' } }));
  });

  it('a directive recorded by the practice nurse is PROVISIONAL', () => {
    given(planAfterFirstConversation().events)
      .when(setDirective({ parties: [patientParty, asParty(actors.practiceNurse)] }, actors.practiceNurse))
      .then((events) => expect(events[0]).toMatchObject({ data: { status: 'PROVISIONAL' } }));
  });

  it('a directive recorded by a physician is CONFIRMED at once', () => {
    given(planAfterFirstConversation().events)
      .when(setDirective({}, actors.gp))
      .then((events) => expect(events[0]).toMatchObject({ data: { status: 'CONFIRMED' } }));
  });

  it('a physician confirms the provisional version; the view then shows it final', () => {
    const rec = planAfterFirstConversation();
    const [provisional] = rec.run(
      'SetTreatmentDirective',
      { treatment: ICU, decision: 'NIET', decidedOn: '2026-03-04', parties: nurseAndPatient },
      actors.districtNurse,
      LATER,
    );
    expect(directiveOf(rec.events, ICU.code)).toMatchObject({ status: 'PROVISIONAL' });

    given(rec.events)
      .when(confirm(ICU, actors.gp))
      .then([
        {
          type: 'TreatmentDirectiveConfirmed',
          data: {
            treatment: ICU,
            confirmedOn: '2026-03-05',
            comment: 'Besproken en akkoord',
            confirmedChangeId: provisional!.metadata.eventId,
          },
        },
      ]);

    rec.run(
      'ConfirmTreatmentDirective',
      confirm(ICU, actors.gp).data as never,
      actors.gp,
      '2026-03-05T09:00:00+01:00',
    );
    const view = currentView(rec.state.plan);
    expect(view.treatmentDirectives.find((d) => d.key === ICU.code)).toMatchObject({
      status: 'CONFIRMED',
      decision: 'NIET',
      confirmation: { confirmedOn: '2026-03-05', by: { recordedBy: actors.gp } },
    });
    expect(view.warnings.filter((w) => w.code === 'PROVISIONAL')).toEqual([]);
  });

  it('a confirmed directive cannot be confirmed again (it is final)', () => {
    given(planAfterFirstConversation().events)
      .when(confirm(CPR, actors.gp))
      .thenThrows('INVALID', ['treatment']);
  });

  it.each([
    ['practice nurse', actors.practiceNurse],
    ['district nurse', actors.districtNurse],
    ['ambulance nurse', actors.ambulanceNurse],
  ])('the %s may not confirm', (_label, nurse) => {
    const rec = planAfterFirstConversation();
    rec.run(
      'SetTreatmentDirective',
      { treatment: ICU, decision: 'NIET', decidedOn: '2026-03-04', parties: nurseAndPatient },
      actors.districtNurse,
      LATER,
    );
    given(rec.events).when(confirm(ICU, nurse)).thenThrows('FORBIDDEN');
  });

  it.each([
    ['the GP colleague', actors.gpColleague],
    ['the elderly-care physician', actors.elderlyCarePhysician],
    ['the hospital specialist', actors.specialist],
  ])('%s may confirm', (_label, physician) => {
    const rec = planAfterFirstConversation();
    rec.run(
      'SetTreatmentDirective',
      { treatment: ICU, decision: 'NIET', decidedOn: '2026-03-04', parties: nurseAndPatient },
      actors.districtNurse,
      LATER,
    );
    given(rec.events)
      .when(confirm(ICU, physician))
      .then((events) => expect(events.map((e) => e.type)).toEqual(['TreatmentDirectiveConfirmed']));
  });

  it('a confirmation counts only for the version it confirmed, not a later revision', () => {
    const rec = planAfterFirstConversation();
    rec.run(
      'SetTreatmentDirective',
      { treatment: ICU, decision: 'NIET', decidedOn: '2026-03-04', parties: nurseAndPatient },
      actors.districtNurse,
      LATER,
    );
    // The GP confirms what she saw; meanwhile the nurse revised the directive.
    const confirmation = given(rec.events)
      .when(confirm(ICU, actors.gp))
      .then(() => undefined);
    rec.run(
      'SetTreatmentDirective',
      {
        treatment: ICU,
        decision: 'ANDERS',
        specification: 'Alleen na overleg met dochter Anna',
        decidedOn: '2026-03-04',
        parties: nurseAndPatient,
      },
      actors.districtNurse,
      '2026-03-04T16:00:00+01:00',
    );
    const events = [...rec.events, ...recorded(actors.gp, '2026-03-05T09:00:00+01:00', confirmation)];
    expect(directiveOf(events, ICU.code)).toMatchObject({ status: 'PROVISIONAL', decision: 'ANDERS' });
  });

  it('a nurse revising a confirmed limit proposes a revision; it does not replace the limit', () => {
    given(planAfterFirstConversation().events)
      .when(
        command(
          'SetTreatmentDirective',
          { treatment: CPR, decision: 'WEL', decidedOn: '2026-03-04', parties: nurseAndPatient },
          actors.districtNurse,
          LATER,
        ),
      )
      .then((events) =>
        expect(events[0]).toMatchObject({
          type: 'TreatmentDirectiveRevisionProposed',
          data: { decision: 'WEL', status: 'PROVISIONAL' },
        }),
      );
  });
});

describe('a second directive for the same treatment revises the current one', () => {
  it('emits TreatmentDirectiveRevised for a treatment with a current directive', () => {
    given(planAfterFirstConversation().events)
      .when(
        setDirective({
          treatment: CPR,
          decision: 'ANDERS',
          specification: 'Alleen bij een hartritmestoornis tijdens een ziekenhuisbehandeling',
        }),
      )
      .then((events) => expect(events.map((e) => e.type)).toEqual(['TreatmentDirectiveRevised']));
  });

  it('emits TreatmentDirectiveSet again after the directive was withdrawn', () => {
    const rec = planAfterFirstConversation();
    rec.run(
      'WithdrawTreatmentDirective',
      { treatment: CPR, endedOn: '2026-03-04', reason: 'Patiënte wil opnieuw nadenken over reanimatie' },
      actors.gp,
      LATER,
    );
    given(rec.events)
      .when(setDirective({ treatment: CPR, decision: 'WEL' }))
      .then((events) => expect(events.map((e) => e.type)).toEqual(['TreatmentDirectiveSet']));
  });

  it('treats OTH treatments with the same name (case and spaces aside) as one treatment', () => {
    const rec = planAfterFirstConversation();
    rec.run(
      'SetTreatmentDirective',
      {
        treatment: { code: 'OTH', text: 'Dialyse' },
        decision: 'NIET',
        decidedOn: '2026-03-04',
        parties: gpAndPatient,
      },
      actors.gp,
      LATER,
    );
    given(rec.events)
      .when(setDirective({ treatment: { code: 'OTH', text: '  dialyse ' }, decision: 'WEL' }))
      .then((events) => expect(events.map((e) => e.type)).toEqual(['TreatmentDirectiveRevised']));
    given(rec.events)
      .when(setDirective({ treatment: { code: 'OTH', text: 'Sondevoeding' } }))
      .then((events) => expect(events.map((e) => e.type)).toEqual(['TreatmentDirectiveSet']));
  });

  it('OTH needs a text naming the treatment', () => {
    given(planAfterFirstConversation().events)
      .when(setDirective({ treatment: { code: 'OTH' } }))
      .thenThrows('INVALID', ['treatment', 'text']);
  });
});

describe('cannot end, confirm or revoke what does not exist or has already ended', () => {
  const withdraw = (
    treatment: CommandInput<'WithdrawTreatmentDirective'>['treatment'],
    actor: Actor = actors.gp,
  ) =>
    command(
      'WithdrawTreatmentDirective',
      { treatment, endedOn: '2026-03-04', reason: 'Afspraak herzien in overleg met patiënte' },
      actor,
      LATER,
    );

  it('withdrawing the current CPR directive ends it; the view then shows no agreement', () => {
    const rec = planAfterFirstConversation();
    given(rec.events)
      .when(withdraw(CPR))
      .then([
        {
          type: 'TreatmentDirectiveWithdrawn',
          data: { treatment: CPR, endedOn: '2026-03-04', reason: 'Afspraak herzien in overleg met patiënte' },
        },
      ]);
    rec.run('WithdrawTreatmentDirective', withdraw(CPR).data as never, actors.gp, LATER);
    expect(directiveOf(rec.events, CPR.code)).toEqual({
      key: CPR.code,
      treatment: { ...CPR, display: 'Cardiopulmonale resuscitatie (CPR)' },
      status: 'NO_AGREEMENT_RECORDED',
      decision: null,
      summary: 'Geen afspraak vastgelegd',
    });
  });

  it('withdrawing a directive that was never recorded is NOT_FOUND', () => {
    given(planAfterFirstConversation().events).when(withdraw(ICU)).thenThrows('NOT_FOUND', ['treatment']);
  });

  it('withdrawing an already withdrawn directive is INVALID', () => {
    const rec = planAfterFirstConversation();
    rec.run('WithdrawTreatmentDirective', withdraw(CPR).data as never, actors.gp, LATER);
    given(rec.events).when(withdraw(CPR)).thenThrows('INVALID', ['treatment']);
  });

  it('confirming a directive that was never recorded is NOT_FOUND', () => {
    given(planAfterFirstConversation().events)
      .when(confirm(ANTIBIOTICS, actors.gp))
      .thenThrows('NOT_FOUND', ['treatment']);
  });

  it('confirming a withdrawn provisional directive is INVALID', () => {
    const rec = planAfterFirstConversation();
    rec.run(
      'SetTreatmentDirective',
      { treatment: ICU, decision: 'NIET', decidedOn: '2026-03-04', parties: nurseAndPatient },
      actors.districtNurse,
      LATER,
    );
    rec.run('WithdrawTreatmentDirective', withdraw(ICU).data as never, actors.districtNurse, LATER);
    given(rec.events).when(confirm(ICU, actors.gp)).thenThrows('INVALID', ['treatment']);
  });

  it('a nurse may not end a confirmed limit, but may end her own provisional one', () => {
    const rec = planAfterFirstConversation();
    given(rec.events).when(withdraw(CPR, actors.districtNurse)).thenThrows('FORBIDDEN');
    rec.run(
      'SetTreatmentDirective',
      { treatment: ICU, decision: 'NIET', decidedOn: '2026-03-04', parties: nurseAndPatient },
      actors.districtNurse,
      LATER,
    );
    given(rec.events)
      .when(withdraw(ICU, actors.districtNurse))
      .then((events) => expect(events.map((e) => e.type)).toEqual(['TreatmentDirectiveWithdrawn']));
  });

  it('a directive cannot end before the day it was decided', () => {
    given(planAfterFirstConversation().events)
      .when(
        command(
          'WithdrawTreatmentDirective',
          { treatment: CPR, endedOn: '2026-03-01', reason: 'Te vroeg' },
          actors.gp,
          LATER,
        ),
      )
      .thenThrows('INVALID', ['endedOn']);
  });

  // Like endedOn on withdrawal: a confirmation cannot precede the agreement it confirms.
  it('a directive cannot be confirmed before the day it was decided', () => {
    const rec = planAfterFirstConversation();
    rec.run(
      'SetTreatmentDirective',
      { treatment: ICU, decision: 'NIET', decidedOn: '2026-03-04', parties: nurseAndPatient },
      actors.districtNurse,
      LATER,
    );
    given(rec.events)
      .when(
        command(
          'ConfirmTreatmentDirective',
          { treatment: ICU, confirmedOn: '2026-03-01' },
          actors.gp,
          '2026-03-05T09:00:00+01:00',
        ),
      )
      .thenThrows('INVALID', ['confirmedOn']);
  });

  describe('life wishes', () => {
    const withdrawWish = (wishId: string) =>
      command(
        'WithdrawLifeWish',
        { wishId, reason: 'Patiënte is verhuisd naar het verpleeghuis' },
        actors.gp,
        LATER,
      );

    it('withdraws a current life wish', () => {
      given(planAfterFirstConversation().events)
        .when(withdrawWish('wish-1'))
        .then([
          {
            type: 'LifeWishWithdrawn',
            data: { wishId: 'wish-1', reason: 'Patiënte is verhuisd naar het verpleeghuis' },
          },
        ]);
    });

    it('an unknown life wish is NOT_FOUND', () => {
      given(planAfterFirstConversation().events)
        .when(withdrawWish('wish-unknown'))
        .thenThrows('NOT_FOUND', ['wishId']);
    });

    it('a withdrawn life wish cannot be withdrawn again', () => {
      const rec = planAfterFirstConversation();
      rec.run('WithdrawLifeWish', withdrawWish('wish-1').data as never, actors.gp, LATER);
      given(rec.events).when(withdrawWish('wish-1')).thenThrows('INVALID', ['wishId']);
      expect(currentView(rec.state.plan).lifeWishes).toEqual([]);
    });

    it('a life wish id cannot be reused', () => {
      given(planAfterFirstConversation().events)
        .when(command('RecordLifeWish', { wishId: 'wish-1', text: 'Thuis sterven' }, actors.gp, LATER))
        .thenThrows('INVALID', ['wishId']);
    });
  });

  describe('written advance directives', () => {
    const revoke = (advanceDirectiveId: string, revokedOn = '2026-03-04') =>
      command(
        'RevokeAdvanceDirective',
        { advanceDirectiveId, revokedOn, reason: 'Patiënte heeft de penning ingeleverd' },
        actors.gp,
        LATER,
      );

    it('revokes a registered advance directive; the view no longer lists it', () => {
      const rec = planAfterFirstConversation();
      expect(currentView(rec.state.plan).advanceDirectives.map((a) => a.advanceDirectiveId)).toEqual([
        'ad-nr',
      ]);
      given(rec.events)
        .when(revoke('ad-nr'))
        .then((events) => expect(events.map((e) => e.type)).toEqual(['AdvanceDirectiveRevoked']));
      rec.run('RevokeAdvanceDirective', revoke('ad-nr').data as never, actors.gp, LATER);
      expect(currentView(rec.state.plan).advanceDirectives).toEqual([]);
    });

    it('an unknown advance directive is NOT_FOUND', () => {
      given(planAfterFirstConversation().events)
        .when(revoke('ad-unknown'))
        .thenThrows('NOT_FOUND', ['advanceDirectiveId']);
    });

    it('a revoked advance directive cannot be revoked again', () => {
      const rec = planAfterFirstConversation();
      rec.run('RevokeAdvanceDirective', revoke('ad-nr').data as never, actors.gp, LATER);
      given(rec.events).when(revoke('ad-nr')).thenThrows('INVALID', ['advanceDirectiveId']);
    });

    it('an advance directive id cannot be registered twice', () => {
      given(planAfterFirstConversation().events)
        .when(
          command(
            'RegisterAdvanceDirective',
            { advanceDirectiveId: 'ad-nr', type: 'EU', date: '2026-01-15' },
            actors.gp,
            LATER,
          ),
        )
        .thenThrows('INVALID', ['advanceDirectiveId']);
    });

    it('a revocation dated in the future is refused', () => {
      given(planAfterFirstConversation().events)
        .when(revoke('ad-nr', '2026-03-05'))
        .thenThrows('INVALID', ['revokedOn']);
    });
  });
});

describe('decision dates may not lie in the future, judged in Europe/Amsterdam', () => {
  const at = (decidedOn: string, now: string) =>
    given(planAfterFirstConversation().events).when(setDirective({ decidedOn }, actors.gp, now));

  it('00:30 on 10 March in Amsterdam (23:30 UTC on the 9th): a decision dated 10 March is accepted', () => {
    at('2026-03-10', '2026-03-09T23:30:00Z').then((events) =>
      expect(events[0]!.data).toMatchObject({ decidedOn: '2026-03-10' }),
    );
  });

  it('00:30 on 10 March in Amsterdam: a decision dated 11 March is refused', () => {
    at('2026-03-11', '2026-03-09T23:30:00Z').thenThrows('INVALID', ['decidedOn']);
  });

  it('the offset the instant is written in does not matter, only Amsterdam time', () => {
    // 19:30 in New York on 10 March is 00:30 on 11 March in Amsterdam.
    at('2026-03-11', '2026-03-10T19:30:00-04:00').then((events) => expect(events).toHaveLength(1));
    // 23:59 on 10 March in Amsterdam, written in UTC.
    at('2026-03-11', '2026-03-10T22:59:00Z').thenThrows('INVALID', ['decidedOn']);
  });

  it('spring DST change (29 March 2026): midnight CEST is 22:00 UTC', () => {
    at('2026-03-30', '2026-03-29T21:59:59Z').thenThrows('INVALID', ['decidedOn']);
    at('2026-03-30', '2026-03-29T22:00:00Z').then((events) => expect(events).toHaveLength(1));
    // On the night of the change itself, 00:30 CET is still 23:30 UTC.
    at('2026-03-29', '2026-03-28T23:30:00Z').then((events) => expect(events).toHaveLength(1));
  });

  it('autumn DST change (25 October 2026): midnight CET is 23:00 UTC', () => {
    at('2026-10-26', '2026-10-25T22:59:59Z').thenThrows('INVALID', ['decidedOn']);
    at('2026-10-26', '2026-10-25T23:00:00Z').then((events) => expect(events).toHaveLength(1));
  });

  it('a withdrawal and a confirmation dated tomorrow are refused as well', () => {
    given(planAfterFirstConversation().events)
      .when(
        command(
          'WithdrawTreatmentDirective',
          { treatment: CPR, endedOn: '2026-03-05', reason: 'Herzien' },
          actors.gp,
          LATER,
        ),
      )
      .thenThrows('INVALID', ['endedOn']);
    const rec = planAfterFirstConversation();
    rec.run(
      'SetTreatmentDirective',
      { treatment: ICU, decision: 'NIET', decidedOn: '2026-03-04', parties: nurseAndPatient },
      actors.districtNurse,
      LATER,
    );
    given(rec.events)
      .when(
        command('ConfirmTreatmentDirective', { treatment: ICU, confirmedOn: '2026-03-05' }, actors.gp, LATER),
      )
      .thenThrows('INVALID', ['confirmedOn']);
  });

  it('a date that does not exist is refused', () => {
    given(planAfterFirstConversation().events)
      .when(setDirective({ decidedOn: '2026-02-30' }))
      .thenThrows('INVALID', ['decidedOn']);
  });
});

describe('who may change the plan', () => {
  it('the auditor changes nothing clinical', () => {
    given(planAfterFirstConversation().events).when(setDirective({}, actors.auditor)).thenThrows('FORBIDDEN');
  });

  it('without a plan, a directive cannot be set', () => {
    given().when(setDirective({})).thenThrows('NOT_FOUND');
  });

  it('the actor and clock come from metadata and are validated', () => {
    given(planAfterFirstConversation().events)
      .when(setDirective({}, actors.gp, '2026-03-04T10:00:00'))
      .thenThrows('INVALID', ['metadata', 'now']);
  });
});
