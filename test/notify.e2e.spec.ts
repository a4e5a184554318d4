import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Webhook } from 'standardwebhooks';
import { syntheticBsn } from '@pzp/domain/testing';
import { ensureDevelopmentKeys, mintToken } from '@pzp/api/auth';
import { personaActor } from '@pzp/api/personas';
import { TestServer } from './support/server.js';
import { ok } from './support/graphql.js';
import {
  closeCodeOf,
  Collector,
  pseudonymOf,
  socketClient,
  until,
  WebhookReceiver,
  type Delivery,
} from './support/notify.js';

/**
 * Issue 14 end to end: the real server process, real HTTP, real WebSocket (graphql-ws), and a
 * webhook receiver on a local port. Backoff is short by configuration (no real minutes).
 */

const ENV = {
  PZP_WEBHOOK_BACKOFF_MS: '25',
  PZP_WEBHOOK_BACKOFF_MAX_MS: '400',
  PZP_WEBHOOK_MAX_ATTEMPTS: '8',
  PZP_REVIEW_DUE_POLL_MS: '200',
  // Tokens expire when they say: the expiry tests mint one-second tokens.
  PZP_JWT_CLOCK_SKEW_SECONDS: '0',
};

const gp = { id: 'UZI-100001', name: 'Dr. A. Jansen', profession: 'GENERAL_PRACTITIONER' };
const practice = { id: 'URA-01000001', name: 'Huisartsenpraktijk De Linde', type: 'HUISARTSENPRAKTIJK' };
const professional = { kind: 'PROFESSIONAL', ...gp, organization: practice };

const RECORD = `mutation ($input: RecordConversationInput!) { recordConversation(input: $input) { record { version } } }`;
const SET = `mutation ($input: SetTreatmentDirectiveInput!) { setTreatmentDirective(input: $input) { record { version } } }`;
const WITHDRAW_CONSENT = `mutation ($input: WithdrawSharingConsentInput!) { withdrawSharingConsent(input: $input) { record { version } } }`;
const ASSIGN = `mutation ($input: AssignRoleInput!) { assignRole(input: $input) { record { version } } }`;
const REGISTER = `mutation ($url: String!) { registerWebhookEndpoint(url: $url) { secret endpoint { id url organizationId } } }`;
const DEAD_LETTERS = `{ webhookDeadLetters { edges { node { id version attempts state lastError } } } }`;
const REPLAY = `mutation ($id: ID) { replayWebhookDeadLetters(noticeId: $id) }`;
const NOTICES = `query ($bsn: BSN!) { notices(bsn: $bsn, first: 200) { edges { node {
  id channel recipient organizationId patient version changes state attempts deliveredAt } } } }`;
const PLAN_CHANGED = 'subscription { planChanged { id patient version changes changedAt } }';

type PlanChanged = { planChanged: { id: string; patient: string; version: number; changes: string[] } };
type NoticeNode = {
  id: string;
  channel: string;
  recipient: string;
  patient: string;
  version: number;
  state: string;
  attempts: number;
};

let server: TestServer;
let receiver: WebhookReceiver;
let vvtSubscription: Collector<PlanChanged>;
/** The plan versions the GP last saw, per patient. */
let sharedVersion: number;
let laterVersion: number;
let notSharedVersion: number;

const token = (persona: string) => server.token(persona);

async function record(
  bsn: string,
  extra: Record<string, unknown> = {},
  date = '2026-11-02',
): Promise<number> {
  const input = {
    bsn,
    patient: { bsn, name: 'J. Verbeek', birthDate: '1940-02-02' },
    date,
    participants: [{ kind: 'PATIENT' }, professional],
    treatmentDirectives: [{ treatment: { code: 'CPR' }, decision: 'NIET' }],
    ...extra,
  };
  const r = await server.graphql<{ recordConversation: { record: { version: number } } }>(
    await token('gp'),
    RECORD,
    { input },
  );
  return ok(r).recordConversation.record.version;
}

/** Agrees (or refuses) antibiotics: one new version of the plan. */
async function setAntibiotics(bsn: string, expectedVersion: number, decision: 'WEL' | 'NIET') {
  const r = await server.graphql<{ setTreatmentDirective: { record: { version: number } } }>(
    await token('gp'),
    SET,
    {
      input: {
        bsn,
        expectedVersion,
        treatment: { code: 'ANTIBIOTICS' },
        decision,
        decidedOn: '2026-11-02',
        parties: [{ kind: 'PATIENT' }, professional],
      },
    },
  );
  return ok(r).setTreatmentDirective.record.version;
}

async function noticesOf(bsn: string): Promise<NoticeNode[]> {
  const r = await server.graphql<{ notices: { edges: { node: NoticeNode }[] } }>(
    await token('auditor'),
    NOTICES,
    { bsn },
  );
  return ok(r).notices.edges.map((e) => e.node);
}

