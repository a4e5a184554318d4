import { describe, expect, it } from 'vitest';
import {
  ACCESS_ACTIONS,
  ACCESS_PURPOSES,
  Bsn,
  CONSENT_ORGANIZATION_TYPES,
  PROFESSION_CODES,
  currentView,
  type AccessAction,
  type AccessPurpose,
  type Actor,
  type ConsentOrganizationType,
  type Profession,
} from '@pzp/domain';
import {
  PlanRecorder,
  actors,
  asParty,
  bsns,
  idSequence,
  organizations,
  patientParty,
} from '@pzp/domain/testing';
import {
  ACCESS_POLICY,
  MIN_BREAK_GLASS_REASON,
  decideAccess,
  decideBreakGlassNotice,
  decideListedPlan,
  explainAccess,
  factsFromView,
  type AccessRequest,
  type ConsentState,
  type DenialReason,
  type GrantBasis,
  type PatientFacts,
} from './policy.js';

// ---------------------------------------------------------------------------------------------
// Expected decisions, written out. A granted decision is compared in full (outcome, basis,
// flagged); a denial by outcome and reason, with a non-empty message.

type Expected =
  { outcome: 'GRANTED'; basis: GrantBasis; flagged: boolean } | { outcome: 'DENIED'; reason: DenialReason };
const granted = (basis: GrantBasis, flagged = false): Expected => ({ outcome: 'GRANTED', basis, flagged });
const denied = (reason: DenialReason): Expected => ({ outcome: 'DENIED', reason });
const expectDecision = (request: AccessRequest, patient: PatientFacts | undefined, expected: Expected) =>
  expect(decideAccess(request, patient)).toEqual(
    expected.outcome === 'GRANTED' ? expected : { ...expected, message: expect.stringMatching(/\w{3}/) },
  );

const CONSENTS: readonly ConsentState[] = ['GRANTED', 'REFUSED', 'WITHDRAWN', 'UNKNOWN'];
const CLINICAL_ACTIONS = ['READ_CURRENT', 'WRITE'] as const;
const PHYSICIAN_PROFESSIONS: readonly Profession[] = [
  'GENERAL_PRACTITIONER',
  'ELDERLY_CARE_PHYSICIAN',
  'MEDICAL_SPECIALIST',
  'EMERGENCY_PHYSICIAN',
  'PHYSICIAN',
];
const CARE_PROFESSIONS = PROFESSION_CODES.filter((p) => p !== 'AUDITOR');

const REASONS = {
  stated: 'Bewusteloos binnengebracht, beleid onbekend',
  missing: undefined,
  empty: '',
  blank: '   \n\t  ',
  'too short': '  nood arts  ', // nine characters after trimming
  invisible: '\u200b'.repeat(10) + '\ufeff\u2060', // zero-width and format characters only
} as const;
type ReasonKind = keyof typeof REASONS;
const REASON_KINDS = Object.keys(REASONS) as ReasonKind[];

// ---------------------------------------------------------------------------------------------
// Actors and patients.

/** A physician and a nurse at every kind of care organisation (the record compiles only if complete). */
const CLINICIANS: Record<ConsentOrganizationType, { physician: Profession; nurse: Profession }> = {
  HUISARTSENPRAKTIJK: { physician: 'GENERAL_PRACTITIONER', nurse: 'PRACTICE_NURSE' },
  HAP: { physician: 'GENERAL_PRACTITIONER', nurse: 'NURSE' },
  SEH: { physician: 'EMERGENCY_PHYSICIAN', nurse: 'NURSE' },
  ZIEKENHUIS: { physician: 'MEDICAL_SPECIALIST', nurse: 'NURSE_PRACTITIONER' },
  VVT: { physician: 'ELDERLY_CARE_PHYSICIAN', nurse: 'DISTRICT_NURSE' },
  AMBULANCE: { physician: 'PHYSICIAN', nurse: 'AMBULANCE_NURSE' },
};
type Who = 'physician' | 'nurse';
const WHO: readonly Who[] = ['physician', 'nurse'];

const organizationOf = (type: ConsentOrganizationType): Actor['organization'] => ({
  id: `URA-test-${type}`,
  name: `Testorganisatie ${type}`,
  type,
});
/** A clinician outside the patient's care team. */
const clinician = (type: ConsentOrganizationType, who: Who): Actor => ({
  id: `UZI-test-${who}-${type}`,
  name: `Zorgverlener ${who} ${type}`,
  profession: CLINICIANS[type][who],
  organization: organizationOf(type),
});

const OWN_PRACTICE = {
  id: 'URA-own-practice',
  name: 'Eigen huisartsenpraktijk',
  type: 'HUISARTSENPRAKTIJK',
} as const;
const REGIE_ORGANIZATION = { id: 'URA-regie-vvt', name: 'Verpleeghuis van de regie', type: 'VVT' } as const;
const REGIE_ID = 'UZI-regie';

/** A patient with the same answer for every kind of organisation, a GP practice and a regiebehandelaar. */
const patient = (consent: ConsentState): PatientFacts => ({
  consent: () => consent,
  gpPracticeIds: [OWN_PRACTICE.id],
  regiebehandelaar: { practitionerId: REGIE_ID, organizationId: REGIE_ORGANIZATION.id },
});

