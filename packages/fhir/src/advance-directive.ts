import type { Consent } from '@medplum/fhirtypes';
import type { PlanView } from '@pzp/domain';
import { idFor } from './ids.js';
import { partyResource, patientReference, referenceTo, type PartyResource } from './parties.js';
import { ADVANCE_DIRECTIVE_CATEGORY, DUTCH_LAW, EXTENSION, PROFILE, SYSTEM } from './systems.js';

type AdvanceDirective = PlanView['advanceDirectives'][number];

export const advanceDirectiveId = (pseudonym: string, advanceDirectiveId: string) =>
  idFor(pseudonym, 'ad', advanceDirectiveId);

/** A written directive as ACP-AdvanceDirective, with its representative (a RelatedPerson) if named. */
export interface AdvanceDirectiveResources {
  readonly consent: Consent;
  readonly actors: readonly PartyResource[];
}

/**
 * The representative the directive names: the plan's contact person of that name when there is
 * one (the same RelatedPerson the treatment directives reference), else a RelatedPerson of the name.
 */
function representativeOf(pseudonym: string, view: PlanView, name: string): PartyResource {
  const contact = view.contactPersons.find((c) => c.name === name);
  return partyResource(
    pseudonym,
    contact
      ? { kind: 'REPRESENTATIVE', name, contactId: contact.contactId }
      : { kind: 'REPRESENTATIVE', name },
    view,
  );
}

/**
 * ACP-AdvanceDirective (Consent.fsh, on nl-core-AdvanceDirective; coded as its example
 * nl-core-AdvanceDirective-01): scope adr, category acd, the directive type in provision.code, the
 * date in dateTime, the representative as RESPRSN actor, the document as sourceAttachment.
 */
function advanceDirective(pseudonym: string, view: PlanView, a: AdvanceDirective): AdvanceDirectiveResources {
  const actors = a.representative ? [representativeOf(pseudonym, view, a.representative)] : [];
  const consent: Consent = {
    resourceType: 'Consent',
    id: advanceDirectiveId(pseudonym, a.advanceDirectiveId),
    meta: { profile: [PROFILE.advanceDirective] },
    ...(a.comment ? { extension: [{ url: EXTENSION.comment, valueString: a.comment }] } : {}),
    // The view holds the directives in force only; a revoked one is not served (see README).
    status: 'active',
    scope: { coding: [{ system: SYSTEM.consentScope, code: 'adr' }] },
    category: [{ coding: [{ system: SYSTEM.consentCategory, code: ADVANCE_DIRECTIVE_CATEGORY }] }],
    patient: patientReference(pseudonym),
    dateTime: a.date,
    ...(a.documentReference ? { sourceAttachment: { title: a.documentReference } } : {}),
    policy: [{ uri: DUTCH_LAW }],
    provision: {
      ...(actors.length
        ? {
            actor: actors.map((r) => ({
              role: { coding: [{ system: SYSTEM.roleCode, code: 'RESPRSN' }] },
              reference: referenceTo(r),
            })),
          }
        : {}),
      code: [{ coding: [{ system: SYSTEM.advanceDirectiveType, code: a.type, display: a.display }] }],
    },
  };
  return { consent, actors };
}

export const advanceDirectives = (pseudonym: string, view: PlanView): AdvanceDirectiveResources[] =>
  view.advanceDirectives.map((a) => advanceDirective(pseudonym, view, a));
