import { createHash } from 'node:crypto';
import { ANY, graphqlPost, rawPost, REFUSED } from './case.js';
import { READ_PZP, roundRobin, type Generator, type GeneratorContext } from './generator.js';
import { mutationDocument, TEMPLATES } from './mutations.js';

/** Attacks in the document itself: its shape, its size, its operations, its persisted-query hash. */

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/**
 * Issue 11.1: each fragment spreads the one before it twice, so a walk that follows every spread
 * visits 2^levels paths; the document is about a kilobyte. Valid GraphQL: a server may answer it
 * or refuse it, but never freeze on it.
 */
export const fragmentBombs: Generator = (g, count) => {
  const { rng } = g;
  const chain = (levels: number, on: string, leaf: string, spread: (prev: string) => string) => {
    const fragments = [`fragment F0 on ${on} { ${leaf} }`];
    for (let i = 1; i <= levels; i++) fragments.push(`fragment F${i} on ${on} { ${spread(`F${i - 1}`)} }`);
    return fragments.join('\n');
  };
  const twice = (prev: string) => `...${prev} ...${prev}`;
  const bomb = (label: string, query: string, variables: Record<string, unknown> = {}, bsn?: string) =>
    graphqlPost({
      category: 'fragment-bomb',
      label,
      expect: ANY,
      token: g.target.tokens.gp,
      payload: { query, variables },
      secrets: bsn ? [bsn] : [],
    });
  return roundRobin(count, [
    // The issue's document: 24 fragments, each spreading the previous twice.
    () => bomb('query/24x2', `query Bomb { ...F24 }\n${chain(24, 'Query', '__typename', twice)}`),
    () => {
      const p = g.patient();
      const levels = rng.int(20, 28);
      return bomb(
        `pzp/${levels}x2`,
        `query Bomb($bsn: BSN!) { pzp(bsn: $bsn) { ...F${levels} } }\n${chain(levels, 'PzpRecord', 'version treatmentDirectives { key status }', twice)}`,
        { bsn: p.bsn },
        p.bsn,
      );
    },
    () => {
      const levels = rng.int(15, 19);
      return bomb(
        `query/${levels}x3`,
        `query Bomb { ...F${levels} }\n${chain(levels, 'Query', '__typename', (prev) => `...${prev} ...${prev} ...${prev}`)}`,
      );
    },
    () => {
      const levels = rng.int(22, 30);
      return bomb(
        `inline/${levels}x2`,
        `query Bomb { ...F${levels} }\n${chain(levels, 'Query', '__typename', (prev) => `__typename ... on Query { ...${prev} } ... on Query { ...${prev} }`)}`,
      );
    },
  ]);
};

/** Selection sets, list literals, object literals and variables nested far deeper than any client needs. */
export const deepNesting: Generator = (g, count) => {
  const { rng } = g;
  const post = (label: string, query: string, variables: Record<string, unknown>, secrets: string[]) =>
    graphqlPost({
      category: 'deep-nesting',
      label,
      expect: REFUSED,
      token: g.target.tokens.gp,
      payload: { query, variables },
      secrets,
    });
  // Built as text: a serializer would recurse once per level.
  const nested = (depth: number, open: string, leaf: string, close: string) =>
    `${open.repeat(depth)}${leaf}${close.repeat(depth)}`;
  const deepVariables = (
    label: string,
    query: string,
    variables: string,
    secrets: string[],
    mutation?: string,
  ) =>
    rawPost({
      category: 'deep-nesting',
      label,
      expect: REFUSED,
      token: g.target.tokens.gp,
      body: `{"query":${JSON.stringify(query)},"variables":${variables}}`,
      secrets,
      ...(mutation ? { mutation } : {}),
    });
  return roundRobin(count, [
    () => {
      // Introspection's ofType is recursive: valid at any depth, so only a depth rule stops it.
      const depth = rng.int(20, 3000);
      return post(
        'selection/introspection',
        `{ __schema { types { ${'ofType { '.repeat(depth)}name${' }'.repeat(depth)} } } }`,
        {},
        [],
      );
    },
    () => {
      const p = g.patient();
      const depth = rng.int(10, 3000);
      return post(
        'selection/fields',
        `query Deep { pzp(bsn: "${p.bsn}") { ${'treatmentDirectives { '.repeat(depth)}key${' }'.repeat(depth)} } }`,
        {},
        [p.bsn],
      );
    },
    () => {
      const p = g.patient();
      const depth = rng.int(20, 4000);
      return post(
        'literal/list',
        `query Deep { pzp(bsn: ${'['.repeat(depth)}"${p.bsn}"${']'.repeat(depth)}) { version } }`,
        {},
        [p.bsn],
      );
    },
    () => {
      const p = g.patient();
      const depth = rng.int(20, 3000);
      return post(
        'literal/object',
        `query Deep { pzp(bsn: ${'{ a: '.repeat(depth)}"${p.bsn}"${' }'.repeat(depth)}) { version } }`,
        {},
        [p.bsn],
      );
    },
    () => {
      const p = g.patient();
      const depth = rng.int(100, 20_000);
      return deepVariables(
        'variables/object',
        READ_PZP,
        `{"bsn":${nested(depth, '{"a":', `"${p.bsn}"`, '}')}}`,
        [p.bsn],
      );
    },
    () => {
      const template = TEMPLATES.find((t) => t.mutation === 'recordConversation' && !t.onSeeded)!;
      const ctx = g.templateContext();
      const depth = rng.int(100, 20_000);
      const input = JSON.stringify({ ...template.input(ctx), participants: 'DEEP' }).replace(
        '"participants":"DEEP"',
        `"participants":${nested(depth, '[', '{"kind":"PATIENT"}', ']')}`,
      );
      return deepVariables(
        'variables/list',
        mutationDocument(template),
        `{"input":${input}}`,
        g.bsnsOf(template, ctx),
        template.mutation,
      );
    },
  ]);
};

