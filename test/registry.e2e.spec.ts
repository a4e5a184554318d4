import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ACCESS_LOG,
  ASSIGN_ROLE,
  HISTORY,
  PZP,
  PZP_AS_OF,
  RECORD_CONVERSATION,
  SET_DIRECTIVE,
} from './operations.js';
import { TestServer, type GraphQLResponse } from './support/server.js';
import { ok } from './support/graphql.js';

/**
 * The four people the registry exists for, against the real server process over real HTTP.
 * Day one (server clock 9 March 2026, afternoon): a GP records a first PZP conversation. Night
 * (the same data, server clock 10 March 03:00 Amsterdam): the HAP doctor, the SEH doctor, the
 * auditor.
 */

const BSN = '111222333';
const gpActor = { id: 'UZI-100001', name: 'Dr. A. Jansen', profession: 'GENERAL_PRACTITIONER' };
const practice = { id: 'URA-01000001', name: 'Huisartsenpraktijk De Linde', type: 'HUISARTSENPRAKTIJK' };

type Agreement =
  | { __typename: 'Perform' | 'DoNotPerform'; decision: string; specification: string | null }
  | { __typename: 'OnlyUnderConditions'; conditions: string };
type Directive = {
  key: string;
  status: string;
  agreement: Agreement | null;
  summary: string;
  decidedOn: string | null;
  provenance: { changeId: string; recordedAt: string; recordedBy: { id: string; name: string } } | null;
};
type Rec = {
  version: number;
  asOf: string;
  accessFlagged: boolean;
  treatmentDirectives: Directive[];
  representatives: { name: string; phone: string; roleDisplay: string }[];
  regiebehandelaar: { practitioner: { id: string; name: string } } | null;
  warnings: { code: string }[];
  lifeWishes: { text: string }[];
};

const code = (r: GraphQLResponse) => r.errors?.[0]?.extensions?.code;
/** A directive with its agreement read as an integrator would: ANDERS only with its conditions. */
const directive = (record: Rec, key: string) => {
  const d = record.treatmentDirectives.find((x) => x.key === key)!;
  const a = d.agreement;
  return {
    ...d,
    decision: a === null ? null : a.__typename === 'OnlyUnderConditions' ? 'ANDERS' : a.decision,
    specification:
      a === null ? null : a.__typename === 'OnlyUnderConditions' ? a.conditions : a.specification,
  };
};

let dayServer: TestServer;
let night: TestServer;
const marks: { firstVersion?: number; conversationAt?: string; changedAt?: string } = {};

const conversation = {
  bsn: BSN,
  patient: { bsn: BSN, name: 'W. de Groot-Peters', birthDate: '1938-05-04' },
  date: '2026-03-09',
  location: 'Thuis',
  participants: [
    { kind: 'PATIENT' },
    { kind: 'RELATIVE', name: 'Anna de Groot', relationship: 'CHILD' },
    { kind: 'PROFESSIONAL', ...gpActor, organization: practice },
  ],
  topics: [
    'WHAT_MATTERS',
    'TREATMENT_WISHES_AND_LIMITS',
    'PLACE_OF_DEATH',
    'REPRESENTATIVE',
    'SHARING_CONSENT',
  ],
  treatmentDirectives: [
    { treatment: { code: 'CPR' }, decision: 'NIET' },
    { treatment: { code: 'ICU_ADMISSION' }, decision: 'NIET' },
    { treatment: { code: 'MECHANICAL_VENTILATION' }, decision: 'NEE' }, // zib 2017 code, stored as NIET
    {
      treatment: { code: 'HOSPITAL_ADMISSION' },
      decision: 'ANDERS',
      specification: 'Alleen bij een goed behandelbare oorzaak, zoals een heupfractuur',
    },
  ],
  lifeWishes: [{ text: 'Zo lang mogelijk thuis blijven, bij de tuin' }],
  medicalPolicyGoal: { goal: 'PALLIATIVE_LIFE_PROLONGING' },
  preferredPlaceOfDeath: { place: { code: 'HOME' } },
  contactPersons: [
    { name: 'Anna de Groot', role: 'LEGAL_REPRESENTATIVE', relationship: 'CHILD', phone: '+31 6 12345678' },
  ],
  // Asked about the HAP and the ambulance only: the SEH is UNKNOWN.
  sharingConsents: [
    { organizationType: 'HAP', decision: 'GRANTED' },
    { organizationType: 'AMBULANCE', decision: 'GRANTED' },
  ],
  reviewAfterMonths: 12,
};

