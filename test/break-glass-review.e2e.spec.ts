import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type {
  BreakGlassAccessesOfMyPatientsQuery,
  BreakGlassAccessesQuery,
  OpenBreakGlassReviewCountQuery,
  ReviewBreakGlassAccessMutation,
} from './generated/operations.js';
import {
  ACCESS_LOG,
  ASSIGN_ROLE,
  BREAK_GLASS_ACCESSES,
  BREAK_GLASS_ACCESSES_OF_MY_PATIENTS,
  OPEN_BREAK_GLASS_REVIEW_COUNT,
  PZP,
  RECORD_CONVERSATION,
  REVIEW_BREAK_GLASS_ACCESS,
} from './operations.js';
import { TestServer, type GraphQLResponse } from './support/server.js';
import { ok } from './support/graphql.js';

/**
 * The break-the-glass review (NEN 7513) over real HTTP: a physician breaks the glass at night, the
 * auditor sees the access open, concludes on it, and the patient's regiebehandelaar (the nursing
 * home's elderly-care physician) sees the access of their patient.
 */

const BSN = '111222333';
const REASON = 'Bewusteloos binnengebracht, reanimatiebeleid onbekend';
const NOTE = 'Patiënt was aanspreekbaar en had een HAP-verwijzing met beleid: niet nodig';
const gp = { id: 'UZI-100001', name: 'Dr. A. Jansen', profession: 'GENERAL_PRACTITIONER' };
const practice = { id: 'URA-01000001', name: 'Huisartsenpraktijk De Linde', type: 'HUISARTSENPRAKTIJK' };
const so = { id: 'UZI-100006', name: 'Dr. E. Meijer', profession: 'ELDERLY_CARE_PHYSICIAN' };
const nursingHome = { id: 'URA-04000006', name: 'Verpleeghuis De Akkers', type: 'VVT' };

let server: TestServer;

const error = (r: GraphQLResponse) => r.errors?.[0]?.extensions;

beforeAll(async () => {
  server = await TestServer.start({ PZP_CLOCK_START: '2026-03-10T03:00:00+01:00' });
  const token = await server.token('gp', 'HIS Medicom');
  const recorded = ok(
    await server.graphql<{ recordConversation: { record: { version: number } } }>(
      token,
      RECORD_CONVERSATION,
      {
        input: {
          bsn: BSN,
          patient: { bsn: BSN, name: 'W. de Groot-Peters', birthDate: '1938-05-04' },
          date: '2026-03-09',
          participants: [{ kind: 'PATIENT' }, { kind: 'PROFESSIONAL', ...gp, organization: practice }],
          treatmentDirectives: [{ treatment: { code: 'CPR' }, decision: 'NIET' }],
          // Only the HAP was asked about: the SEH must break the glass.
          sharingConsents: [{ organizationType: 'HAP', decision: 'GRANTED' }],
        },
      },
    ),
  ).recordConversation;
  ok(
    await server.graphql(token, ASSIGN_ROLE, {
      input: {
        bsn: BSN,
        expectedVersion: recorded.record.version,
        role: 'REGIEBEHANDELAAR',
        practitioner: so,
        organization: nursingHome,
        from: '2026-03-09',
      },
    }),
  );
}, 60_000);

afterAll(async () => {
  await server?.stop();
});

