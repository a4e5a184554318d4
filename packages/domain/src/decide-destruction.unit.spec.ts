import { describe, expect, it } from 'vitest';
import type { Bsn } from './bsn.js';
import { fold } from './evolve.js';
import type { Actor, Party } from './model.js';
import { parseEvent } from './upcast.js';
import { currentView } from './view.js';
import { actors, asParty, bsns, patientParty } from './testing/fixtures.js';
import { command, given, idSequence } from './testing/decider-spec.js';
import { PlanRecorder } from './testing/recorder.js';

/**
 * Lawful destruction (destruction.ts): who may destroy a patient's record, on what grounds, and
 * that nothing of it is decided on afterwards.
 */

const bsn = bsns[3] as Bsn;
const NOW = '2026-03-02T14:00:00+01:00';
const gpAndPatient: Party[] = [patientParty, asParty(actors.gp)];
const practitioner = (a: Actor) => ({ id: a.id, name: a.name, profession: a.profession });

/** Mevrouw de Wit: her GP's practice is her registered practice; the specialist is regiebehandelaar. */
function plan(recordedAt = '2026-02-20T10:00:00+01:00'): PlanRecorder {
  const rec = new PlanRecorder(idSequence(5));
  rec.run(
    'RecordConversation',
    {
      conversationId: 'conv-1',
      patient: { bsn, name: 'Johanna de Wit', birthDate: '1938-04-02' },
      date: recordedAt.slice(0, 10),
      participants: gpAndPatient,
      summary: 'Wil niet meer naar het ziekenhuis.',
    },
    actors.gp,
    recordedAt,
  );
  rec.run(
    'AssignRole',
    {
      assignmentId: 'regie-specialist',
      role: 'REGIEBEHANDELAAR',
      practitioner: practitioner(actors.specialist),
      organization: actors.specialist.organization,
      from: recordedAt.slice(0, 10),
    },
    actors.gp,
    recordedAt,
  );
  return rec;
}

const destroy = (by: Actor, data: object = { grounds: 'PATIENT_REQUEST' }, now = NOW) =>
  command('DestroyRecord', data as never, by, now);

describe('who may destroy a record', () => {
  it("the regiebehandelaar may, at the patient's request, with a reference of their own file", () => {
    given(plan().events)
      .when(destroy(actors.specialist, { grounds: 'PATIENT_REQUEST', reference: 'VERZ-2026/031' }))
      .then([{ type: 'RecordDestroyed', data: { grounds: 'PATIENT_REQUEST', reference: 'VERZ-2026/031' } }]);
  });

  it('a physician of the registered GP practice may (not only the one who recorded the plan)', () => {
    given(plan().events)
      .when(destroy(actors.gpColleague))
      .then([{ type: 'RecordDestroyed', data: { grounds: 'PATIENT_REQUEST' } }]);
  });

  it("a nurse of the registered practice may not: it is the physician's decision", () => {
    const error = given(plan().events).when(destroy(actors.practiceNurse)).thenThrows('FORBIDDEN');
    expect(error.reason).toBe('NOT_ENTITLED_TO_DESTROY');
  });

  it('a physician with no role for the patient (the HAP at night) may not', () => {
    const error = given(plan().events).when(destroy(actors.hapDoctor)).thenThrows('FORBIDDEN');
    expect(error.reason).toBe('NOT_ENTITLED_TO_DESTROY');
  });

  it('an auditor may not: auditors change nothing', () => {
    const error = given(plan().events).when(destroy(actors.auditor)).thenThrows('FORBIDDEN');
    expect(error.reason).toBe('AUDITORS_DO_NOT_CHANGE_RECORDS');
  });

  it('there must be a record to destroy', () => {
    given().when(destroy(actors.gp)).thenThrows('NOT_FOUND');
  });
});

describe('on what grounds', () => {
  it('the end of the retention period only once twenty years passed since the last change', () => {
    given(plan().events)
      .when(destroy(actors.gp, { grounds: 'RETENTION_PERIOD_ENDED' }))
      .thenThrows('INVALID', ['grounds']);
    given(plan('2005-01-10T10:00:00+01:00').events)
      .when(destroy(actors.gp, { grounds: 'RETENTION_PERIOD_ENDED' }))
      .then([{ type: 'RecordDestroyed', data: { grounds: 'RETENTION_PERIOD_ENDED' } }]);
  });

  it('the reference is an identifier, never free text that could carry a name', () => {
    given(plan().events)
      .when(destroy(actors.gp, { grounds: 'PATIENT_REQUEST', reference: 'verzoek mevr. De Wit' }))
      .thenThrows('INVALID', ['reference']);
    given(plan().events)
      .when(destroy(actors.gp, { grounds: 'BECAUSE' }))
      .thenThrows('INVALID', ['grounds']);
  });
});

describe('after the destruction', () => {
  const destroyed = () => {
    const rec = plan();
    rec.run('DestroyRecord', { grounds: 'PATIENT_REQUEST' }, actors.gp, NOW);
    return rec;
  };

  it('the plan holds nothing but the record of the destruction', () => {
    const { state } = destroyed();
    expect(state.plan.patient).toBeNull();
    expect(state.plan.destroyed).toMatchObject({
      grounds: 'PATIENT_REQUEST',
      destroyedBy: actors.gp,
      destroyedAt: new Date(NOW).toISOString(),
    });
    expect(JSON.stringify(currentView(state.plan))).not.toMatch(/de Wit|ziekenhuis/);
  });

  it('nothing can be recorded in it, not even a new first conversation', () => {
    given(destroyed().events)
      .when(
        command(
          'RecordConversation',
          {
            conversationId: 'conv-2',
            patient: { bsn, name: 'Johanna de Wit', birthDate: '1938-04-02' },
            date: '2026-03-02',
            participants: gpAndPatient,
          },
          actors.gp,
          NOW,
        ),
      )
      .thenThrows('NOT_FOUND');
    given(destroyed().events).when(destroy(actors.gp)).thenThrows('NOT_FOUND');
  });

  it('events whose bodies were destroyed with the key read as ContentShredded and fold to the same', () => {
    const events = destroyed().events.map((e) =>
      e.type === 'RecordDestroyed'
        ? parseEvent(e)
        : parseEvent({ type: e.type, data: null, metadata: e.metadata, shredded: true }),
    );
    expect(events.map((e) => e.type)).toEqual([
      ...Array.from({ length: events.length - 1 }, () => 'ContentShredded'),
      'RecordDestroyed',
    ]);
    expect(fold(events).plan).toEqual(destroyed().state.plan);
  });
});
