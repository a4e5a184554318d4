/** Plain Dutch words for the registry's codes, as a clinician reads them at night. */
import { DateTime } from 'luxon';
import { PROFESSIONS } from '@pzp/domain/codes';
import type { Agreement, Directive, Party } from './api.js';

export const CPR_CODE = 'CPR';

/** The CPR line as the issue states it; conditions are never shown without their text. */
export function cprVerdict(directive: Directive | undefined): {
  text: string;
  tone: string;
  detail?: string;
} {
  const agreement = directive?.agreement ?? null;
  if (!directive || directive.status === 'NO_AGREEMENT_RECORDED' || agreement === null)
    return { text: 'Geen afspraak vastgelegd', tone: 'none' };
  switch (agreement.__typename) {
    case 'Perform':
      return { text: 'Wel reanimeren', tone: 'do' };
    case 'DoNotPerform':
      return { text: 'Niet reanimeren', tone: 'dont' };
    case 'OnlyUnderConditions':
      return { text: 'Alleen onder voorwaarden:', tone: 'conditions', detail: agreement.conditions };
  }
}

/** One treatment's agreement in words; `null` (nothing recorded) is neither yes nor no. */
export function agreementText(agreement: Agreement | null): { text: string; tone: string } {
  if (agreement === null) return { text: 'Geen afspraak vastgelegd', tone: 'none' };
  switch (agreement.__typename) {
    case 'Perform':
      return { text: 'Wel', tone: 'do' };
    case 'DoNotPerform':
      return { text: 'Niet', tone: 'dont' };
    case 'OnlyUnderConditions':
      return { text: `Alleen onder voorwaarden: ${agreement.conditions}`, tone: 'conditions' };
  }
}

export function treatmentName(directive: Directive): string {
  return directive.treatment.code === 'OTH' && directive.treatment.text
    ? directive.treatment.text
    : directive.treatment.display;
}

export function professionLabel(profession: string): string {
  return Object.hasOwn(PROFESSIONS, profession)
    ? PROFESSIONS[profession as keyof typeof PROFESSIONS].label
    : profession;
}

export function isPhysicianProfession(profession: string): boolean {
  return (
    Object.hasOwn(PROFESSIONS, profession) && PROFESSIONS[profession as keyof typeof PROFESSIONS].physician
  );
}

const RELATIONSHIPS: Readonly<Record<string, string>> = {
  SPOUSE_OR_PARTNER: 'partner',
  CHILD: 'kind',
  PARENT: 'ouder',
  SIBLING: 'broer/zus',
  OTHER_FAMILY: 'familie',
  FRIEND: 'vriend(in)',
  NEIGHBOUR: 'buur',
  PROFESSIONAL_REPRESENTATIVE: 'professioneel vertegenwoordiger',
  OTHER: 'anders',
};
export const relationshipLabel = (code: string | null): string =>
  code === null ? '' : (RELATIONSHIPS[code] ?? code);

const PARTY_KINDS: Readonly<Record<string, string>> = {
  PATIENT: 'patiënt',
  REPRESENTATIVE: 'vertegenwoordiger',
  RELATIVE: 'naaste',
  PROFESSIONAL: 'zorgverlener',
};

/** Who agreed: "patiënt, Anna de Groot (kind), Dr. A. Visser (Huisarts)". */
export function partiesText(parties: readonly Party[]): string {
  return parties
    .map((p) => {
      if (p.kind === 'PATIENT') return 'patiënt';
      const role = p.profession ? professionLabel(p.profession) : relationshipLabel(p.relationship);
      const name = p.name ?? PARTY_KINDS[p.kind] ?? p.kind;
      return role ? `${name} (${role})` : name;
    })
    .join(', ');
}

const WARNINGS: Readonly<Record<string, string>> = {
  PROVISIONAL: 'Voorlopig (afgesproken met een niet-arts, nog niet door een arts bevestigd)',
  CONDITIONS_APPLY: 'Alleen onder voorwaarden (lees de voorwaarden)',
  REVIEW_OVERDUE: 'Herbeoordeling is over tijd: het plan kan verouderd zijn',
  REVIEW_REQUESTED: 'Herbeoordeling aangevraagd',
  NO_CAPACITY_WITHOUT_REPRESENTATIVE: 'Patiënt is wilsonbekwaam en er is geen vertegenwoordiger vastgelegd',
  CHANGED_BY_OTHER_THAN_REGIEBEHANDELAAR: 'Gewijzigd door een ander dan de regiebehandelaar',
  NO_REGIEBEHANDELAAR: 'Geen regiebehandelaar vastgelegd',
  PATIENT_NOT_READY: 'Patiënt was nog niet toe aan het gesprek',
  PENDING_REVISION: 'Wijziging voorgesteld door een niet-arts (een arts moet nog beslissen)',
  DIRECTIVE_CONFLICT: 'Tegenstrijdig (een schriftelijke wilsverklaring spreekt een afspraak tegen)',
};
export const warningText = (code: string, message: string): string => WARNINGS[code] ?? message;

const ICD: Readonly<Record<string, string>> = {
  YES: 'Uitzetten: ja',
  NOT_YET_DECIDED: 'Nog niet besloten',
  NOT_DISCUSSED: 'Niet besproken',
};
export const icdText = (value: string): string => ICD[value] ?? value;

const ICD_PRESENT: Readonly<Record<string, string>> = {
  YES: 'Heeft een ICD',
  NO: 'Geen ICD',
  UNKNOWN: 'Onbekend of er een ICD is',
};

/** Whether there is an ICD and what was agreed on switching it off, in one line; null when neither is recorded. */
export function icdSummary(
  icd: { readonly value: string; readonly comment: string | null } | null,
  deactivation: { readonly value: string } | null,
): string | null {
  const present = icd
    ? `${ICD_PRESENT[icd.value] ?? icd.value}${icd.comment ? ` (${icd.comment})` : ''}`
    : null;
  const agreed = deactivation ? icdText(deactivation.value) : null;
  return [present, agreed].filter((x): x is string => x !== null).join(' · ') || null;
}

export const ZONE = 'Europe/Amsterdam';

/** YYYY-MM-DD as dd-MM-yyyy. */
export const formatDate = (date: string): string =>
  DateTime.fromISO(date, { zone: ZONE }).toFormat('dd-MM-yyyy');

/** An instant as the Amsterdam wall clock. */
export const formatInstant = (instant: string): string =>
  DateTime.fromISO(instant, { setZone: true }).setZone(ZONE).toFormat('dd-MM-yyyy HH:mm');

/** A `tel:` URI from a written number ("+31 6 12345678" -> "tel:+31612345678"). */
export function telHref(phone: string): string {
  const digits = phone.replace(/[^\d+]/g, '');
  return `tel:${digits.startsWith('+') ? '+' + digits.slice(1).replace(/\+/g, '') : digits.replace(/\+/g, '')}`;
}
