import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ASSIGN_ROLE,
  EMERGENCY,
  HISTORY,
  MARK_IN_ERROR,
  PZP,
  RECORD_CONVERSATION,
  SET_DIRECTIVE,
  VOID_RECORD,
  WITHDRAW_DIRECTIVE,
  WITHDRAW_REVISION,
} from './operations.js';
import { TestServer, type GraphQLResponse } from './support/server.js';

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

const ok = <T>(r: GraphQLResponse<T>): T => {
  expect(r.errors, JSON.stringify(r.errors)).toBeUndefined();
  return r.data!;
};

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
