import type { AuditEvent, AuditEventAgent, AuditEventEntity, Coding } from '@medplum/fhirtypes';
import { PROFESSIONS, type AccessAction, type AccessPurpose, type AccessRecord } from '@pzp/domain';
import { patientReference } from './parties.js';

/**
 * The registry's own code systems in an AuditEvent: what the standard code systems cannot say
 * exactly (our action, purpose and the basis the policy gave) travels beside the standard code,
 * so an auditor's tool reads the standard and loses nothing of the NEN 7513 record.
 */
export const AUDIT_SYSTEM = {
  action: 'urn:pzp-registry:access-action',
  purpose: 'urn:pzp-registry:access-purpose',
  profession: 'urn:pzp-registry:profession',
  organizationType: 'urn:pzp-registry:organization-type',
  person: 'urn:pzp-registry:person-id',
  organization: 'urn:pzp-registry:organization-id',
  flag: 'urn:pzp-registry:access-flag',
} as const;

const V3_ACT_REASON = 'http://terminology.hl7.org/CodeSystem/v3-ActReason';
const V3_PARTICIPATION = 'http://terminology.hl7.org/CodeSystem/v3-ParticipationType';
const V3_ROLE_CLASS = 'http://terminology.hl7.org/CodeSystem/v3-RoleClass';
const DICOM = 'http://dicom.nema.org/resources/ontology/DCM';
const ENTITY_TYPE = 'http://terminology.hl7.org/CodeSystem/audit-entity-type';
const OBJECT_ROLE = 'http://terminology.hl7.org/CodeSystem/object-role';
const SOURCE_TYPE = 'http://terminology.hl7.org/CodeSystem/security-source-type';
/** IHE BALP's entity type for the X-Request-Id that correlates the records of one request. */
const BALP_ENTITY_TYPE = 'https://profiles.ihe.net/ITI/BALP/CodeSystem/BasicAuditEntityType';

/**
 * Purpose of use in HL7 v3 PurposeOfUse (the binding of AuditEvent.purposeOfEvent). Breaking the
 * glass is BTG, a specialisation of emergency treatment; reading for accountability is healthcare
 * operations, the nearest v3 has to an audit.
 */
const PURPOSE_OF_USE: Record<AccessPurpose, Coding> = {
  TREATMENT: { system: V3_ACT_REASON, code: 'TREAT', display: 'treatment' },
  EMERGENCY: { system: V3_ACT_REASON, code: 'ETREAT', display: 'Emergency Treatment' },
  BREAK_THE_GLASS: { system: V3_ACT_REASON, code: 'BTG', display: 'break the glass' },
  AUDIT: { system: V3_ACT_REASON, code: 'HOPERAT', display: 'healthcare operations' },
};

/** AuditEvent.action: what the caller did to the record (a review's conclusion is created). */
const ACTION_CODE: Record<AccessAction, NonNullable<AuditEvent['action']>> = {
  READ_CURRENT: 'R',
  READ_AS_OF: 'R',
  READ_HISTORY: 'R',
  READ_ACCESS_LOG: 'R',
  READ_REVIEWS_DUE: 'R',
  WRITE: 'U',
  READ_BREAK_GLASS_ACCESSES: 'R',
  REVIEW_BREAK_GLASS_ACCESS: 'C',
  READ_BREAK_GLASS_NOTICES: 'R',
};

/**
 * The basis of a record refused because the record could not be read (quarantined): a failure of
 * the registry, not a refusal of the caller, so it is a serious failure (8), not a minor one (4).
 */
const UNAVAILABLE_BASIS = 'RECORD_UNAVAILABLE';

/**
 * One NEN 7513 access record as an AuditEvent, after IHE BALP (Basic Audit Log Patterns): who (the
 * person as requestor, their organisation, the client system), what (the patient by the Patient id
 * the FHIR API hands out, never the BSN; the registry's action as subtype; the request id),
 * when (recorded), the outcome (0 granted, 4 refused, 8 the record could not be read, the
 * policy's basis in outcomeDesc), the purpose (break-the-glass as BTG with the stated reason) and
 * the source (the registry). A record flagged for review carries the tag `flagged`.
 */
export function auditEvent(record: AccessRecord): AuditEvent {
  const { user } = record;
  const agent: AuditEventAgent[] = [
    {
      type: {
        coding: [
          record.action === 'WRITE'
            ? { system: V3_PARTICIPATION, code: 'AUT', display: 'author (originator)' }
            : { system: V3_PARTICIPATION, code: 'IRCP', display: 'information recipient' },
        ],
      },
      role: [
        {
          coding: [{ system: AUDIT_SYSTEM.profession, code: user.profession }],
          text: PROFESSIONS[user.profession].label,
        },
      ],
      who: { identifier: { system: AUDIT_SYSTEM.person, value: user.id }, display: user.name },
      name: user.name,
      requestor: true,
    },
    {
      type: { coding: [{ system: V3_ROLE_CLASS, code: 'PROV', display: 'healthcare provider' }] },
      role: [{ coding: [{ system: AUDIT_SYSTEM.organizationType, code: user.organization.type }] }],
      who: {
        identifier: { system: AUDIT_SYSTEM.organization, value: user.organization.id },
        display: user.organization.name,
      },
      name: user.organization.name,
      requestor: false,
    },
    {
      type: { coding: [{ system: DICOM, code: '110153', display: 'Source Role ID' }] },
      who: { display: record.clientSystem },
      name: record.clientSystem,
      requestor: false,
    },
    ...(record.onBehalfOf
      ? [
          {
            type: { coding: [{ system: V3_PARTICIPATION, code: 'RESP', display: 'responsible party' }] },
            name: record.onBehalfOf,
            requestor: false,
          },
        ]
      : []),
  ];
  const entity: AuditEventEntity[] = [
    {
      what: patientReference(record.pseudonym),
      type: { system: ENTITY_TYPE, code: '1', display: 'Person' },
      role: { system: OBJECT_ROLE, code: '1', display: 'Patient' },
      ...(record.planVersion === undefined
        ? {}
        : { detail: [{ type: 'planVersion', valueString: String(record.planVersion) }] }),
    },
    ...(record.requestId
      ? [
          {
            what: { identifier: { value: record.requestId } },
            type: { system: BALP_ENTITY_TYPE, code: 'XrequestId', display: 'X-Request-Id' },
          },
        ]
      : []),
  ];
  const outcome = record.outcome === 'GRANTED' ? '0' : record.basis === UNAVAILABLE_BASIS ? '8' : '4';
  return {
    resourceType: 'AuditEvent',
    // The access id is a UUID: a valid FHIR id, and the one GraphQL's AccessLogEntry.id gives.
    id: record.accessId,
    ...(record.flagged
      ? { meta: { tag: [{ system: AUDIT_SYSTEM.flag, code: 'flagged', display: 'Flagged for review' }] } }
      : {}),
    type: { system: DICOM, code: '110110', display: 'Patient Record' },
    subtype: [{ system: AUDIT_SYSTEM.action, code: record.action }],
    action: ACTION_CODE[record.action],
    recorded: record.at,
    outcome,
    outcomeDesc: record.basis,
    purposeOfEvent: [
      {
        coding: [PURPOSE_OF_USE[record.purpose], { system: AUDIT_SYSTEM.purpose, code: record.purpose }],
        ...(record.breakGlassReason ? { text: record.breakGlassReason } : {}),
      },
    ],
    agent,
    source: {
      site: 'PZP registry',
      observer: { display: 'PZP registry' },
      type: [{ system: SOURCE_TYPE, code: '4', display: 'Application Server' }],
    },
    entity,
  };
}
