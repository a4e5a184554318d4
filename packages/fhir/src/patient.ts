import type { Extension, Patient, PatientContact } from '@medplum/fhirtypes';
import type { PlanView } from '@pzp/domain';
import { contactPersonId } from './parties.js';
import { EXTENSION, PROFILE, SYSTEM } from './systems.js';

/**
 * ACP-Patient: legal capacity as the guide's extension (Patient.fsh, ext-LegallyCapable-
 * MedicalTreatmentDecisions), and each contact person in `contact` with a link to their
 * RelatedPerson, so invariant ACP-Patient-1 (not capable ⇒ a representative) can be checked.
 */
export function patientResource(pseudonym: string, view: PlanView): Patient {
  const patient = view.patient;
  if (!patient) throw new Error('A plan without a patient has no Patient resource');
  const capacity: Extension[] = view.capacity
    ? [
        {
          url: EXTENSION.legallyCapable,
          extension: [
            { url: 'legallyCapable', valueBoolean: view.capacity.hasCapacity },
            ...(view.capacity.comment
              ? [{ url: 'legallyCapableComment', valueString: view.capacity.comment }]
              : []),
          ],
        },
      ]
    : [];
  const contact: PatientContact[] = view.contactPersons.map((c) => ({
    extension: [
      {
        url: EXTENSION.patientRelatedPerson,
        valueReference: { reference: `RelatedPerson/${contactPersonId(pseudonym, c.contactId)}` },
      },
    ],
    relationship: [{ coding: [{ system: SYSTEM.contactRole, code: c.role }] }],
    name: { use: 'official', text: c.name },
  }));
  return {
    resourceType: 'Patient',
    // The pseudonym, never the BSN: ids end up in URLs, logs and other systems' databases.
    id: pseudonym,
    meta: { profile: [PROFILE.patient] },
    ...(capacity.length ? { extension: capacity } : {}),
    identifier: [{ system: SYSTEM.bsn, value: patient.bsn }],
    name: [{ use: 'official', text: patient.name }],
    birthDate: patient.birthDate,
    ...(contact.length ? { contact } : {}),
  };
}