async function readyz(): Promise<{ notices: { subscribers: number; webhooks: Record<string, number> } }> {
  return (await fetch(`${server.url}/readyz`)).json() as never;
}

const payloadOf = (d: Delivery) =>
  JSON.parse(d.body) as {
    type: string;
    data: { noticeId: string; patient: string; version: number; changes: string[] };
  };
const headersOf = (d: Delivery) => ({
  'webhook-id': String(d.headers['webhook-id']),
  'webhook-timestamp': String(d.headers['webhook-timestamp']),
  'webhook-signature': String(d.headers['webhook-signature']),
});

const SHARED = syntheticBsn(1401); // consent to share with VVT organisations
const NOT_SHARED = syntheticBsn(1402); // never asked: a VVT may not read it
const SHARED_LATER = syntheticBsn(1403);
const DUE = syntheticBsn(1404);
const vvtConsent = { sharingConsents: [{ organizationType: 'VVT', decision: 'GRANTED' }] };

beforeAll(async () => {
  [server, receiver] = await Promise.all([TestServer.start(ENV), WebhookReceiver.start()]);
}, 60_000);

afterAll(async () => {
  vvtSubscription?.close();
  await server?.stop();
  await receiver?.down();
});

describe('planChanged over WebSocket (graphql-ws)', () => {
  it('tells a VVT subscriber of a change to a plan it may read, and nothing of one it may not', async () => {
    vvtSubscription = new Collector<PlanChanged>(
      socketClient(server, await token('vvt-nurse')),
      PLAN_CHANGED,
    );
    await until(async () => (await readyz()).notices.subscribers >= 1, 'the subscription to be live');

    notSharedVersion = await record(NOT_SHARED);
    const version = (sharedVersion = await record(SHARED, vvtConsent));

    // The first notice the VVT gets is the later change: of the first plan it heard nothing.
    const first = (await vvtSubscription.nth(1)).planChanged;
    expect(first).toMatchObject({ patient: pseudonymOf(server, SHARED), version });
    expect(first.changes).toEqual(expect.arrayContaining(['LIMIT_SET', 'CONSENT_CHANGED']));
    expect(vvtSubscription.values.map((v) => v.planChanged.patient)).not.toContain(
      pseudonymOf(server, NOT_SHARED),
    );

    // The notice holds no content: the subscriber reads the plan with its own token.
    const plan = await server.graphql<{ pzp: { version: number } }>(
      await token('vvt-nurse'),
      'query ($bsn: BSN!) { pzp(bsn: $bsn, purpose: TREATMENT) { version } }',
      { bsn: SHARED },
    );
    expect(ok(plan).pzp.version).toBe(version);
  });

  it('stops telling an organisation at once when the patient withdraws its consent', async () => {
    const withdrawn = await server.graphql<{ withdrawSharingConsent: { record: { version: number } } }>(
      await token('gp'),
      WITHDRAW_CONSENT,
      {
        input: {
          bsn: SHARED,
          expectedVersion: sharedVersion,
          organizationType: 'VVT',
          withdrawnOn: '2026-11-02',
        },
      },
    );
    sharedVersion = ok(withdrawn).withdrawSharingConsent.record.version;
    const later = (laterVersion = await record(SHARED_LATER, vvtConsent));
    const second = (await vvtSubscription.nth(2)).planChanged;
    expect(second).toMatchObject({ patient: pseudonymOf(server, SHARED_LATER), version: later });
  });

  it('closes a socket without a token (4401), with a bad or expired token (4403), and when the token expires', async () => {
    expect(await closeCodeOf(server, {})).toBe(4401);
    expect(await closeCodeOf(server, { authorization: 'Bearer not.a.token' })).toBe(4403);
    const keys = await ensureDevelopmentKeys(server.dataDir);
    const mint = (seconds: number) =>
      mintToken({
        privateJwk: keys.privateJwk,
        actor: personaActor('vvt-nurse'),
        clientSystem: 'e2e',
        issuer: 'pzp-registry-dev',
        audience: 'pzp-registry',
        expiresIn: seconds,
      });
    const shortLived = await mint(1);
    const exp = JSON.parse(Buffer.from(shortLived.split('.')[1]!, 'base64url').toString()).exp as number;
    await until(() => Date.now() > exp * 1000 + 50, 'the token to expire');
    expect(await closeCodeOf(server, { authorization: `Bearer ${shortLived}` })).toBe(4403);

    // Accepted while valid, then closed by the server when it expires.
    const expiring = await mint(2);
    const closed = new Promise<number>((resolve) => {
      const client = socketClient(server, expiring);
      client.on('closed', (event) => resolve((event as { code: number }).code));
      client.subscribe({ query: PLAN_CHANGED }, { next: () => {}, error: () => {}, complete: () => {} });
    });
    expect(await closed).toBe(4403);
  });

  it('serves only subscriptions on the socket, and refuses auditors', async () => {
    const client = socketClient(server, await token('vvt-nurse'));
    const query = new Collector(client, '{ webhookEndpoints { id } }');
    await until(() => query.errors.length > 0 || undefined, 'an error for a query on the socket');
    expect(JSON.stringify(query.errors)).toContain('Only subscriptions');
    const auditor = new Collector(socketClient(server, await token('auditor')), PLAN_CHANGED);
    await until(() => auditor.errors.length > 0 || undefined, 'an error for an auditor');
    expect(JSON.stringify(auditor.errors)).toContain('FORBIDDEN');
    query.close();
    auditor.close();
  });
});

