import { ApolloServer } from '@apollo/server';
// The CommonJS copy, as Apollo (and Node in production) load it: see the production-realm test.
import { buildSchema, GraphQLError as NodeGraphQLError } from 'graphql/index.js';
import type { GraphQLError } from 'graphql';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VersionConflictError } from '@pzp/access';
import { actors, syntheticBsn } from '@pzp/domain/testing';
import { recordingLogger, startInProcessApi, startPlan, type InProcessApi } from '../spec-support.js';
import { errorContract } from './error-contract.js';
import { formatError, toApiError } from './errors.js';

/**
 * The error contract over HTTP (see errors.ts): codes, `field` and `reason`, HTTP statuses, and
 * messages that never repeat the caller's value, against the app createApp builds.
 */

const WITH_PLAN = syntheticBsn(0);
const WITHOUT_PLAN = syntheticBsn(1);
const INVALID_BSN = '123456789'; // 9 digits, fails the 11-check
const NAME = 'Jan Jansen';

let api: InProcessApi;
let url: string;
const tokens: Record<'gp' | 'practiceNurse' | 'auditor', string> = { gp: '', practiceNurse: '', auditor: '' };
const logged: { level: number; msg: string }[] = [];

beforeAll(async () => {
  api = await startInProcessApi({
    name: 'errors',
    logger: recordingLogger(logged),
    seed: (node) => startPlan(node, WITH_PLAN, { reviewAfterMonths: 3 }),
  });
  url = api.url;
  for (const who of Object.keys(tokens) as (keyof typeof tokens)[])
    tokens[who] = await api.token(actors[who]);
});

afterAll(() => api?.close());

interface ErrorBody {
  message: string;
  locations?: unknown[];
  extensions: { code: string; field?: string; reason?: string } & Record<string, unknown>;
}
interface Answer {
  status: number;
  data?: Record<string, unknown> | null;
  errors: ErrorBody[];
  text: string;
}

async function post(
  body: Record<string, unknown>,
  who: keyof typeof tokens | 'nobody' = 'gp',
): Promise<Answer> {
  const response = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(who === 'nobody' ? {} : { authorization: `Bearer ${tokens[who]}` }),
    },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  const json = JSON.parse(text) as { data?: Record<string, unknown> | null; errors?: ErrorBody[] };
  return { status: response.status, data: json.data, errors: json.errors ?? [], text };
}
const query = (q: string, variables?: Record<string, unknown>, who?: keyof typeof tokens | 'nobody') =>
  post({ query: q, variables }, who);

/** The one error of an answer, after checking that no message repeats any of `values`. */
function theError(answer: Answer, ...values: string[]): ErrorBody {
  const messages = answer.errors.map((e) => e.message).join('\n');
  for (const value of values) expect(messages).not.toContain(value);
  expect(answer.errors).toHaveLength(1);
  return answer.errors[0]!;
}

const recordConversation = (input: string) =>
  `mutation { recordConversation(input: ${input}) { record { version } } }`;

