import {
  ADVANCE_DIRECTIVE_TYPE_CODES,
  STANDARD_TREATMENT_CODES,
  type Actor,
  type AdvanceDirectiveType,
  type CommandInput,
  type IcdDeactivationAnswer,
  type Party,
  type PlanView,
  type Treatment,
} from '@pzp/domain';
import { z } from 'zod';
import { partyResource } from './parties.js';
import { formDate } from './questionnaire/import.js';
import { ICD_DEACTIVATION_TEXT, treatmentDirectiveKeyId } from './treatment-directive.js';
import { ADVANCE_DIRECTIVE_CATEGORY, EXTENSION, SYSTEM, TREATMENT_DIRECTIVE_CATEGORY } from './systems.js';

/**
 * A single Consent sent by a HIS, as the command it means: an ACP-TreatmentDirective (zib 2020),
 * a zib 2017 TreatmentDirective (BehandelingToegestaan JA / NEE / JA_MAAR, as HiX and Epic still
 * send), or an ACP-AdvanceDirective. The inverse of treatment-directive.ts and advance-directive.ts,
 * so what the registry serves can be sent back. Pure: the resource, the plan and the caller in.
 */

/** zib 2017 (nl-core R4 zib2017 / STU3): the treatment, the permission and its restrictions. */
export const ZIB2017 = {
  treatment: 'http://nictiz.nl/fhir/StructureDefinition/zib-TreatmentDirective-Treatment',
  treatmentPermitted: 'http://nictiz.nl/fhir/StructureDefinition/zib-TreatmentDirective-TreatmentPermitted',
  restrictions: 'http://nictiz.nl/fhir/StructureDefinition/zib-TreatmentDirective-Restrictions',
  /** Verified with whom: 116154003 the patient (zib 2017 has no agreement parties). */
  verification: 'http://nictiz.nl/fhir/StructureDefinition/zib-TreatmentDirective-Verification',
  comment: 'http://nictiz.nl/fhir/StructureDefinition/Comment',
  /** zib 2017's category of a treatment directive ("Treatment instructions (record artifact)"). */
  category: '11291000146105',
} as const;

const ICD_DEACTIVATION_CODE = '400231000146108';

const Coding = z.object({
  system: z.string().max(500).optional(),
  code: z.string().max(200).optional(),
  display: z.string().max(1000).optional(),
});
const Concept = z.object({
  coding: z.array(Coding).max(10).optional(),
  text: z.string().max(1000).optional(),
});
const Extension = z.object({
  url: z.string().max(500),
  valueString: z.string().max(4000).optional(),
  valueBoolean: z.boolean().optional(),
  valueCodeableConcept: Concept.optional(),
  /** zib 2017 Verification's parts (Verified, VerifiedWith, VerificationDate). */
  extension: z
    .array(
      z.object({
        url: z.string().max(100),
        valueBoolean: z.boolean().optional(),
        valueCodeableConcept: Concept.optional(),
      }),
    )
    .max(10)
    .optional(),
});
const Reference = z.object({
  reference: z.string().max(200).optional(),
  identifier: z
    .object({ system: z.string().max(200).optional(), value: z.string().max(50).optional() })
    .optional(),
  display: z.string().max(200).optional(),
});

export const IncomingConsent = z.object({
  resourceType: z.literal('Consent'),
  id: z.string().max(64).optional(),
  status: z.enum(['draft', 'proposed', 'active', 'rejected', 'inactive', 'entered-in-error']),
  extension: z.array(Extension).max(20).optional(),
  modifierExtension: z.array(Extension).max(20).optional(),
  scope: Concept.optional(),
  category: z.array(Concept).max(10).optional(),
  patient: Reference,
  dateTime: z.string().max(40).optional(),
  sourceAttachment: z.object({ title: z.string().max(500).optional() }).optional(),
  except: z
    .array(z.object({ extension: z.array(Extension).max(10).optional() }))
    .max(10)
    .optional(),
  provision: z
    .object({
      extension: z.array(Extension).max(10).optional(),
      type: z.enum(['permit', 'deny']).optional(),
      period: z.object({ end: z.string().max(40).optional() }).optional(),
      actor: z
        .array(z.object({ role: Concept.optional(), reference: Reference }))
        .max(20)
        .optional(),
      code: z.array(Concept).max(5).optional(),
    })
    .optional(),
});
export type IncomingConsent = z.infer<typeof IncomingConsent>;

