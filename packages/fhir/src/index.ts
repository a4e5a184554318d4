export * from './systems.js';
export * from './ids.js';
export * from './parties.js';
export * from './patient.js';
export * from './treatment-directive.js';
export * from './bundle.js';
export * from './operation-outcome.js';
// The FHIR R4 types, for front ends that build resources from these mappings.
export type {
  Bundle,
  CapabilityStatement,
  CapabilityStatementRestResource,
  Consent,
  OperationOutcome,
  Patient,
  Resource,
} from '@medplum/fhirtypes';
