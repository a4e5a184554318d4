import { handleCommand } from '@pzp/application';
import {
  addDays,
  amsterdamDate,
  streamNameFor,
  type CommandInput,
  type CommandType,
  type PzpCommand,
} from '@pzp/domain';
import { actors, asParty, patientParty } from '@pzp/domain/fixtures';
import type { Actor } from '@pzp/domain';
import type { EventStore } from '@pzp/event-store';

/** The demo region's patients: fictitious BSNs that pass the 11-check. */
export const DEMO_PATIENTS = {
  /** Full plan at home, consent for everyone: the HAP's 3 a.m. case. */
  deGroot: { bsn: '111222333', name: 'W. de Groot-Peters', birthDate: '1938-05-04' },
  /** Refused sharing with the SEH and hospitals. */
  jansen: { bsn: '123456782', name: 'H. Jansen', birthDate: '1944-11-20' },
  /** Never asked about the SEH: a physician may break the glass. */
  vanDijk: { bsn: '999999990', name: 'G. van Dijk', birthDate: '1951-02-14' },
} as const;

/**
 * A small, realistic demo set, written through the real command path (decide + append), with
 * dates relative to `now` so review dates and warnings look alive whenever it is started.
 */
export async function seedDemoData(store: EventStore, pseudonymOf: (bsn: string) => string, now: Date) {
  const today = amsterdamDate(now);
  const day = (offset: number) => addDays(today, offset);
  const at = (offset: number, time = '10:00:00') => new Date(`${day(offset)}T${time}Z`).toISOString();

  async function run<T extends CommandType>(
    bsn: string,
    type: T,
    data: CommandInput<T>,
    actor: Actor,
    when: string,
  ) {
    const streamName = streamNameFor(pseudonymOf(bsn));
    await handleCommand(store, {
      streamName,
      command: { type, data, metadata: { actor, now: when } } as PzpCommand,
      sourceSystem: 'demo-data',
    });
  }

  const { deGroot, jansen, vanDijk } = DEMO_PATIENTS;
  const daughter = {
    contactId: 'demo-contact-anna',
    name: 'Anna de Groot',
    role: '24',
    relationship: 'CHILD',
    phone: '+31 6 12345678',
  } as const;
  await run(
    deGroot.bsn,
    'RecordConversation',
    {
      conversationId: 'demo-conv-degroot-1',
      patient: deGroot,
      date: day(-40),
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
        { treatment: { code: '305351004' }, decision: 'NIET' },
        { treatment: { code: '40617009' }, decision: 'NIET' },
        {
          treatment: { code: '32485007' },
          decision: 'ANDERS',
          specification: 'Alleen bij een goed behandelbare oorzaak, zoals een heupfractuur',
        },
        { treatment: { code: '281789004' }, decision: 'WEL', comment: 'Oraal, bij een longontsteking' },
      ],
      lifeWishes: [{ wishId: 'demo-wish-tuin', text: 'Zo lang mogelijk thuis blijven, bij de tuin' }],
      medicalPolicyGoal: { goal: '1351964001' },
      preferredPlaceOfDeath: { place: { code: '264362003' } },
      contactPersons: [daughter],
      sharingConsents: (['HUISARTSENPRAKTIJK', 'HAP', 'SEH', 'ZIEKENHUIS', 'VVT', 'AMBULANCE'] as const).map(
        (organizationType) => ({ organizationType, decision: 'GRANTED' as const }),
      ),
      reviewAfterMonths: 6,
    },
    actors.gp,
    at(-40, '14:00:00'),
  );
  await run(
    deGroot.bsn,
    'AssignRole',
    {
      assignmentId: 'demo-role-degroot-regie',
      role: 'REGIEBEHANDELAAR',
      practitioner: actors.gp,
      organization: actors.gp.organization,
      from: day(-40),
    },
    actors.gp,
    at(-40, '14:10:00'),
  );

  await run(
    jansen.bsn,
    'RecordConversation',
    {
      conversationId: 'demo-conv-jansen-1',
      patient: jansen,
      date: day(-20),
      participants: [patientParty, asParty(actors.gp)],
      treatmentDirectives: [{ treatment: { code: '89666000' }, decision: 'NIET' }],
      sharingConsents: [
        { organizationType: 'HAP', decision: 'GRANTED' },
        { organizationType: 'SEH', decision: 'REFUSED' },
        { organizationType: 'ZIEKENHUIS', decision: 'REFUSED' },
      ],
    },
    actors.gp,
    at(-20),
  );
  await run(
    jansen.bsn,
    'AssignRole',
    {
      assignmentId: 'demo-role-jansen-regie',
      role: 'REGIEBEHANDELAAR',
      practitioner: actors.gp,
      organization: actors.gp.organization,
      from: day(-20),
    },
    actors.gp,
    at(-20, '10:05:00'),
  );

  await run(
    vanDijk.bsn,
    'RecordConversation',
    {
      conversationId: 'demo-conv-vandijk-1',
      patient: vanDijk,
      date: day(-10),
      participants: [patientParty, asParty(actors.practiceNurse)],
      treatmentDirectives: [{ treatment: { code: '305351004' }, decision: 'NIET' }],
      sharingConsents: [{ organizationType: 'HAP', decision: 'GRANTED' }],
    },
    actors.practiceNurse,
    at(-10),
  );
  return Object.keys(DEMO_PATIENTS).length;
}
