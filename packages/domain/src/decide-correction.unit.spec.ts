import { describe, expect, it } from 'vitest';
import type { Bsn } from './bsn.js';
import type { PzpEvent } from './events.js';
import { evolve, fold, initialState } from './evolve.js';
import type { Actor, Party } from './model.js';
import { describeChange } from './history.js';
import { currentView } from './view.js';
import { actors, asParty, bsns, patientParty } from './testing/fixtures.js';
import { command, given, idSequence } from './testing/decider-spec.js';
import { PlanRecorder } from './testing/recorder.js';

/**
 * Entered-in-error: a correction takes a change out of the current plan, while the stream and the
 * history keep it (domain.md, persona 4: the auditor replays every change).
 */

const bsn = bsns[0] as Bsn;
const gpAndPatient: Party[] = [patientParty, asParty(actors.gp)];
const T1 = '2026-03-02T14:00:00+01:00';
const T2 = '2026-03-03T09:00:00+01:00';
const T3 = '2026-03-04T09:00:00+01:00';

function plan(): PlanRecorder {
  const rec = new PlanRecorder(idSequence(6));
  rec.run(
    'RecordConversation',
    {
      conversationId: 'conv-1',
      patient: { bsn, name: 'Cornelis Dekker', birthDate: '1944-07-09' },
      date: '2026-03-02',
      participants: gpAndPatient,
      treatmentDirectives: [{ treatment: { code: '89666000' }, decision: 'NIET' }],
    },
    actors.gp,
    T1,
  );
  return rec;
}

const mark = (changeId: string, actor: Actor = actors.gp, reason = 'Vastgelegd bij de verkeerde patiënt') =>
  command('MarkEnteredInError', { changeId, reason }, actor, T3);

/** A blood-products limit entered by mistake on 3 March. */
function planWithMistake() {
  const rec = plan();
  const [wrong] = rec.run(
    'SetTreatmentDirective',
    { treatment: { code: '116762002' }, decision: 'NIET', decidedOn: '2026-03-03', parties: gpAndPatient },
    actors.gp,
    T2,
  );
  return { rec, wrong: wrong! };
}

const blood = (events: readonly PzpEvent[]) =>
  currentView(fold(events).plan).treatmentDirectives.find((d) => d.key === '116762002');

