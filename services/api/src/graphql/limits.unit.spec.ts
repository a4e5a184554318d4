import { describe, expect, it, vi } from 'vitest';
import { getOperationAST, parse, print, validate, type GraphQLError } from 'graphql/index.js';
import { costLimit, operationCost, QUERY_LIMITS, queryLimits } from './limits.js';
import { registrySchema } from './schema.js';

/**
 * The limits count what a document expands to without expanding it: on documents of 2^30 paths
 * each rule gives the exact count (a rule that walked the paths would not come back).
 */

const schema = registrySchema();
const { validationRules } = queryLimits();

/** `fragment F<n>` spreads `F<n-1>` twice: `...F<levels>` stands for 2^levels copies of F0. */
function fragmentBomb(levels: number, type: string, leaf: string): string {
  const fragments = [`fragment F0 on ${type} { ${leaf} }`];
  for (let n = 1; n <= levels; n++) fragments.push(`fragment F${n} on ${type} { ...F${n - 1} ...F${n - 1} }`);
  return fragments.join('\n');
}

const limitErrors = (source: string) =>
  validate(schema, parse(source), validationRules)
    .filter((e: GraphQLError) => e.extensions['code'] === 'QUERY_TOO_COMPLEX')
    .map((e) => [e.extensions['limit'], e.message]);

describe('2^30 paths', () => {
  const COPIES = 2 ** 30;

  it('aliases and directives are counted in every copy', () => {
    const source = `${fragmentBomb(30, 'Actor', 'a: id @include(if: true)')}\n{ me { ...F30 } }`;
    expect(limitErrors(source)).toEqual([
      ['ALIASES', `Query has ${COPIES} aliases, more than the limit of ${QUERY_LIMITS.maxAliases}`],
      ['DIRECTIVES', `Query has ${COPIES} directives, more than the limit of ${QUERY_LIMITS.maxDirectives}`],
    ]);
  });

  it('depth is that of the deepest copy', () => {
    const deep = 'treatmentDirectives { confirmation { by { recordedBy { organization { name } } } } }';
    // pzp, then six levels: 7.
    const seven = `${fragmentBomb(30, 'PzpRecord', deep)}\n{ pzp(bsn: "111222333") { ...F30 } }`;
    expect(limitErrors(seven)).toEqual([]);
    const nine = `${fragmentBomb(30, 'PzpRecord', deep)}
      { reviewsDue(until: "2027-01-01") { edges { node { ...F30 } } } }`;
    expect(limitErrors(nine)).toEqual([['DEPTH', 'Query depth 9 exceeds the limit of 8']]);
  });

  it('cost multiplies every copy by the pages above it', () => {
    const cost = (source: string, variables: Record<string, unknown> = {}) => {
      const document = parse(source);
      return operationCost(schema, document, getOperationAST(document)!, variables);
    };
    expect(cost(`${fragmentBomb(30, 'Actor', 'id')}\n{ me { ...F30 } }`)).toBe(1 + COPIES);
    // reviewsDue, edges, node, then the copies: once per entry of the page.
    const page = `${fragmentBomb(30, 'PzpRecord', 'version')}
      query Q($n: Int) { reviewsDue(until: "2027-01-01", first: $n) { edges { node { ...F30 } } } }`;
    expect(cost(page, { n: 3 })).toBe(1 + 3 * (1 + (1 + COPIES)));
    // Without a value the argument's default counts (50).
    expect(cost(page)).toBe(1 + 50 * (1 + (1 + COPIES)));
  });
});

describe('the cost limit per request', () => {
  /** What Apollo's pipeline does per request: the plugin's hook with the cached document. */
  async function check(
    plugin: ReturnType<typeof costLimit>,
    source: ReturnType<typeof parse>,
    variables = {},
  ) {
    const listener = await plugin.requestDidStart!({} as never);
    const operation = getOperationAST(source)!;
    await listener!.didResolveOperation!({
      operation,
      document: source,
      request: { variables },
      schema,
    } as never);
  }

  it('reckons a cost that reads no variable once per document, and refuses it every time', async () => {
    const plugin = costLimit(QUERY_LIMITS.maxCost);
    const lookup = parse('query P($bsn: BSN!) { pzp(bsn: $bsn) { version treatmentDirectives { status } } }');
    const walks = vi.spyOn(schema, 'getRootType');
    try {
      for (let i = 0; i < 3; i++) await check(plugin, lookup, { bsn: '111222333' });
      expect(walks).toHaveBeenCalledTimes(1);
      // The same text parsed again (Apollo's cache let it go) is another document: reckoned again.
      await check(plugin, parse(print(lookup)), { bsn: '111222333' });
      expect(walks).toHaveBeenCalledTimes(2);
    } finally {
      walks.mockRestore();
    }
    const tooDear = parse(`${fragmentBomb(13, 'Actor', 'id')}\n{ me { ...F13 } }`);
    const small = costLimit(1_000);
    for (let i = 0; i < 2; i++)
      await expect(check(small, tooDear)).rejects.toMatchObject({ extensions: { limit: 'COST' } });
  });

  it('reckons a cost that reads a page size from a variable on every request', async () => {
    const plugin = costLimit(1_000);
    const page = parse(
      'query Q($n: Int) { reviewsDue(until: "2027-01-01", first: $n) { edges { node { version } } } }',
    );
    await check(plugin, page, { n: 3 });
    await expect(check(plugin, page, { n: 400 })).rejects.toMatchObject({ extensions: { limit: 'COST' } });
    await check(plugin, page, { n: 3 });
  });
});
