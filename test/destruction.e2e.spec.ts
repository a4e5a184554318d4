import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DestroyRecordMutation } from './generated/operations.js';
import { ACCESS_LOG, HISTORY, PZP, PZP_AS_OF, RECORD_CONVERSATION } from './operations.js';
import { TestServer, type GraphQLResponse } from './support/server.js';
import { ok } from './support/graphql.js';

/**
 * Lawful destruction over real HTTP: the GP destroys the record at the patient's request; every
 * read of it answers RECORD_DESTROYED (410) from then on, after a restart and a rebuild of the read
 * models too; verify-store still verifies the chain; and the event log's file holds nothing the
 * patient said. Who may not destroy is refused with the reason.
 */

const run = promisify(execFile);
const ROOT = join(import.meta.dirname, '..');
const BSN = '111222333';
const NAME = 'Aaltje Wiersma-Hoekstra';
const SUMMARY = 'Wil niet meer naar het ziekenhuis, wel pijnbestrijding thuis';
const WISH = 'Nog eenmaal de Elfstedentocht zien';
const DESTROY = readFileSync(new URL('./operations/destruction.graphql', import.meta.url), 'utf8');
const gp = { id: 'UZI-100001', name: 'Dr. A. Jansen', profession: 'GENERAL_PRACTITIONER' };
const practice = { id: 'URA-01000001', name: 'Huisartsenpraktijk De Linde', type: 'HUISARTSENPRAKTIJK' };

let server: TestServer;
let version: number;

const extensionsOf = (r: GraphQLResponse) => r.errors?.[0]?.extensions;

const destroy = async (persona: string) =>
  server.graphql<DestroyRecordMutation>(await server.token(persona), DESTROY, {
    input: { bsn: BSN, expectedVersion: version, grounds: 'PATIENT_REQUEST', reference: 'VERZ-2026/17' },
  });

/** Every read a client makes of the record, with the persona that may make it. */
async function reads(): Promise<GraphQLResponse[]> {
  const [gpToken, hapToken, auditorToken] = await Promise.all(
    ['gp', 'hap-doctor', 'auditor'].map((p) => server.token(p)),
  );
  return [
    await server.graphql(gpToken, PZP, { bsn: BSN }),
    await server.graphql(hapToken, PZP, { bsn: BSN, purpose: 'EMERGENCY' }),
    await server.graphql(auditorToken, PZP_AS_OF, { bsn: BSN, at: '2026-03-09T12:00:00+01:00' }),
    await server.graphql(auditorToken, HISTORY, { bsn: BSN, first: 20 }),
    await server.graphql(gpToken, RECORD_CONVERSATION, {
      input: {
        bsn: BSN,
        expectedVersion: version + 1,
        date: '2026-03-10',
        participants: [{ kind: 'PATIENT' }, { kind: 'PROFESSIONAL', ...gp, organization: practice }],
      },
    }),
  ];
}

function expectDestroyed(responses: readonly GraphQLResponse[]) {
  for (const r of responses) {
    expect(r.status).toBe(410);
    expect(extensionsOf(r)).toMatchObject({
      code: 'RECORD_DESTROYED',
      destroyed: { grounds: 'PATIENT_REQUEST', reference: 'VERZ-2026/17', destroyedBy: { id: gp.id } },
    });
    expect(JSON.stringify(r)).not.toMatch(/Wiersma|ziekenhuis|Elfsteden/);
  }
}

const bytesOf = (file: string) =>
  [file, `${file}-wal`]
    .filter((f) => existsSync(f))
    .map((f) => readFileSync(f).toString('latin1'))
    .join('');