/** The patient's care team, none of whom the consent answers apply to. */
const CARE_TEAM: Record<string, { actor: Actor; basis: GrantBasis }> = {
  'GP of the own practice': {
    actor: {
      id: 'UZI-own-gp',
      name: 'Eigen huisarts',
      profession: 'GENERAL_PRACTITIONER',
      organization: OWN_PRACTICE,
    },
    basis: 'OWN_GP_PRACTICE',
  },
  'practice nurse of the own practice': {
    actor: { id: 'UZI-own-poh', name: 'Eigen POH', profession: 'PRACTICE_NURSE', organization: OWN_PRACTICE },
    basis: 'OWN_GP_PRACTICE',
  },
  'regiebehandelaar (same person, another organisation)': {
    actor: {
      id: REGIE_ID,
      name: 'Regiebehandelaar',
      profession: 'ELDERLY_CARE_PHYSICIAN',
      organization: organizationOf('ZIEKENHUIS'),
    },
    basis: 'REGIEBEHANDELAAR',
  },
  "nurse at the regiebehandelaar's organisation": {
    actor: {
      id: 'UZI-regie-nurse',
      name: 'Verpleegkundige',
      profession: 'NURSE',
      organization: REGIE_ORGANIZATION,
    },
    basis: 'REGIEBEHANDELAAR',
  },
};
const CARE_TEAM_CASES = Object.entries(CARE_TEAM).map(([member, m]) => ({ member, ...m }));

const AUDITORS: Record<string, Actor> = {
  'auditor at the audit organisation': actors.auditor,
  'AUDITOR profession at a hospital': { ...actors.specialist, profession: 'AUDITOR' },
  'physician at the audit organisation': { ...actors.gp, organization: organizations.audit },
};

// ---------------------------------------------------------------------------------------------

describe('clinicians outside the care team: organisation type × consent × action × profession × purpose', () => {
  const BY_CONSENT: Record<ConsentState, Expected> = {
    GRANTED: granted('CONSENT'),
    REFUSED: denied('CONSENT_REFUSED'),
    WITHDRAWN: denied('CONSENT_REFUSED'),
    UNKNOWN: denied('NO_CONSENT'),
  };
  const cells = CONSENT_ORGANIZATION_TYPES.flatMap((type) =>
    CONSENTS.flatMap((consent) =>
      CLINICAL_ACTIONS.flatMap((action) =>
        WHO.flatMap((who) =>
          (['TREATMENT', 'EMERGENCY', 'AUDIT'] as const).map((purpose) => ({
            type,
            consent,
            action,
            who,
            purpose,
          })),
        ),
      ),
    ),
  );
  it.each(cells)(
    '$who at $type, consent $consent, $action for $purpose',
    ({ type, consent, action, who, purpose }) => {
      expectDecision(
        { actor: clinician(type, who), action, purpose },
        patient(consent),
        purpose === 'AUDIT' ? denied('PURPOSE_NOT_ALLOWED') : BY_CONSENT[consent],
      );
    },
  );

  const perType = CONSENT_ORGANIZATION_TYPES.flatMap((consenting) =>
    CONSENT_ORGANIZATION_TYPES.flatMap((actorType) =>
      (['UNKNOWN', 'REFUSED'] as const).map((others) => ({ consenting, actorType, others })),
    ),
  );
  it.each(perType)(
    'consent is per kind of organisation: granted only to $consenting (others $others), asked by $actorType',
    ({ consenting, actorType, others }) => {
      const facts: PatientFacts = {
        ...patient(others),
        consent: (t) => (t === consenting ? 'GRANTED' : others),
      };
      expectDecision(
        { actor: clinician(actorType, 'physician'), action: 'READ_CURRENT', purpose: 'TREATMENT' },
        facts,
        actorType === consenting
          ? granted('CONSENT')
          : denied(others === 'REFUSED' ? 'CONSENT_REFUSED' : 'NO_CONSENT'),
      );
    },
  );

  const historyCells = CONSENT_ORGANIZATION_TYPES.flatMap((type) =>
    CONSENTS.flatMap((consent) =>
      (['READ_HISTORY', 'READ_AS_OF', 'READ_ACCESS_LOG'] as const).flatMap((action) =>
        ACCESS_PURPOSES.map((purpose) => ({ type, consent, action, purpose })),
      ),
    ),
  );
  it.each(historyCells)(
    'a physician at $type (consent $consent) may not $action, purpose $purpose',
    ({ type, consent, action, purpose }) => {
      expectDecision(
        { actor: clinician(type, 'physician'), action, purpose, breakGlassReason: REASONS.stated },
        patient(consent),
        denied('AUDIT_ROLE_REQUIRED'),
      );
    },
  );
});

