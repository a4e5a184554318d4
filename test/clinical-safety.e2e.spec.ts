import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { syntheticBsn } from '@pzp/domain/testing';
import {
  ACCESS_LOG,
  ASSIGN_ROLE,
  CONFIRM_DIRECTIVE,
  EMERGENCY,
  HISTORY,
  MARK_IN_ERROR,
  PZP,
  RECORD_CONVERSATION,
  REVIEWS_DUE,
  SET_DIRECTIVE,
  TWO_PAGES,
  TWO_PATIENTS,
  VOID_RECORD,
  WITHDRAW_DIRECTIVE,
  WITHDRAW_REVISION,
} from './operations.js';
import { TestServer, type GraphQLResponse } from './support/server.js';
import { ok } from './support/graphql.js';

/**
 * The unsafe paths of issue 10, played over real HTTP against the real server process: what a HAP
 * doctor sees at night after a nurse changed a confirmed limit, after a plan was entered on the
 * wrong patient, after the GP handed the regiebehandelaar role to a nursing home, and beside a
 * written do-not-resuscitate declaration.
 */

const gp = { id: 'UZI-100001', name: 'Dr. A. Jansen', profession: 'GENERAL_PRACTITIONER' };
const practice = { id: 'URA-01000001', name: 'Huisartsenpraktijk De Linde', type: 'HUISARTSENPRAKTIJK' };
const so = { id: 'UZI-100006', name: 'Dr. E. Meijer', profession: 'ELDERLY_CARE_PHYSICIAN' };
const nursingHome = { id: 'URA-04000006', name: 'Verpleeghuis De Akkers', type: 'VVT' };
const CPR = { code: 'CPR' };
/** The treatment's key in the record: its SNOMED code. */
const CPR_KEY = '89666000';

type Agreement =
  | { __typename: 'Perform' | 'DoNotPerform'; decision: string; specification: string | null }
  | { __typename: 'OnlyUnderConditions'; conditions: string };
interface EmergencyView {
  pzp: {
    version: number;
    treatmentDirectives: {
      key: string;
      status: string;
      summary: string;
      agreement: Agreement | null;
      pendingRevision: {
        decidedOn: string;
        agreement: Agreement;
        provenance: { recordedBy: { name: string } };
      } | null;
    }[];
    registeredGpPractice: { practice: { id: string } } | null;
    warnings: { code: string; subject: string | null; message: string }[];
  } | null;
}

let server: TestServer;

const firstConversation = (bsn: string, extra: Record<string, unknown> = {}) => ({
  bsn,
  patient: { bsn, name: 'J. Verbeek', birthDate: '1940-02-02' },
  date: '2026-03-09',
  participants: [{ kind: 'PATIENT' }, { kind: 'PROFESSIONAL', ...gp, organization: practice }],
  treatmentDirectives: [{ treatment: CPR, decision: 'NIET' }],
  sharingConsents: [
    { organizationType: 'HAP', decision: 'GRANTED' },
    { organizationType: 'VVT', decision: 'GRANTED' },
  ],
  ...extra,
});

async function record(bsn: string, extra: Record<string, unknown> = {}): Promise<number> {
  const token = await server.token('gp');
  const r = ok(
    await server.graphql<{ recordConversation: { record: { version: number } } }>(
      token,
      RECORD_CONVERSATION,
      {
        input: firstConversation(bsn, extra),
      },
    ),
  );
  return r.recordConversation.record.version;
}

async function emergencyView(bsn: string) {
  return ok(await server.graphql<EmergencyView>(await server.token('hap-doctor'), EMERGENCY, { bsn })).pzp;
}

beforeAll(async () => {
  server = await TestServer.start({ PZP_CLOCK_START: '2026-03-09T14:00:00+01:00' });
}, 60_000);

afterAll(async () => {
  await server?.stop();
});