export type ConsentCommand =
  | { readonly type: 'SetTreatmentDirective'; readonly data: CommandInput<'SetTreatmentDirective'> }
  | { readonly type: 'WithdrawTreatmentDirective'; readonly data: CommandInput<'WithdrawTreatmentDirective'> }
  | { readonly type: 'AnswerIcdDeactivation'; readonly data: CommandInput<'AnswerIcdDeactivation'> }
  | { readonly type: 'RegisterAdvanceDirective'; readonly data: CommandInput<'RegisterAdvanceDirective'> };

/** What is wrong with the Consent, with the FHIRPath of where. */
export class ConsentRefused extends Error {
  constructor(
    message: string,
    readonly expression: string,
  ) {
    super(message);
  }
}
const refuse = (message: string, expression: string): never => {
  throw new ConsentRefused(message, expression);
};

const hasCoding = (concepts: readonly z.infer<typeof Concept>[] | undefined, system: string, code: string) =>
  (concepts ?? []).some((c) => (c.coding ?? []).some((x) => x.system === system && x.code === code));
const extensionOf = (list: readonly z.infer<typeof Extension>[] | undefined, url: string) =>
  list?.find((e) => e.url === url);

export type ConsentKind = 'treatment-2020' | 'treatment-2017' | 'advance-directive';

/** Which kind of Consent this is: by scope and category, zib 2017 by its own category or extensions. */
export function consentKind(c: IncomingConsent): ConsentKind {
  if (
    hasCoding(c.category, SYSTEM.consentCategory, ADVANCE_DIRECTIVE_CATEGORY) ||
    hasCoding(c.scope ? [c.scope] : [], SYSTEM.consentScope, 'adr')
  )
    return 'advance-directive';
  if (
    hasCoding(c.category, SYSTEM.snomed, ZIB2017.category) ||
    extensionOf(c.modifierExtension, ZIB2017.treatmentPermitted)
  )
    return 'treatment-2017';
  if (hasCoding(c.category, SYSTEM.snomed, TREATMENT_DIRECTIVE_CATEGORY)) return 'treatment-2020';
  return refuse(
    `Not a treatment directive (category ${SYSTEM.snomed}|${TREATMENT_DIRECTIVE_CATEGORY}, or zib 2017 ${ZIB2017.category}) nor an advance directive (category acd)`,
    'Consent.category',
  );
}

const dateOf = (value: string | undefined, expression: string): string =>
  (value && formDate(value)) || refuse('A date (or dateTime) is required', expression);

/** The treatment a coded concept names: a coded treatment, the ICD agreement, or OTH by its text. */
type Named = { kind: 'treatment'; treatment: { code: string; text?: string } } | { kind: 'icd' };
function treatmentOf(concept: z.infer<typeof Concept> | undefined, expression: string): Named {
  const codings = concept?.coding ?? [];
  if (codings.some((c) => c.code === ICD_DEACTIVATION_CODE) || concept?.text === ICD_DEACTIVATION_TEXT)
    return { kind: 'icd' };
  const coded = codings.find(
    (c) =>
      c.system === SYSTEM.snomed && (STANDARD_TREATMENT_CODES as readonly string[]).includes(c.code ?? ''),
  );
  if (coded) return { kind: 'treatment', treatment: { code: coded.code! } };
  if (codings.some((c) => c.system === SYSTEM.nullFlavor && c.code === 'OTH') && concept?.text?.trim())
    return { kind: 'treatment', treatment: { code: 'OTH', text: concept.text.trim() } };
  return refuse(
    'Not a treatment of the PZP value set (SNOMED CT), nor OTH with the treatment named in text',
    expression,
  );
}

/**
 * The agreement parties: the Patient, and the RelatedPersons and PractitionerRoles this registry
 * handed out (by the ids of its own references). An actor it cannot resolve is refused, never
 * guessed at; without a professional among them, the caller (from the token) is that party.
 */