describe('break the glass', () => {
  const expected = (consent: ConsentState, who: Who, reason: ReasonKind): Expected => {
    if (consent === 'GRANTED') return granted('CONSENT'); // no glass to break: an ordinary, unflagged read
    if (consent !== 'UNKNOWN') return denied('CONSENT_REFUSED'); // a refusal is final
    if (who === 'nurse') return denied('BREAK_GLASS_PHYSICIANS_ONLY');
    return reason === 'stated' ? granted('BREAK_THE_GLASS', true) : denied('BREAK_GLASS_REASON_REQUIRED');
  };
  const cells = CONSENT_ORGANIZATION_TYPES.flatMap((type) =>
    CONSENTS.flatMap((consent) =>
      WHO.flatMap((who) => REASON_KINDS.map((reason) => ({ type, consent, who, reason }))),
    ),
  );
  it.each(cells)('$who at $type, consent $consent, reason $reason', ({ type, consent, who, reason }) => {
    expectDecision(
      {
        actor: clinician(type, who),
        action: 'READ_CURRENT',
        purpose: 'BREAK_THE_GLASS',
        breakGlassReason: REASONS[reason],
      },
      patient(consent),
      expected(consent, who, reason),
    );
  });

  it.each([
    { reason: '  123456789 \n', expected: denied('BREAK_GLASS_REASON_REQUIRED') },
    { reason: '\t1234567890  ', expected: granted('BREAK_THE_GLASS', true) },
    { reason: '123\u200b456\u200b789', expected: denied('BREAK_GLASS_REASON_REQUIRED') },
    { reason: '12345\u00a0\u3000\u2800678\u0301\u0301', expected: denied('BREAK_GLASS_REASON_REQUIRED') },
    { reason: '1234\u200b56789\u00e9', expected: granted('BREAK_THE_GLASS', true) },
  ])('a reason of at least ten visible characters: $reason', ({ reason, expected }) => {
    expect(MIN_BREAK_GLASS_REASON).toBe(10);
    expectDecision(
      {
        actor: actors.sehDoctor,
        action: 'READ_CURRENT',
        purpose: 'BREAK_THE_GLASS',
        breakGlassReason: reason,
      },
      patient('UNKNOWN'),
      expected,
    );
  });

  it.each(CARE_PROFESSIONS)('profession %s, consent unknown, reason stated', (profession) => {
    expectDecision(
      {
        actor: { ...actors.sehDoctor, profession },
        action: 'READ_CURRENT',
        purpose: 'BREAK_THE_GLASS',
        breakGlassReason: REASONS.stated,
      },
      patient('UNKNOWN'),
      PHYSICIAN_PROFESSIONS.includes(profession)
        ? granted('BREAK_THE_GLASS', true)
        : denied('BREAK_GLASS_PHYSICIANS_ONLY'),
    );
  });

  const writeCells = CONSENTS.flatMap((consent) => [...WHO, 'own GP'].map((who) => ({ consent, who })));
  it.each(writeCells)('never permits a change: $who, consent $consent', ({ consent, who }) => {
    const actor =
      who === 'own GP' ? CARE_TEAM['GP of the own practice']!.actor : clinician('SEH', who as Who);
    expectDecision(
      { actor, action: 'WRITE', purpose: 'BREAK_THE_GLASS', breakGlassReason: REASONS.stated },
      patient(consent),
      denied('PURPOSE_NOT_ALLOWED'),
    );
  });
});

describe("the patient's care team: own GP practice and regiebehandelaar, whatever the consent", () => {
  /** 'TEAM' means granted on the member's own basis. */
  const TABLE: Record<AccessAction, Record<AccessPurpose, 'TEAM' | Expected>> = {
    READ_CURRENT: {
      TREATMENT: 'TEAM',
      EMERGENCY: 'TEAM',
      BREAK_THE_GLASS: 'TEAM', // granted as care team, so not flagged
      AUDIT: denied('PURPOSE_NOT_ALLOWED'),
    },
    WRITE: {
      TREATMENT: 'TEAM',
      EMERGENCY: 'TEAM',
      BREAK_THE_GLASS: denied('PURPOSE_NOT_ALLOWED'),
      AUDIT: denied('PURPOSE_NOT_ALLOWED'),
    },
    READ_HISTORY: {
      TREATMENT: 'TEAM',
      EMERGENCY: 'TEAM',
      BREAK_THE_GLASS: denied('PURPOSE_NOT_ALLOWED'),
      AUDIT: 'TEAM',
    },
    READ_AS_OF: {
      TREATMENT: 'TEAM',
      EMERGENCY: 'TEAM',
      BREAK_THE_GLASS: denied('PURPOSE_NOT_ALLOWED'),
      AUDIT: 'TEAM',
    },
    READ_ACCESS_LOG: {
      TREATMENT: denied('AUDIT_ROLE_REQUIRED'),
      EMERGENCY: denied('AUDIT_ROLE_REQUIRED'),
      BREAK_THE_GLASS: denied('AUDIT_ROLE_REQUIRED'),
      AUDIT: denied('AUDIT_ROLE_REQUIRED'),
    },
    READ_REVIEWS_DUE: {
      TREATMENT: granted('OWN_ORGANIZATION'),
      EMERGENCY: granted('OWN_ORGANIZATION'),
      BREAK_THE_GLASS: denied('PURPOSE_NOT_ALLOWED'),
      AUDIT: denied('PURPOSE_NOT_ALLOWED'),
    },
    READ_BREAK_GLASS_ACCESSES: {
      TREATMENT: denied('AUDIT_ROLE_REQUIRED'),
      EMERGENCY: denied('AUDIT_ROLE_REQUIRED'),
      BREAK_THE_GLASS: denied('AUDIT_ROLE_REQUIRED'),
      AUDIT: denied('AUDIT_ROLE_REQUIRED'),
    },
    REVIEW_BREAK_GLASS_ACCESS: {
      TREATMENT: denied('AUDIT_ROLE_REQUIRED'),
      EMERGENCY: denied('AUDIT_ROLE_REQUIRED'),
      BREAK_THE_GLASS: denied('AUDIT_ROLE_REQUIRED'),
      AUDIT: denied('AUDIT_ROLE_REQUIRED'),
    },
    READ_BREAK_GLASS_NOTICES: {
      TREATMENT: granted('OWN_ORGANIZATION'),
      EMERGENCY: denied('PURPOSE_NOT_ALLOWED'),
      BREAK_THE_GLASS: denied('PURPOSE_NOT_ALLOWED'),
      AUDIT: denied('PURPOSE_NOT_ALLOWED'),
    },
  };
  const cells = CARE_TEAM_CASES.flatMap((m) =>
    CONSENTS.flatMap((consent) =>
      ACCESS_ACTIONS.flatMap((action) =>
        ACCESS_PURPOSES.map((purpose) => ({ ...m, consent, action, purpose })),
      ),
    ),
  );
  it.each(cells)(
    '$member, consent $consent, $action for $purpose',
    ({ actor, basis, consent, action, purpose }) => {
      const cell = TABLE[action][purpose];
      expectDecision({ actor, action, purpose }, patient(consent), cell === 'TEAM' ? granted(basis) : cell);
    },
  );

  it('is matched by id: a namesake practice or a colleague of another organisation is not the care team', () => {
    const lookalike: Actor = {
      ...CARE_TEAM['GP of the own practice']!.actor,
      id: 'UZI-someone-else',
      organization: { ...OWN_PRACTICE, id: 'URA-other-practice' },
    };
    expectDecision(
      { actor: lookalike, action: 'READ_CURRENT', purpose: 'TREATMENT' },
      patient('REFUSED'),
      denied('CONSENT_REFUSED'),
    );
    const noRegie: PatientFacts = { ...patient('REFUSED'), regiebehandelaar: undefined, gpPracticeIds: [] };
    expectDecision(
      {
        actor: CARE_TEAM['regiebehandelaar (same person, another organisation)']!.actor,
        action: 'WRITE',
        purpose: 'TREATMENT',
      },
      noRegie,
      denied('CONSENT_REFUSED'),
    );
  });
});