describe('break-the-glass review over HTTP', () => {
  let accessId: string;

  it('a physician breaks the glass; the auditor sees it open (count 1)', async () => {
    const seh = await server.token('seh-doctor', 'EPD HiX');
    const glass = ok(
      await server.graphql<{ pzp: { accessFlagged: boolean } }>(seh, PZP, {
        bsn: BSN,
        purpose: 'BREAK_THE_GLASS',
        reason: REASON,
      }),
    );
    expect(glass.pzp.accessFlagged).toBe(true);

    const auditor = await server.token('auditor', 'Audit portal');
    const count = ok(
      await server.graphql<OpenBreakGlassReviewCountQuery>(auditor, OPEN_BREAK_GLASS_REVIEW_COUNT),
    );
    expect(count.openBreakGlassReviewCount).toBe(1);
    const open = ok(
      await server.graphql<BreakGlassAccessesQuery>(auditor, BREAK_GLASS_ACCESSES, { reviewed: false }),
    ).breakGlassAccesses;
    expect(open.edges).toHaveLength(1);
    const node = open.edges[0]!.node;
    expect(node.access).toMatchObject({
      purpose: 'BREAK_THE_GLASS',
      outcome: 'GRANTED',
      basis: 'BREAK_THE_GLASS',
      flagged: true,
      breakGlassReason: REASON,
      user: { id: 'UZI-100005' },
    });
    expect(node.id).toBe(node.access.id);
    expect(node.patientId).toMatch(/^[0-9a-f]{64}$/); // the pseudonym, never the BSN
    expect(node.review).toBeNull();
    accessId = node.id;
  });

  it('a non-auditor is FORBIDDEN, with the reason', async () => {
    for (const persona of ['gp', 'so', 'seh-doctor']) {
      const token = await server.token(persona);
      const list = await server.graphql(token, BREAK_GLASS_ACCESSES, {});
      expect(error(list)).toMatchObject({ code: 'FORBIDDEN', reason: 'AUDIT_ROLE_REQUIRED' });
      const count = await server.graphql(token, OPEN_BREAK_GLASS_REVIEW_COUNT);
      expect(error(count)).toMatchObject({ code: 'FORBIDDEN', reason: 'AUDIT_ROLE_REQUIRED' });
      const review = await server.graphql(token, REVIEW_BREAK_GLASS_ACCESS, {
        input: { accessId, conclusion: 'JUSTIFIED', note: NOTE },
      });
      expect(error(review)).toMatchObject({ code: 'FORBIDDEN', reason: 'AUDIT_ROLE_REQUIRED' });
      expect(review.status).toBe(403);
    }
  });

  it('the auditor concludes NOT_JUSTIFIED with a note; the count drops to 0; the reviewed list says who, when, what', async () => {
    const auditor = await server.token('auditor', 'Audit portal');
    const reviewed = ok(
      await server.graphql<ReviewBreakGlassAccessMutation>(auditor, REVIEW_BREAK_GLASS_ACCESS, {
        input: { accessId, conclusion: 'NOT_JUSTIFIED', note: NOTE },
      }),
    ).reviewBreakGlassAccess;
    expect(reviewed.review).toMatchObject({
      conclusion: 'NOT_JUSTIFIED',
      note: NOTE,
      reviewedBy: { id: 'AUD-000001', name: 'J. Peters' },
    });
    expect(reviewed.review!.reviewedAt).toMatch(/^2026-03-10T0\d:\d\d:\d\d\.\d{3}\+01:00$/);

    const count = ok(
      await server.graphql<OpenBreakGlassReviewCountQuery>(auditor, OPEN_BREAK_GLASS_REVIEW_COUNT),
    );
    expect(count.openBreakGlassReviewCount).toBe(0);
    const open = ok(
      await server.graphql<BreakGlassAccessesQuery>(auditor, BREAK_GLASS_ACCESSES, { reviewed: false }),
    );
    expect(open.breakGlassAccesses.edges).toEqual([]);
    const done = ok(
      await server.graphql<BreakGlassAccessesQuery>(auditor, BREAK_GLASS_ACCESSES, { reviewed: true }),
    ).breakGlassAccesses.edges;
    expect(done.map((e) => [e.node.id, e.node.review?.conclusion, e.node.review?.reviewedBy.id])).toEqual([
      [accessId, 'NOT_JUSTIFIED', 'AUD-000001'],
    ]);
    expect(done[0]!.node.review!.reviewedAt).toBe(reviewed.review!.reviewedAt);
  });

  it('a second conclusion is a CONFLICT', async () => {
    const auditor = await server.token('auditor', 'Audit portal');
    const again = await server.graphql(auditor, REVIEW_BREAK_GLASS_ACCESS, {
      input: { accessId, conclusion: 'JUSTIFIED', note: 'Toch terecht, bij nader inzien' },
    });
    expect(error(again)).toMatchObject({ code: 'CONFLICT' });
    expect(again.status).toBe(409);
  });

  it("the regiebehandelaar's organisation sees the access of its patient; the GP practice, not regie, does not", async () => {
    const regie = await server.token('so', 'ONS Nedap');
    const mine = ok(
      await server.graphql<BreakGlassAccessesOfMyPatientsQuery>(
        regie,
        BREAK_GLASS_ACCESSES_OF_MY_PATIENTS,
        {},
      ),
    ).breakGlassAccessesOfMyPatients.edges;
    expect(mine.map((e) => [e.node.id, e.node.access.user.id, e.node.access.breakGlassReason])).toEqual([
      [accessId, 'UZI-100005', REASON],
    ]);
    expect(mine[0]!.node.review).toBeNull(); // the auditors' conclusion is theirs
    const gpToken = await server.token('gp');
    const notMine = ok(
      await server.graphql<BreakGlassAccessesOfMyPatientsQuery>(
        gpToken,
        BREAK_GLASS_ACCESSES_OF_MY_PATIENTS,
        {},
      ),
    );
    expect(notMine.breakGlassAccessesOfMyPatients.edges).toEqual([]);
  });

  it("every look at the review and the notice is in the patient's access log", async () => {
    const auditor = await server.token('auditor', 'Audit portal');
    const log = ok(
      await server.graphql<{ accessLog: { edges: { node: { action: string; user: { id: string } } }[] } }>(
        auditor,
        ACCESS_LOG,
        { bsn: BSN, first: 100 },
      ),
    ).accessLog.edges.map((e) => [e.node.action, e.node.user.id]);
    expect(log).toEqual(
      expect.arrayContaining([
        ['READ_BREAK_GLASS_ACCESSES', 'AUD-000001'],
        ['REVIEW_BREAK_GLASS_ACCESS', 'AUD-000001'],
        ['READ_BREAK_GLASS_NOTICES', 'UZI-100006'],
      ]),
    );
  });
});
