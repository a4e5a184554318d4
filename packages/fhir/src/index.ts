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
export * from './audit-event.js';
export * from './device.js';
export * from './communication.js';
// The FHIR R4 types, for front ends that build resources from these mappings.
export type {
  AuditEvent,
  Bundle,
  CapabilityStatement,
  CapabilityStatementRestResource,
  Communication,
  Consent,
  Device,
  DeviceUseStatement,
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
export * from './questionnaire/index.js';
export * from './consent-import.js';