describe('no plan yet', () => {
  const TABLE: Record<AccessAction, Record<AccessPurpose, Expected>> = {
    READ_CURRENT: {
      TREATMENT: granted('NEW_PATIENT'),
      EMERGENCY: granted('NEW_PATIENT'),
      BREAK_THE_GLASS: granted('NEW_PATIENT'), // nothing to disclose but that there is no plan: no glass broken
      AUDIT: denied('PURPOSE_NOT_ALLOWED'),
    },
    WRITE: {
      TREATMENT: granted('NEW_PATIENT'),
      EMERGENCY: granted('NEW_PATIENT'),
      BREAK_THE_GLASS: denied('PURPOSE_NOT_ALLOWED'),
      AUDIT: denied('PURPOSE_NOT_ALLOWED'),
    },
    READ_HISTORY: {
      TREATMENT: denied('AUDIT_ROLE_REQUIRED'),
      EMERGENCY: denied('AUDIT_ROLE_REQUIRED'),
      BREAK_THE_GLASS: denied('AUDIT_ROLE_REQUIRED'),
      AUDIT: denied('AUDIT_ROLE_REQUIRED'),
    },
    READ_AS_OF: {
      TREATMENT: denied('AUDIT_ROLE_REQUIRED'),
      EMERGENCY: denied('AUDIT_ROLE_REQUIRED'),
      BREAK_THE_GLASS: denied('AUDIT_ROLE_REQUIRED'),
      AUDIT: denied('AUDIT_ROLE_REQUIRED'),
    },
    READ_ACCESS_LOG: {
      TREATMENT: denied('AUDIT_ROLE_REQUIRED'),
      EMERGENCY: denied('AUDIT_ROLE_REQUIRED'),
      BREAK_THE_GLASS: denied('AUDIT_ROLE_REQUIRED'),
      AUDIT: denied('AUDIT_ROLE_REQUIRED'),
    },
    READ_REVIEWS_DUE: {
      TREATMENT: granted('OWN_ORGANIZATION'),
      EMERGENCY: granted('OWN_ORGANIZATION'),
      BREAK_THE_GLASS: denied('PURPOSE_NOT_ALLOWED'),
      AUDIT: denied('PURPOSE_NOT_ALLOWED'),
    },
    READ_BREAK_GLASS_ACCESSES: {
      TREATMENT: denied('AUDIT_ROLE_REQUIRED'),
      EMERGENCY: denied('AUDIT_ROLE_REQUIRED'),
      BREAK_THE_GLASS: denied('AUDIT_ROLE_REQUIRED'),
      AUDIT: denied('AUDIT_ROLE_REQUIRED'),
    },
    REVIEW_BREAK_GLASS_ACCESS: {
      TREATMENT: denied('AUDIT_ROLE_REQUIRED'),
      EMERGENCY: denied('AUDIT_ROLE_REQUIRED'),
      BREAK_THE_GLASS: denied('AUDIT_ROLE_REQUIRED'),
      AUDIT: denied('AUDIT_ROLE_REQUIRED'),
    },
    READ_BREAK_GLASS_NOTICES: {
      TREATMENT: granted('OWN_ORGANIZATION'),
      EMERGENCY: denied('PURPOSE_NOT_ALLOWED'),
      BREAK_THE_GLASS: denied('PURPOSE_NOT_ALLOWED'),
      AUDIT: denied('PURPOSE_NOT_ALLOWED'),
    },
  };
  const cells = CONSENT_ORGANIZATION_TYPES.flatMap((type) =>
    WHO.flatMap((who) =>
      ACCESS_ACTIONS.flatMap((action) => ACCESS_PURPOSES.map((purpose) => ({ type, who, action, purpose }))),
    ),
  );
  it.each(cells)(
    '$who at $type, $action for $purpose (no reason given)',
    ({ type, who, action, purpose }) => {
      expectDecision({ actor: clinician(type, who), action, purpose }, undefined, TABLE[action][purpose]);
    },
  );
});

