import { describe, expect, it } from 'vitest';
import type { Bsn } from './bsn.js';
import type { CommandInput } from './commands.js';
import type { Party } from './model.js';
import { currentView } from './view.js';
import { actors, asParty, bsns, patientParty } from './testing/fixtures.js';
import { command, given, idSequence } from './testing/decider-spec.js';
import { PlanRecorder } from './testing/recorder.js';

/**
 * domain.md: "a patient without capacity must have a representative". decide() enforces it when the
 * lack of capacity is recorded; the view warns (NO_CAPACITY_WITHOUT_REPRESENTATIVE) whenever the
 * plan nevertheless holds no representative, e.g. after the only one was removed.
 */

const bsn = bsns[3] as Bsn;
const NOW = '2026-03-02T14:00:00+01:00';
const participants: Party[] = [
  { kind: 'REPRESENTATIVE', name: 'Petra Willems', contactId: 'contact-petra' },
  asParty(actors.elderlyCarePhysician),
];

const mentor: CommandInput<'DesignateContactPerson'> = {
  contactId: 'contact-petra',
  name: 'Petra Willems',
  role: '15',
  relationship: 'PROFESSIONAL_REPRESENTATIVE',
  phone: '+31 40 2345678',
  email: 'p.willems@mentorschap-brabant.example',
};
const daughter: CommandInput<'DesignateContactPerson'> = {
  contactId: 'contact-ineke',
  name: 'Ineke van Leeuwen',
  role: '01',
  relationship: 'CHILD',
  phone: '06-34567890',
};

/** Meneer Van Leeuwen, dementia, in the nursing home; his daughter is first contact. */
function plan(contacts: CommandInput<'DesignateContactPerson'>[] = [daughter]): PlanRecorder {
  const rec = new PlanRecorder(idSequence(5));
  rec.run(
    'RecordConversation',
    {
      conversationId: 'conv-1',
      patient: { bsn, name: 'Hendrik van Leeuwen', birthDate: '1940-02-29' },
      date: '2026-02-16',
      participants: [patientParty, asParty(actors.elderlyCarePhysician)],
      topics: ['CAPACITY', 'REPRESENTATIVE'],
      contactPersons: contacts,
    },
    actors.elderlyCarePhysician,
    '2026-02-16T11:00:00+01:00',
  );
  return rec;
}

const assess = (hasCapacity: boolean) =>
  command(
    'AssessCapacity',
    {
      hasCapacity,
      assessedOn: '2026-03-02',
      comment: 'Niet in staat de gevolgen van reanimatie te overzien',
    },
    actors.elderlyCarePhysician,
    NOW,
  );

const warningCodes = (rec: PlanRecorder) => currentView(rec.state.plan).warnings.map((w) => w.code);

describe('no capacity requires a representative (decide)', () => {
  it('refuses "no capacity" when only a first contact (not a representative) is known', () => {
    given(plan().events).when(assess(false)).thenThrows('INVALID', ['hasCapacity']);
  });

  it('accepts "no capacity" when a mentor is designated', () => {
    given(plan([daughter, mentor]).events)
      .when(assess(false))
      .then([
        {
          type: 'CapacityAssessed',
          data: {
            hasCapacity: false,
            assessedOn: '2026-03-02',
            comment: 'Niet in staat de gevolgen van reanimatie te overzien',
          },
        },
      ]);
  });

  it.each([
    ['24', 'legal representative'],
    ['03', 'curator'],
    ['15', 'mentor'],
  ] as const)('role %s (%s) counts as a representative', (role, _label) => {
    given(plan([{ ...mentor, role }]).events)
      .when(assess(false))
      .then((events) => expect(events).toHaveLength(1));
  });

  it('a removed representative does not count', () => {
    const rec = plan([daughter, mentor]);
    rec.run(
      'RemoveContactPerson',
      { contactId: 'contact-petra', reason: 'Mentorschap beëindigd door kantonrechter' },
      actors.elderlyCarePhysician,
      NOW,
    );
    given(rec.events).when(assess(false)).thenThrows('INVALID', ['hasCapacity']);
  });

  it('"has capacity" needs no representative', () => {
    given(plan().events)
      .when(assess(true))
      .then((events) => expect(events).toHaveLength(1));
  });

  it('in a conversation, a representative designated alongside is enough', () => {
    given()
      .when(
        command(
          'RecordConversation',
          {
            conversationId: 'conv-1',
            patient: { bsn, name: 'Hendrik van Leeuwen', birthDate: '1940-02-29' },
            date: '2026-03-02',
            participants,
            capacity: { hasCapacity: false },
            contactPersons: [mentor],
          },
          actors.elderlyCarePhysician,
          NOW,
        ),
      )
      .then((events) =>
        expect(events.map((e) => e.type)).toEqual([
          'PatientIdentified',
          'ConversationRecorded',
          'ContactPersonDesignated',
          'CapacityAssessed',
        ]),
      );
  });

  it('in a conversation without any representative, "no capacity" is refused', () => {
    given()
      .when(
        command(
          'RecordConversation',
          {
            conversationId: 'conv-1',
            patient: { bsn, name: 'Hendrik van Leeuwen', birthDate: '1940-02-29' },
            date: '2026-03-02',
            participants,
            capacity: { hasCapacity: false },
            contactPersons: [daughter],
          },
          actors.elderlyCarePhysician,
          NOW,
        ),
      )
      .thenThrows('INVALID', ['capacity', 'hasCapacity']);
  });
});