describe('BAD_USER_INPUT: field, HTTP 400, no value repeated', () => {
  it('a literal BSN that fails the 11-check', async () => {
    const answer = await query(`{ pzp(bsn: "${INVALID_BSN}") { version } }`);
    expect(answer.status).toBe(400);
    const error = theError(answer, INVALID_BSN);
    expect(error.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'bsn' });
    expect(error.message).toBe('Expected value of type "BSN!"; BSN fails the 11-check');
  });

  it('a literal BSN given as a number', async () => {
    const answer = await query(`{ pzp(bsn: ${WITH_PLAN}) { version } }`);
    expect(answer.status).toBe(400);
    const error = theError(answer, WITH_PLAN);
    expect(error.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'bsn' });
    expect(error.message).toContain('BSN!');
  });

  it('literals deep in an input: each with its path, graphql-js scalars and enums included', async () => {
    const answer = await query(
      recordConversation(`{ bsn: "${WITHOUT_PLAN}", expectedVersion: "three", date: "2026-01-10",
        patient: { bsn: "${WITHOUT_PLAN}", name: ["${NAME}"], birthDate: "1940-01-01" },
        participants: [{ kind: PATIENT }, { kind: NOBODY_${NAME.replace(' ', '_')} }] }`),
    );
    expect(answer.status).toBe(400);
    expect(answer.text).not.toContain(NAME);
    expect(answer.text).not.toContain('Jan_Jansen');
    expect(answer.text).not.toContain('three');
    expect(answer.errors.map((e) => [e.extensions.code, e.extensions.field, e.message])).toEqual([
      ['BAD_USER_INPUT', 'input.expectedVersion', 'Expected value of type "Int"'],
      ['BAD_USER_INPUT', 'input.patient.name', 'Expected value of type "String!"'],
      [
        'BAD_USER_INPUT',
        'input.participants.1.kind',
        'Expected value of type "PartyKind!"; allowed: PATIENT, REPRESENTATIVE, RELATIVE, PROFESSIONAL',
      ],
    ]);
  });

  it('a required input field or argument left out', async () => {
    const noDate = await query(recordConversation(`{ bsn: "${WITHOUT_PLAN}", participants: [] }`));
    expect(noDate.status).toBe(400);
    expect(theError(noDate).extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.date' });
    const noBsn = await query('{ pzp { version } }');
    expect(noBsn.status).toBe(400);
    expect(theError(noBsn).extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'bsn' });
  });

  it('a variable: the field as the argument sees it, whatever the variable is called', async () => {
    const bsn = await query('query Q($b: BSN!) { pzp(bsn: $b) { version } }', { b: Number(WITH_PLAN) });
    expect(bsn.status).toBe(400);
    const error = theError(bsn, WITH_PLAN);
    expect(error.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'bsn' });
    expect(error.message).toBe(
      'Variable "$b" got an invalid value; Expected value of type "BSN!"; BSN must be a string',
    );

    const input = await query(
      'mutation M($in: RecordConversationInput!) { recordConversation(input: $in) { record { version } } }',
      {
        in: {
          bsn: INVALID_BSN,
          date: '2026-01-10',
          patient: { bsn: WITHOUT_PLAN, name: { first: NAME }, birthDate: '1940-01-01' },
          participants: [{ kind: 'PATIENT' }, { kind: NAME }],
        },
      },
    );
    expect(input.status).toBe(400);
    expect(input.text).not.toContain(NAME);
    expect(input.text).not.toContain(INVALID_BSN);
    expect(input.errors.map((e) => [e.extensions.code, e.extensions.field, e.message])).toEqual([
      [
        'BAD_USER_INPUT',
        'input.bsn',
        'Variable "$in" got an invalid value at "in.bsn"; Expected value of type "BSN!"; BSN fails the 11-check',
      ],
      [
        'BAD_USER_INPUT',
        'input.patient.name',
        'Variable "$in" got an invalid value at "in.patient.name"; Expected value of type "String!"',
      ],
      [
        'BAD_USER_INPUT',
        'input.participants.1.kind',
        'Variable "$in" got an invalid value at "in.participants[1].kind"; Expected value of type "PartyKind!"; allowed: PATIENT, REPRESENTATIVE, RELATIVE, PROFESSIONAL',
      ],
    ]);

    const missing = await query(
      'mutation M($in: RecordConversationInput!) { recordConversation(input: $in) { record { version } } }',
    );
    expect(missing.status).toBe(400);
    expect(theError(missing).extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input' });
    const noField = await query(
      'mutation M($in: RecordConversationInput!) { recordConversation(input: $in) { record { version } } }',
      { in: { bsn: WITHOUT_PLAN, participants: [] } },
    );
    expect(theError(noField).extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.date' });
  });

  it('a resolver or domain rule: 400 like the others, the data of other fields kept', async () => {
    const page = await query(`{ pzpHistory(bsn: "${WITH_PLAN}", first: 0) { pageInfo { hasNextPage } } }`);
    expect(page.status).toBe(400);
    expect(theError(page).extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'first' });

    // The gp's own directive is confirmed already.
    const version = await currentVersion();
    const again = await query(`mutation { confirmTreatmentDirective(input: { bsn: "${WITH_PLAN}",
      expectedVersion: ${version}, treatment: { code: CPR }, confirmedOn: "2026-05-01" }) { record { version } } }`);
    expect(again.status).toBe(400);
    expect(theError(again).extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.treatment' });

    const mixed = await query(`{ ok: pzp(bsn: "${WITH_PLAN}") { version }
      bad: pzpAsOf(bsn: "${WITH_PLAN}", at: "2030-01-01T00:00:00Z") { version } }`);
    expect(mixed.status).toBe(400);
    expect(theError(mixed).extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'at' });
    expect(mixed.data).toEqual({ ok: { version }, bad: null });
  });
});