describe('auditors: every action and purpose, with and without a plan', () => {
  const TABLE: Record<AccessAction, Record<AccessPurpose, Expected>> = {
    READ_CURRENT: {
      AUDIT: granted('AUDITOR'),
      TREATMENT: denied('NOT_A_CARE_PROFESSIONAL'),
      EMERGENCY: denied('NOT_A_CARE_PROFESSIONAL'),
      BREAK_THE_GLASS: denied('NOT_A_CARE_PROFESSIONAL'),
    },
    READ_AS_OF: {
      AUDIT: granted('AUDITOR'),
      TREATMENT: denied('NOT_A_CARE_PROFESSIONAL'),
      EMERGENCY: denied('NOT_A_CARE_PROFESSIONAL'),
      BREAK_THE_GLASS: denied('NOT_A_CARE_PROFESSIONAL'),
    },
    READ_HISTORY: {
      AUDIT: granted('AUDITOR'),
      TREATMENT: denied('NOT_A_CARE_PROFESSIONAL'),
      EMERGENCY: denied('NOT_A_CARE_PROFESSIONAL'),
      BREAK_THE_GLASS: denied('NOT_A_CARE_PROFESSIONAL'),
    },
    READ_ACCESS_LOG: {
      AUDIT: granted('AUDITOR'),
      TREATMENT: denied('NOT_A_CARE_PROFESSIONAL'),
      EMERGENCY: denied('NOT_A_CARE_PROFESSIONAL'),
      BREAK_THE_GLASS: denied('NOT_A_CARE_PROFESSIONAL'),
    },
    READ_REVIEWS_DUE: {
      AUDIT: denied('NOT_A_CARE_PROFESSIONAL'),
      TREATMENT: denied('NOT_A_CARE_PROFESSIONAL'),
      EMERGENCY: denied('NOT_A_CARE_PROFESSIONAL'),
      BREAK_THE_GLASS: denied('NOT_A_CARE_PROFESSIONAL'),
    },
    READ_BREAK_GLASS_ACCESSES: {
      AUDIT: granted('AUDITOR'),
      TREATMENT: denied('NOT_A_CARE_PROFESSIONAL'),
      EMERGENCY: denied('NOT_A_CARE_PROFESSIONAL'),
      BREAK_THE_GLASS: denied('NOT_A_CARE_PROFESSIONAL'),
    },
    REVIEW_BREAK_GLASS_ACCESS: {
      AUDIT: granted('AUDITOR'),
      TREATMENT: denied('NOT_A_CARE_PROFESSIONAL'),
      EMERGENCY: denied('NOT_A_CARE_PROFESSIONAL'),
      BREAK_THE_GLASS: denied('NOT_A_CARE_PROFESSIONAL'),
    },
    READ_BREAK_GLASS_NOTICES: {
      AUDIT: denied('NOT_A_CARE_PROFESSIONAL'),
      TREATMENT: denied('NOT_A_CARE_PROFESSIONAL'),
      EMERGENCY: denied('NOT_A_CARE_PROFESSIONAL'),
      BREAK_THE_GLASS: denied('NOT_A_CARE_PROFESSIONAL'),
    },
    WRITE: {
      AUDIT: denied('AUDITORS_DO_NOT_CHANGE_RECORDS'),
      TREATMENT: denied('AUDITORS_DO_NOT_CHANGE_RECORDS'),
      EMERGENCY: denied('AUDITORS_DO_NOT_CHANGE_RECORDS'),
      BREAK_THE_GLASS: denied('AUDITORS_DO_NOT_CHANGE_RECORDS'),
    },
  };
  const PLANS: Record<string, PatientFacts | undefined> = {
    'no plan': undefined,
    ...Object.fromEntries(CONSENTS.map((c) => [`consent ${c}`, patient(c)])),
    // An auditor working for the patient's own practice or regie organisation is still only an auditor.
    'own GP practice and regie are the auditor': {
      consent: () => 'REFUSED',
      gpPracticeIds: [organizations.audit.id, organizations.hospital.id],
      regiebehandelaar: { practitionerId: actors.auditor.id, organizationId: organizations.audit.id },
    },
  };
  const cells = Object.entries(AUDITORS).flatMap(([auditor, actor]) =>
    Object.entries(PLANS).flatMap(([plan, facts]) =>
      ACCESS_ACTIONS.flatMap((action) =>
        ACCESS_PURPOSES.map((purpose) => ({ auditor, actor, plan, facts, action, purpose })),
      ),
    ),
  );
  it.each(cells)('$auditor, $plan, $action for $purpose', ({ actor, facts, action, purpose }) => {
    expectDecision(
      { actor, action, purpose, breakGlassReason: REASONS.stated },
      facts,
      TABLE[action][purpose],
    );
  });
});

describe('reviews due: any care professional, for their own organisation', () => {
  const cells = CONSENT_ORGANIZATION_TYPES.flatMap((type) =>
    CARE_PROFESSIONS.map((profession) => ({ type, profession })),
  );
  it.each(cells)('$profession at $type', ({ type, profession }) => {
    const actor: Actor = { ...clinician(type, 'nurse'), profession };
    expectDecision(
      { actor, action: 'READ_REVIEWS_DUE', purpose: 'TREATMENT' },
      undefined,
      granted('OWN_ORGANIZATION'),
    );
  });
});

