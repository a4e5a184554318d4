import { describe, expect, it } from 'vitest';
import { CONSENT_ORGANIZATION_TYPES, type Actor, type ConsentOrganizationType } from '@pzp/domain';
import { actors, organizations } from '@pzp/domain/fixtures';
import {
  decideAccess,
  factsFromView,
  type AccessAction,
  type ConsentState,
  type PatientFacts,
} from './policy.js';

const CONSENTS: ConsentState[] = ['GRANTED', 'REFUSED', 'WITHDRAWN', 'UNKNOWN'];
const REASON = 'Bewusteloos binnengebracht, beleid onbekend';

const physicianAt = (type: ConsentOrganizationType): Actor => ({
  id: 'UZI-9001',
  name: 'Dr. Test',
  profession: 'PHYSICIAN',
  organization: { id: `URA-${type}`, name: `${type} test`, type },
});
const nurseAt = (type: ConsentOrganizationType): Actor => ({ ...physicianAt(type), profession: 'NURSE' });

/** A patient whose plan is kept by another practice, with one consent answer for every organisation type. */
const patient = (consent: ConsentState): PatientFacts => ({
  consent: () => consent,
  gpPracticeIds: ['URA-own-practice'],
  regiebehandelaar: { practitionerId: 'UZI-regie', organizationId: 'URA-own-practice' },
});

const expectedCurrent = (consent: ConsentState) =>
  consent === 'GRANTED'
    ? { outcome: 'GRANTED', basis: 'CONSENT', flagged: false }
    : consent === 'UNKNOWN'
      ? { outcome: 'DENIED', reason: 'NO_CONSENT' }
      : { outcome: 'DENIED', reason: 'CONSENT_REFUSED' };

describe('access policy: clinicians by organisation type and consent', () => {
  const cells = CONSENT_ORGANIZATION_TYPES.flatMap((type) =>
    CONSENTS.flatMap((consent) =>
      (['READ_CURRENT', 'WRITE'] as const).flatMap((action) =>
        (['physician', 'nurse'] as const).map((who) => ({ type, consent, action, who })),
      ),
    ),
  );
  it.each(cells)('$who at $type, consent $consent, $action', ({ type, consent, action, who }) => {
    const actor = who === 'physician' ? physicianAt(type) : nurseAt(type);
    const decision = decideAccess({ actor, action, purpose: 'TREATMENT' }, patient(consent));
    expect(decision).toMatchObject(expectedCurrent(consent));
  });

  it.each(CONSENT_ORGANIZATION_TYPES.flatMap((type) => CONSENTS.map((consent) => ({ type, consent }))))(
    'history, as-of and access log are refused to a clinician at $type (consent $consent)',
    ({ type, consent }) => {
      for (const action of ['READ_HISTORY', 'READ_AS_OF', 'READ_ACCESS_LOG'] as const) {
        expect(
          decideAccess({ actor: physicianAt(type), action, purpose: 'AUDIT' }, patient(consent)),
        ).toMatchObject({
          outcome: 'DENIED',
          reason: 'AUDIT_ROLE_REQUIRED',
        });
      }
    },
  );
});

describe('access policy: break the glass', () => {
  const cells = CONSENTS.flatMap((consent) =>
    (['physician', 'nurse'] as const).flatMap((who) =>
      (['reason', 'missing', 'blank', 'too short'] as const).map((reason) => ({ consent, who, reason })),
    ),
  );
  it.each(cells)('$who, consent $consent, reason $reason', ({ consent, who, reason }) => {
    const actor = who === 'physician' ? physicianAt('SEH') : nurseAt('SEH');
    const text = { reason: REASON, missing: undefined, blank: '   ', 'too short': 'nood' }[reason];
    const decision = decideAccess(
      { actor, action: 'READ_CURRENT', purpose: 'BREAK_THE_GLASS', breakGlassReason: text },
      patient(consent),
    );
    if (consent === 'GRANTED')
      expect(decision).toEqual({ outcome: 'GRANTED', basis: 'CONSENT', flagged: false });
    else if (consent !== 'UNKNOWN')
      expect(decision).toMatchObject({ outcome: 'DENIED', reason: 'CONSENT_REFUSED' });
    else if (who === 'nurse')
      expect(decision).toMatchObject({ outcome: 'DENIED', reason: 'BREAK_GLASS_PHYSICIANS_ONLY' });
    else if (reason !== 'reason')
      expect(decision).toMatchObject({ outcome: 'DENIED', reason: 'BREAK_GLASS_REASON_REQUIRED' });
    else expect(decision).toEqual({ outcome: 'GRANTED', basis: 'BREAK_THE_GLASS', flagged: true });
  });

  it('never grants a write by breaking the glass', () => {
    expect(
      decideAccess(
        { actor: physicianAt('SEH'), action: 'WRITE', purpose: 'BREAK_THE_GLASS', breakGlassReason: REASON },
        patient('UNKNOWN'),
      ),
    ).toMatchObject({ outcome: 'DENIED', reason: 'NO_CONSENT' });
  });
});

