/**
 * The GraphQL names of the coded value sets whose codes are not valid GraphQL enum names (SNOMED
 * CT, zib role codes). The enum's value inside the server is the code itself, so resolvers and the
 * domain only ever see codes; clients see the names (and each type's `snomed`/`roleCode` field).
 */
export const ENUM_CODES = {
  TreatmentCode: {
    CPR: '89666000',
    MECHANICAL_VENTILATION: '40617009',
    ICU_ADMISSION: '305351004',
    HOSPITAL_ADMISSION: '32485007',
    ANTIBIOTICS: '281789004',
    BLOOD_PRODUCTS: '116762002',
    OTH: 'OTH',
  },
  MedicalPolicyGoalCode: {
    CURATIVE_LIFE_PROLONGING: '385987000',
    PALLIATIVE_LIFE_PROLONGING: '1351964001',
    SYMPTOM_RELIEF_ONLY: '713148004',
  },
  PlaceOfDeathCode: {
    HOME: '264362003',
    HOSPITAL: '22232009',
    NURSING_HOME: '108344006',
    HOSPICE: '284546000',
    OTH: 'OTH',
    UNK: 'UNK',
  },
  ContactRole: {
    FIRST_CONTACT: '01',
    CONTACT: '23',
    LEGAL_REPRESENTATIVE: '24',
    CURATOR: '03',
    MENTOR: '15',
  },
} as const;

/**
 * A code where the generated resolver types expect the enum's GraphQL name: at run time the
 * enum's value is the code (ENUM_CODES), which graphql-js turns into the name on the way out.
 * (graphql-codegen cannot print digit-only internal values as string types, so the types keep
 * the names.)
 */
export const asEnumValue = <T extends string>(code: string): T => code as T;