describe('a plan on the reviews-due list is decided as reading that plan for TREATMENT', () => {
  const cells = CONSENTS.flatMap((consent) => WHO.map((who) => ({ consent, who })));
  it.each(cells)('consent $consent, $who at a hospital', ({ consent, who }) => {
    const actor = clinician('ZIEKENHUIS', who);
    const facts = patient(consent);
    expect(decideListedPlan(actor, facts)).toEqual(
      decideAccess({ actor, action: 'READ_CURRENT', purpose: 'TREATMENT' }, facts),
    );
    expect(decideListedPlan(actor, facts).outcome).toBe(consent === 'GRANTED' ? 'GRANTED' : 'DENIED');
  });

  it('the care team sees its plans whatever the consent', () => {
    for (const { actor, basis } of Object.values(CARE_TEAM)) {
      expect(decideListedPlan(actor, patient('REFUSED'))).toEqual(granted(basis));
    }
  });
});

describe('break-the-glass notices: only for the current regiebehandelaar', () => {
  const regie = { practitionerId: 'UZI-regie', organizationId: 'URA-regie-org' };
  const facts = (r: PatientFacts['regiebehandelaar']): PatientFacts => ({
    consent: () => 'UNKNOWN',
    gpPracticeIds: ['URA-own-practice'],
    regiebehandelaar: r,
  });
  const at = (id: string, organizationId: string): Actor => ({
    ...clinician('ZIEKENHUIS', 'physician'),
    id,
    organization: { ...clinician('ZIEKENHUIS', 'physician').organization, id: organizationId },
  });
  it.each([
    {
      who: 'the regiebehandelaar',
      actor: at('UZI-regie', 'URA-elsewhere'),
      expected: granted('REGIEBEHANDELAAR'),
    },
    {
      who: 'a colleague at their organisation',
      actor: at('UZI-colleague', 'URA-regie-org'),
      expected: granted('REGIEBEHANDELAAR'),
    },
    {
      who: 'the own GP practice',
      actor: at('UZI-gp', 'URA-own-practice'),
      expected: denied('NOT_THE_REGIEBEHANDELAAR'),
    },
    { who: 'anyone else', actor: at('UZI-other', 'URA-other'), expected: denied('NOT_THE_REGIEBEHANDELAAR') },
  ])('$who', ({ actor, expected }) => {
    expect(decideBreakGlassNotice(actor, facts(regie))).toMatchObject(expected);
  });
  it('tells nobody while nobody holds the role', () => {
    expect(decideBreakGlassNotice(at('UZI-regie', 'URA-regie-org'), facts(undefined))).toMatchObject(
      denied('NOT_THE_REGIEBEHANDELAAR'),
    );
  });
});

describe('someone without a known care profession gets nothing', () => {
  const cells = ['HOMEOPATH', 'toString', '__proto__', 'auditor'].flatMap((profession) =>
    ACCESS_ACTIONS.flatMap((action) =>
      ACCESS_PURPOSES.flatMap((purpose) =>
        [undefined, patient('GRANTED')].map((facts) => ({
          profession,
          action,
          purpose,
          facts,
          plan: facts ? 'a plan' : 'no plan',
        })),
      ),
    ),
  );
  it.each(cells)(
    'profession $profession, $action for $purpose, $plan',
    ({ profession, action, purpose, facts }) => {
      // As a token validated elsewhere would never carry it, but the policy must fail closed.
      const actor = { ...clinician('ZIEKENHUIS', 'physician'), profession } as unknown as Actor;
      expectDecision(
        { actor, action, purpose, breakGlassReason: REASONS.stated },
        facts,
        denied('NOT_A_CARE_PROFESSIONAL'),
      );
    },
  );
});