describe('webhooks', () => {
  let secret: string;
  let version: number;

  it('refuses a malformed or not allow-listed URL with BAD_USER_INPUT on url, and auditors', async () => {
    const vvt = await token('vvt-nurse');
    for (const url of [
      'not a url',
      'http://10.20.30.40/hook',
      'ftp://127.0.0.1/x',
      'http://user:pw@127.0.0.1:9/x',
    ]) {
      const r = await server.graphql(vvt, REGISTER, { url });
      expect(r.status, url).toBe(400);
      expect(r.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'url' });
    }
    const audit = await server.graphql(await token('auditor'), REGISTER, { url: receiver.url });
    expect(audit.errors?.[0]?.extensions).toMatchObject({
      code: 'FORBIDDEN',
      reason: 'NOT_A_CARE_PROFESSIONAL',
    });
  });

  it('delivers a change signed per Standard Webhooks', async () => {
    const registered = await server.graphql<{
      registerWebhookEndpoint: { secret: string; endpoint: { url: string } };
    }>(await token('vvt-nurse'), REGISTER, { url: receiver.url });
    secret = ok(registered).registerWebhookEndpoint.secret;
    expect(secret).toMatch(/^whsec_/);

    // Changes the VVT may not read come first: no delivery of them (no consent; consent withdrawn).
    notSharedVersion = await setAntibiotics(NOT_SHARED, notSharedVersion, 'WEL');
    sharedVersion = await setAntibiotics(SHARED, sharedVersion, 'WEL');
    version = laterVersion = await setAntibiotics(SHARED_LATER, laterVersion, 'WEL');
    const [delivery] = await until(
      () => (receiver.accepted.length >= 1 ? receiver.accepted : undefined),
      'a delivery',
    );
    const verified = new Webhook(secret).verify(delivery!.body, headersOf(delivery!)) as ReturnType<
      typeof payloadOf
    >;
    expect(verified.type).toBe('pzp.plan.changed');
    expect(verified.data).toMatchObject({
      noticeId: delivery!.headers['webhook-id'],
      patient: pseudonymOf(server, SHARED_LATER),
      version,
      changes: ['LIMIT_SET'],
    });
    expect(receiver.requests).toHaveLength(1);
    // A tampered body fails the library's check.
    expect(() =>
      new Webhook(secret).verify(delivery!.body.replace('LIMIT_SET', 'X'), headersOf(delivery!)),
    ).toThrow();
  });

  it('after being down for a while, the receiver gets every notice it missed, in order, without gaps', async () => {
    await receiver.down();
    const versions: number[] = [];
    for (const decision of ['NIET', 'WEL', 'NIET'] as const) {
      version = laterVersion = await setAntibiotics(SHARED_LATER, version, decision);
      versions.push(version);
    }
    // Down "for a while": the first missed notice has failed at least twice.
    await until(async () => {
      const n = (await noticesOf(SHARED_LATER)).find(
        (x) => x.channel === 'WEBHOOK' && x.version === versions[0],
      );
      return n !== undefined && n.attempts >= 2;
    }, 'failed attempts while the receiver is down');
    await receiver.listen();
    const accepted = await until(
      () => (receiver.accepted.length >= 4 ? receiver.accepted : undefined),
      'the missed deliveries',
    );
    expect(accepted.slice(1).map((d) => payloadOf(d).data.version)).toEqual(versions);
    for (const d of accepted) expect(() => new Webhook(secret).verify(d.body, headersOf(d))).not.toThrow();
    expect(new Set(accepted.map((d) => d.headers['webhook-id'])).size).toBe(4);
  });

  it('dead-letters a notice after the last attempt; the organisation reads and replays it with the same id', async () => {
    receiver.status = 503;
    version = laterVersion = await setAntibiotics(SHARED_LATER, version, 'WEL');
    type Dead = {
      webhookDeadLetters: { edges: { node: { id: string; version: number; attempts: number } }[] };
    };
    const dead = await until(async () => {
      const r = ok(await server.graphql<Dead>(await token('vvt-nurse'), DEAD_LETTERS));
      return r.webhookDeadLetters.edges.find((e) => e.node.version === version)?.node;
    }, 'a dead letter');
    expect(dead.attempts).toBe(8);
    expect(receiver.requests.filter((r) => r.headers['webhook-id'] === dead.id)).toHaveLength(8);
    // Another organisation sees none of it.
    const other = ok(await server.graphql<Dead>(await token('hap-doctor'), DEAD_LETTERS));
    expect(other.webhookDeadLetters.edges).toEqual([]);

    receiver.status = 204;
    const replayed = ok(
      await server.graphql<{ replayWebhookDeadLetters: number }>(await token('vvt-nurse'), REPLAY, {
        id: dead.id,
      }),
    );
    expect(replayed.replayWebhookDeadLetters).toBe(1);
    const delivery = await until(
      () => receiver.accepted.find((d) => d.headers['webhook-id'] === dead.id),
      'the replayed delivery',
    );
    expect(payloadOf(delivery).data.version).toBe(version);
    expect(() => new Webhook(secret).verify(delivery.body, headersOf(delivery))).not.toThrow();
  });

  it('records every notice for the auditors (to whom, which change, delivered when, how many tries), access-logged', async () => {
    const notices = await noticesOf(SHARED_LATER);
    const webhooks = notices.filter((n) => n.channel === 'WEBHOOK');
    expect(webhooks.map((n) => n.state)).toEqual([
      'DELIVERED',
      'DELIVERED',
      'DELIVERED',
      'DELIVERED',
      'DELIVERED',
    ]);
    expect(webhooks.every((n) => n.patient === pseudonymOf(server, SHARED_LATER))).toBe(true);
    expect(webhooks.map((n) => n.attempts)[1]).toBeGreaterThanOrEqual(3);
    // The live subscriber was told too, and that is on record.
    expect(notices.some((n) => n.channel === 'SUBSCRIPTION' && n.recipient === 'UZI-200002')).toBe(true);

    const log = await server.graphql<{
      accessLog: { edges: { node: { action: string; user: { id: string } } }[] };
    }>(
      await token('auditor'),
      'query ($bsn: BSN!) { accessLog(bsn: $bsn, first: 200) { edges { node { action user { id } } } } }',
      { bsn: SHARED_LATER },
    );
    const actions = ok(log).accessLog.edges.map((e) => `${e.node.action} ${e.node.user.id}`);
    expect(actions).toContain('READ_ACCESS_LOG AUD-000001');
    // Nobody else may read the record of notices.
    const refused = await server.graphql(await token('vvt-nurse'), NOTICES, { bsn: SHARED_LATER });
    expect(refused.errors?.[0]?.extensions).toMatchObject({ code: 'FORBIDDEN' });
  });
});