/**
 * Issue 11.1's token limit: documents of 20,000 tokens and more (under the body limit), valid
 * ones among them: one field repeated (which field-merging validation compares pairwise),
 * aliases, directives, variables, fragments, arguments. No client document comes near that, so
 * each is refused at parse time. Comments and one huge string are few tokens: any answer will do.
 */
export const tokenFloods: Generator = (g, count) => {
  const { rng } = g;
  const flood = (label: string, query: string, expect = REFUSED, secrets: string[] = []) =>
    graphqlPost({
      category: 'token-flood',
      label,
      expect,
      token: g.target.tokens.gp,
      payload: { query },
      secrets,
    });
  const times = (n: number, f: (i: number) => string) => Array.from({ length: n }, (_, i) => f(i)).join(' ');
  return roundRobin(count, [
    () => flood('same-field', `{ ${'__typename '.repeat(rng.int(20_000, 22_000))}}`),
    () => {
      const p = g.patient();
      return flood(
        'same-field/pzp',
        `{ pzp(bsn: "${p.bsn}") { ${'version '.repeat(rng.int(20_000, 30_000))}} }`,
        REFUSED,
        [p.bsn],
      );
    },
    () => flood('aliases', `{ ${times(rng.int(7000, 12_000), (i) => `a${i}: __typename`)} }`),
    () => flood('directives', `{ __typename${' @include(if: true)'.repeat(rng.int(3000, 8000))} }`),
    () => flood('variables', `query Q(${times(rng.int(5000, 12_000), (i) => `$v${i}: Int`)}) { __typename }`),
    () => {
      const n = rng.int(2300, 4000);
      return flood(
        'fragments',
        `{ ${times(n, (i) => `...F${i}`)} }\n${times(n, (i) => `fragment F${i} on Query { __typename }`)}`,
      );
    },
    () => {
      const p = g.patient();
      return flood(
        'arguments',
        `{ pzp(${`bsn: "${p.bsn}", `.repeat(rng.int(7000, 11_000))}) { version } }`,
        REFUSED,
        [p.bsn],
      );
    },
    () => flood('comments', `{ __typename }${'\n# ...'.repeat(rng.int(1000, 40_000))}`, ANY),
    () => flood('string', `{ pzp(bsn: "${'1'.repeat(rng.int(10_000, 200_000))}") { version } }`, ANY),
  ]);
};

/**
 * Issue 11.2: one request opening many patients through aliases of `pzp` (the seeded ones first,
 * so at least two real plans are among them). Refused: a request opens one patient.
 */
export const aliasAmplification: Generator = (g, count) => {
  const { rng, target } = g;
  return Array.from({ length: count }, (_, i) => {
    const n = rng.weighted([
      [3, 1],
      [10, 1],
      [50, 1],
      [300, 1],
      [1200, 1],
      [2400, 2],
    ]);
    const bsns = target.patients.map((p) => p.bsn);
    while (bsns.length < n) bsns.push(target.freshBsn());
    const emergency = i % 2 === 1;
    const args = emergency ? ', purpose: EMERGENCY' : '';
    const fields = bsns.slice(0, n).map((bsn, k) => `p${k}: pzp(bsn: "${bsn}"${args}) { version }`);
    return graphqlPost({
      category: 'aliases',
      label: `pzp/${n}${emergency ? '/emergency' : ''}`,
      expect: REFUSED,
      token: emergency ? target.tokens['hap-doctor'] : target.tokens.gp,
      payload: { query: `query Many { ${fields.join(' ')} }` },
      secrets: bsns.slice(0, n),
    });
  });
};

/** A clean write that must never run by accident: the second operation of ambiguous documents. */
function lifeWishWrite(g: GeneratorContext) {
  const template = TEMPLATES.find((t) => t.mutation === 'recordLifeWish')!;
  const ctx = g.templateContext();
  const operation = `mutation B($input: ${template.inputType}!) { ${template.mutation}(input: $input) { record { version } } }`;
  return { template, operation, variables: { input: template.input(ctx) }, bsn: ctx.patient.bsn };
}

