import { ANY, bearer, graphqlPost, JSON_TYPE, REFUSED, type HostileCase } from './case.js';
import { READ_PZP, roundRobin, type Generator, type GeneratorContext } from './generator.js';
import { mutationDocument, TEMPLATES } from './mutations.js';

/**
 * Attacks on the HTTP envelope: bodies that are not JSON, or too large, content types that are
 * not JSON (a form post is how a cross-site request looks), GET and other methods, batches.
 * Where a request carries a clean write, that write must not run.
 */

const LIFE_WISH = TEMPLATES.find((t) => t.mutation === 'recordLifeWish')!;

function cleanWrite(g: GeneratorContext) {
  const ctx = g.templateContext();
  return {
    body: { query: mutationDocument(LIFE_WISH), variables: { input: LIFE_WISH.input(ctx) } },
    bsn: ctx.patient.bsn,
    mutation: LIFE_WISH.mutation,
  };
}

const post = (
  g: GeneratorContext,
  category: HostileCase['category'],
  label: string,
  body: HostileCase['body'],
  extra: Partial<HostileCase> = {},
): HostileCase => ({
  category,
  label,
  method: 'POST',
  path: '/graphql',
  headers: { ...JSON_TYPE, ...bearer(g.target.tokens.gp) },
  body,
  expect: REFUSED,
  secrets: [],
  ...extra,
});

/** Bodies a JSON parser refuses, or that parse to something that is not a GraphQL request. */
export const malformedJson: Generator = (g, count) => {
  const { rng } = g;
  const valid = () => JSON.stringify({ query: READ_PZP, variables: { bsn: g.patient().bsn } });
  const texts: [string, () => string | Uint8Array, boolean][] = [
    [
      'truncated',
      () => {
        const text = valid();
        return text.slice(0, rng.int(1, text.length - 2));
      },
      true,
    ],
    ['missing-value', () => '{"query": }', true],
    ['unquoted-keys', () => '{query: "{ __typename }"}', true],
    ['single-quotes', () => "{'query': '{ __typename }'}", true],
    ['trailing-comma', () => '{"query": "{ __typename }",}', true],
    ['trailing-garbage', () => `${valid()} garbage`, true],
    ['comment', () => `/* hi */ ${valid()}`, true],
    ['nan', () => '{"query": "{ __typename }", "variables": {"n": NaN}}', true],
    ['string', () => '"{ __typename }"', true],
    ['number', () => '123', true],
    ['null', () => 'null', true],
    ['true', () => 'true', true],
    ['empty', () => '', true],
    ['whitespace', () => ' \n\t ', true],
    ['empty-object', () => '{}', true],
    ['query-null', () => '{"query": null}', true],
    ['query-number', () => '{"query": 123}', true],
    ['query-array', () => '{"query": ["{ __typename }"]}', true],
    ['query-object', () => '{"query": {"kind": "Document"}}', true],
    ['huge-number', () => '{"query": 1e999999}', true],
    ['proto-body', () => '{"__proto__": {"query": "{ __typename }"}}', true],
    [
      'proto-variables',
      () => '{"query": "{ __typename }", "variables": {"__proto__": {"polluted": true}}}',
      false,
    ],
    [
      'constructor-extensions',
      () => '{"query": "{ __typename }", "extensions": {"constructor": {"prototype": {"x": 1}}}}',
      false,
    ],
    ['deep-array', () => `${'['.repeat(rng.int(1000, 100_000))}`, true],
    ['deep-object', () => `${'{"a":'.repeat(rng.int(1000, 40_000))}1${'}'.repeat(10)}`, true],
    ['binary', () => Uint8Array.from({ length: rng.int(1, 2000) }, () => rng.int(0x80, 0xff)), true],
    ['nul-bytes', () => Uint8Array.from({ length: rng.int(1, 200) }, () => 0), true],
    ['utf16-bom', () => Uint8Array.from([0xff, 0xfe, ...Buffer.from(valid(), 'utf16le')]), true],
  ];
  return roundRobin(
    count,
    texts.map(
      ([label, body, refused]) =>
        () =>
          post(g, 'malformed-json', label, body(), { expect: refused ? REFUSED : ANY }),
    ),
  );
};