beforeAll(async () => {
  server = await TestServer.start({ PZP_CLOCK_START: '2026-03-10T10:00:00+01:00' });
  const recorded = ok(
    await server.graphql<{ recordConversation: { record: { version: number } } }>(
      await server.token('gp'),
      RECORD_CONVERSATION,
      {
        input: {
          bsn: BSN,
          patient: { bsn: BSN, name: NAME, birthDate: '1936-11-02' },
          date: '2026-03-09',
          summary: SUMMARY,
          lifeWishes: [{ text: WISH }],
          participants: [{ kind: 'PATIENT' }, { kind: 'PROFESSIONAL', ...gp, organization: practice }],
          treatmentDirectives: [{ treatment: { code: 'CPR' }, decision: 'NIET' }],
          sharingConsents: [{ organizationType: 'HAP', decision: 'GRANTED' }],
        },
      },
    ),
  ).recordConversation;
  version = recorded.record.version;
}, 60_000);

afterAll(async () => {
  await server?.stop();
});

describe('lawful destruction over HTTP', () => {
  it('a practice nurse and an auditor may not destroy the record; it stays', async () => {
    expect(extensionsOf(await destroy('practice-nurse'))).toMatchObject({
      code: 'FORBIDDEN',
      reason: 'NOT_ENTITLED_TO_DESTROY',
    });
    expect(extensionsOf(await destroy('auditor'))).toMatchObject({
      code: 'FORBIDDEN',
      reason: 'AUDITORS_DO_NOT_CHANGE_RECORDS',
    });
    const plan = ok(
      await server.graphql<{ pzp: { version: number } }>(await server.token('gp'), PZP, { bsn: BSN }),
    );
    expect(plan.pzp.version).toBe(version);
  });

  it('the GP of the registered practice destroys it: who, when and why is all that is left', async () => {
    const destroyed = ok(await destroy('gp')).destroyRecord;
    expect(destroyed).toMatchObject({
      version: version + 1,
      grounds: 'PATIENT_REQUEST',
      reference: 'VERZ-2026/17',
      destroyedBy: { id: gp.id, organization: { id: practice.id } },
    });
    expect(Date.parse(destroyed.destroyedAt)).toBeGreaterThan(Date.parse('2026-03-10T08:00:00Z'));
  });

  it('every read of the record answers RECORD_DESTROYED (410); the access log stays for the auditor', async () => {
    expectDestroyed(await reads());
    const log = ok(
      await server.graphql<{ accessLog: { edges: { node: { basis: string } }[] } }>(
        await server.token('auditor'),
        ACCESS_LOG,
        { bsn: BSN, first: 100 },
      ),
    );
    expect(log.accessLog.edges.map((e) => e.node.basis)).toContain('RECORD_DESTROYED');
  });

  it('answers FHIR with 410 Gone as an OperationOutcome, never an empty search', async () => {
    const response = await fetch(
      `${server.url}/fhir/Patient?identifier=${encodeURIComponent(`http://fhir.nl/fhir/NamingSystem/bsn|${BSN}`)}`,
      { headers: { authorization: `Bearer ${await server.token('gp')}` } },
    );
    expect(response.status).toBe(410);
    const outcome = (await response.json()) as { resourceType: string; issue: { code: string }[] };
    expect(outcome).toMatchObject({ resourceType: 'OperationOutcome', issue: [{ code: 'deleted' }] });
  });

  it('after a stop, verify-store, a rebuild of the read models and a restart: still destroyed, nothing left in the files', async () => {
    await server.stop({ removeData: false });
    const { dataDir } = server;
    const cli = (script: string) =>
      run(process.execPath, ['--import', 'tsx', script, '--data-dir', dataDir], { cwd: ROOT });
    // Exit code 0: every stream's chain holds, the shredded one included (a break exits 1).
    await cli('scripts/verify-store.ts');
    await cli('packages/projections/src/cli/rebuild.ts');
    for (const file of ['events.db', 'read-models.db']) {
      const bytes = bytesOf(join(dataDir, file));
      for (const secret of [BSN, NAME, 'Wiersma', SUMMARY, WISH, 'Elfstedentocht']) {
        expect(
          bytes.includes(Buffer.from(secret, 'utf8').toString('latin1')),
          `${file} holds "${secret}"`,
        ).toBe(false);
      }
    }
    server = await TestServer.start({ PZP_CLOCK_START: '2026-03-10T11:00:00+01:00' }, dataDir);
    expectDestroyed(await reads());
  }, 60_000);
});