beforeAll(async () => {
  dayServer = await TestServer.start({ PZP_CLOCK_START: '2026-03-09T14:00:00+01:00' });
}, 60_000);

afterAll(async () => {
  await dayServer?.stop({ removeData: false });
  await night?.stop();
});

describe('registry over HTTP', () => {
  it('(1) a GP records a full PZP conversation for a new patient in one submit', async () => {
    const gp = await dayServer.token('gp', 'HIS Medicom');
    const result = ok(
      await dayServer.graphql<{
        recordConversation: { record: Rec; changes: { type: string; version: number }[] };
      }>(gp, RECORD_CONVERSATION, { input: conversation }),
    ).recordConversation;
    const { record, changes } = result;
    expect(changes[0]).toMatchObject({ type: 'PatientIdentified', version: 0 });
    expect(changes.map((c) => c.type)).toContain('ConversationRecorded');
    expect(record.version).toBe(changes.at(-1)!.version);
    expect(directive(record, '40617009')).toMatchObject({ decision: 'NIET', status: 'CONFIRMED' });
    expect(record.lifeWishes.map((w) => w.text)).toEqual(['Zo lang mogelijk thuis blijven, bij de tuin']);

    const assigned = ok(
      await dayServer.graphql<{ assignRole: { record: { version: number; regiebehandelaar: unknown } } }>(
        gp,
        ASSIGN_ROLE,
        {
          input: {
            bsn: BSN,
            expectedVersion: record.version,
            role: 'REGIEBEHANDELAAR',
            practitioner: gpActor,
            organization: practice,
            from: '2026-03-09',
          },
        },
      ),
    ).assignRole;
    expect(assigned.record.regiebehandelaar).toEqual({ practitioner: { id: gpActor.id } });
    marks.firstVersion = assigned.record.version;

    // A second change, a little later: antibiotics agreed by phone.
    await new Promise((r) => setTimeout(r, 30));
    const set = ok(
      await dayServer.graphql<{ setTreatmentDirective: { record: { version: number } } }>(gp, SET_DIRECTIVE, {
        input: {
          bsn: BSN,
          expectedVersion: assigned.record.version,
          treatment: { code: 'ANTIBIOTICS' },
          decision: 'WEL',
          decidedOn: '2026-03-09',
          parties: [{ kind: 'PATIENT' }, { kind: 'PROFESSIONAL', ...gpActor, organization: practice }],
        },
      }),
    ).setTreatmentDirective;
    expect(set.record.version).toBe(assigned.record.version + 1);
  });

  it('rejects malformed input with BAD_USER_INPUT and writes nothing', async () => {
    const gp = await dayServer.token('gp');
    const version = marks.firstVersion! + 1;
    const setInput = {
      bsn: BSN,
      expectedVersion: version,
      treatment: { code: 'CPR' },
      decision: 'WEL',
      decidedOn: '2026-03-09',
      parties: [{ kind: 'PATIENT' }, { kind: 'PROFESSIONAL', ...gpActor, organization: practice }],
    };
    const cases: [string, GraphQLResponse][] = [
      [
        'bad BSN check digit',
        await dayServer.graphql(gp, SET_DIRECTIVE, { input: { ...setInput, bsn: '123456789' } }),
      ],
      [
        'date without offset',
        await dayServer.graphql(gp, PZP_AS_OF, { bsn: BSN, at: '2026-03-09T15:00:00' }),
      ],
      [
        'unknown treatment code',
        await dayServer.graphql(gp, SET_DIRECTIVE, { input: { ...setInput, treatment: { code: '12345' } } }),
      ],
      [
        'ANDERS without specification',
        await dayServer.graphql(gp, SET_DIRECTIVE, { input: { ...setInput, decision: 'ANDERS' } }),
      ],
      [
        'oversized string',
        await dayServer.graphql(gp, SET_DIRECTIVE, { input: { ...setInput, comment: 'x'.repeat(5000) } }),
      ],
      [
        'impossible date',
        await dayServer.graphql(gp, SET_DIRECTIVE, { input: { ...setInput, decidedOn: '2026-02-30' } }),
      ],
    ];
    for (const [name, response] of cases) {
      expect(code(response), name).toBe('BAD_USER_INPUT');
      expect(JSON.stringify(response.errors), name).not.toContain('123456789');
    }
    expect(cases[3]![1].errors![0]!.extensions!.field).toBe('input.specification');
    // A bad code names its field, the allowed values and the OTH route.
    expect(cases[2]![1].errors![0]!.extensions!.field).toBe('input.treatment.code');
    expect(cases[2]![1].errors![0]!.message).toContain('allowed: CPR, MECHANICAL_VENTILATION');
    expect(cases[2]![1].errors![0]!.message).toContain('OTH with a text');

    const now = ok(await dayServer.graphql<{ pzp: Rec }>(gp, PZP, { bsn: BSN })).pzp;
    expect(now.version).toBe(version);
    expect(directive(now, '89666000').decision).toBe('NIET');
  });

  it('two clients update with the same expectedVersion: one wins, the other gets CONFLICT', async () => {
    const gp = await dayServer.token('gp');
    const colleague = await dayServer.token('gp-colleague');
    const { version } = ok(await dayServer.graphql<{ pzp: Rec }>(gp, PZP, { bsn: BSN })).pzp;
    const input = (spec: string) => ({
      bsn: BSN,
      expectedVersion: version,
      treatment: { code: 'BLOOD_PRODUCTS' },
      decision: 'ANDERS',
      specification: spec,
      decidedOn: '2026-03-09',
      parties: [{ kind: 'PATIENT' }, { kind: 'PROFESSIONAL', ...gpActor, organization: practice }],
    });
    const [a, b] = await Promise.all([
      dayServer.graphql(gp, SET_DIRECTIVE, { input: input('Alleen na overleg met de dochter') }),
      dayServer.graphql(colleague, SET_DIRECTIVE, { input: input('Alleen bij een bloeding') }),
    ]);
    const codes = [a, b].map((r) => code(r) ?? 'OK').sort();
    expect(codes).toEqual(['CONFLICT', 'OK']);
    const loser = [a, b].find((r) => code(r) === 'CONFLICT')!;
    expect(loser.errors![0]!.extensions!.currentVersion).toBe(version + 1);
    const winner = [a, b].find((r) => !r.errors)!;
    const after = ok(await dayServer.graphql<{ pzp: Rec }>(gp, PZP, { bsn: BSN })).pzp;
    expect(after.version).toBe(version + 1);
    expect(directive(after, '116762002').specification).toBe(
      winner === a ? 'Alleen na overleg met de dochter' : 'Alleen bij een bloeding',
    );
  });

  it('refuses requests without a valid token', async () => {
    const none = await dayServer.graphql(undefined, PZP, { bsn: BSN });
    expect(none.status).toBe(401);
    expect(code(none)).toBe('UNAUTHENTICATED');
    const forged = await dayServer.graphql('eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.', PZP, { bsn: BSN });
    expect(code(forged)).toBe('UNAUTHENTICATED');
  });
});