/** Bodies past the limit: one huge variable, one huge document, and a streamed (chunked) body. */
export const oversized: Generator = (g, count) => {
  const { rng } = g;
  const size = () => rng.int(300_000, 3_000_000);
  return roundRobin(count, [
    () => {
      const p = g.patient();
      return post(
        g,
        'oversized',
        'variable',
        JSON.stringify({ query: READ_PZP, variables: { bsn: p.bsn, pad: 'x'.repeat(size()) } }),
        { secrets: [p.bsn] },
      );
    },
    () => post(g, 'oversized', 'document', JSON.stringify({ query: `{ __typename ${' '.repeat(size())}}` })),
    () => {
      const write = cleanWrite(g);
      return post(
        g,
        'oversized',
        'write',
        JSON.stringify({ ...write.body, extensions: { pad: 'x'.repeat(size()) } }),
        { mutation: write.mutation, secrets: [write.bsn] },
      );
    },
    () => {
      const total = size();
      const chunk = new TextEncoder().encode(`{"query":"{ __typename }","pad":"${'x'.repeat(64 * 1024)}`);
      const chunks = Math.ceil(total / chunk.length);
      return post(g, 'oversized', 'chunked', () => {
        let sent = 0;
        return new ReadableStream<Uint8Array>({
          pull(controller) {
            if (sent++ < chunks) controller.enqueue(chunk);
            else controller.close();
          },
        });
      });
    },
  ]);
};

/** A valid request (a read, or a clean write) under a content type or encoding that is not JSON. */
export const contentTypes: Generator = (g, count) => {
  type Request = { query: string; variables: Record<string, unknown> };
  const json = (r: Request) => JSON.stringify(r);
  const types: [string, Record<string, string>, (r: Request) => string | Uint8Array][] = [
    ['text-plain', { 'content-type': 'text/plain' }, json],
    ['text-plain-utf8', { 'content-type': 'text/plain;charset=UTF-8' }, json],
    [
      'form-urlencoded',
      { 'content-type': 'application/x-www-form-urlencoded' },
      (r) => new URLSearchParams({ query: r.query, variables: JSON.stringify(r.variables) }).toString(),
    ],
    [
      'multipart',
      { 'content-type': 'multipart/form-data; boundary=hostile' },
      (r) =>
        `--hostile\r\nContent-Disposition: form-data; name="operations"\r\n\r\n${json(r)}\r\n--hostile--\r\n`,
    ],
    ['application-graphql', { 'content-type': 'application/graphql' }, (r) => r.query],
    ['xml', { 'content-type': 'application/xml' }, (r) => `<request>${json(r)}</request>`],
    ['octet-stream', { 'content-type': 'application/octet-stream' }, json],
    ['none', {}, (r) => new TextEncoder().encode(json(r))],
    ['empty', { 'content-type': '' }, json],
    ['vendor-json', { 'content-type': 'application/vnd.hostile+json' }, json],
    ['charset-latin1', { 'content-type': 'application/json; charset=latin1' }, json],
    ['charset-utf16', { 'content-type': 'application/json; charset=utf-16' }, json],
    ['gzip-not-gzip', { 'content-type': 'application/json', 'content-encoding': 'gzip' }, json],
    ['unknown-encoding', { 'content-type': 'application/json', 'content-encoding': 'hostile' }, json],
  ];
  const withType = (c: HostileCase, headers: Record<string, string>): HostileCase => ({
    ...c,
    headers: { accept: 'application/json', ...bearer(g.target.tokens.gp), ...headers },
  });
  return roundRobin(
    count,
    types.flatMap(([label, headers, encode]) => [
      () => {
        const p = g.patient();
        const body = encode({ query: READ_PZP, variables: { bsn: p.bsn } });
        return withType(post(g, 'content-type', `${label}/read`, body, { secrets: [p.bsn] }), headers);
      },
      () => {
        const write = cleanWrite(g);
        const body = encode(write.body);
        return withType(
          post(g, 'content-type', `${label}/write`, body, { mutation: write.mutation, secrets: [write.bsn] }),
          headers,
        );
      },
    ]),
  );
};

/**
 * GET with query strings: a mutation (never by GET), reads without the CSRF header, broken
 * variables, repeated or bracketed parameters, a BSN of the wrong type; and other methods.
 */