describe('clinical safety over HTTP', () => {
  it("a nurse cannot remove a physician's confirmed NIET in two steps; her change waits beside it", async () => {
    const bsn = '111222333';
    let version = await record(bsn);
    const nurse = await server.token('vvt-nurse');
    const revised = ok(
      await server.graphql<{ setTreatmentDirective: { record: { version: number } } }>(nurse, SET_DIRECTIVE, {
        input: {
          bsn,
          expectedVersion: version,
          treatment: CPR,
          decision: 'WEL',
          decidedOn: '2026-03-09',
          parties: [
            { kind: 'PATIENT' },
            { kind: 'PROFESSIONAL', id: 'UZI-200002', name: 'L. Visser', profession: 'DISTRICT_NURSE' },
          ],
        },
      }),
    );
    version = revised.setTreatmentDirective.record.version;

    // At night the HAP doctor sees the confirmed NIET, and the nurse's entry beside it, flagged.
    let view = (await emergencyView(bsn))!;
    let cpr = view.treatmentDirectives.find((d) => d.key === CPR_KEY)!;
    expect(cpr).toMatchObject({
      status: 'CONFIRMED',
      summary: 'Niet uitvoeren',
      agreement: { __typename: 'DoNotPerform' },
    });
    expect(cpr.pendingRevision).toMatchObject({
      decidedOn: '2026-03-09',
      agreement: { __typename: 'Perform', decision: 'WEL' },
      provenance: { recordedBy: { name: 'L. Visser' } },
    });
    expect(view.warnings).toContainEqual(
      expect.objectContaining({ code: 'PENDING_REVISION', subject: CPR_KEY }),
    );

    // Step two of the old path: the nurse withdraws the directive. Refused, nothing written.
    const refused = await server.graphql(nurse, WITHDRAW_DIRECTIVE, {
      input: {
        bsn,
        expectedVersion: version,
        treatment: CPR,
        endedOn: '2026-03-09',
        reason: 'Patiënt wil reanimatie',
      },
    });
    expect(refused.errors?.[0]?.extensions).toMatchObject({ code: 'FORBIDDEN', reason: 'PHYSICIANS_ONLY' });

    // She may take back her own pending revision; the NIET is untouched.
    ok(
      await server.graphql(nurse, WITHDRAW_REVISION, {
        input: { bsn, expectedVersion: version, treatment: CPR, reason: 'Verkeerd genoteerd' },
      }),
    );
    view = (await emergencyView(bsn))!;
    cpr = view.treatmentDirectives.find((d) => d.key === CPR_KEY)!;
    expect(cpr).toMatchObject({ status: 'CONFIRMED', summary: 'Niet uitvoeren', pendingRevision: null });
  });

  it('a plan entered on the wrong patient is voided: pzp answers null, the auditor sees who and why', async () => {
    const bsn = '123456782';
    const version = await record(bsn);
    const voided = ok(
      await server.graphql<{ voidRecord: { version: number; changes: { type: string; reason: string }[] } }>(
        await server.token('gp'),
        VOID_RECORD,
        {
          input: {
            bsn,
            expectedVersion: version,
            reason: 'BSN verkeerd overgenomen',
            voidedOn: '2026-03-09',
          },
        },
      ),
    );
    expect(voided.voidRecord.changes).toEqual([
      expect.objectContaining({ type: 'RecordVoided', reason: 'BSN verkeerd overgenomen' }),
    ]);
    expect(await emergencyView(bsn)).toBeNull();
    const history = ok(
      await server.graphql<{
        pzpHistory: {
          edges: { node: { type: string; reason: string | null; recordedBy: { id: string } } }[];
        };
      }>(await server.token('auditor'), HISTORY, { bsn, first: 50 }),
    );
    expect(history.pzpHistory.edges.at(-1)!.node).toMatchObject({
      type: 'RecordVoided',
      reason: 'BSN verkeerd overgenomen',
      recordedBy: { id: gp.id },
    });
    expect(history.pzpHistory.edges.map((e) => e.node.type)).toContain('TreatmentDirectiveSet');
  });

  it('the patient’s own GP practice keeps reading after handing the regiebehandelaar role to a nursing home', async () => {
    const bsn = '999999990';
    // No consent for GP practices was asked: the practice reads as the one the patient is registered with.
    const version = await record(bsn);
    const token = await server.token('gp');
    ok(
      await server.graphql(token, ASSIGN_ROLE, {
        input: {
          bsn,
          expectedVersion: version,
          role: 'REGIEBEHANDELAAR',
          practitioner: so,
          organization: nursingHome,
          from: '2026-03-09',
        },
      }),
    );
    const read = await server.graphql<{ pzp: { version: number } | null }>(token, PZP, {
      bsn,
      purpose: 'TREATMENT',
    });
    expect(read.errors).toBeUndefined();
    expect(read.data!.pzp).not.toBeNull();
    expect((await emergencyView(bsn))!.registeredGpPractice).toEqual({ practice: { id: practice.id } });
  });

  it('a niet-reanimerenverklaring beside no CPR agreement is shown as a contradiction', async () => {
    const bsn = '100000009';
    await record(bsn, {
      treatmentDirectives: [],
      advanceDirectives: [{ type: 'NR', date: '2025-11-20', documentReference: 'Niet-reanimerenpenning' }],
    });
    const view = (await emergencyView(bsn))!;
    expect(view.treatmentDirectives.find((d) => d.key === CPR_KEY)).toMatchObject({
      status: 'NO_AGREEMENT_RECORDED',
      agreement: null,
    });
    expect(view.warnings).toContainEqual(
      expect.objectContaining({ code: 'DIRECTIVE_CONFLICT', subject: CPR_KEY }),
    );
  });

  it('history shows what a change did in typed items: an ended directive with when, why and who', async () => {
    const bsn = '200000007';
    const version = await record(bsn);
    const gpToken = await server.token('gp');
    ok(
      await server.graphql(gpToken, WITHDRAW_DIRECTIVE, {
        input: {
          bsn,
          expectedVersion: version,
          treatment: CPR,
          endedOn: '2026-03-09',
          reason: 'Opnieuw bespreken',
        },
      }),
    );
    type Item = Record<string, unknown> & { __typename: string };
    const history = ok(
      await server.graphql<{
        pzpHistory: {
          edges: {
            node: {
              type: string;
              changes: { section: string; key: string | null; before: Item | null; after: Item | null }[];
            };
          }[];
        };
      }>(await server.token('auditor'), HISTORY, { bsn, first: 50 }),
    );
    const withdrawal = history.pzpHistory.edges.at(-1)!.node;
    expect(withdrawal.type).toBe('TreatmentDirectiveWithdrawn');
    expect(withdrawal.changes).toEqual([
      {
        section: 'treatmentDirectives',
        key: CPR_KEY,
        before: expect.objectContaining({
          __typename: 'TreatmentDirective',
          status: 'CONFIRMED',
          agreement: expect.objectContaining({ __typename: 'DoNotPerform', decision: 'NIET' }),
        }),
        after: {
          __typename: 'EndedTreatmentDirective',
          key: CPR_KEY,
          summary: 'Niet uitvoeren',
          endedOn: '2026-03-09',
          endReason: 'Opnieuw bespreken',
          endedBy: { recordedAt: expect.stringMatching(/\+01:00$/), recordedBy: { id: gp.id } },
        },
      },
    ]);
    // The conversation's own dates are typed too.
    const conversation = history.pzpHistory.edges.find((e) => e.node.type === 'ConversationRecorded')!.node;
    expect(conversation.changes).toContainEqual({
      section: 'reviewDueOn',
      key: null,
      before: null,
      after: { __typename: 'PlanDate', date: expect.stringMatching(/^\d{4}-\d{2}-\d{2}$/) },
    });
  });

  it('a conversation marked entered-in-error takes what it recorded with it; history marks all of it', async () => {
    const bsn = '300000005';
    const first = await record(bsn);
    const token = await server.token('gp');
    const second = ok(
      await server.graphql<{
        recordConversation: { record: { version: number }; changes: { changeId: string; type: string }[] };
      }>(token, RECORD_CONVERSATION, {
        input: {
          bsn,
          expectedVersion: first,
          date: '2026-03-09',
          participants: [{ kind: 'PATIENT' }, { kind: 'PROFESSIONAL', ...gp, organization: practice }],
          treatmentDirectives: [{ treatment: CPR, decision: 'WEL' }],
          lifeWishes: [{ text: 'Nog één keer naar zee' }],
        },
      }),
    ).recordConversation;
    const conversation = second.changes.find((c) => c.type === 'ConversationRecorded')!;
    const corrected = ok(
      await server.graphql<{
        markEnteredInError: {
          record: { treatmentDirectives: { key: string; summary: string }[]; lifeWishes: unknown[] };
        };
      }>(token, MARK_IN_ERROR, {
        input: {
          bsn,
          expectedVersion: second.record.version,
          changeId: conversation.changeId,
          reason: 'Verkeerde patiënt',
        },
      }),
    ).markEnteredInError.record;
    // The first conversation's NIET is current again; the wish of the wrong conversation is gone.
    expect(corrected.treatmentDirectives.find((d) => d.key === CPR_KEY)!.summary).toBe('Niet uitvoeren');
    expect(corrected.lifeWishes).toEqual([]);
    const history = ok(
      await server.graphql<{
        pzpHistory: { edges: { node: { changeId: string; enteredInError: boolean } }[] };
      }>(await server.token('auditor'), HISTORY, { bsn, first: 50 }),
    );
    const marked = new Map(history.pzpHistory.edges.map((e) => [e.node.changeId, e.node.enteredInError]));
    for (const change of second.changes) expect(marked.get(change.changeId), change.type).toBe(true);
  });
});

