import { getNamedType, GraphQLObjectType, isLeafType, isNonNullType } from 'graphql/index.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { actors } from '@pzp/domain/fixtures';
import type { SqliteEventStore } from '@pzp/event-store';
import { DEMO_PATIENTS, seedDemoData } from '../demo/demo-data.js';
import type { Services } from '../services.js';
import { recordingLogger, startInProcessApi, type InProcessApi } from '../spec-support.js';
import { QUERY_LIMITS } from './limits.js';
import { registrySchema } from './schema.js';

const schema = registrySchema();

/**
 * The query limits of createApp over HTTP: each refusal is 400 QUERY_TOO_COMPLEX naming the limit,
 * comes before any resolver (so no access record is written), and is not logged as an error.
 */

let api: InProcessApi;
let url: string;
let store: SqliteEventStore;
let services: Services;
let token: string;
const logged: { level: number; msg: string }[] = [];

beforeAll(async () => {
  api = await startInProcessApi({
    name: 'limits',
    clock: () => new Date('2026-03-10T03:00:00+01:00'),
    logger: recordingLogger(logged),
    seed: (node) => seedDemoData(node.store, node.pseudonymOf, new Date('2026-02-01T10:00:00Z')),
  });
  ({ url, store, services } = api);
  token = await api.token(actors.hapDoctor);
});

afterAll(() => api?.close());

interface Answer {
  status: number;
  data?: Record<string, unknown> | null;
  errors?: { message: string; extensions?: Record<string, unknown> }[];
}

async function post(query: string, variables: Record<string, unknown> = {}): Promise<Answer> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query, variables }),
  });
  return { status: response.status, ...((await response.json()) as Omit<Answer, 'status'>) };
}

/** The store's head after every access record of the requests so far is written. */
async function head() {
  await services.accessLog.drain();
  return store.headPosition();
}

/** A refusal by `limit`: 400, one error, QUERY_TOO_COMPLEX, nothing read and nothing logged. */
async function expectRefused(request: Promise<Answer>, limit: string, before: bigint | undefined) {
  logged.length = 0;
  const answer = await request;
  expect(answer.status).toBe(400);
  expect(answer.data).toBeUndefined();
  expect(answer.errors).toHaveLength(1);
  expect(answer.errors![0]!.extensions).toEqual({ code: 'QUERY_TOO_COMPLEX', limit });
  expect(await head()).toBe(before);
  expect(logged).toEqual([]);
  return answer.errors![0]!.message;
}

const pzp = (alias: string) =>
  `${alias}: pzp(bsn: "${DEMO_PATIENTS.deGroot.bsn}", purpose: EMERGENCY) { version }`;

describe('aliases', () => {
  it('2,400 aliases of pzp are refused before any record is opened', async () => {
    const before = await head();
    const document = `{ ${Array.from({ length: 2_400 }, (_, i) => pzp(`p${i}`)).join(' ')} }`;
    // So many that the document is over the token limit as well, which is checked first.
    await expectRefused(post(document), 'TOKENS', before);
  });

  it('more aliases than the limit are refused, however they are spread over fragments', async () => {
    const before = await head();
    const over = QUERY_LIMITS.maxAliases + 1;
    const message = await expectRefused(
      post(`{ ${Array.from({ length: over }, (_, i) => pzp(`p${i}`)).join(' ')} }`),
      'ALIASES',
      before,
    );
    expect(message).toBe(`Query has ${over} aliases, more than the limit of ${QUERY_LIMITS.maxAliases}`);
    // A fragment's aliases count once for every time it is spread.
    const spreads = Array.from({ length: 6 }, (_, i) => `m${i}: me { ...A }`).join(' ');
    const viaFragment = `fragment A on Actor { a: id b: name } { ${spreads} }`;
    expect(await expectRefused(post(viaFragment), 'ALIASES', before)).toMatch(/^Query has 18 aliases,/);
  });

  it('up to the limit, aliases are served', async () => {
    const answer = await post(
      `{ ${Array.from({ length: QUERY_LIMITS.maxAliases }, (_, i) => `m${i}: me { id }`).join(' ')} }`,
    );
    expect(answer.status).toBe(200);
    expect(answer.errors).toBeUndefined();
    expect(Object.keys(answer.data!)).toHaveLength(QUERY_LIMITS.maxAliases);
  });
});

describe('tokens, directives, cost', () => {
  it('a document over the token limit is refused while it is parsed', async () => {
    const before = await head();
    const ids = 'id '.repeat(QUERY_LIMITS.maxTokens);
    const message = await expectRefused(post(`{ me { ${ids} } }`), 'TOKENS', before);
    expect(message).toBe(`Query exceeds the limit of ${QUERY_LIMITS.maxTokens} tokens`);
    // Comments are not tokens.
    const commented = await post(`# ${'x '.repeat(QUERY_LIMITS.maxTokens)}\n{ me { id } }`);
    expect(commented.status).toBe(200);
  });

  it('more directives than the limit are refused', async () => {
    const before = await head();
    const over = QUERY_LIMITS.maxDirectives + 1;
    const fields = Array.from({ length: over }, () => 'id @include(if: true)').join(' ');
    const message = await expectRefused(post(`{ me { ${fields} } }`), 'DIRECTIVES', before);
    expect(message).toBe(
      `Query has ${over} directives, more than the limit of ${QUERY_LIMITS.maxDirectives}`,
    );
  });

  it('the page size multiplies the cost, whether literal, variable or default', async () => {
    const before = await head();
    // About 100 fields per record: one page of 1 is cheap, a page of 50 or 100 is not.
    const record = everything('PzpRecord', 3);
    const page = (args: string) =>
      `query Q${args ? '($n: Int)' : ''} { reviewsDue(until: "2027-01-01"${args}) { edges { node { ${record} } } } }`;
    const one = await post(page(', first: $n'), { n: 1 });
    expect(one.errors).toBeUndefined();
    expect(one.status).toBe(200);
    expect(await expectRefused(post(page(', first: $n'), { n: 100 }), 'COST', before)).toMatch(
      /^Query cost \d+ exceeds the limit of 5000$/,
    );
    // No `first`: the schema's default page of 50 counts, not 1.
    await expectRefused(post(page('')), 'COST', before);
  });
});

/** Every field of a type that takes no required argument, `levels` deep. */
function everything(typeName: string, levels: number): string {
  const type = schema.getType(typeName) as GraphQLObjectType;
  return Object.values(type.getFields())
    .filter((f) => !f.args.some((a) => isNonNullType(a.type) && a.defaultValue === undefined))
    .flatMap((f) => {
      const named = getNamedType(f.type);
      if (!(named instanceof GraphQLObjectType)) return isLeafType(named) ? [f.name] : [];
      const inner = levels > 1 ? everything(named.name, levels - 1) : '';
      return inner ? [`${f.name} { ${inner} }`] : [];
    })
    .join(' ');
}
