import { describe, expect, it } from 'vitest';
import type { Bsn } from './bsn.js';
import { agreedOnEvents, foldAgreedOn } from './agreed-on.js';
import { fold } from './evolve.js';
import { currentView } from './view.js';
import { actors, asParty, bsns, patientParty } from './testing/fixtures.js';
import { command, given, idSequence } from './testing/decider-spec.js';
import { PlanRecorder } from './testing/recorder.js';

/**
 * Valid time: a GP moves an old plan in (agreed in 2020, entered in 2026) and records a new
 * conversation after it. "As agreed on" a date answers from the changes' own decision dates;
 * an older agreement never replaces the one in force.
 */

const bsn = bsns[3] as Bsn;
const ENTERED = '2026-11-30T10:00:00+01:00';
const parties = [patientParty, asParty(actors.gp)];
const cpr = (decision: 'WEL' | 'NIET') => [{ treatment: { code: '89666000' as const }, decision }];

function movedIn(): PlanRecorder {
  const rec = new PlanRecorder(idSequence(6));
  rec.run(
    'RecordConversation',
    {
      conversationId: 'c-2020',
      patient: { bsn, name: 'Hendrik Hartman', birthDate: '1961-01-01' },
      date: '2020-10-01',
      participants: parties,
      treatmentDirectives: cpr('WEL'),
      lifeWishes: [{ wishId: 'w-2020', text: 'Blijven hardlopen' }],
    },
    actors.gp,
    ENTERED,
  );
  rec.run(
    'RecordConversation',
    {
      conversationId: 'c-2026',
      date: '2026-11-30',
      participants: parties,
      treatmentDirectives: cpr('NIET'),
    },
    actors.gp,
    ENTERED,
  );
  return rec;
}

const cprOn = (rec: PlanRecorder, date: string) =>
  currentView(foldAgreedOn(rec.events, date).plan).treatmentDirectives.find((d) => d.key === '89666000');

describe('the plan as agreed on a date', () => {
  it('answers each date from what had been decided by then, though all of it was entered today', () => {
    const rec = movedIn();
    expect(cprOn(rec, '2021-06-01')).toMatchObject({ decision: 'WEL', decidedOn: '2020-10-01' });
    expect(cprOn(rec, '2026-11-30')).toMatchObject({ decision: 'NIET', decidedOn: '2026-11-30' });
    // Before anything was agreed: the patient is known, nothing of a plan is.
    expect(agreedOnEvents(rec.events, '2019-01-01').dated).toBe(0);
    expect(cprOn(rec, '2019-01-01')).toMatchObject({ status: 'NO_AGREEMENT_RECORDED' });
    // The wish of the 2020 conversation took that conversation's date.
    const wishes2021 = currentView(foldAgreedOn(rec.events, '2021-06-01').plan).lifeWishes;
    expect(wishes2021.map((w) => w.text)).toEqual(['Blijven hardlopen']);
  });

  it('is the current plan on today', () => {
    const rec = movedIn();
    expect(currentView(foldAgreedOn(rec.events, '2026-11-30').plan)).toEqual(
      currentView(fold(rec.events).plan),
    );
  });

  it('applies a correction recorded since: what was entered in error was never agreed', () => {
    const rec = movedIn();
    const first = rec.events.find((e) => e.type === 'ConversationRecorded')!;
    rec.run(
      'MarkEnteredInError',
      { changeId: first.metadata.eventId, reason: 'Plan van een andere patiënt overgenomen' },
      actors.gp,
      ENTERED,
    );
    expect(cprOn(rec, '2021-06-01')).toMatchObject({ status: 'NO_AGREEMENT_RECORDED' });
  });
});

describe('an older agreement never replaces a later one', () => {
  it('refuses a directive decided before the one in force for the same treatment', () => {
    const rec = movedIn();
    given(rec.events)
      .when(
        command(
          'RecordConversation',
          {
            conversationId: 'c-2019',
            date: '2019-05-01',
            participants: parties,
            treatmentDirectives: cpr('WEL'),
          },
          actors.gp,
          ENTERED,
        ),
      )
      .thenThrows('INVALID', ['treatmentDirectives', 0, 'treatment']);
    given(rec.events)
      .when(
        command(
          'SetTreatmentDirective',
          { ...cpr('WEL')[0]!, decidedOn: '2025-01-01', parties },
          actors.gp,
          ENTERED,
        ),
      )
      .thenThrows('INVALID', ['decidedOn']);
  });

  it('refuses to revive a directive with an agreement made before it ended', () => {
    const rec = movedIn();
    rec.run(
      'WithdrawTreatmentDirective',
      { treatment: { code: '89666000' }, endedOn: '2026-11-30', reason: 'Opnieuw te bespreken' },
      actors.gp,
      ENTERED,
    );
    given(rec.events)
      .when(
        command(
          'SetTreatmentDirective',
          { ...cpr('NIET')[0]!, decidedOn: '2026-11-01', parties },
          actors.gp,
          ENTERED,
        ),
      )
      .thenThrows('INVALID', ['decidedOn']);
  });

  it('takes an agreement of the same day or later', () => {
    const rec = movedIn();
    given(rec.events)
      .when(
        command(
          'SetTreatmentDirective',
          { ...cpr('WEL')[0]!, decidedOn: '2026-11-30', parties },
          actors.gp,
          ENTERED,
        ),
      )
      .then((events) => expect(events.map((e) => e.type)).toEqual(['TreatmentDirectiveRevised']));
  });
});