describe('reviewDue', () => {
  it("tells the organisation's subscriber of its plans that are due", async () => {
    const v = await record(DUE, { reviewAfterMonths: 1 }, '2026-06-01');
    ok(
      await server.graphql(await token('gp'), ASSIGN, {
        input: {
          bsn: DUE,
          expectedVersion: v,
          role: 'REGIEBEHANDELAAR',
          practitioner: gp,
          organization: practice,
          from: '2026-06-01',
        },
      }),
    );
    const due = new Collector<{ reviewDue: { patient: string; reviewDueOn: string } }>(
      socketClient(server, await token('gp')),
      'subscription { reviewDue { patient version reviewDueOn } }',
    );
    const first = (await due.nth(1)).reviewDue;
    expect(first).toMatchObject({ patient: pseudonymOf(server, DUE), reviewDueOn: '2026-07-01' });
    due.close();
  });
});

describe('a crash between append and delivery', () => {
  it('delivers the notice after a restart, with the same webhook-id', async () => {
    vvtSubscription.close();
    receiver.status = 503;
    const version = await setAntibiotics(SHARED_LATER, laterVersion, 'NIET');
    const attempt = await until(
      () => receiver.requests.find((r) => r.status === 503 && payloadOf(r).data.version === version),
      'a failed attempt',
    );
    await server.kill(); // SIGKILL: no shutdown, nothing flushed
    receiver.status = 204;
    server = await TestServer.start(ENV, server.dataDir);
    const delivered = await until(
      () => receiver.accepted.find((d) => payloadOf(d).data.version === version),
      'the delivery after the restart',
    );
    expect(delivered.headers['webhook-id']).toBe(attempt.headers['webhook-id']);
  }, 60_000);
});
