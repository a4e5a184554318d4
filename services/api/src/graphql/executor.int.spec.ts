import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { actors } from '@pzp/domain/fixtures';
import type { Actor } from '@pzp/domain';
import {
  execute,
  getIntrospectionQuery,
  getNamedType,
  getOperationAST,
  GraphQLObjectType,
  isNonNullType,
  parse,
  type ExecutionResult,
  type GraphQLSchema,
} from 'graphql/index.js';
import { compileQuery, isCompiledQuery } from 'graphql-jit';
import { requestContext } from '../app.js';
import { DEMO_PATIENTS, seedDemoData } from '../demo/demo-data.js';
import type { Services } from '../services.js';
import { openServices, type InProcessServices } from '../spec-support.js';
import type { RequestContext } from './context.js';
import { jitGateway } from './executor.js';
import { registrySchema } from './schema.js';

/**
 * The compiled executor against graphql-js on the real schema, resolvers and demo data: for each
 * document, both must give the same data and the same errors (message, path, locations,
 * extensions). That covers the error codes of the contract, null propagation, variable coercion,
 * custom scalars and every field resolver of a full record.
 */

let opened: InProcessServices;
let services: Services;
let schema: GraphQLSchema;
let jit: (document: string, context: RequestContext, variables?: Record<string, unknown>) => Promise<unknown>;

const NIGHT = new Date('2026-03-10T03:00:00+01:00');

beforeAll(async () => {
  opened = await openServices({
    name: 'jit',
    clock: () => NIGHT,
    seed: (node) => seedDemoData(node.store, node.pseudonymOf, new Date('2026-02-01T10:00:00Z')),
  });
  ({ services } = opened);
  schema = registrySchema();
  const gateway = jitGateway(schema, { compileAfter: 1 });
  const { executor } = await gateway.load({ apollo: {} });
  jit = async (source, context, variables) => {
    const document = parse(source);
    return executor!({
      document,
      source,
      operation: getOperationAST(document)!,
      operationName: null,
      request: { query: source, variables },
      context,
    } as never);
  };
});

afterAll(() => opened?.close());

const contextFor = (actor: Actor): RequestContext =>
  requestContext(services, { actor, clientSystem: 'jit-test', subject: actor.id }, 'jit-test');

/** What a client sees of a result: data, and per error its message, path, locations, extensions. */
const visible = (result: unknown) => {
  const r = result as ExecutionResult;
  return JSON.parse(
    JSON.stringify({
      data: r.data,
      errors: r.errors?.map((e) => ({
        message: e.message,
        path: e.path,
        locations: e.locations,
        extensions: e.extensions,
      })),
    }),
  ) as { data?: unknown; errors?: { message: string; extensions?: Record<string, unknown> }[] };
};

async function both(actor: Actor, source: string, variables?: Record<string, unknown>) {
  const interpreted = visible(
    await execute({
      schema,
      document: parse(source),
      variableValues: variables,
      contextValue: contextFor(actor),
    }),
  );
  // graphql-jit compiles it (the executor would otherwise fall back to graphql-js).
  expect(isCompiledQuery(compileQuery(schema, parse(source)))).toBe(true);
  const compiled = visible(await jit(source, contextFor(actor), variables));
  expect(compiled).toEqual(interpreted);
  return compiled;
}

/** Every field of a type without required arguments, nested to `depth`. */
function everything(typeName: string, depth: number): string {
  const type = schema.getType(typeName) as GraphQLObjectType;
  const fields = Object.values(type.getFields())
    .filter((f) => !f.args.some((a) => isNonNullType(a.type) && a.defaultValue === undefined))
    .flatMap((f) => {
      const named = getNamedType(f.type);
      if (!(named instanceof GraphQLObjectType)) return [f.name];
      return depth > 1 ? [`${f.name} { ${everything(named.name, depth - 1)} }`] : [];
    });
  return fields.join(' ');
}

const HAP_LOOKUP = `query Pzp($bsn: BSN!) { pzp(bsn: $bsn, purpose: EMERGENCY) {
  version treatmentDirectives { key status agreement { __typename ... on Perform { decision specification } ... on DoNotPerform { decision specification } ... on OnlyUnderConditions { conditions } } summary decidedOn
    provenance { recordedAt recordedBy { name profession organization { name } } } }
  representatives { name phone } regiebehandelaar { practitioner { name } } warnings { code message } } }`;

