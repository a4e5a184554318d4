import type { Encounter, EncounterParticipant, Procedure } from '@medplum/fhirtypes';
import type { PlanView } from '@pzp/domain';
import { idFor } from './ids.js';
import { partyResource, patientReference, referenceTo, type PartyResource } from './parties.js';
import { PROFILE, SYSTEM } from './systems.js';

type Conversation = PlanView['conversations'][number];

/** An ACP conversation as the guide's ACP-Procedure and the ACP-Encounter it took place in. */
export interface ConversationResources {
  readonly procedure: Procedure;
  readonly encounter: Encounter;
  readonly parties: readonly PartyResource[];
}

/** Procedure.code of ACP-Procedure (Procedure.fsh): "Advance care planning (procedure)". */
export const ACP_PROCEDURE_CODE = '713603004';

/**
 * Procedure.fsh and Encounter.fsh, as their examples F1-ACP-Procedure-01-10-2020 and
 * F1-ACP-Encounter-01-10-2020: every participant a performer of the procedure; the professionals
 * and contact persons participants of the encounter, the patient its subject only when present
 * (the guide's reading of Encounter.subject, dataset 514); the conversation date as both periods;
 * the encounter's reason the procedure. The registry does not record the kind of contact, so
 * Encounter.class (1..1 in R4) is NullFlavor UNK rather than a guess.
 */
function conversation(pseudonym: string, view: PlanView, c: Conversation): ConversationResources {
  const procedureId = idFor(pseudonym, 'procedure', c.conversationId);
  const encounterId = idFor(pseudonym, 'encounter', c.conversationId);
  const parties = c.participants.map((p) => partyResource(pseudonym, p, view));
  const patientPresent = c.participants.some((p) => p.kind === 'PATIENT');
  const participant: EncounterParticipant[] = parties
    .filter((p) => p.resourceType !== 'Patient')
    .map((p) => ({ individual: referenceTo(p) as EncounterParticipant['individual'] }));
  const period = { start: c.date, end: c.date };
  const procedure: Procedure = {
    resourceType: 'Procedure',
    id: procedureId,
    meta: { profile: [PROFILE.procedure] },
    status: 'completed',
    code: {
      coding: [
        { system: SYSTEM.snomed, code: ACP_PROCEDURE_CODE, display: 'Advance care planning (procedure)' },
      ],
    },
    subject: patientReference(pseudonym),
    encounter: { reference: `Encounter/${encounterId}`, type: 'Encounter' },
    performedPeriod: period,
    ...(parties.length ? { performer: parties.map((p) => ({ actor: referenceTo(p) })) } : {}),
  };
  const encounter: Encounter = {
    resourceType: 'Encounter',
    id: encounterId,
    meta: { profile: [PROFILE.encounter] },
    status: 'finished',
    class: { system: SYSTEM.nullFlavor, code: 'UNK' },
    ...(patientPresent ? { subject: patientReference(pseudonym) } : {}),
    ...(participant.length ? { participant } : {}),
    period,
    reasonReference: [{ reference: `Procedure/${procedureId}`, type: 'Procedure' }],
  };
  return { procedure, encounter, parties };
}

export const conversations = (pseudonym: string, view: PlanView): ConversationResources[] =>
  view.conversations.map((c) => conversation(pseudonym, view, c));