/** Issue 11.3: operation names that name no operation, or not one; documents that need one. */
export const operationNames: Generator = (g, count) => {
  const variants: [string, (op: string) => string, unknown][] = [
    ['unknown', (op) => `query A { __typename }\n${op}`, 'C'],
    ['ambiguous/absent', (op) => `query A { __typename }\n${op}`, undefined],
    ['ambiguous/null', (op) => `query A { __typename }\n${op}`, null],
    ['single/other-name', (op) => op, 'A'],
    ['not-a-string/number', (op) => `query A { __typename }\n${op}`, 42],
    ['not-a-string/array', (op) => `query A { __typename }\n${op}`, ['B']],
    ['not-a-string/object', (op) => `query A { __typename }\n${op}`, { name: 'B' }],
    ['not-a-string/boolean', (op) => `query A { __typename }\n${op}`, true],
    ['empty', (op) => `query A { __typename }\n${op}`, ''],
    ['fragment-name', (op) => `query A { ...F }\nfragment F on Query { __typename }\n${op}`, 'F'],
    ['duplicate-operations', (op) => `${op}\n${op}`, 'B'],
    ['anonymous-beside-named', (op) => `{ __typename }\n${op}`, 'B'],
    ['other-case', (op) => `query A { __typename }\n${op}`, 'b'],
    ['long', (op) => `query A { __typename }\n${op}`, 'X'.repeat(5000)],
    ['trailing-space', (op) => `query A { __typename }\n${op}`, 'B '],
  ];
  return roundRobin(
    count,
    variants.map(([label, document, operationName]) => () => {
      const write = lifeWishWrite(g);
      return graphqlPost({
        category: 'operation-name',
        label,
        expect: REFUSED,
        token: g.target.tokens.gp,
        payload: {
          query: document(write.operation),
          variables: write.variables,
          ...(operationName === undefined ? {} : { operationName }),
        },
        secrets: [write.bsn],
        mutation: write.template.mutation,
      });
    }),
  );
};

/** Issue 11.3: persisted-query extensions that do not match their query, or are not APQ at all. */
export const persistedQueries: Generator = (g, count) => {
  const { rng } = g;
  const hex = () => Array.from({ length: 64 }, () => rng.pick([...'0123456789abcdef'])).join('');
  const variants: [string, (query: string) => Record<string, unknown>][] = [
    [
      'hash-mismatch/random',
      (query) => ({ query, extensions: { persistedQuery: { version: 1, sha256Hash: hex() } } }),
    ],
    [
      'hash-mismatch/other-query',
      (query) => ({
        query,
        extensions: { persistedQuery: { version: 1, sha256Hash: sha256('{ __typename }') } },
      }),
    ],
    [
      'hash-mismatch/upper-case',
      (query) => ({
        query,
        extensions: { persistedQuery: { version: 1, sha256Hash: sha256(query).toUpperCase() } },
      }),
    ],
    [
      'hash-mismatch/empty-query',
      () => ({ query: '', extensions: { persistedQuery: { version: 1, sha256Hash: hex() } } }),
    ],
    ['not-found', () => ({ extensions: { persistedQuery: { version: 1, sha256Hash: hex() } } })],
    [
      'version/2',
      (query) => ({ query, extensions: { persistedQuery: { version: 2, sha256Hash: sha256(query) } } }),
    ],
    [
      'version/string',
      (query) => ({ query, extensions: { persistedQuery: { version: '1', sha256Hash: hex() } } }),
    ],
    [
      'hash/number',
      (query) => ({ query, extensions: { persistedQuery: { version: 1, sha256Hash: 12345 } } }),
    ],
    ['hash/short', (query) => ({ query, extensions: { persistedQuery: { version: 1, sha256Hash: 'abc' } } })],
    ['persisted-query/string', (query) => ({ query, extensions: { persistedQuery: 'x' } })],
    ['extensions/string', (query) => ({ query, extensions: 'persistedQuery' })],
    ['extensions/array', (query) => ({ query, extensions: [{ persistedQuery: { version: 1 } }] })],
  ];
  return roundRobin(
    count,
    variants.flatMap(([label, payload]) => [
      () => {
        const p = g.patient();
        return graphqlPost({
          category: 'persisted-query',
          label: `${label}/read`,
          expect: REFUSED,
          token: g.target.tokens.gp,
          payload: { ...payload(READ_PZP), variables: { bsn: p.bsn } },
          secrets: [p.bsn],
        });
      },
      () => {
        const write = lifeWishWrite(g);
        return graphqlPost({
          category: 'persisted-query',
          label: `${label}/write`,
          expect: REFUSED,
          token: g.target.tokens.gp,
          payload: { ...payload(write.operation), variables: write.variables },
          secrets: [write.bsn],
          mutation: write.template.mutation,
        });
      },
    ]),
  );
};
