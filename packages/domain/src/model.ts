import { z } from 'zod';
import { Bsn } from './bsn.js';
import {
  CONTACT_ROLE_CODES,
  DECISIONS,
  ORGANIZATION_TYPES,
  PLACE_OF_DEATH_CODES,
  PROFESSION_CODES,
  RELATIONSHIPS,
  TREATMENT_CODES,
  ZIB2017_DECISION_MAP,
} from './codes.js';
import { LocalDate } from './time.js';

/** Bounded strings: every free text has a ceiling so one field cannot bloat a stream. */
export const Id = z.string().trim().min(1).max(100);
export const Name = z.string().trim().min(1).max(200);
export const Text = z.string().trim().min(1).max(4000);
export const Phone = z
  .string()
  .trim()
  .max(40)
  .regex(/^\+?[0-9 ()-]{6,}$/, 'Not a phone number');

export const Organization = z.object({
  id: Id,
  name: Name,
  type: z.enum(ORGANIZATION_TYPES),
});
export type Organization = z.infer<typeof Organization>;

/** The practice a patient is registered with (huisarts van inschrijving). */
export const GpPractice = Organization.refine((o) => o.type === 'HUISARTSENPRAKTIJK', {
  message: 'The registered GP practice must be an organisation of type HUISARTSENPRAKTIJK',
  path: ['type'],
});

export const Practitioner = z.object({
  id: Id,
  name: Name,
  profession: z.enum(PROFESSION_CODES),
});
export type Practitioner = z.infer<typeof Practitioner>;

/** The person a change is recorded by, taken from the verified token, never from client input. */
export const Actor = Practitioner.extend({ organization: Organization });
export type Actor = z.infer<typeof Actor>;

/** A party to an agreement or a participant in a conversation. */
export const Party = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('PATIENT') }),
  z.object({ kind: z.literal('REPRESENTATIVE'), name: Name, contactId: Id.optional() }),
  z.object({ kind: z.literal('RELATIVE'), name: Name, relationship: z.enum(RELATIONSHIPS) }),
  Practitioner.extend({ kind: z.literal('PROFESSIONAL'), organization: Organization.optional() }),
]);
export type Party = z.infer<typeof Party>;

/**
 * Rule: an agreement has at least two parties, among them at least one professional and the
 * patient or their representative.
 */
export const Parties = z
  .array(Party)
  .max(20)
  .superRefine((parties, ctx) => {
    const professional = parties.some((p) => p.kind === 'PROFESSIONAL');
    const patientSide = parties.some((p) => p.kind === 'PATIENT' || p.kind === 'REPRESENTATIVE');
    if (parties.length < 2 || !professional || !patientSide) {
      ctx.addIssue({
        code: 'custom',
        message:
          'An agreement needs at least two parties: at least one professional and the patient or their representative',
      });
    }
  });

export const Treatment = z
  .object({ code: z.enum(TREATMENT_CODES), text: Name.optional() })
  .superRefine((t, ctx) => {
    if (t.code === 'OTH' && !t.text) {
      ctx.addIssue({ code: 'custom', path: ['text'], message: 'OTH needs a text naming the treatment' });
    }
  });
export type Treatment = z.infer<typeof Treatment>;

/**
 * One current directive per treatment: the SNOMED code, or for OTH the treatment's own name
 * (case- and space-insensitive), so "Dialyse" and "dialyse " are the same treatment.
 */
export const treatmentKey = (t: Treatment): string =>
  t.code === 'OTH' ? `OTH:${(t.text ?? '').trim().toLowerCase().replace(/\s+/g, ' ')}` : t.code;

/** Decision in zib 2020 codes; zib 2017 JA / NEE / JA_MAAR are accepted and mapped. */
export const DecisionInput = z.preprocess(
  (v) => (typeof v === 'string' && v in ZIB2017_DECISION_MAP ? ZIB2017_DECISION_MAP[v as 'JA'] : v),
  z.enum(DECISIONS),
);

export const PlaceOfDeath = z
  .object({ code: z.enum(PLACE_OF_DEATH_CODES), text: Name.optional() })
  .superRefine((p, ctx) => {
    if (p.code === 'OTH' && !p.text) {
      ctx.addIssue({ code: 'custom', path: ['text'], message: 'OTH needs a text naming the place' });
    }
  });
export type PlaceOfDeath = z.infer<typeof PlaceOfDeath>;

export const Patient = z.object({
  bsn: Bsn,
  name: Name,
  birthDate: LocalDate,
});
export type Patient = z.infer<typeof Patient>;

export const ContactPerson = z.object({
  contactId: Id,
  name: Name,
  role: z.enum(CONTACT_ROLE_CODES),
  relationship: z.enum(RELATIONSHIPS),
  phone: Phone.optional(),
  email: z.email().max(200).optional(),
  comment: Text.optional(),
});
export type ContactPerson = z.infer<typeof ContactPerson>;