async function currentVersion(): Promise<number> {
  const answer = await query(`{ pzp(bsn: "${WITH_PLAN}") { version } }`);
  return (answer.data!['pzp'] as { version: number }).version;
}

describe('UNAUTHENTICATED, FORBIDDEN, CONFLICT', () => {
  it('no token: 401', async () => {
    const answer = await query(`{ pzp(bsn: "${WITH_PLAN}") { version } }`, {}, 'nobody');
    expect(answer.status).toBe(401);
    expect(theError(answer).extensions.code).toBe('UNAUTHENTICATED');
  });

  it("FORBIDDEN always has a reason, from the access policy and from the domain's rules: 403", async () => {
    const policy = await query(`{ pzp(bsn: "${WITH_PLAN}") { version } }`, {}, 'auditor');
    expect(policy.status).toBe(403);
    expect(theError(policy).extensions).toMatchObject({
      code: 'FORBIDDEN',
      reason: expect.stringMatching(/^[A-Z_]+$/),
    });

    const domain = await query(
      `mutation { confirmTreatmentDirective(input: { bsn: "${WITH_PLAN}", expectedVersion: ${await currentVersion()},
        treatment: { code: CPR }, confirmedOn: "2026-05-01" }) { record { version } } }`,
      {},
      'practiceNurse',
    );
    expect(domain.status).toBe(403);
    expect(theError(domain).extensions).toMatchObject({ code: 'FORBIDDEN', reason: 'PHYSICIANS_ONLY' });
  });

  it('CONFLICT: 409 with the current version, or saying that there is no plan', async () => {
    const version = await currentVersion();
    const stale = await query(`mutation { confirmPlanReviewed(input: { bsn: "${WITH_PLAN}",
      expectedVersion: ${version + 5}, reviewedOn: "2026-05-01" }) { record { version } } }`);
    expect(stale.status).toBe(409);
    expect(theError(stale).extensions).toMatchObject({
      code: 'CONFLICT',
      currentVersion: version,
      expectedVersion: version + 5,
      planExists: true,
    });

    const none = await query(`mutation { confirmPlanReviewed(input: { bsn: "${WITHOUT_PLAN}",
      expectedVersion: 3, reviewedOn: "2026-05-01" }) { record { version } } }`);
    expect(none.status).toBe(409);
    const error = theError(none, WITHOUT_PLAN);
    expect(error.extensions).toMatchObject({
      code: 'CONFLICT',
      currentVersion: null,
      expectedVersion: 3,
      planExists: false,
    });
    expect(error.message).toMatch(
      /^The registry holds no plan for this patient; expectedVersion 3 does not apply/,
    );
    expect((toApiError(new VersionConflictError(3, -1)) as GraphQLError).extensions['planExists']).toBe(
      false,
    );
  });
});

