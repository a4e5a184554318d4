import { afterAll, beforeAll, expect, it } from 'vitest';
import { syntheticBsn } from '@pzp/domain/testing';
import { TestServer } from './support/server.js';
import { ok } from './support/graphql.js';
import { pseudonymOf, until, WebhookReceiver, type Delivery } from './support/notify.js';

/**
 * A read by breaking the glass is told at once to the patient's practice (NEN 7513: those
 * responsible learn of it, not only the auditors later): the real server, real HTTP, and webhook
 * receivers on local ports. A refused attempt and the ordinary reads around it are no notice.
 */

const gp = { id: 'UZI-100001', name: 'Dr. A. Jansen', profession: 'GENERAL_PRACTITIONER' };
const practice = { id: 'URA-01000001', name: 'Huisartsenpraktijk De Linde', type: 'HUISARTSENPRAKTIJK' };

const RECORD = `mutation ($input: RecordConversationInput!) { recordConversation(input: $input) { record { version } } }`;
const REGISTER = `mutation ($url: String!) { registerWebhookEndpoint(url: $url) { endpoint { organizationId } } }`;
const PZP = `query ($bsn: BSN!, $purpose: AccessPurpose!, $reason: String) {
  pzp(bsn: $bsn, purpose: $purpose, breakGlassReason: $reason) { version accessFlagged }
}`;

const BSN = syntheticBsn(1601);

let server: TestServer;
let practiceHook: WebhookReceiver;
let vvtHook: WebhookReceiver;

const payloadOf = (d: Delivery) =>
  JSON.parse(d.body) as { data: { patient: string; changes: string[]; organization: string } };
const breakGlassNotices = (r: WebhookReceiver) =>
  r.accepted.map(payloadOf).filter((p) => p.data.changes.includes('BREAK_THE_GLASS'));

beforeAll(async () => {
  [server, practiceHook, vvtHook] = await Promise.all([
    TestServer.start({ PZP_WEBHOOK_BACKOFF_MS: '25', PZP_WEBHOOK_BACKOFF_MAX_MS: '400' }),
    WebhookReceiver.start(),
    WebhookReceiver.start(),
  ]);
}, 60_000);

afterAll(async () => {
  await server?.stop();
  await practiceHook?.down();
  await vvtHook?.down();
});

it("tells the patient's practice of a break-the-glass read, once, and no one else", async () => {
  const gpToken = await server.token('gp');
  ok(await server.graphql(gpToken, REGISTER, { url: practiceHook.url }));
  ok(await server.graphql(await server.token('vvt-nurse'), REGISTER, { url: vvtHook.url }));
  // A plan at the practice, its sharing never asked: the SEH may read it only by breaking the glass.
  ok(
    await server.graphql(gpToken, RECORD, {
      input: {
        bsn: BSN,
        patient: { bsn: BSN, name: 'J. Verbeek', birthDate: '1940-02-02' },
        date: '2026-11-02',
        participants: [{ kind: 'PATIENT' }, { kind: 'PROFESSIONAL', ...gp, organization: practice }],
        treatmentDirectives: [{ treatment: { code: 'CPR' }, decision: 'NIET' }],
      },
    }),
  );
  const seh = await server.token('seh-doctor');
  const refused = await server.graphql(seh, PZP, { bsn: BSN, purpose: 'EMERGENCY' });
  expect(refused.errors?.[0]?.extensions).toMatchObject({ code: 'FORBIDDEN' });
  const broken = await server.graphql<{ pzp: { accessFlagged: boolean } }>(seh, PZP, {
    bsn: BSN,
    purpose: 'BREAK_THE_GLASS',
    reason: 'Bewusteloos binnengebracht, geen familie bereikbaar',
  });
  expect(ok(broken).pzp.accessFlagged).toBe(true);
  // The practice's own read afterwards is an ordinary one.
  ok(await server.graphql(gpToken, PZP, { bsn: BSN, purpose: 'TREATMENT' }));

  const [notice] = await until(() => {
    const found = breakGlassNotices(practiceHook);
    return found.length > 0 ? found : undefined;
  }, 'the break-the-glass notice');
  expect(notice!.data).toMatchObject({
    patient: pseudonymOf(server, BSN),
    changes: ['BREAK_THE_GLASS'],
    organization: practice.id,
  });
  // Wait for anything else that was coming: the plan's own change notice reaches the practice.
  await until(
    () =>
      practiceHook.accepted.some((d) => payloadOf(d).data.changes.includes('LIMIT_SET')) ? true : undefined,
    'the change notice',
  );
  expect(breakGlassNotices(practiceHook)).toHaveLength(1);
  // The nursing home's organisation may not read this plan: it hears of neither.
  expect(vvtHook.accepted.filter((d) => payloadOf(d).data.patient === pseudonymOf(server, BSN))).toEqual([]);
}, 60_000);