interface LogEntry {
  action: string;
  outcome: string;
  basis: string;
  flagged: boolean;
  breakGlassReason: string | null;
  user: { id: string };
}

/** The patient's access log as the auditor reads it over HTTP. */
async function accessLogOf(bsn: string): Promise<LogEntry[]> {
  const log = ok(
    await server.graphql<{ accessLog: { edges: { node: LogEntry }[] } }>(
      await server.token('auditor'),
      ACCESS_LOG,
      { bsn, first: 200 },
    ),
  );
  return log.accessLog.edges.map((e) => e.node).filter((e) => e.action !== 'READ_ACCESS_LOG');
}

const extensionsOf = (r: GraphQLResponse) => r.errors?.[0]?.extensions;

describe('issue 11 over HTTP: what one request may open, free text, lists and refusals', () => {
  it('opens one patient per request: an alias for a second patient is refused and logged, the same patient twice is fine', async () => {
    const [a, b] = [syntheticBsn(1101), syntheticBsn(1102)];
    await record(a);
    await record(b);
    const hap = await server.token('hap-doctor');
    const same = await server.graphql<{ a: { version: number }; b: { version: number } }>(hap, TWO_PATIENTS, {
      a,
      b: a,
    });
    expect(same.errors).toBeUndefined();
    expect(same.data!.b).toEqual(same.data!.a);

    const two = await server.graphql<{ a: { version: number } | null; b: { version: number } | null }>(
      hap,
      TWO_PATIENTS,
      { a, b },
    );
    expect(two.status).toBe(403);
    expect(two.data!.a).not.toBeNull();
    expect(two.data!.b).toBeNull();
    expect(two.errors).toHaveLength(1);
    expect(two.errors![0]).toMatchObject({
      path: ['b'],
      extensions: { code: 'FORBIDDEN', reason: 'TOO_MANY_PATIENTS' },
    });
    expect(JSON.stringify(two.errors)).not.toContain(b);
    // The attempt is in the second patient's log, flagged for review; nothing was shown of it.
    expect(await accessLogOf(b)).toEqual([
      expect.objectContaining({ action: 'WRITE', outcome: 'GRANTED' }),
      expect.objectContaining({
        action: 'READ_CURRENT',
        outcome: 'DENIED',
        basis: 'TOO_MANY_PATIENTS',
        flagged: true,
        user: expect.objectContaining({ id: 'UZI-100003' }),
      }),
    ]);
  });

  it('lists at most one page of reviews due per request', async () => {
    const pages = await server.graphql(await server.token('gp'), TWO_PAGES, { until: '2030-01-01' });
    expect(pages.errors).toHaveLength(1);
    expect(pages.errors![0]).toMatchObject({
      path: ['two'],
      extensions: { code: 'FORBIDDEN', reason: 'TOO_MANY_PATIENTS' },
    });
  });

  it('refuses invisible or control characters in free text: a break-glass reason, a reason, a name', async () => {
    const bsn = syntheticBsn(1103);
    const version = await record(bsn);
    const seh = await server.token('seh-doctor');
    const invisible = await server.graphql(seh, PZP, {
      bsn,
      purpose: 'BREAK_THE_GLASS',
      reason: '\u200b'.repeat(10),
    });
    expect(extensionsOf(invisible)).toMatchObject({
      code: 'FORBIDDEN',
      reason: 'BREAK_GLASS_REASON_REQUIRED',
    });
    const nul = await server.graphql(seh, PZP, {
      bsn,
      purpose: 'BREAK_THE_GLASS',
      reason: '\u0000'.repeat(10),
    });
    expect(nul.status).toBe(400);
    expect(extensionsOf(nul)).toMatchObject({ code: 'BAD_USER_INPUT', field: 'breakGlassReason' });
    // The invisible reason was a refused break-glass attempt (flagged); the NUL one never reached the policy.
    expect((await accessLogOf(bsn)).filter((e) => e.user.id === 'UZI-100005')).toEqual([
      expect.objectContaining({
        outcome: 'DENIED',
        basis: 'BREAK_GLASS_REASON_REQUIRED',
        flagged: true,
        breakGlassReason: null,
      }),
    ]);

    const gp = await server.token('gp');
    const voided = await server.graphql(gp, VOID_RECORD, {
      input: { bsn, expectedVersion: version, reason: '\u200b'.repeat(10), voidedOn: '2026-03-09' },
    });
    expect(extensionsOf(voided)).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.reason' });
    expect(await emergencyView(bsn)).not.toBeNull(); // nothing was voided

    const other = syntheticBsn(1104);
    const named = await server.graphql(gp, RECORD_CONVERSATION, {
      input: firstConversation(other, {
        contactPersons: [{ name: 'Anna\u0000de Groot', role: 'CONTACT', relationship: 'CHILD' }],
      }),
    });
    expect(extensionsOf(named)).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'input.contactPersons.0.name',
    });
    expect(JSON.stringify(named.errors)).not.toContain('Anna');
    expect(await emergencyView(other)).toBeNull();
  });

  it('lists no plan on reviews due that the caller may not read (the specialist, a patient who refused hospitals)', async () => {
    const specialist = { id: 'UZI-100004', name: 'Dr. K. Mulder', profession: 'MEDICAL_SPECIALIST' };
    const hospital = { id: 'URA-03000003', name: 'Catharina Ziekenhuis', type: 'ZIEKENHUIS' };
    const [refused, granted] = [syntheticBsn(1105), syntheticBsn(1106)];
    for (const [bsn, decision] of [
      [refused, 'REFUSED'],
      [granted, 'GRANTED'],
    ] as const) {
      const version = await record(bsn, { sharingConsents: [{ organizationType: 'ZIEKENHUIS', decision }] });
      ok(
        await server.graphql(await server.token('gp'), ASSIGN_ROLE, {
          input: {
            bsn,
            expectedVersion: version,
            role: 'HOOFDBEHANDELAAR',
            practitioner: specialist,
            organization: hospital,
            from: '2026-03-09',
          },
        }),
      );
    }
    const token = await server.token('specialist');
    const denied = await server.graphql(token, PZP, { bsn: refused });
    expect(extensionsOf(denied)).toMatchObject({ code: 'FORBIDDEN', reason: 'CONSENT_REFUSED' });
    const due = ok(
      await server.graphql<{
        reviewsDue: { edges: { node: { patient: { bsn: string } } }[]; pageInfo: { hasNextPage: boolean } };
      }>(token, REVIEWS_DUE, { until: '2030-01-01', first: 50 }),
    ).reviewsDue;
    expect(due.edges.map((e) => e.node.patient.bsn)).toEqual([granted]);
    expect(due.pageInfo.hasNextPage).toBe(false);
    const listed = (entries: LogEntry[]) => entries.filter((e) => e.action === 'READ_REVIEWS_DUE');
    expect(listed(await accessLogOf(granted))).toEqual([
      expect.objectContaining({
        outcome: 'GRANTED',
        basis: 'CONSENT',
        user: expect.objectContaining({ id: specialist.id }),
      }),
    ]);
    expect(listed(await accessLogOf(refused))).toEqual([]);
  });

  it('a nurse refused a change by a domain rule gets FORBIDDEN with its reason, and the refusal is in the access log', async () => {
    const bsn = syntheticBsn(1107);
    const version = await record(bsn);
    const history = ok(
      await server.graphql<{ pzpHistory: { edges: { node: { changeId: string; type: string } }[] } }>(
        await server.token('auditor'),
        HISTORY,
        { bsn, first: 50 },
      ),
    );
    const gpEntry = history.pzpHistory.edges.find((e) => e.node.type === 'TreatmentDirectiveSet')!.node;
    const nurse = await server.token('practice-nurse');
    const attempts = [
      await server.graphql(nurse, CONFIRM_DIRECTIVE, {
        input: { bsn, expectedVersion: version, treatment: CPR, confirmedOn: '2026-03-09' },
      }),
      await server.graphql(nurse, ASSIGN_ROLE, {
        input: {
          bsn,
          expectedVersion: version,
          role: 'REGIEBEHANDELAAR',
          practitioner: gp,
          organization: practice,
          from: '2026-03-09',
        },
      }),
      await server.graphql(nurse, MARK_IN_ERROR, {
        input: { bsn, expectedVersion: version, changeId: gpEntry.changeId, reason: 'Verkeerd ingevoerd' },
      }),
    ];
    for (const attempt of attempts) {
      expect(attempt.status, JSON.stringify(attempt.errors)).toBe(403);
      expect(extensionsOf(attempt)).toMatchObject({ code: 'FORBIDDEN', reason: 'PHYSICIANS_ONLY' });
    }
    expect((await accessLogOf(bsn)).filter((e) => e.user.id === 'UZI-200001')).toEqual(
      Array.from({ length: 3 }, () =>
        expect.objectContaining({ action: 'WRITE', outcome: 'DENIED', basis: 'PHYSICIANS_ONLY' }),
      ),
    );
    const gpToken = await server.token('gp');
    expect(ok(await server.graphql<{ pzp: { version: number } }>(gpToken, PZP, { bsn })).pzp.version).toBe(
      version,
    );
  });
});