describe('the policy table', () => {
  /** Every combination of caller, action, purpose, plan and reason the cells above use. */
  const everyCase = () => {
    const callers: Actor[] = [
      ...CONSENT_ORGANIZATION_TYPES.flatMap((type) => WHO.map((who) => clinician(type, who))),
      ...CARE_TEAM_CASES.map((m) => m.actor),
      ...Object.values(AUDITORS),
      { ...actors.gp, profession: 'HOMEOPATH' } as unknown as Actor,
    ];
    const plans = [undefined, ...CONSENTS.map(patient)];
    return callers.flatMap((actor) =>
      ACCESS_ACTIONS.flatMap((action) =>
        ACCESS_PURPOSES.flatMap((purpose) =>
          plans.flatMap((facts) =>
            (['stated', 'missing'] as const).map((reason) => ({
              request: { actor, action, purpose, breakGlassReason: REASONS[reason] },
              facts,
            })),
          ),
        ),
      ),
    );
  };

  it('has unique ids and a sentence per row, and its last row decides anything', () => {
    const ids = ACCESS_POLICY.map((r) => r.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const row of ACCESS_POLICY) expect(row.rule).toMatch(/^[A-Z].{20,}\([A-Z_, ]+\)$/);
    const last = ACCESS_POLICY.at(-1)!;
    for (const { request, facts } of everyCase())
      expect(last.decide({ request, patient: facts })).toEqual(
        expect.objectContaining({ outcome: 'DENIED' }),
      );
  });

  it('has no dead rows: every row decides at least one case', () => {
    const used = new Set(everyCase().map(({ request, facts }) => explainAccess(request, facts).rule.id));
    expect([...used].sort()).toEqual(ACCESS_POLICY.map((r) => r.id).sort());
  });

  it('decideAccess is the decision of the first row that decides', () => {
    for (const { request, facts } of everyCase()) {
      const first = ACCESS_POLICY.find((r) => r.decide({ request, patient: facts }) !== undefined)!;
      expect(explainAccess(request, facts).rule).toBe(first);
      expect(decideAccess(request, facts)).toEqual(first.decide({ request, patient: facts }));
    }
  });

  it('names the code it decides in every row', () => {
    for (const { request, facts } of everyCase()) {
      const { rule, decision } = explainAccess(request, facts);
      expect(rule.rule).toContain(decision.outcome === 'GRANTED' ? decision.basis : decision.reason);
    }
  });

  it('explains denials in plain sentences without personal data', () => {
    const messages = new Map<DenialReason, string>();
    for (const { request, facts } of everyCase()) {
      const decision = decideAccess(request, facts);
      if (decision.outcome !== 'DENIED') continue;
      const { actor } = request;
      for (const personal of [actor.id, actor.name, actor.organization.id, actor.organization.name])
        expect(decision.message).not.toContain(personal);
      expect(decision.message).not.toMatch(/\d{9}/);
      expect(decision.message).toMatch(/^[A-Z][^.]{15,}[A-Za-z]$/);
      messages.set(decision.reason, decision.message);
    }
    // Every reason occurs, each with its own message.
    expect(messages.size).toBe(8);
    expect(new Set(messages.values()).size).toBe(8);
  });

  it('is pure: frozen input, the same answer twice', () => {
    const request = Object.freeze({
      actor: Object.freeze({ ...actors.sehDoctor, organization: Object.freeze({ ...organizations.seh }) }),
      action: 'READ_CURRENT',
      purpose: 'BREAK_THE_GLASS',
      breakGlassReason: REASONS.stated,
    } as const);
    const facts = Object.freeze({ ...patient('UNKNOWN'), gpPracticeIds: Object.freeze([OWN_PRACTICE.id]) });
    const first = decideAccess(request, facts);
    expect(first).toEqual(granted('BREAK_THE_GLASS', true));
    expect(decideAccess(request, facts)).toEqual(first);
  });
});

