export * from './systems.js';
export * from './ids.js';
export * from './parties.js';
export * from './patient.js';
export * from './treatment-directive.js';
export * from './advance-directive.js';
export * from './goal.js';
export * from './observations.js';
export * from './conversation.js';
export * from './referenced.js';
export * from './bundle.js';
export * from './operation-outcome.js';
// The FHIR R4 types, for front ends that build resources from these mappings.
export type {
  Bundle,
  CapabilityStatement,
  CapabilityStatementRestResource,
  Consent,
  Encounter,
  Goal,
  Observation,
  PractitionerRole,
  Procedure,
  RelatedPerson,
  OperationOutcome,
  Patient,
  Resource,
} from '@medplum/fhirtypes';