describe('no message repeats a value, whatever its kind and wherever it is', () => {
  /** Strings the answers must not contain: every value below is built from them. */
  const SECRETS = [
    '123456782',
    'Jan Jansen',
    'JAN_JANSEN',
    '1234567.5',
    '98765432101',
    '2026-03-10T03:00:00',
  ];
  const BSN_LIKE = '123456782'; // passes the 11-check: a real-looking BSN
  const kinds = {
    'a BSN-like string': BSN_LIKE,
    'a number': 123456782,
    'a fraction': 1234567.5,
    'a large integer': 98765432101,
    'a boolean': true,
    'a name': 'Jan Jansen',
    'an enum-like name': 'JAN_JANSEN',
    'an instant without offset': '2026-03-10T03:00:00',
    'a list': [BSN_LIKE, 'Jan Jansen'],
    'an object': { bsn: BSN_LIKE, name: 'Jan Jansen' },
  } as const;
  /** Each argument with its type, and the kinds of value it refuses. */
  const positions: [string, string, string, (keyof typeof kinds)[]][] = [
    [
      'bsn',
      'BSN!',
      `pzp(bsn: $v) { version }`,
      ['a number', 'a fraction', 'a boolean', 'a name', 'a list', 'an object'],
    ],
    [
      'breakGlassReason',
      'String',
      `pzp(bsn: "${WITH_PLAN}", purpose: BREAK_THE_GLASS, breakGlassReason: $v) { version }`,
      ['a number', 'a fraction', 'a boolean', 'a list', 'an object'],
    ],
    [
      'first',
      'Int',
      `pzpHistory(bsn: "${WITH_PLAN}", first: $v) { pageInfo { hasNextPage } }`,
      ['a BSN-like string', 'a fraction', 'a large integer', 'a boolean', 'a list', 'an object'],
    ],
    [
      'purpose',
      'AccessPurpose',
      `pzp(bsn: "${WITH_PLAN}", purpose: $v) { version }`,
      ['a BSN-like string', 'a number', 'a name', 'an enum-like name', 'a list', 'an object'],
    ],
    [
      'at',
      'DateTime!',
      `pzpAsOf(bsn: "${WITH_PLAN}", at: $v) { version }`,
      ['a BSN-like string', 'a number', 'an instant without offset', 'a list', 'an object'],
    ],
    [
      'until',
      'LocalDate!',
      `reviewsDue(until: $v) { pageInfo { hasNextPage } }`,
      ['a BSN-like string', 'a number', 'a name', 'an instant without offset', 'a list', 'an object'],
    ],
  ];
  /** As a literal in the document: enum-like names bare, everything else as JSON would print it. */
  const literal = (value: unknown): string =>
    Array.isArray(value)
      ? `[${value.map(literal).join(', ')}]`
      : typeof value === 'object' && value !== null
        ? `{ ${Object.entries(value)
            .map(([k, v]) => `${k}: ${literal(v)}`)
            .join(', ')} }`
        : value === 'JAN_JANSEN'
          ? value
          : JSON.stringify(value);

  const expectNoValue = (answer: Answer, field: string) => {
    expect(answer.status).toBe(400);
    for (const secret of SECRETS) expect(answer.text).not.toContain(secret);
    expect(answer.errors.length).toBeGreaterThan(0);
    for (const error of answer.errors)
      expect(error.extensions).toMatchObject({
        code: 'BAD_USER_INPUT',
        field: expect.stringMatching(new RegExp(`^${field}`)),
      });
  };

  it.each(positions)('%s (%s): in a variable and as a literal', async (field, type, selection, refused) => {
    for (const kind of refused) {
      const value = kinds[kind];
      const asVariable = await query(`query Q($v: ${type}) { ${selection} }`, { v: value }, 'auditor');
      expectNoValue(asVariable, field);
      const asLiteral = await query(`{ ${selection.replace('$v', literal(value))} }`, {}, 'auditor');
      expectNoValue(asLiteral, field);
    }
  });

  it("a variable's object key that no field can have is not repeated; a misspelt field name is", async () => {
    const document =
      'mutation M($in: RecordConversationInput!) { recordConversation(input: $in) { record { version } } }';
    const base = { bsn: WITHOUT_PLAN, date: '2026-01-10', participants: [{ kind: 'PATIENT' }] };
    for (const key of [BSN_LIKE, 'Jan Jansen', `x${'y'.repeat(80)}`]) {
      const answer = await query(document, { in: { ...base, [key]: 1 } });
      expect(answer.status).toBe(400);
      expect(answer.text).not.toContain(key);
      expect(theError(answer)).toMatchObject({
        message:
          'Variable "$in" got an invalid value; An object key is not a field of type "RecordConversationInput".',
        extensions: { code: 'BAD_USER_INPUT', field: 'input' },
      });
    }
    const typo = await query(document, { in: { ...base, bns: 1 } });
    expect(theError(typo).extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.bns' });
    expect(theError(typo).message).toContain('Field "bns" is not defined by type "RecordConversationInput"');
  });

  it('a syntax error names the kind of token, not its text', async () => {
    for (const document of [
      `{ pzp(bsn: "${BSN_LIKE}" "Jan Jansen") { version } }`,
      `{ pzp(bsn: ${BSN_LIKE}) { version ${BSN_LIKE} } }`,
      `{ pzp(bsn: "${BSN_LIKE}") { version """Jan Jansen""" } }`,
      `{ pzp(bsn: "${BSN_LIKE}") { version 1234567.5 } }`,
    ]) {
      const answer = await query(document);
      expect(answer.status).toBe(400);
      for (const secret of SECRETS) expect(answer.text).not.toContain(secret);
      expect(theError(answer)).toMatchObject({
        message: expect.stringMatching(/^Syntax Error: .*\b(String|BlockString|Int|Float)\.$/),
        extensions: { code: 'GRAPHQL_PARSE_FAILED' },
      });
    }
  });
});

describe('request-level errors: 4xx with a precise code, not logged as errors', () => {
  const twoOperations = 'query A { me { id } } query B { me { name } }';

  it('an unknown or missing operation name: 400 OPERATION_RESOLUTION_FAILURE', async () => {
    logged.length = 0;
    const unknown = await post({ query: twoOperations, operationName: 'C' });
    expect(unknown.status).toBe(400);
    expect(theError(unknown).extensions.code).toBe('OPERATION_RESOLUTION_FAILURE');
    const ambiguous = await post({ query: twoOperations });
    expect(ambiguous.status).toBe(400);
    expect(theError(ambiguous)).toMatchObject({
      message: 'Must provide operation name if query contains multiple operations.',
      extensions: { code: 'OPERATION_RESOLUTION_FAILURE' },
    });
    const chosen = await post({ query: twoOperations, operationName: 'B' });
    expect(chosen.status).toBe(200);
    expect(chosen.errors).toEqual([]);
    expect(logged).toEqual([]);
  });

  it('persisted queries are not taken: 400 PERSISTED_QUERY_NOT_SUPPORTED, with or without the query', async () => {
    logged.length = 0;
    const persistedQuery = { version: 1, sha256Hash: 'a'.repeat(64) };
    for (const body of [
      { query: '{ me { id } }', extensions: { persistedQuery } },
      { extensions: { persistedQuery } },
      { query: '{ me { id } }', extensions: { persistedQuery: { ...persistedQuery, version: 2 } } },
    ]) {
      const answer = await post(body);
      expect(answer.status).toBe(400);
      expect(theError(answer).extensions.code).toBe('PERSISTED_QUERY_NOT_SUPPORTED');
    }
    expect(logged).toEqual([]);
  });

  it('a query answers bad variables alike when it runs interpreted and when it runs compiled', async () => {
    // The executor compiles a query on its second run (executor.ts): runs 2 and 3 are compiled.
    const lookup = 'query Again($b: BSN!, $p: AccessPurpose) { pzp(bsn: $b, purpose: $p) { version } }';
    const answers = [];
    for (let run = 0; run < 3; run++)
      answers.push(await query(lookup, { b: Number(WITH_PLAN), p: 'JAN_JANSEN' }));
    for (const answer of answers) {
      expect(answer.status).toBe(400);
      expect(answer.text).toBe(answers[0]!.text);
    }
    expect(answers[0]!.errors.map((e) => e.extensions.field)).toEqual(['bsn', 'purpose']);
    // A valid run compiles it; the refusals after it are the same.
    expect((await query(lookup, { b: WITH_PLAN })).status).toBe(200);
    expect((await query(lookup, { b: Number(WITH_PLAN), p: 'JAN_JANSEN' })).text).toBe(answers[0]!.text);
  });

  it('too many variable errors: 400, BAD_REQUEST after the first 50 BAD_USER_INPUT', async () => {
    logged.length = 0;
    const answer = await query(
      'mutation M($in: RecordConversationInput!) { recordConversation(input: $in) { record { version } } }',
      {
        in: {
          bsn: WITHOUT_PLAN,
          date: '2026-01-10',
          participants: Array.from({ length: 60 }, () => ({ kind: NAME })),
        },
      },
    );
    expect(answer.status).toBe(400);
    expect(answer.text).not.toContain(NAME);
    expect(answer.errors).toHaveLength(51);
    expect(answer.errors.slice(0, 50).every((e) => e.extensions.code === 'BAD_USER_INPUT')).toBe(true);
    expect(answer.errors[49]!.extensions.field).toBe('input.participants.49.kind');
    expect(answer.errors[50]!.extensions.code).toBe('BAD_REQUEST');
    expect(logged).toEqual([]);
  });
});

describe('in the realm Node runs in production', () => {
  // Under Node, a scalar's GraphQLError is the same class graphql-js checks for, so graphql-js
  // passes it on as it is: from parseLiteral without a node (so without a location), from
  // parseValue without "Expected type". Under vitest the scalars of scalars.ts come from the other
  // copy of graphql and are wrapped instead; this schema is built with the one copy.
  const schema = buildSchema('scalar Code\ntype Query { echo(a: Code, b: [Code!]): String }');
  const check = (value: unknown) => {
    if (typeof value !== 'string' || !/^[A-Z]{3}$/.test(value))
      throw new NodeGraphQLError('Code must be 3 capitals', { extensions: { code: 'BAD_USER_INPUT' } });
    return value;
  };
  Object.assign(schema.getType('Code')!, {
    parseValue: check,
    parseLiteral: (node: { value?: unknown }) => check(node.value),
  });
  const run = async (request: { query: string; variables?: Record<string, unknown> }) => {
    const apollo = new ApolloServer({
      schema,
      plugins: [errorContract()],
      formatError: formatError(pino({ level: 'silent' })),
    });
    await apollo.start();
    const response = await apollo.executeOperation(request);
    await apollo.stop();
    const { errors } = (response.body as unknown as { singleResult: { errors: ErrorBody[] } }).singleResult;
    expect(JSON.stringify(errors)).not.toMatch(/abcd|xyz/);
    return { status: response.http.status, errors };
  };

  it("finds a scalar's literal error that graphql-js reports without its node", async () => {
    const { status, errors } = await run({ query: '{ echo(a: "ABC", b: ["ABC", "abcd", "xyz"]) }' });
    expect(status).toBe(400);
    expect(errors.map((e) => [e.extensions.code, e.extensions.field, e.message, e.locations])).toEqual([
      [
        'BAD_USER_INPUT',
        'b.1',
        'Expected value of type "Code!"; Code must be 3 capitals',
        [{ line: 1, column: 29 }],
      ],
      [
        'BAD_USER_INPUT',
        'b.2',
        'Expected value of type "Code!"; Code must be 3 capitals',
        [{ line: 1, column: 37 }],
      ],
    ]);
  });

  it("gives a scalar's variable error the same message as under vitest", async () => {
    const { status, errors } = await run({
      query: 'query Q($codes: [Code!]) { echo(b: $codes) }',
      variables: { codes: ['ABC', 'abcd'] },
    });
    expect(status).toBe(400);
    expect(errors.map((e) => [e.extensions.code, e.extensions.field, e.message])).toEqual([
      [
        'BAD_USER_INPUT',
        'b.1',
        'Variable "$codes" got an invalid value at "codes[1]"; Expected value of type "Code!"; Code must be 3 capitals',
      ],
    ]);
  });
});
