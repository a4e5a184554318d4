import type { Communication } from '@medplum/fhirtypes';
import type { Party, PlanView } from '@pzp/domain';
import { idFor } from './ids.js';
import { partyResource, patientReference, referenceTo } from './parties.js';
import { IKNL, SYSTEM } from './systems.js';

/**
 * The guide's search 7 (data-exchange.md) is `Communication?patient=[id]&reason-code=...|713603004`
 * (Communication.fsh ACP-Communication; the guide defines no CommunicationRequest). Its one dataset
 * item is 734, the form's question 1200: "Heeft u patient geïnformeerd over eigen verantwoordelijkheid
 * om deze behandelafspraken met naasten te bespreken?" (topic 223449006), recorded per conversation.
 */
export const COMMUNICATION_PROFILE = `${IKNL}/StructureDefinition/ACP-Communication`;
/** Communication.reasonCode of ACP-Communication: Advance care planning (procedure). */
export const COMMUNICATION_REASON_CODE = '713603004';
/** Communication.topic of the guide's example F1-ACP-Communication-01-10-2020. */
const TOPIC = {
  coding: [
    { system: SYSTEM.snomed, code: '223449006', display: 'Recommendation to inform someone (procedure)' },
  ],
  text: 'Informing the patient about their own responsibility to discuss these treatment agreements with relatives.',
};

/**
 * One ACP-Communication per conversation that answered question 1200, as the guide's example:
 * from the conversation's professional to the patient, sent on the conversation's date; "Nee" is
 * status not-done (the patient was not told), never left out as if unasked.
 */
export function acpCommunications(pseudonym: string, view: PlanView): Communication[] {
  return view.conversations.flatMap((c) => {
    if (c.patientInformedToShare === undefined) return [];
    const professional = c.participants.find(
      (p): p is Extract<Party, { kind: 'PROFESSIONAL' }> => p.kind === 'PROFESSIONAL',
    );
    const sender = professional ? partyResource(pseudonym, professional, view) : undefined;
    return [
      {
        resourceType: 'Communication',
        id: idFor(pseudonym, 'communication', c.conversationId),
        meta: { profile: [COMMUNICATION_PROFILE] },
        status: c.patientInformedToShare ? 'completed' : 'not-done',
        topic: TOPIC,
        subject: patientReference(pseudonym),
        recipient: [patientReference(pseudonym)],
        ...(sender ? { sender: referenceTo(sender) as Communication['sender'] } : {}),
        sent: c.date,
        reasonCode: [
          {
            coding: [
              {
                system: SYSTEM.snomed,
                code: COMMUNICATION_REASON_CODE,
                display: 'Advance care planning (procedure)',
              },
            ],
          },
        ],
      },
    ];
  });
}
