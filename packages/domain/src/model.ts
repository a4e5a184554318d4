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
import { freeText } from './free-text.js';
import { LocalDate } from './time.js';

/** The strings a record is made of: one family for what comes in, one for what was stored. */
interface Strings {
  readonly Id: z.ZodString;
  readonly Name: z.ZodString;
  readonly Text: z.ZodString;
  /** A reference to a document held elsewhere (a file name, a register's number). */
  readonly Reference: z.ZodString;
}

/**
 * Input: every free text through the free-text building block (free-text.ts). Ids and names are
 * single-line; notes, reasons and wishes may span lines.
 */
const INPUT: Strings = {
  Id: freeText({ max: 100 }),
  Name: freeText({ max: 200 }),
  Text: freeText({ max: 4000, multiline: true }),
  Reference: freeText({ max: 500 }),
};

/**
 * Stored: the rules events were written under, kept as they were so that every stored event stays
 * readable (a value the input rules now refuse may be in an event written before them).
 */
const STORED: Strings = {
  Id: z.string().trim().min(1).max(100),
  Name: z.string().trim().min(1).max(200),
  Text: z.string().trim().min(1).max(4000),
  Reference: z.string().trim().min(1).max(500),
};

export const Phone = z
  .string()
  .trim()
  .max(40)
  .regex(/^\+?[0-9 ()-]{6,}$/, 'Not a phone number');

/** The record's building blocks, made of one family of strings. */
function schemasOf({ Id, Name, Text, Reference }: Strings) {
  const Organization = z.object({
    id: Id,
    name: Name,
    type: z.enum(ORGANIZATION_TYPES),
  });

  /** The practice a patient is registered with (huisarts van inschrijving). */
  const GpPractice = Organization.refine((o) => o.type === 'HUISARTSENPRAKTIJK', {
    message: 'The registered GP practice must be an organisation of type HUISARTSENPRAKTIJK',
    path: ['type'],
  });

  const Practitioner = z.object({
    id: Id,
    name: Name,
    profession: z.enum(PROFESSION_CODES),
  });

  /** The person a change is recorded by, taken from the verified token, never from client input. */
  const Actor = Practitioner.extend({ organization: Organization });

  /** A party to an agreement or a participant in a conversation. */
  const Party = z.discriminatedUnion('kind', [
    z.object({ kind: z.literal('PATIENT') }),
    z.object({ kind: z.literal('REPRESENTATIVE'), name: Name, contactId: Id.optional() }),
    z.object({ kind: z.literal('RELATIVE'), name: Name, relationship: z.enum(RELATIONSHIPS) }),
    Practitioner.extend({ kind: z.literal('PROFESSIONAL'), organization: Organization.optional() }),
  ]);

  /**
   * Rule: an agreement has at least two parties, among them at least one professional and the
   * patient or their representative.
   */
  const Parties = z
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

  const Treatment = z
    .object({ code: z.enum(TREATMENT_CODES), text: Name.optional() })
    .superRefine((t, ctx) => {
      if (t.code === 'OTH' && !t.text) {
        ctx.addIssue({ code: 'custom', path: ['text'], message: 'OTH needs a text naming the treatment' });
      }
    });

  const PlaceOfDeath = z
    .object({ code: z.enum(PLACE_OF_DEATH_CODES), text: Name.optional() })
    .superRefine((p, ctx) => {
      if (p.code === 'OTH' && !p.text) {
        ctx.addIssue({ code: 'custom', path: ['text'], message: 'OTH needs a text naming the place' });
      }
    });

  const Patient = z.object({
    bsn: Bsn,
    name: Name,
    birthDate: LocalDate,
  });

  const ContactPerson = z.object({
    contactId: Id,
    name: Name,
    role: z.enum(CONTACT_ROLE_CODES),
    relationship: z.enum(RELATIONSHIPS),
    phone: Phone.optional(),
    email: z.email().max(200).optional(),
    comment: Text.optional(),
  });

  return {
    Id,
    Name,
    Text,
    Reference,
    Organization,
    GpPractice,
    Practitioner,
    Actor,
    Party,
    Parties,
    Treatment,
    PlaceOfDeath,
    Patient,
    ContactPerson,
  };
}

/**
 * What comes in (commands, tokens): the names without a prefix are these, so a new command gets
 * the input rules unless it says otherwise.
 */
export const {
  Id,
  Name,
  Text,
  Reference,
  Organization,
  GpPractice,
  Practitioner,
  Actor,
  Party,
  Parties,
  Treatment,
  PlaceOfDeath,
  Patient,
  ContactPerson,
} = schemasOf(INPUT);

/** What was stored (event bodies, access records): read with the rules they were written under. */
export const Stored = schemasOf(STORED);

export type Organization = z.infer<typeof Organization>;
export type Practitioner = z.infer<typeof Practitioner>;
export type Actor = z.infer<typeof Actor>;
export type Party = z.infer<typeof Party>;
export type Treatment = z.infer<typeof Treatment>;
export type PlaceOfDeath = z.infer<typeof PlaceOfDeath>;
export type Patient = z.infer<typeof Patient>;
export type ContactPerson = z.infer<typeof ContactPerson>;

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