describe('no capacity without a representative (view warning)', () => {
  it('does not warn while the mentor is designated, and lists her as representative', () => {
    const rec = plan([daughter, mentor]);
    rec.run('AssessCapacity', assess(false).data as never, actors.elderlyCarePhysician, NOW);
    const view = currentView(rec.state.plan);
    expect(view.representatives.map((r) => r.name)).toEqual(['Petra Willems']);
    expect(view.contactPersons.map((c) => c.name)).toEqual(['Ineke van Leeuwen', 'Petra Willems']);
    expect(view.warnings.map((w) => w.code)).not.toContain('NO_CAPACITY_WITHOUT_REPRESENTATIVE');
  });

  it('warns when the only representative is removed afterwards (removal itself is allowed)', () => {
    const rec = plan([daughter, mentor]);
    rec.run('AssessCapacity', assess(false).data as never, actors.elderlyCarePhysician, NOW);
    rec.run(
      'RemoveContactPerson',
      { contactId: 'contact-petra', reason: 'Mentor overleden' },
      actors.elderlyCarePhysician,
      '2026-03-02T15:00:00+01:00',
    );
    expect(warningCodes(rec)).toContain('NO_CAPACITY_WITHOUT_REPRESENTATIVE');
  });

  it('warns when the representative is re-designated as a mere contact', () => {
    const rec = plan([daughter, mentor]);
    rec.run('AssessCapacity', assess(false).data as never, actors.elderlyCarePhysician, NOW);
    rec.run('DesignateContactPerson', { ...mentor, role: '23' }, actors.elderlyCarePhysician, NOW);
    expect(warningCodes(rec)).toContain('NO_CAPACITY_WITHOUT_REPRESENTATIVE');
  });

  it('warns when the designation of the representative is marked entered-in-error', () => {
    const rec = plan();
    const [designated] = rec.run('DesignateContactPerson', mentor, actors.elderlyCarePhysician, NOW);
    rec.run('AssessCapacity', assess(false).data as never, actors.elderlyCarePhysician, NOW);
    expect(warningCodes(rec)).not.toContain('NO_CAPACITY_WITHOUT_REPRESENTATIVE');
    rec.run(
      'MarkEnteredInError',
      { changeId: designated!.metadata.eventId, reason: 'Mentor bij verkeerde patiënt vastgelegd' },
      actors.elderlyCarePhysician,
      NOW,
    );
    expect(warningCodes(rec)).toContain('NO_CAPACITY_WITHOUT_REPRESENTATIVE');
  });

  it('does not warn when the patient has capacity', () => {
    const rec = plan();
    rec.run('AssessCapacity', assess(true).data as never, actors.elderlyCarePhysician, NOW);
    expect(warningCodes(rec)).not.toContain('NO_CAPACITY_WITHOUT_REPRESENTATIVE');
  });
});