describe('at night, on the same data', () => {
  beforeAll(async () => {
    await dayServer.stop({ removeData: false });
    night = await TestServer.start({ PZP_CLOCK_START: '2026-03-10T03:00:00+01:00' }, dayServer.dataDir);
  }, 60_000);

  it('(2) the HAP doctor at 03:00 sees the limits, who agreed them and when, the representative and the regiebehandelaar', async () => {
    const hap = await night.token('hap-doctor', 'HAP Callmanager');
    const record = ok(await night.graphql<{ pzp: Rec }>(hap, PZP, { bsn: BSN, purpose: 'EMERGENCY' })).pzp;
    expect(record.asOf).toMatch(/^2026-03-10T03:00:\d\d\.\d{3}\+01:00$/);
    expect(directive(record, '89666000')).toMatchObject({
      decision: 'NIET',
      status: 'CONFIRMED',
      decidedOn: '2026-03-09',
    });
    expect(directive(record, '305351004')).toMatchObject({ decision: 'NIET', status: 'CONFIRMED' });
    const admission = directive(record, '32485007');
    expect(admission).toMatchObject({
      decision: 'ANDERS',
      specification: 'Alleen bij een goed behandelbare oorzaak, zoals een heupfractuur',
    });
    expect(admission.summary).toContain('heupfractuur');
    expect(admission.provenance!.recordedBy).toMatchObject({ id: gpActor.id, name: gpActor.name });
    expect(admission.provenance!.recordedAt).toMatch(/^2026-03-09T14:0\d:\d\d\.\d{3}\+01:00$/);
    expect(record.warnings.map((w) => w.code)).toContain('CONDITIONS_APPLY');
    expect(record.representatives).toEqual([
      expect.objectContaining({
        name: 'Anna de Groot',
        phone: '+31 6 12345678',
        roleDisplay: 'Wettelijk vertegenwoordiger',
      }),
    ]);
    expect(record.regiebehandelaar?.practitioner).toMatchObject({ id: gpActor.id, name: gpActor.name });
    expect(record.accessFlagged).toBe(false);
  });

  it('(3) the SEH doctor without consent is refused and logged, then breaks the glass and is flagged', async () => {
    const seh = await night.token('seh-doctor', 'EPD HiX');
    const refused = await night.graphql(seh, PZP, { bsn: BSN, purpose: 'EMERGENCY' });
    expect(code(refused)).toBe('FORBIDDEN');
    expect(refused.data?.pzp ?? null).toBeNull();

    const noReason = await night.graphql(seh, PZP, { bsn: BSN, purpose: 'BREAK_THE_GLASS' });
    expect(code(noReason)).toBe('FORBIDDEN');

    const glass = ok(
      await night.graphql<{ pzp: Rec }>(seh, PZP, {
        bsn: BSN,
        purpose: 'BREAK_THE_GLASS',
        reason: 'Bewusteloos binnengebracht, reanimatiebeleid onbekend',
      }),
    ).pzp;
    expect(glass.accessFlagged).toBe(true);
    expect(directive(glass, '89666000').decision).toBe('NIET');

    const nurse = await night.token('ambulance-nurse');
    const granted = ok(await night.graphql<{ pzp: Rec }>(nurse, PZP, { bsn: BSN, purpose: 'EMERGENCY' })).pzp;
    expect(granted.version).toBe(glass.version);
  });

  it('(4) the auditor pages through history, sees the plan as-of between two changes, and reads every access', async () => {
    const auditor = await night.token('auditor', 'Audit portal');
    type Page = {
      pzpHistory: {
        edges: {
          cursor: string;
          node: { version: number; type: string; recordedAt: string; recordedBy: { id: string } };
        }[];
        pageInfo: { hasNextPage: boolean; endCursor: string | null };
      };
    };
    const all: Page['pzpHistory']['edges'] = [];
    let after: string | null = null;
    do {
      const page: Page = ok(await night.graphql<Page>(auditor, HISTORY, { bsn: BSN, first: 3, after }));
      all.push(...page.pzpHistory.edges);
      after = page.pzpHistory.pageInfo.hasNextPage ? page.pzpHistory.pageInfo.endCursor : null;
    } while (after);
    expect(all.map((e) => e.node.version)).toEqual(all.map((_, i) => i));
    const current = all.at(-1)!.node.version;

    // Between the antibiotics change and the blood-products change.
    const antibiotics = all.find(
      (e) => e.node.type === 'TreatmentDirectiveSet' && e.node.version === marks.firstVersion! + 1,
    )!;
    const next = all.find((e) => e.node.version === antibiotics.node.version + 1)!;
    const between = new Date(
      (Date.parse(antibiotics.node.recordedAt) + Date.parse(next.node.recordedAt)) / 2,
    );
    expect(Date.parse(next.node.recordedAt)).toBeGreaterThan(Date.parse(antibiotics.node.recordedAt));
    const asOf = ok(
      await night.graphql<{ pzpAsOf: Rec }>(auditor, PZP_AS_OF, { bsn: BSN, at: between.toISOString() }),
    ).pzpAsOf;
    expect(asOf.version).toBe(antibiotics.node.version);
    expect(directive(asOf, '281789004').decision).toBe('WEL');
    expect(directive(asOf, '116762002').status).toBe('NO_AGREEMENT_RECORDED');
    expect(current).toBeGreaterThan(asOf.version);

    type Log = {
      accessLog: {
        edges: {
          node: {
            action: string;
            outcome: string;
            basis: string;
            flagged: boolean;
            purpose: string;
            planVersion: number | null;
            clientSystem: string;
            user: { id: string; organization: { type: string } };
          };
        }[];
        pageInfo: { hasNextPage: boolean; endCursor: string | null };
      };
    };
    const entries: Log['accessLog']['edges'][number]['node'][] = [];
    let cursor: string | null = null;
    do {
      const page: Log = ok(
        await night.graphql<Log>(auditor, ACCESS_LOG, { bsn: BSN, first: 10, after: cursor }),
      );
      entries.push(...page.accessLog.edges.map((e) => e.node));
      cursor = page.accessLog.pageInfo.hasNextPage ? page.accessLog.pageInfo.endCursor : null;
    } while (cursor);

    const seen = (org: string, outcome: string, purpose?: string) =>
      entries.filter(
        (e) =>
          e.user.organization.type === org && e.outcome === outcome && (!purpose || e.purpose === purpose),
      );
    expect(seen('HUISARTSENPRAKTIJK', 'GRANTED').map((e) => e.action)).toContain('WRITE');
    expect(seen('HAP', 'GRANTED', 'EMERGENCY')).toEqual([
      expect.objectContaining({
        action: 'READ_CURRENT',
        basis: 'CONSENT',
        clientSystem: 'HAP Callmanager',
        planVersion: current,
      }),
    ]);
    expect(seen('SEH', 'DENIED').map((e) => e.basis)).toEqual(['NO_CONSENT', 'BREAK_GLASS_REASON_REQUIRED']);
    expect(seen('SEH', 'GRANTED')).toEqual([
      expect.objectContaining({
        basis: 'BREAK_THE_GLASS',
        flagged: true,
        purpose: 'BREAK_THE_GLASS',
        clientSystem: 'EPD HiX',
      }),
    ]);
    expect(seen('AMBULANCE', 'GRANTED')).toHaveLength(1);
    const audit = seen('AUDIT', 'GRANTED').map((e) => e.action);
    expect(audit.filter((a) => a === 'READ_HISTORY').length).toBe(Math.ceil(all.length / 3));
    expect(audit).toContain('READ_AS_OF');
    expect(audit).toContain('READ_ACCESS_LOG'); // reading the log is logged, and shows itself
  });
});
