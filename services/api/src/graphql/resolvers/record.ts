import {
  CONTACT_ROLES,
  MEDICAL_POLICY_GOALS,
  PLACES_OF_DEATH,
  agreementText,
  treatmentDisplay,
  type Treatment,
} from '@pzp/domain';
import type { ChangeEntry } from '@pzp/domain';
import type {
  ContactRole,
  MedicalPolicyGoalCode,
  PlaceOfDeathCode,
  Resolvers,
  TreatmentCode,
} from '../generated/resolvers-types.js';
import { asEnumValue } from '../codings.js';

/** Field resolvers where the SDL names things differently from the domain's view. */
export const recordResolvers: Resolvers = {
  TreatmentDirective: {
    agreement: (d) => (d.decision === null ? null : d),
    pendingRevision: (d) => ('pendingRevision' in d ? (d.pendingRevision ?? null) : null),
    parties: (d) => ('parties' in d ? [...d.parties] : []),
    decidedOn: (d) => ('decidedOn' in d ? d.decidedOn : null),
    provenance: (d) => ('provenance' in d ? d.provenance : null),
    confirmation: (d) => ('confirmation' in d ? (d.confirmation ?? null) : null),
  },
  Agreement: {
    __resolveType: (a) =>
      a.decision === 'WEL' ? 'Perform' : a.decision === 'NIET' ? 'DoNotPerform' : 'OnlyUnderConditions',
  },
  Perform: { specification: (a) => a.specification ?? null, summary: (a) => agreementText(a) },
  DoNotPerform: { specification: (a) => a.specification ?? null, summary: (a) => agreementText(a) },
  OnlyUnderConditions: {
    // The domain refuses ANDERS without a specification, so this is never empty.
    conditions: (a) => a.specification!,
    summary: (a) => agreementText(a),
  },
  EndedTreatmentDirective: {
    agreement: (d) => d,
    endReason: (d) => d.endReason ?? null,
    endedBy: (d) => d.ended,
  },
  PendingRevision: {
    agreement: (p) => p,
    parties: (p) => [...p.parties],
  },
  AdvanceDirective: {
    refusedTreatments: (a) =>
      (a.refusedTreatments ?? []).map((t) => ({ ...t, display: treatmentDisplay(t as Treatment) })),
  },
  Treatment: {
    code: (t) => asEnumValue<TreatmentCode>(t.code),
    snomed: (t) => (t.code === 'OTH' ? null : t.code),
  },
  MedicalPolicyGoal: {
    code: (g) => asEnumValue<MedicalPolicyGoalCode>(g.value),
    snomed: (g) => g.value,
    display: (g) => MEDICAL_POLICY_GOALS[g.value],
  },
  PreferredPlaceOfDeath: {
    code: (p) => asEnumValue<PlaceOfDeathCode>(p.value.code),
    snomed: (p) => (p.value.code === 'OTH' || p.value.code === 'UNK' ? null : p.value.code),
    text: (p) => p.value.text ?? null,
    display: (p) => p.value.text ?? PLACES_OF_DEATH[p.value.code],
  },
  ContactPerson: {
    role: (c) => asEnumValue<ContactRole>(c.role),
    roleCode: (c) => c.role,
    roleDisplay: (c) => CONTACT_ROLES[c.role as keyof typeof CONTACT_ROLES],
  },
  PzpChange: {
    version: (c) => c.revision,
    changes: (c: ChangeEntry) => [...c.changes],
  },
  AccessLogEntry: {
    id: (a) => a.accessId,
  },
};