export const getRequests: Generator = (g, count) => {
  const preflight = { 'apollo-require-preflight': 'true' };
  const get = (
    label: string,
    params: string,
    extra: {
      headers?: Record<string, string>;
      expect?: HostileCase['expect'];
      secrets?: string[];
      mutation?: string;
      method?: HostileCase['method'];
    } = {},
  ): HostileCase => ({
    category: 'get',
    label,
    method: extra.method ?? 'GET',
    path: `/graphql?${params}`,
    headers: { accept: 'application/json', ...bearer(g.target.tokens.gp), ...extra.headers },
    expect: extra.expect ?? REFUSED,
    secrets: extra.secrets ?? [],
    ...(extra.mutation ? { mutation: extra.mutation } : {}),
  });
  const q = (fields: Record<string, string>) => new URLSearchParams(fields).toString();
  const makers: (() => HostileCase)[] = [
    () => {
      const write = cleanWrite(g);
      return get(
        'mutation',
        q({ query: write.body.query, variables: JSON.stringify(write.body.variables) }),
        { headers: preflight, mutation: write.mutation, secrets: [write.bsn] },
      );
    },
    () => {
      const write = cleanWrite(g);
      return get(
        'mutation/no-preflight',
        q({ query: write.body.query, variables: JSON.stringify(write.body.variables) }),
        { mutation: write.mutation, secrets: [write.bsn] },
      );
    },
    () => {
      const p = g.patient();
      return get('read/no-preflight', q({ query: READ_PZP, variables: JSON.stringify({ bsn: p.bsn }) }), {
        secrets: [p.bsn],
      });
    },
    () => {
      const p = g.patient();
      return get('read', q({ query: READ_PZP, variables: JSON.stringify({ bsn: p.bsn }) }), {
        headers: preflight,
        expect: ANY,
        secrets: [p.bsn],
      });
    },
    () => get('variables/not-json', q({ query: READ_PZP, variables: '{bsn: nope' }), { headers: preflight }),
    () =>
      get('extensions/not-json', q({ query: '{ __typename }', extensions: '{"persistedQuery":' }), {
        headers: preflight,
      }),
    () => {
      const p = g.patient();
      return get('bsn-number', q({ query: READ_PZP, variables: `{"bsn":${p.bsn}}` }), {
        headers: preflight,
        secrets: [p.bsn],
      });
    },
    () =>
      get(
        'query/repeated',
        `query=${encodeURIComponent('{ __typename }')}&query=${encodeURIComponent('{ __typename }')}`,
        { headers: preflight },
      ),
    () => get('query/bracketed', `query[]=${encodeURIComponent('{ __typename }')}`, { headers: preflight }),
    () => get('query/missing', q({ variables: '{}' }), { headers: preflight }),
    () => get('query/percent-broken', 'query=%7B%20__typename%20%7', { headers: preflight }),
    () => get('query/nul', 'query=%00%00%00', { headers: preflight }),
    () =>
      get('operation-name/unknown', q({ query: '{ __typename }', operationName: 'Nope' }), {
        headers: preflight,
      }),
    () =>
      get(
        'persisted-query/mismatch',
        q({
          query: '{ __typename }',
          extensions: JSON.stringify({ persistedQuery: { version: 1, sha256Hash: '0'.repeat(64) } }),
        }),
        { headers: preflight },
      ),
    () => {
      const write = cleanWrite(g);
      return get(
        'method/put',
        q({ query: write.body.query, variables: JSON.stringify(write.body.variables) }),
        {
          method: 'PUT',
          headers: preflight,
          mutation: write.mutation,
          secrets: [write.bsn],
        },
      );
    },
    () => get('method/delete', q({ query: '{ __typename }' }), { method: 'DELETE', headers: preflight }),
    () => get('method/patch', q({ query: '{ __typename }' }), { method: 'PATCH', headers: preflight }),
  ];
  return roundRobin(count, makers);
};

/** Arrays of operations: batching is not offered, so every batch is refused whole. */
export const batches: Generator = (g, count) => {
  const { rng } = g;
  const read = () => ({ query: READ_PZP, variables: { bsn: g.patient().bsn } });
  const variants: [string, () => unknown[], boolean][] = [
    ['empty', () => [], false],
    ['one-read', () => [read()], false],
    ['reads', () => Array.from({ length: rng.int(2, 50) }, read), false],
    ['many-reads', () => Array.from({ length: rng.int(200, 1000) }, read), false],
    ['writes', () => Array.from({ length: rng.int(2, 20) }, () => cleanWrite(g).body), true],
    ['nested', () => [[read()]], false],
    ['scalars', () => ['{ __typename }', 1, null], false],
    ['empty-objects', () => Array.from({ length: rng.int(10, 1000) }, () => ({})), false],
  ];
  return roundRobin(
    count,
    variants.map(
      ([label, items, writes]) =>
        () =>
          graphqlPost({
            category: 'batched',
            label,
            expect: REFUSED,
            token: g.target.tokens.gp,
            payload: items(),
            secrets: g.target.patients.map((p) => p.bsn),
            ...(writes ? { mutation: LIFE_WISH.mutation } : {}),
          }),
    ),
  );
};