describe('marking a change entered-in-error', () => {
  it('emits the correction with the type of the change it corrects', () => {
    const { rec, wrong } = planWithMistake();
    given(rec.events)
      .when(mark(wrong.metadata.eventId))
      .then([
        {
          type: 'ChangeMarkedEnteredInError',
          data: {
            changeId: wrong.metadata.eventId,
            changeType: 'TreatmentDirectiveSet',
            reason: 'Vastgelegd bij de verkeerde patiënt',
          },
        },
      ]);
  });

  it('removes the change from the current view', () => {
    const { rec, wrong } = planWithMistake();
    expect(blood(rec.events)).toMatchObject({ decision: 'NIET', status: 'CONFIRMED' });
    rec.run('MarkEnteredInError', mark(wrong.metadata.eventId).data as never, actors.gp, T3);
    expect(blood(rec.events)).toMatchObject({ status: 'NO_AGREEMENT_RECORDED', decision: null });
    expect(currentView(rec.state.plan).corrections).toEqual([
      expect.objectContaining({
        changeId: wrong.metadata.eventId,
        changeType: 'TreatmentDirectiveSet',
        reason: 'Vastgelegd bij de verkeerde patiënt',
      }),
    ]);
  });

  it('keeps the change in the log and in the history', () => {
    const { rec, wrong } = planWithMistake();
    const [correction] = rec.run(
      'MarkEnteredInError',
      mark(wrong.metadata.eventId).data as never,
      actors.gp,
      T3,
    );
    const state = fold(rec.events);
    expect(state.log).toContain(wrong);
    expect(state.log).toHaveLength(rec.events.length);
    expect(state.inError.has(wrong.metadata.eventId)).toBe(true);
    // The history row of the correction shows what it took away.
    const before = fold(rec.events.slice(0, -1));
    expect(describeChange(before, correction!, state).changes).toEqual([
      {
        section: 'treatmentDirectives',
        key: '116762002',
        before: expect.objectContaining({ decision: 'NIET' }),
        after: null,
      },
    ]);
  });

  it('later changes still apply after the refold', () => {
    const { rec, wrong } = planWithMistake();
    rec.run(
      'RecordLifeWish',
      { wishId: 'wish-1', text: 'Nog één keer met de boot naar Texel' },
      actors.gp,
      T2,
    );
    rec.run('MarkEnteredInError', mark(wrong.metadata.eventId).data as never, actors.gp, T3);
    const view = currentView(rec.state.plan);
    expect(view.lifeWishes.map((w) => w.text)).toEqual(['Nog één keer met de boot naar Texel']);
    expect(view.treatmentDirectives[0]).toMatchObject({ key: '89666000', decision: 'NIET' });
  });

  it('a revision marked in error brings back the version before it', () => {
    const rec = plan();
    const [revision] = rec.run(
      'SetTreatmentDirective',
      { treatment: { code: '89666000' }, decision: 'WEL', decidedOn: '2026-03-03', parties: gpAndPatient },
      actors.gp,
      T2,
    );
    expect(currentView(rec.state.plan).treatmentDirectives[0]).toMatchObject({ decision: 'WEL' });
    rec.run('MarkEnteredInError', mark(revision!.metadata.eventId).data as never, actors.gp, T3);
    expect(currentView(rec.state.plan).treatmentDirectives[0]).toMatchObject({
      decision: 'NIET',
      decidedOn: '2026-03-02',
    });
  });

  it('a confirmation marked in error makes the directive provisional again', () => {
    const rec = plan();
    rec.run(
      'SetTreatmentDirective',
      { treatment: { code: '305351004' }, decision: 'NIET', decidedOn: '2026-03-03', parties: gpAndPatient },
      actors.practiceNurse,
      T2,
    );
    const [confirmation] = rec.run(
      'ConfirmTreatmentDirective',
      { treatment: { code: '305351004' }, confirmedOn: '2026-03-03' },
      actors.gp,
      T2,
    );
    rec.run('MarkEnteredInError', mark(confirmation!.metadata.eventId).data as never, actors.gp, T3);
    const view = currentView(rec.state.plan);
    expect(view.treatmentDirectives.find((d) => d.key === '305351004')).toMatchObject({
      status: 'PROVISIONAL',
    });
    expect(view.warnings.map((w) => w.code)).toContain('PROVISIONAL');
  });

  it('the incremental state after a correction equals a fresh fold of the stream', () => {
    const { rec, wrong } = planWithMistake();
    rec.run('MarkEnteredInError', mark(wrong.metadata.eventId).data as never, actors.gp, T3);
    const stepwise = rec.events.reduce(evolve, initialState);
    expect(currentView(rec.state.plan)).toEqual(currentView(stepwise.plan));
    expect(currentView(rec.state.plan)).toEqual(currentView(fold(rec.events).plan));
  });
});

describe('what cannot be marked entered-in-error', () => {
  it('an unknown change is NOT_FOUND', () => {
    given(planWithMistake().rec.events)
      .when(mark('00000000-0000-4000-8000-999999999999'))
      .thenThrows('NOT_FOUND', ['changeId']);
  });

  it('a change already marked is INVALID', () => {
    const { rec, wrong } = planWithMistake();
    rec.run('MarkEnteredInError', mark(wrong.metadata.eventId).data as never, actors.gp, T3);
    given(rec.events).when(mark(wrong.metadata.eventId)).thenThrows('INVALID', ['changeId']);
  });

  it('a correction itself cannot be marked', () => {
    const { rec, wrong } = planWithMistake();
    const [correction] = rec.run(
      'MarkEnteredInError',
      mark(wrong.metadata.eventId).data as never,
      actors.gp,
      T3,
    );
    given(rec.events).when(mark(correction!.metadata.eventId)).thenThrows('INVALID', ['changeId']);
  });

  it('the identification of the patient cannot be marked', () => {
    const rec = plan();
    const identified = rec.events.find((e) => e.type === 'PatientIdentified')!;
    given(rec.events).when(mark(identified.metadata.eventId)).thenThrows('INVALID', ['changeId']);
  });

  it("a nurse may not correct a physician's entry, but may correct her own", () => {
    const { rec, wrong } = planWithMistake();
    given(rec.events).when(mark(wrong.metadata.eventId, actors.districtNurse)).thenThrows('FORBIDDEN');
    const [own] = rec.run(
      'RecordLifeWish',
      { wishId: 'wish-x', text: 'Wens van een andere cliënt' },
      actors.districtNurse,
      T2,
    );
    given(rec.events)
      .when(mark(own!.metadata.eventId, actors.districtNurse))
      .then((events) => expect(events.map((e) => e.type)).toEqual(['ChangeMarkedEnteredInError']));
  });

  it('the auditor may not correct anything', () => {
    const { rec, wrong } = planWithMistake();
    given(rec.events).when(mark(wrong.metadata.eventId, actors.auditor)).thenThrows('FORBIDDEN');
  });
});
