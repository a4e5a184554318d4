import type { Patient, PractitionerRole, Reference, RelatedPerson } from '@medplum/fhirtypes';
import {
  CONTACT_ROLES,
  PROFESSIONS,
  type ContactRole,
  type Party,
  type PlanView,
  type Relationship,
} from '@pzp/domain';
import { patientScopedId } from './ids.js';
import { PROFILE, SYSTEM } from './systems.js';

type Contact = PlanView['contactPersons'][number];

/** zib relationship (v3 RoleCode) for the registry's relationships; none where RoleCode has no match. */
const ROLE_CODE: Record<Relationship, { code: string; display: string } | undefined> = {
  SPOUSE_OR_PARTNER: { code: 'SIGOTHR', display: 'significant other' },
  CHILD: { code: 'CHILD', display: 'child' },
  PARENT: { code: 'PRN', display: 'parent' },
  SIBLING: { code: 'SIB', display: 'sibling' },
  OTHER_FAMILY: { code: 'FAMMEMB', display: 'family member' },
  FRIEND: { code: 'FRND', display: 'unrelated friend' },
  NEIGHBOUR: { code: 'NBOR', display: 'neighbor' },
  PROFESSIONAL_REPRESENTATIVE: undefined,
  OTHER: undefined,
};

const roleConcept = (role: ContactRole) => ({
  coding: [{ system: SYSTEM.contactRole, code: role, display: CONTACT_ROLES[role] }],
});

const relationshipConcept = (relationship: Relationship) => {
  const code = ROLE_CODE[relationship];
  return code ? [{ coding: [{ system: SYSTEM.roleCode, ...code }] }] : [];
};

export const patientReference = (pseudonym: string): Reference<Patient> => ({
  reference: `Patient/${pseudonym}`,
  type: 'Patient',
});

export const contactPersonId = (pseudonym: string, contactId: string) =>
  patientScopedId(pseudonym, 'contact', contactId);

/** A contact person of the plan as ACP-ContactPerson (RelatedPerson). */
export function contactPerson(pseudonym: string, contact: Contact): RelatedPerson {
  return {
    resourceType: 'RelatedPerson',
    id: contactPersonId(pseudonym, contact.contactId),
    meta: { profile: [PROFILE.contactPerson] },
    patient: patientReference(pseudonym),
    relationship: [roleConcept(contact.role), ...relationshipConcept(contact.relationship)],
    name: [{ use: 'official', text: contact.name }],
    telecom: [
      ...(contact.phone ? [{ system: 'phone' as const, value: contact.phone }] : []),
      ...(contact.email ? [{ system: 'email' as const, value: contact.email }] : []),
    ],
  };
}

/**
 * An agreement party as the resource its reference points to: the patient, a contact person
 * (RelatedPerson: the plan's contact when the party names one, else one made from the party), or a
 * professional (PractitionerRole, which the zib prefers over Practitioner; the person is named by
 * display only, the registry holds no national identifier for them).
 */
export type PartyResource = RelatedPerson | PractitionerRole | { resourceType: 'Patient'; id: string };

export function partyResource(pseudonym: string, party: Party, view: PlanView): PartyResource {
  switch (party.kind) {
    case 'PATIENT':
      return { resourceType: 'Patient', id: pseudonym };
    case 'REPRESENTATIVE': {
      const contact = view.contactPersons.find((c) => c.contactId === party.contactId);
      if (contact) return contactPerson(pseudonym, contact);
      // A representative named in the agreement only: zib role 24 says what they are to the patient.
      return {
        resourceType: 'RelatedPerson',
        id: patientScopedId(pseudonym, 'representative', party.name),
        meta: { profile: [PROFILE.contactPerson] },
        patient: patientReference(pseudonym),
        relationship: [roleConcept('24')],
        name: [{ use: 'official', text: party.name }],
      };
    }
    case 'RELATIVE':
      return {
        resourceType: 'RelatedPerson',
        id: patientScopedId(pseudonym, 'relative', party.name, party.relationship),
        meta: { profile: [PROFILE.contactPerson] },
        patient: patientReference(pseudonym),
        relationship: [roleConcept('23'), ...relationshipConcept(party.relationship)],
        name: [{ use: 'official', text: party.name }],
      };
    case 'PROFESSIONAL':
      return {
        resourceType: 'PractitionerRole',
        id: patientScopedId(pseudonym, 'professional', party.id, party.organization?.id ?? ''),
        meta: { profile: [PROFILE.healthProfessionalRole] },
        practitioner: { display: party.name },
        ...(party.organization ? { organization: { display: party.organization.name } } : {}),
        code: [{ text: PROFESSIONS[party.profession].label }],
      };
  }
}

export const referenceTo = (
  resource: PartyResource,
): Reference<Patient | PractitionerRole | RelatedPerson> => ({
  reference: `${resource.resourceType}/${resource.id}`,
  type: resource.resourceType,
});
