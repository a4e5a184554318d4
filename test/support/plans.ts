import { PZP, RECORD_CONVERSATION, SET_DIRECTIVE } from '../operations.js';
import type { GraphQLResponse, TestServer } from './server.js';

/** A GP's first conversation and a later change over HTTP, and the version a GP reads back. */

const gp = { id: 'UZI-100001', name: 'Dr. A. Jansen', profession: 'GENERAL_PRACTITIONER' };
const practice = { id: 'URA-01000001', name: 'Huisartsenpraktijk De Linde', type: 'HUISARTSENPRAKTIJK' };
const professional = { kind: 'PROFESSIONAL', ...gp, organization: practice };

function data<T>(response: GraphQLResponse<T>): T {
  if (response.errors !== undefined || response.data == null) {
    throw new Error(`GraphQL errors (HTTP ${response.status}): ${JSON.stringify(response.errors)}`);
  }
  return response.data;
}

/** Sends a GP's first conversation for `bsn`, as it is answered. */
export async function sendFirstConversation(server: TestServer, bsn: string) {
  return server.graphql<{ recordConversation: { record: { version: number } } }>(
    await server.token('gp'),
    RECORD_CONVERSATION,
    {
      input: {
        bsn,
        patient: { bsn, name: 'J. Verbeek', birthDate: '1940-02-02' },
        date: '2026-03-09',
        participants: [{ kind: 'PATIENT' }, professional],
        treatmentDirectives: [{ treatment: { code: 'CPR' }, decision: 'NIET' }],
      },
    },
  );
}

/** Records a first conversation for `bsn`; resolves with the plan's version. */
export async function recordPlan(server: TestServer, bsn: string): Promise<number> {
  return data(await sendFirstConversation(server, bsn)).recordConversation.record.version;
}

/** Agrees antibiotics with the patient; resolves with the plan's new version. */
export async function changePlan(server: TestServer, bsn: string, expectedVersion: number): Promise<number> {
  const response = await server.graphql<{ setTreatmentDirective: { record: { version: number } } }>(
    await server.token('gp'),
    SET_DIRECTIVE,
    {
      input: {
        bsn,
        expectedVersion,
        treatment: { code: 'ANTIBIOTICS' },
        decision: 'WEL',
        decidedOn: '2026-03-09',
        parties: [{ kind: 'PATIENT' }, professional],
      },
    },
  );
  return data(response).setTreatmentDirective.record.version;
}

/** The version of `bsn`'s plan the GP reads, or null when the node shows no plan. */
export async function planVersion(server: TestServer, bsn: string): Promise<number | null> {
  const response = await server.graphql<{ pzp: { version: number } | null }>(await server.token('gp'), PZP, {
    bsn,
  });
  if (response.errors?.[0]?.extensions?.['code'] === 'NOT_FOUND') return null;
  return data(response).pzp?.version ?? null;
}