describe('compiled queries behave as graphql-js', () => {
  it('the HAP lookup at night, and every field of a full record', async () => {
    const lookup = await both(actors.hapDoctor, HAP_LOOKUP, { bsn: DEMO_PATIENTS.deGroot.bsn });
    expect(lookup.errors).toBeUndefined();
    expect(JSON.stringify(lookup.data)).toContain('Anna de Groot');

    const full = await both(
      actors.gp,
      `query Full($bsn: BSN!) { pzp(bsn: $bsn) { __typename ${everything('PzpRecord', 5)} } }`,
      { bsn: DEMO_PATIENTS.deGroot.bsn },
    );
    expect(full.errors).toBeUndefined();
    expect((full.data as { pzp: { version: number } }).pzp.version).toBeGreaterThan(0);
  });

  it('refusals keep FORBIDDEN and their reason; a missing plan is null', async () => {
    const refused = await both(actors.sehDoctor, HAP_LOOKUP, { bsn: DEMO_PATIENTS.jansen.bsn });
    expect(refused.data).toEqual({ pzp: null });
    expect(refused.errors?.[0]?.extensions).toMatchObject({ code: 'FORBIDDEN', reason: expect.any(String) });

    const noReason = await both(
      actors.sehDoctor,
      `query($bsn: BSN!) { pzp(bsn: $bsn, purpose: BREAK_THE_GLASS) { version } }`,
      { bsn: DEMO_PATIENTS.vanDijk.bsn },
    );
    expect(noReason.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');

    const none = await both(actors.hapDoctor, HAP_LOOKUP, { bsn: '100000009' });
    expect(none).toEqual({ data: { pzp: null } });
  });

  it('input errors keep BAD_USER_INPUT and the offending field', async () => {
    const badVariable = await both(actors.hapDoctor, HAP_LOOKUP, { bsn: '123456789' });
    expect(badVariable.data).toBeUndefined();
    expect(badVariable.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');

    const noOffset = await both(
      actors.auditor,
      `query($at: DateTime!) { pzpAsOf(bsn: "111222333", at: $at) { version } }`,
      {
        at: '2026-03-09T15:00:00',
      },
    );
    expect(noOffset.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');

    const future = await both(
      actors.auditor,
      `{ pzpAsOf(bsn: "111222333", at: "2027-01-01T00:00:00Z") { version } }`,
    );
    expect(future.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'at' });

    const written = await services.accessLog.drain().then(() => services.accessLog.lastPosition);
    const longReason = await both(
      actors.sehDoctor,
      `query($bsn: BSN!, $why: String) { pzp(bsn: $bsn, purpose: BREAK_THE_GLASS, breakGlassReason: $why) { version } }`,
      { bsn: DEMO_PATIENTS.vanDijk.bsn, why: 'x'.repeat(4001) },
    );
    expect(longReason.errors?.[0]?.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'breakGlassReason',
    });
    await services.accessLog.drain();
    expect(services.accessLog.lastPosition).toBe(written); // refused as input: no read attempted

    const page = await both(
      actors.auditor,
      `{ pzpHistory(bsn: "111222333", first: 0) { edges { cursor } } }`,
    );
    expect(page.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'first' });
    expect(page.data).toBeNull(); // non-null field: the error propagates to the root
  });

  it('lists, aliases, fragments, directives and typenames', async () => {
    const result = await both(
      actors.gp,
      `query($flag: Boolean!, $until: LocalDate!) {
        me { ...Who }
        due: reviewsDue(until: $until, first: 5) {
          edges { cursor node { __typename version reviewDueOn patient { bsn @include(if: $flag) name @skip(if: $flag) } } }
          pageInfo { hasNextPage endCursor }
        }
        history: pzpHistory(bsn: "111222333", first: 2) { edges { node { version type recordedAt changes { section key before after } } } pageInfo { hasNextPage } }
      }
      fragment Who on Actor { id name profession organization { id name type } }`,
      { flag: true, until: '2030-01-01' },
    );
    expect(result.errors).toBeUndefined();
  });

  it('introspection', async () => {
    const result = await both(actors.gp, getIntrospectionQuery({ descriptions: true }));
    expect(result.errors).toBeUndefined();
  });

  it('a refused non-null field nulls the whole result in both', async () => {
    const refused = await both(actors.auditor, `{ reviewsDue(until: "2030-01-01") { edges { cursor } } }`);
    expect(refused.data ?? null).toBeNull();
    expect(refused.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });
});
