import { IKNL } from './systems.js';

/**
 * The guide's search 7 (data-exchange.md) is `Communication?patient=[id]&reason-code=...|713603004`
 * (Communication.fsh ACP-Communication; the guide defines no CommunicationRequest). Its one dataset
 * item is 734, the form's question 1200: "Heeft u patient geïnformeerd over eigen verantwoordelijkheid
 * om deze behandelafspraken met naasten te bespreken?" (topic 223449006). The registry records no
 * answer to that question (no command or event holds it), so the search answers an empty searchset:
 * there is no Communication to map, and none is made up.
 */
export const COMMUNICATION_PROFILE = `${IKNL}/StructureDefinition/ACP-Communication`;
/** Communication.reasonCode of ACP-Communication: Advance care planning (procedure). */
export const COMMUNICATION_REASON_CODE = '713603004';