describe("access policy: the patient's own care team", () => {
  const own: Actor = { ...actors.gp, organization: { ...organizations.practice, id: 'URA-own-practice' } };
  const regie: Actor = { ...actors.elderlyCarePhysician, id: 'UZI-regie' };
  const actions: AccessAction[] = ['READ_CURRENT', 'WRITE', 'READ_HISTORY', 'READ_AS_OF', 'READ_ACCESS_LOG'];
  it.each(CONSENTS.flatMap((consent) => actions.map((action) => ({ consent, action }))))(
    'own GP practice and regiebehandelaar, consent $consent, $action',
    ({ consent, action }) => {
      expect(decideAccess({ actor: own, action, purpose: 'TREATMENT' }, patient(consent))).toEqual({
        outcome: 'GRANTED',
        basis: 'OWN_GP_PRACTICE',
        flagged: false,
      });
      expect(decideAccess({ actor: regie, action, purpose: 'TREATMENT' }, patient(consent))).toEqual({
        outcome: 'GRANTED',
        basis: 'REGIEBEHANDELAAR',
        flagged: false,
      });
    },
  );
});

describe('access policy: auditors, new patients, reviews due, non-clinicians', () => {
  const actions: AccessAction[] = ['READ_CURRENT', 'READ_HISTORY', 'READ_AS_OF', 'READ_ACCESS_LOG'];
  it.each(CONSENTS.flatMap((consent) => actions.map((action) => ({ consent, action }))))(
    'an auditor may $action whatever the consent ($consent)',
    ({ consent, action }) => {
      expect(decideAccess({ actor: actors.auditor, action, purpose: 'AUDIT' }, patient(consent))).toEqual({
        outcome: 'GRANTED',
        basis: 'AUDITOR',
        flagged: false,
      });
    },
  );
  it('an auditor changes nothing and has no reviews list', () => {
    expect(
      decideAccess({ actor: actors.auditor, action: 'WRITE', purpose: 'AUDIT' }, patient('GRANTED')),
    ).toMatchObject({
      reason: 'AUDITORS_DO_NOT_CHANGE_RECORDS',
    });
    expect(
      decideAccess({ actor: actors.auditor, action: 'WRITE', purpose: 'AUDIT' }, undefined),
    ).toMatchObject({
      reason: 'AUDITORS_DO_NOT_CHANGE_RECORDS',
    });
    expect(
      decideAccess({ actor: actors.auditor, action: 'READ_REVIEWS_DUE', purpose: 'AUDIT' }, undefined)
        .outcome,
    ).toBe('DENIED');
  });
  it.each(CONSENT_ORGANIZATION_TYPES)(
    'without a plan a clinician at %s may start one and learn there is none',
    (type) => {
      for (const action of ['READ_CURRENT', 'WRITE'] as const) {
        expect(decideAccess({ actor: nurseAt(type), action, purpose: 'TREATMENT' }, undefined)).toEqual({
          outcome: 'GRANTED',
          basis: 'NEW_PATIENT',
          flagged: false,
        });
      }
    },
  );
  it('reviews due: any care professional, for their own organisation', () => {
    expect(
      decideAccess(
        { actor: actors.districtNurse, action: 'READ_REVIEWS_DUE', purpose: 'TREATMENT' },
        undefined,
      ),
    ).toEqual({
      outcome: 'GRANTED',
      basis: 'OWN_ORGANIZATION',
      flagged: false,
    });
  });
  it('someone who is not a care professional gets nothing clinical', () => {
    const clerk: Actor = {
      ...actors.specialist,
      profession: 'AUDITOR',
      organization: organizations.hospital,
    };
    // An AUDITOR profession counts as an auditor wherever they work: read-only.
    expect(
      decideAccess({ actor: clerk, action: 'WRITE', purpose: 'TREATMENT' }, patient('GRANTED')).outcome,
    ).toBe('DENIED');
  });
});

describe('factsFromView', () => {
  it('derives consent, the own practice and the regiebehandelaar from the plan view', () => {
    const facts = factsFromView({
      sharingConsent: [
        { organizationType: 'HAP', decision: 'GRANTED' },
        { organizationType: 'SEH', decision: 'REFUSED' },
      ],
      roles: [{ organization: organizations.nursingHome }],
      conversations: [{ provenance: { recordedBy: actors.gp } }],
      regiebehandelaar: {
        practitioner: actors.elderlyCarePhysician,
        organization: organizations.nursingHome,
      },
    } as never);
    expect(facts.consent('HAP')).toBe('GRANTED');
    expect(facts.consent('SEH')).toBe('REFUSED');
    expect(facts.consent('VVT')).toBe('UNKNOWN');
    expect(facts.gpPracticeIds).toEqual([organizations.practice.id]);
    expect(facts.regiebehandelaar).toEqual({
      practitionerId: actors.elderlyCarePhysician.id,
      organizationId: organizations.nursingHome.id,
    });
  });
});