function partiesOf(c: IncomingConsent, pseudonym: string, view: PlanView, actor: Actor): Party[] {
  const known = new Map<string, Party>();
  const candidates: Party[] = [
    ...view.conversations.flatMap((x) => x.participants),
    ...view.treatmentDirectives.flatMap((d) => ('parties' in d ? d.parties : [])),
    ...view.contactPersons.map((p) => ({
      kind: 'REPRESENTATIVE' as const,
      name: p.name,
      contactId: p.contactId,
    })),
  ];
  for (const p of candidates) {
    const r = partyResource(pseudonym, p, view);
    known.set(`${r.resourceType}/${r.id}`, p);
  }
  const parties = (c.provision?.actor ?? []).map((a, i) => {
    const ref = a.reference.reference ?? '';
    if (ref === `Patient/${pseudonym}`) return { kind: 'PATIENT' } as Party;
    return (
      known.get(ref) ??
      refuse(
        'Not a person this registry knows for the patient: reference the ids its searches return',
        `Consent.provision.actor[${i}].reference`,
      )
    );
  });
  // zib 2017 names no parties: "verified with the patient" makes the patient one.
  const verification = extensionOf(c.extension, ZIB2017.verification)?.extension;
  const withPatient = verification?.some(
    (x) =>
      x.url === 'VerifiedWith' && (x.valueCodeableConcept?.coding ?? []).some((k) => k.code === '116154003'),
  );
  if (withPatient && !parties.some((p) => p.kind === 'PATIENT')) parties.push({ kind: 'PATIENT' });
  if (!parties.some((p) => p.kind === 'PROFESSIONAL'))
    parties.push({
      kind: 'PROFESSIONAL',
      id: actor.id,
      name: actor.name,
      profession: actor.profession,
      organization: actor.organization,
    });
  return parties;
}

/** "Nee, nog geen besluit genomen" / "Niet besproken": the ICD answers the guide puts in SpecificationOther. */
const ICD_ANSWER_OF_TEXT: Readonly<Record<string, IcdDeactivationAnswer>> = {
  'nee, nog geen besluit genomen': 'NOT_YET_DECIDED',
  'niet besproken': 'NOT_DISCUSSED',
};

/** The treatment a treatment directive names: in provision.code, or zib 2017's own extension. */
const namedTreatment = (c: IncomingConsent, kind: 'treatment-2020' | 'treatment-2017'): Named =>
  kind === 'treatment-2017'
    ? treatmentOf(
        extensionOf(c.extension, ZIB2017.treatment)?.valueCodeableConcept,
        `Consent.extension('${ZIB2017.treatment}')`,
      )
    : treatmentOf(c.provision?.code?.[0], 'Consent.provision.code[0]');

/** An ended directive: inactive, or with the end of its period. */
const isEnding = (c: IncomingConsent) => c.status === 'inactive' || Boolean(c.provision?.period?.end);

function treatmentCommand(
  c: IncomingConsent,
  kind: 'treatment-2020' | 'treatment-2017',
  pseudonym: string,
  view: PlanView,
  actor: Actor,
): ConsentCommand {
  const zib2017 = kind === 'treatment-2017';
  const named = namedTreatment(c, kind);
  const comment = (
    extensionOf(c.extension, zib2017 ? ZIB2017.comment : EXTENSION.comment) ??
    extensionOf(c.extension, EXTENSION.comment)
  )?.valueString?.trim();
  const decidedOn = dateOf(c.dateTime, 'Consent.dateTime');

  if (isEnding(c)) {
    if (named.kind === 'icd')
      return refuse('The ICD agreement is not ended: answer it anew', 'Consent.status');
    const endedOn = dateOf(c.provision?.period?.end, 'Consent.provision.period.end');
    const reason =
      extensionOf(c.provision?.extension, EXTENSION.reasonForEnding)?.valueString?.trim() ||
      refuse(
        'Ending a directive needs the reason (ext-TreatmentDirective2.ReasonForEnding)',
        'Consent.provision.extension',
      );
    return {
      type: 'WithdrawTreatmentDirective',
      data: { treatment: named.treatment as never, endedOn, reason },
    };
  }

  const other = zib2017
    ? c.except
        ?.flatMap((e) => e.extension ?? [])
        .find((e) => e.url === ZIB2017.restrictions)
        ?.valueString?.trim()
    : extensionOf(c.modifierExtension, EXTENSION.specificationOther)?.valueString?.trim();
  if (named.kind === 'icd') {
    const answer: IcdDeactivationAnswer | undefined =
      c.provision?.type === 'permit' && !other
        ? 'YES'
        : other
          ? ICD_ANSWER_OF_TEXT[other.toLocaleLowerCase('nl')]
          : undefined;
    if (!answer)
      return refuse(
        'The ICD agreement is permit, or "Nee, nog geen besluit genomen" / "Niet besproken" in SpecificationOther',
        'Consent.modifierExtension',
      );
    return { type: 'AnswerIcdDeactivation', data: { answer, decidedOn, ...(comment ? { comment } : {}) } };
  }
  // zib 2017's permission goes through the domain's own mapping (JA → WEL, NEE → NIET, JA_MAAR → ANDERS).
  const decision = zib2017
    ? (extensionOf(c.modifierExtension, ZIB2017.treatmentPermitted)?.valueCodeableConcept?.coding?.find((x) =>
        ['JA', 'NEE', 'JA_MAAR'].includes(x.code ?? ''),
      )?.code ??
      refuse(
        'BehandelingToegestaan must be JA, NEE or JA_MAAR',
        `Consent.modifierExtension('${ZIB2017.treatmentPermitted}')`,
      ))
    : other
      ? 'ANDERS'
      : c.provision?.type === 'permit'
        ? 'WEL'
        : c.provision?.type === 'deny'
          ? 'NIET'
          : refuse(
              'A directive needs a decision: provision.type permit or deny, or the conditions in SpecificationOther',
              'Consent.provision.type',
            );
  return {
    type: 'SetTreatmentDirective',
    data: {
      treatment: named.treatment as never,
      decision: decision as never,
      ...(other ? { specification: other } : {}),
      ...(comment ? { comment } : {}),
      decidedOn,
      parties: partiesOf(c, pseudonym, view, actor),
    },
  };
}

