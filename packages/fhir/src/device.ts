import type { Device, DeviceUseStatement } from '@medplum/fhirtypes';
import type { PlanView } from '@pzp/domain';
import { conversations } from './conversation.js';
import { patientScopedId } from './ids.js';
import { patientReference } from './parties.js';
import { IKNL, SYSTEM } from './systems.js';

export const DEVICE_PROFILE = {
  /** DeviceUseStatement.fsh: ACP-MedicalDevice, on nl-core-MedicalDevice. */
  medicalDevice: `${IKNL}/StructureDefinition/ACP-MedicalDevice`,
  /** Device.fsh: ACP-MedicalDevice.Product-ICD, on nl-core-MedicalDevice.Product. */
  productIcd: `${IKNL}/StructureDefinition/ACP-MedicalDevice.Product-ICD`,
} as const;

/** ValueSet.fsh ACPMedicalDeviceProductTypeICDVS: SNOMED is-a 72506001; the guide's search 6 names it. */
export const ICD_PRODUCT_TYPE_VALUE_SET = `${IKNL}/ValueSet/ACP-MedicalDeviceProductType-ICD`;
export const ENCOUNTER_REFERENCE_EXTENSION = `${IKNL}/StructureDefinition/ext-EncounterReference`;

/** The root of that value set: what the national form's only product type answer ("ICD") means. */
const IMPLANTABLE_DEFIBRILLATOR = {
  system: SYSTEM.snomed,
  code: '72506001',
  display: 'Implantable defibrillator',
};

export interface IcdResources {
  readonly statement: DeviceUseStatement;
  readonly device: Device;
}

/** The Device's id: patient-scoped, so a read by id opens exactly this patient's record through the door. */
export const icdDeviceId = (pseudonym: string) => patientScopedId(pseudonym, 'device', 'icd');

/**
 * The patient's ICD as the guide's ACP-MedicalDevice (DeviceUseStatement) and ACP-MedicalDevice.
 * Product-ICD (Device), made from what the registry holds: the form's "Heeft de patiënt een ICD?"
 * (1006, with its Toelichting as the statement's note), or for a plan recorded without that
 * question, the ICD deactivation answer (the form asks about deactivation only when there is an
 * ICD). No ICD, or not known: no statement. The registry does not record the device itself: no
 * product type beyond "ICD" (1008; the form's only option, here the value set's root 72506001), no
 * product id (622), no start or end date (630/631), no indication or body site (628/625). Those
 * elements are absent, never guessed. The statement was made when it was agreed (recordedOn), in
 * that conversation's encounter.
 */
export function icdDeviceUse(pseudonym: string, view: PlanView): IcdResources | undefined {
  const source = view.icd ?? view.icdDeactivation;
  if (!source || (view.icd && view.icd.value !== 'YES')) return undefined;
  const note = view.icd?.comment;
  const device: Device = {
    resourceType: 'Device',
    id: icdDeviceId(pseudonym),
    meta: { profile: [DEVICE_PROFILE.productIcd] },
    type: { coding: [IMPLANTABLE_DEFIBRILLATOR], text: 'ICD' },
  };
  const index = view.conversations.findIndex((c) => c.conversationId === source.provenance.conversationId);
  const encounter = index < 0 ? undefined : conversations(pseudonym, view)[index]?.encounter;
  const statement: DeviceUseStatement = {
    resourceType: 'DeviceUseStatement',
    id: patientScopedId(pseudonym, 'device-use', 'icd'),
    meta: { profile: [DEVICE_PROFILE.medicalDevice] },
    ...(encounter
      ? {
          extension: [
            {
              url: ENCOUNTER_REFERENCE_EXTENSION,
              valueReference: { reference: `Encounter/${encounter.id}`, type: 'Encounter' },
            },
          ],
        }
      : {}),
    status: 'active',
    subject: patientReference(pseudonym),
    recordedOn: source.decidedOn,
    device: { reference: `Device/${device.id}`, type: 'Device' },
    ...(note ? { note: [{ text: note }] } : {}),
  };
  return { statement, device };
}
