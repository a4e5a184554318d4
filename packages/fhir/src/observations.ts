import type { CodeableConcept, Observation } from '@medplum/fhirtypes';
import { PLACES_OF_DEATH, type PlanView, type Provenance } from '@pzp/domain';
import { idFor } from './ids.js';
import { patientReference } from './parties.js';
import { PROFILE, SYSTEM } from './systems.js';

/** The Observation.code of each ACP observation profile (Observation.fsh). */
export const OBSERVATION_CODE = {
  specificCareWishes: '153851000146100',
  preferredPlaceOfDeath: '395091006',
  positionRegardingEuthanasia: '340171000146104',
  otherImportantInformation: '247751003',
  organDonationChoiceRegistration: '570801000146104',
} as const;
export type ObservationCode = (typeof OBSERVATION_CODE)[keyof typeof OBSERVATION_CODE];
export const OBSERVATION_CODES = Object.values(OBSERVATION_CODE);

const DATA_ABSENT_REASON = 'http://terminology.hl7.org/CodeSystem/data-absent-reason';
/** ACP-SpecificCareWishes.method: "vaststellen van persoonlijke waarden en wensen met betrekking tot zorg". */
const CARE_WISHES_METHOD = '370819000';

const snomed = (code: string, display?: string): CodeableConcept => ({
  coding: [{ system: SYSTEM.snomed, code, ...(display ? { display } : {}) }],
});
const unknown: CodeableConcept = { coding: [{ system: SYSTEM.nullFlavor, code: 'UNK' }] };

/** ACPEuthanasiaStatementVS (ValueSet.fsh). */
const EUTHANASIA: Record<NonNullable<PlanView['euthanasiaPosition']>['value'], CodeableConcept> = {
  HAS_DECLARATION: snomed('340181000146102', 'Heeft euthanasieverklaring'),
  DOES_NOT_WANT: snomed('340201000146103', 'Wenst geen euthanasie'),
  MAY_REQUEST: snomed(
    '340191000146100',
    'Geen euthanasieverklaring, zou wel verzoek kunnen doen in bepaalde situaties',
  ),
  UNKNOWN: unknown,
};

/** ACPYesNoUnknownVS (ValueSet.fsh). */
const YES_NO_UNKNOWN: Record<NonNullable<PlanView['organDonation']>['value'], CodeableConcept> = {
  YES: snomed('373066001', 'Ja'),
  NO: snomed('373067005', 'Nee'),
  UNKNOWN: unknown,
};

function observation(
  pseudonym: string,
  key: string,
  profile: string,
  code: ObservationCode,
  effective: string,
  value: Pick<Observation, 'valueString' | 'valueCodeableConcept' | 'dataAbsentReason' | 'method'>,
  comment: string | undefined,
): Observation {
  return {
    resourceType: 'Observation',
    id: idFor(pseudonym, 'obs', key),
    meta: { profile: [profile] },
    status: 'final',
    code: snomed(code),
    subject: patientReference(pseudonym),
    effectiveDateTime: effective,
    ...value,
    ...(comment ? { note: [{ text: comment }] } : {}),
  };
}

/** When an item without a decision date was established: its conversation's date, else its entry. */
const establishedOn = (view: PlanView, provenance: Provenance): string =>
  view.conversations.find((c) => c.conversationId === provenance.conversationId)?.date ??
  provenance.recordedAt;

/**
 * The plan's ACP observations per Observation.fsh: each current life wish as ACP-SpecificCareWishes,
 * the preferred place of death (unknown as dataAbsentReason asked-unknown, as the guide's example
 * F1-ACP-PreferredPlaceOfDeath-Unknown; another place as NullFlavor OTH with its name), the
 * position on euthanasia, the organ donation answer (ACP-OrganDonationChoiceRegistration) and the
 * other important information.
 */
export function acpObservations(pseudonym: string, view: PlanView): Observation[] {
  const result: Observation[] = view.lifeWishes.map((w) =>
    observation(
      pseudonym,
      `wish:${w.wishId}`,
      PROFILE.specificCareWishes,
      OBSERVATION_CODE.specificCareWishes,
      establishedOn(view, w.provenance),
      { valueString: w.text, method: snomed(CARE_WISHES_METHOD) },
      undefined,
    ),
  );
  const place = view.preferredPlaceOfDeath;
  if (place) {
    const { code, text } = place.value;
    const value: Pick<Observation, 'valueCodeableConcept' | 'dataAbsentReason'> =
      code === 'UNK'
        ? { dataAbsentReason: { coding: [{ system: DATA_ABSENT_REASON, code: 'asked-unknown' }] } }
        : code === 'OTH'
          ? {
              valueCodeableConcept: {
                coding: [{ system: SYSTEM.nullFlavor, code: 'OTH' }],
                text: text ?? '',
              },
            }
          : { valueCodeableConcept: { ...snomed(code, PLACES_OF_DEATH[code]), ...(text ? { text } : {}) } };
    result.push(
      observation(
        pseudonym,
        'place-of-death',
        PROFILE.preferredPlaceOfDeath,
        OBSERVATION_CODE.preferredPlaceOfDeath,
        place.decidedOn,
        value,
        place.comment,
      ),
    );
  }
  const euthanasia = view.euthanasiaPosition;
  if (euthanasia) {
    result.push(
      observation(
        pseudonym,
        'euthanasia',
        PROFILE.positionRegardingEuthanasia,
        OBSERVATION_CODE.positionRegardingEuthanasia,
        euthanasia.decidedOn,
        { valueCodeableConcept: EUTHANASIA[euthanasia.value] },
        euthanasia.comment,
      ),
    );
  }
  const donation = view.organDonation;
  if (donation) {
    result.push(
      observation(
        pseudonym,
        'organ-donation',
        PROFILE.organDonationChoiceRegistration,
        OBSERVATION_CODE.organDonationChoiceRegistration,
        donation.decidedOn,
        { valueCodeableConcept: YES_NO_UNKNOWN[donation.value] },
        donation.comment,
      ),
    );
  }
  const other = view.otherInformation;
  if (other) {
    result.push(
      observation(
        pseudonym,
        'other-information',
        PROFILE.otherImportantInformation,
        OBSERVATION_CODE.otherImportantInformation,
        establishedOn(view, other.provenance),
        { valueString: other.text },
        undefined,
      ),
    );
  }
  return result;
}