function advanceDirectiveCommand(c: IncomingConsent, view: PlanView, newId: () => string): ConsentCommand {
  const code = c.provision?.code?.[0]?.coding?.find((x) => x.system === SYSTEM.advanceDirectiveType)?.code;
  const type = (ADVANCE_DIRECTIVE_TYPE_CODES as readonly string[]).includes(code ?? '')
    ? (code as AdvanceDirectiveType)
    : refuse(
        `The directive's type in provision.code (${SYSTEM.advanceDirectiveType}: ${ADVANCE_DIRECTIVE_TYPE_CODES.join(', ')})`,
        'Consent.provision.code[0]',
      );
  if (c.status !== 'active')
    refuse('Only a directive in force is registered (status active)', 'Consent.status');
  const representative = c.provision?.actor
    ?.filter((a) => (a.role?.coding ?? []).some((x) => x.code === 'RESPRSN'))
    .map(
      (a) =>
        a.reference.display?.trim() ??
        view.contactPersons.find((p) => a.reference.reference?.endsWith(p.contactId))?.name,
    )
    .find(Boolean);
  const comment = extensionOf(c.extension, EXTENSION.comment)?.valueString?.trim();
  return {
    type: 'RegisterAdvanceDirective',
    data: {
      advanceDirectiveId: newId(),
      type,
      date: dateOf(c.dateTime, 'Consent.dateTime'),
      ...(representative ? { representative } : {}),
      ...(c.sourceAttachment?.title?.trim() ? { documentReference: c.sourceAttachment.title.trim() } : {}),
      ...(comment ? { comment } : {}),
    },
  };
}

/** Which command a Consent is, before the plan is at hand (the door opens the record with it). */
export function consentCommandType(c: IncomingConsent): ConsentCommand['type'] {
  const kind = consentKind(c);
  if (kind === 'advance-directive') return 'RegisterAdvanceDirective';
  // From the same tests as treatmentCommand, so the type named here is the command made there (an
  // ended ICD agreement, which it refuses, is refused under either type).
  if (namedTreatment(c, kind).kind === 'icd') return 'AnswerIcdDeactivation';
  return isEnding(c) ? 'WithdrawTreatmentDirective' : 'SetTreatmentDirective';
}

/** The command a Consent means for the plan it is about (throws ConsentRefused naming where it is wrong). */
export function commandOfConsent(
  c: IncomingConsent,
  context: {
    readonly pseudonym: string;
    readonly view: PlanView;
    readonly actor: Actor;
    readonly newId: () => string;
  },
): ConsentCommand {
  if (c.status === 'entered-in-error' || c.status === 'rejected' || c.status === 'draft')
    refuse(
      'Send a directive in force (active), provisional (proposed) or ended (inactive); corrections go through the registry\u2019s entered-in-error',
      'Consent.status',
    );
  const kind = consentKind(c);
  return kind === 'advance-directive'
    ? advanceDirectiveCommand(c, context.view, context.newId)
    : treatmentCommand(c, kind, context.pseudonym, context.view, context.actor);
}

/** The id a treatment directive's Consent has here: a PUT names it, and must name the treatment it carries. */
export const consentIdFor = (pseudonym: string, command: ConsentCommand): string | undefined =>
  command.type === 'SetTreatmentDirective' || command.type === 'WithdrawTreatmentDirective'
    ? treatmentDirectiveKeyId(pseudonym, command.data.treatment as Treatment)
    : undefined;
