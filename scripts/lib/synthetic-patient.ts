import { DateTime } from 'luxon';
import { ZONE, type PzpEvent } from '@pzp/domain';
import { actors, asParty, idSequence, patientParty, PlanRecorder, syntheticBsn } from '@pzp/domain/testing';
import { seededRandom } from './random.js';

export { seededRandom };

const pick = <T>(random: () => number, items: readonly T[]): T => items[Math.floor(random() * items.length)]!;

/**
 * One patient's plan through the real decider: a first conversation with the GP (limits, a life
 * wish, goal, place of death, a contact, consents, roles), then sometimes a nurse's provisional
 * limit that the GP confirms. About 10-14 events, like a typical first PZP round.
 */
export function syntheticPatient(n: number, random: () => number): { bsn: string; events: PzpEvent[] } {
  const bsn = syntheticBsn(n);
  const recorder = new PlanRecorder(idSequence(n));
  const day = DateTime.fromISO('2024-01-08', { zone: ZONE }).plus({ days: Math.floor(random() * 600) });
  const date = day.toISODate()!;
  const at = (d: DateTime, hour: number) => d.set({ hour }).toISO()!;
  recorder.run(
    'RecordConversation',
    {
      conversationId: `conv-${n}-1`,
      patient: {
        bsn,
        name: `Patiënt ${n}`,
        birthDate: `19${30 + Math.floor(random() * 30)}-0${1 + Math.floor(random() * 9)}-15`,
      },
      date,
      participants: [patientParty, asParty(actors.gp)],
      topics: ['WHAT_MATTERS', 'TREATMENT_WISHES_AND_LIMITS'],
      treatmentDirectives: [
        { treatment: { code: '89666000' }, decision: pick(random, ['NIET', 'WEL'] as const) },
        { treatment: { code: '40617009' }, decision: 'NIET' },
        {
          treatment: { code: '32485007' },
          decision: 'ANDERS',
          specification: 'Alleen bij een goed behandelbare oorzaak',
        },
      ],
      lifeWishes: [{ wishId: `wish-${n}`, text: 'Zo lang mogelijk thuis blijven' }],
      medicalPolicyGoal: { goal: '1351964001' },
      preferredPlaceOfDeath: { place: { code: '264362003' } },
      contactPersons: [
        { contactId: `contact-${n}`, name: `Contact ${n}`, role: '24', relationship: 'CHILD' },
      ],
      sharingConsents: [
        { organizationType: 'HAP', decision: 'GRANTED' },
        { organizationType: 'SEH', decision: pick(random, ['GRANTED', 'REFUSED'] as const) },
      ],
    },
    actors.gp,
    at(day, 15),
  );
  recorder.run(
    'AssignRole',
    {
      assignmentId: `regie-${n}`,
      role: 'REGIEBEHANDELAAR',
      practitioner: actors.gp,
      organization: actors.gp.organization,
      from: date,
    },
    actors.gp,
    at(day, 16),
  );
  if (random() < 0.5) {
    const later = day.plus({ days: 7 });
    recorder.run(
      'SetTreatmentDirective',
      {
        treatment: { code: '305351004' },
        decision: 'NIET',
        decidedOn: later.toISODate()!,
        parties: [patientParty, asParty(actors.districtNurse)],
      },
      actors.districtNurse,
      at(later, 10),
    );
    const confirmed = later.plus({ days: 2 });
    recorder.run(
      'ConfirmTreatmentDirective',
      { treatment: { code: '305351004' }, confirmedOn: confirmed.toISODate()! },
      actors.gp,
      at(confirmed, 9),
    );
  }
  return { bsn, events: recorder.events };
}