describe('factsFromView, on a plan recorded through the domain', () => {
  const NOW = '2026-03-02T14:00:00+01:00';
  const bsn = Bsn.parse(bsns[1]);

  /** A plan started by `starter`: consent recorded in the conversation. */
  function startedBy(starter: Actor) {
    const recorder = new PlanRecorder(idSequence(77));
    recorder.run(
      'RecordConversation',
      {
        conversationId: 'conv-1',
        patient: { bsn, name: 'Testpatiënt', birthDate: '1938-05-01' },
        date: '2026-03-02',
        participants: [patientParty, asParty(starter)],
        topics: ['SHARING_CONSENT', 'TREATMENT_WISHES_AND_LIMITS'],
        treatmentDirectives: [{ treatment: { code: '89666000' }, decision: 'NIET' }],
        sharingConsents: [
          { organizationType: 'HAP', decision: 'GRANTED' },
          { organizationType: 'SEH', decision: 'REFUSED' },
          { organizationType: 'AMBULANCE', decision: 'GRANTED' },
        ],
      },
      starter,
      NOW,
    );
    return recorder;
  }
  const facts = (recorder: PlanRecorder) => factsFromView(currentView(recorder.state.plan));

  it('reads each consent answer from the conversation, UNKNOWN where the patient was not asked', () => {
    const f = facts(startedBy(actors.gp));
    const answers = Object.fromEntries(CONSENT_ORGANIZATION_TYPES.map((t) => [t, f.consent(t)]));
    expect(answers).toEqual({
      HUISARTSENPRAKTIJK: 'UNKNOWN',
      HAP: 'GRANTED',
      SEH: 'REFUSED',
      ZIEKENHUIS: 'UNKNOWN',
      VVT: 'UNKNOWN',
      AMBULANCE: 'GRANTED',
    });
  });

  it('before anyone holds a role, the GP practice that recorded the conversation is the own practice', () => {
    const f = facts(startedBy(actors.gp));
    expect(f.gpPracticeIds).toEqual([organizations.practice.id]);
    expect(f.regiebehandelaar).toBeUndefined();
    // ... so the GP who started the plan may go on and assign the roles.
    expectDecision(
      { actor: actors.gp, action: 'WRITE', purpose: 'TREATMENT' },
      f,
      granted('OWN_GP_PRACTICE'),
    );
  });

  it('a kind of organisation the view does not list counts as never asked', () => {
    const view = currentView(startedBy(actors.gp).state.plan);
    const f = factsFromView({
      ...view,
      sharingConsent: view.sharingConsent.filter((c) => c.organizationType !== 'SEH'),
    });
    expect(f.consent('SEH')).toBe('UNKNOWN');
    expect(f.consent('HAP')).toBe('GRANTED');
  });

  it('a plan started at the HAP gives no GP practice', () => {
    expect(facts(startedBy(actors.hapDoctor)).gpPracticeIds).toEqual([]);
  });

  /** Started by the GP, AMBULANCE consent withdrawn, the GP regiebehandelaar, a district nurse supporting. */
  function withCareTeam() {
    const recorder = startedBy(actors.gp);
    recorder.run(
      'WithdrawSharingConsent',
      { organizationType: 'AMBULANCE', withdrawnOn: '2026-03-02' },
      actors.gp,
      '2026-03-02T14:05:00+01:00',
    );
    recorder.run(
      'AssignRole',
      {
        assignmentId: 'role-regie-gp',
        role: 'REGIEBEHANDELAAR',
        practitioner: actors.gp,
        organization: actors.gp.organization,
        from: '2026-03-02',
      },
      actors.gp,
      '2026-03-02T14:10:00+01:00',
    );
    recorder.run(
      'AssignRole',
      {
        assignmentId: 'role-nurse',
        role: 'SUPPORTING_NURSE',
        practitioner: actors.districtNurse,
        organization: actors.districtNurse.organization,
        from: '2026-03-02',
      },
      actors.gp,
      '2026-03-02T14:15:00+01:00',
    );
    return recorder;
  }

  it('derives withdrawn consent, the own practice from the active roles, and the regiebehandelaar', () => {
    const f = facts(withCareTeam());
    expect(f.consent('AMBULANCE')).toBe('WITHDRAWN');
    expect(f.consent('HAP')).toBe('GRANTED');
    expect(f.gpPracticeIds).toEqual([organizations.practice.id]); // the VVT's role is no GP practice
    expect(f.regiebehandelaar).toEqual({
      practitionerId: actors.gp.id,
      organizationId: organizations.practice.id,
    });
  });

  it.each([
    {
      who: 'GP (regiebehandelaar, own practice)',
      actor: actors.gp,
      request: {},
      expected: granted('OWN_GP_PRACTICE'),
    },
    {
      who: 'practice nurse',
      actor: actors.practiceNurse,
      request: { action: 'WRITE' },
      expected: granted('OWN_GP_PRACTICE'),
    },
    {
      who: 'HAP doctor',
      actor: actors.hapDoctor,
      request: { purpose: 'EMERGENCY' },
      expected: granted('CONSENT'),
    },
    {
      who: 'SEH doctor breaking the glass',
      actor: actors.sehDoctor,
      request: { purpose: 'BREAK_THE_GLASS', breakGlassReason: REASONS.stated },
      expected: denied('CONSENT_REFUSED'),
    },
    {
      who: 'ambulance nurse',
      actor: actors.ambulanceNurse,
      request: { purpose: 'EMERGENCY' },
      expected: denied('CONSENT_REFUSED'),
    },
    {
      who: 'hospital specialist breaking the glass',
      actor: actors.specialist,
      request: { purpose: 'BREAK_THE_GLASS', breakGlassReason: REASONS.stated },
      expected: granted('BREAK_THE_GLASS', true),
    },
    {
      who: 'supporting district nurse',
      actor: actors.districtNurse,
      request: {},
      expected: denied('NO_CONSENT'),
    },
    {
      who: 'auditor',
      actor: actors.auditor,
      request: { action: 'READ_HISTORY', purpose: 'AUDIT' },
      expected: granted('AUDITOR'),
    },
  ] as const)('then the policy decides for the $who', ({ actor, request, expected }) => {
    expectDecision(
      { actor, action: 'READ_CURRENT', purpose: 'TREATMENT', ...request },
      facts(withCareTeam()),
      expected,
    );
  });

  it('after a handover to the nursing home, the practice the patient is registered with still reads', () => {
    const recorder = withCareTeam();
    recorder.run(
      'AssignRole',
      {
        assignmentId: 'role-regie-nursing-home',
        role: 'REGIEBEHANDELAAR',
        practitioner: actors.elderlyCarePhysician,
        organization: actors.elderlyCarePhysician.organization,
        from: '2026-03-02',
        transition: 'NURSING_HOME_ADMISSION',
      },
      actors.gp,
      '2026-03-02T16:00:00+01:00',
    );
    const f = facts(recorder);
    expect(f.gpPracticeIds).toEqual([organizations.practice.id]);
    expect(f.regiebehandelaar).toEqual({
      practitionerId: actors.elderlyCarePhysician.id,
      organizationId: organizations.nursingHome.id,
    });
    expectDecision(
      { actor: actors.gp, action: 'READ_CURRENT', purpose: 'TREATMENT' },
      f,
      granted('OWN_GP_PRACTICE'),
    );
    expectDecision(
      { actor: actors.elderlyCarePhysician, action: 'WRITE', purpose: 'TREATMENT' },
      f,
      granted('REGIEBEHANDELAAR'),
    );
  });

  it('after a change of GP, the former practice no longer overrides consent', () => {
    const recorder = withCareTeam();
    const newPractice = {
      id: 'URA-01000077',
      name: 'Huisartsen Stratum',
      type: 'HUISARTSENPRAKTIJK',
    } as const;
    recorder.run(
      'EndRole',
      { assignmentId: 'role-regie-gp', endedOn: '2026-03-02', reason: 'Verhuisd' },
      actors.gp,
      '2026-03-02T15:00:00+01:00',
    );
    recorder.run(
      'SetRegisteredGpPractice',
      { practice: newPractice, from: '2026-03-02' },
      actors.gp,
      '2026-03-02T16:00:00+01:00',
    );
    const f = facts(recorder);
    expect(f.gpPracticeIds).toEqual([newPractice.id]);
    expectDecision(
      { actor: actors.gp, action: 'READ_CURRENT', purpose: 'TREATMENT' },
      f,
      denied('NO_CONSENT'),
    );
  });
});
