import { describe, expect, it } from 'vitest';
import type { Bsn } from './bsn.js';
import { currentView } from './view.js';
import { actors, asParty, bsns, patientParty } from './testing/fixtures.js';
import { command, given, idSequence, recorded } from './testing/decider-spec.js';
import { PlanRecorder } from './testing/recorder.js';

/**
 * Whether the patient has an ICD (the national form's question 4h) beside the agreement on
 * switching it off (4i): the agreement needs an ICD, an ICD may be explanted later.
 */

const bsn = bsns[2] as Bsn;
const NOW = '2026-11-30T10:00:00+01:00';
const parties = [patientParty, asParty(actors.gp)];
const opened = recorded(actors.gp, NOW, [
  { type: 'PatientIdentified', data: { bsn, name: 'Hendrik Hartman', birthDate: '1961-01-01' } },
]);

describe('the ICD in a conversation', () => {
  it('records that the patient has one, with what the form notes, before the agreement on it', () => {
    given(opened)
      .when(
        command(
          'RecordConversation',
          {
            conversationId: 'c1',
            date: '2026-11-30',
            participants: parties,
            icd: { present: 'YES', comment: 'Geïmplanteerd in 2018' },
            icdDeactivation: { answer: 'NOT_DISCUSSED' },
          },
          actors.gp,
          NOW,
        ),
      )
      .then((events) => {
        const types = events.map((e) => e.type);
        expect(types.indexOf('IcdPresenceRecorded')).toBeLessThan(types.indexOf('IcdDeactivationAnswered'));
        expect(events.find((e) => e.type === 'IcdPresenceRecorded')?.data).toEqual({
          present: 'YES',
          comment: 'Geïmplanteerd in 2018',
          decidedOn: '2026-11-30',
          conversationId: 'c1',
        });
      });
  });

  it('refuses an agreement on switching off an ICD the same form says the patient does not have', () => {
    given(opened)
      .when(
        command(
          'RecordConversation',
          {
            conversationId: 'c1',
            date: '2026-11-30',
            participants: parties,
            icd: { present: 'NO' },
            icdDeactivation: { answer: 'YES' },
          },
          actors.gp,
          NOW,
        ),
      )
      .thenThrows('INVALID', ['icdDeactivation', 'answer']);
  });
});

describe('the ICD on its own', () => {
  const withoutIcd = recorded(actors.gp, NOW, [
    { type: 'IcdPresenceRecorded', data: { present: 'NO', decidedOn: '2026-11-01' } },
  ]);

  it('refuses an agreement on switching it off while the plan says there is none', () => {
    given(opened, withoutIcd)
      .when(command('AnswerIcdDeactivation', { answer: 'YES', decidedOn: '2026-11-30' }, actors.gp, NOW))
      .thenThrows('INVALID', ['answer']);
  });

  it('records an explanted ICD after an agreement on switching it off: the view shows both', () => {
    const rec = new PlanRecorder(idSequence(4));
    rec.run(
      'RecordConversation',
      {
        conversationId: 'c1',
        patient: { bsn, name: 'Hendrik Hartman', birthDate: '1961-01-01' },
        date: '2026-10-01',
        participants: parties,
        icd: { present: 'YES' },
        icdDeactivation: { answer: 'YES' },
      },
      actors.gp,
      NOW,
    );
    rec.run(
      'RecordIcdPresence',
      { present: 'NO', decidedOn: '2026-11-30', comment: 'Verwijderd' },
      actors.gp,
      NOW,
    );
    const view = currentView(rec.state.plan);
    expect(view.icd).toMatchObject({ value: 'NO', comment: 'Verwijderd', decidedOn: '2026-11-30' });
    expect(view.icdDeactivation?.value).toBe('YES');
  });

  it('does not record a date in the future', () => {
    given(opened)
      .when(command('RecordIcdPresence', { present: 'YES', decidedOn: '2026-12-31' }, actors.gp, NOW))
      .thenThrows('INVALID', ['decidedOn']);
  });
});
