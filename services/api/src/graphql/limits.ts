import type { ApolloServerOptions, ApolloServerPlugin, BaseContext } from '@apollo/server';
import { maxAliasesRule } from '@escape.tech/graphql-armor-max-aliases';
import { maxDepthRule } from '@escape.tech/graphql-armor-max-depth';
import { maxDirectivesRule } from '@escape.tech/graphql-armor-max-directives';
// graphql's CommonJS entry, as in executor.ts: the schema Apollo hands the plugin is built with it,
// and graphql-js refuses to inspect types from another copy.
import {
  getNamedType,
  GraphQLError,
  isInterfaceType,
  isObjectType,
  Kind,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLField,
  type GraphQLNamedType,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
  type ValidationContext,
  type ValueNode,
} from 'graphql/index.js';

/**
 * How big a request may be. Every limit is checked before any resolver runs, and each check visits
 * every fragment of the document once, however often it is spread (a document of a few hundred
 * bytes can spread its fragments into billions of paths).
 *
 * - `maxTokens`, at parse time (graphql-js's own parser option): bounds the work of everything
 *   after parsing, graphql-js's validation included, whose overlapping-fields check is quadratic
 *   in the fields of one selection set. A record with every field six levels deep is about 900.
 * - `maxDepth`: levels of fields; fragments count as the fields they select.
 * - `maxAliases`: aliased fields, counted as often as their fragment is spread. Aliases are how one
 *   request asks for the same field (`pzp`) many times with different arguments.
 * - `maxDirectives`: directive uses, counted the same way.
 * - `maxCost`: every field costs 1, and a field with a `first` argument multiplies the cost of what
 *   it selects by that page size (a literal, a variable's value, or the argument's default).
 */
export const QUERY_LIMITS = {
  maxTokens: 1_000,
  maxDepth: 8,
  maxAliases: 15,
  maxDirectives: 20,
  maxCost: 5_000,
} as const;

export type QueryLimits = { readonly [K in keyof typeof QUERY_LIMITS]: number };

/** Which limit a QUERY_TOO_COMPLEX refusal is about (`extensions.limit`). */
export type QueryLimit = 'TOKENS' | 'DEPTH' | 'ALIASES' | 'DIRECTIVES' | 'COST';

export const QUERY_TOO_COMPLEX = 'QUERY_TOO_COMPLEX';

function tooComplex(limit: QueryLimit, message: string) {
  return new GraphQLError(message, {
    extensions: { code: QUERY_TOO_COMPLEX, limit, http: { status: 400 } },
  });
}

/** graphql-js's message when the parser stops at `maxTokens` (16.x spells it "more that"). */
const TOKEN_LIMIT_MESSAGE = /^Syntax Error: Document contains more tha[nt] (\d+) tokens\. Parsing aborted\.$/;

/** The refusal for a parse error that is the token limit; undefined for any other parse error. */
export function tokenLimitError(message: string): { message: string; limit: QueryLimit } | undefined {
  const limit = TOKEN_LIMIT_MESSAGE.exec(message)?.[1];
  return limit === undefined
    ? undefined
    : { message: `Query exceeds the limit of ${limit} tokens`, limit: 'TOKENS' };
}

/**
 * An armor rule reporting into the validation context (armor's default would throw out of
 * graphql-js's validate, which Apollo answers with a 500). Armor's message is "... found N.".
 */
function armorReport(limit: QueryLimit, describe: (found: string) => string) {
  return {
    propagateOnRejection: false,
    onReject: [
      (context: ValidationContext | null, error: GraphQLError) => {
        const found = /found (\d+)\.$/.exec(error.message)?.[1] ?? 'too many';
        context?.reportError(tooComplex(limit, describe(found)));
      },
    ],
  };
}

/** The Apollo Server options that impose the limits: parse options, validation rules, a plugin. */
export function queryLimits(limits: QueryLimits = QUERY_LIMITS): Required<
  Pick<ApolloServerOptions<BaseContext>, 'parseOptions' | 'validationRules'>
> & {
  plugins: ApolloServerPlugin[];
} {
  return {
    parseOptions: { maxTokens: limits.maxTokens },
    validationRules: [
      maxDepthRule({
        n: limits.maxDepth,
        flattenFragments: true,
        // Introspection is bounded like any query (only development mode allows it).
        ignoreIntrospection: false,
        ...armorReport('DEPTH', (found) => `Query depth ${found} exceeds the limit of ${limits.maxDepth}`),
      }),
      maxAliasesRule({
        n: limits.maxAliases,
        ...armorReport(
          'ALIASES',
          (found) => `Query has ${found} aliases, more than the limit of ${limits.maxAliases}`,
        ),
      }),
      maxDirectivesRule({
        n: limits.maxDirectives,
        ...armorReport(
          'DIRECTIVES',
          (found) => `Query has ${found} directives, more than the limit of ${limits.maxDirectives}`,
        ),
      }),
    ],
    plugins: [costLimit(limits.maxCost)],
  };
}

/**
 * The cost limit, once the operation and its variables are known (so a plugin, not a validation
 * rule: a page size often comes in a variable). Not armor's cost rule: that one reads `first` only
 * as a literal, so `first: $n` would cost as a page of 1.
 *
 * A cost that reads no variable is a function of the document alone, and Apollo hands every request
 * with the same query text the same parsed document: such a cost is reckoned once per operation
 * (kept as long as Apollo keeps the document). One that reads a variable is reckoned every time.
 */
export function costLimit(maxCost: number): ApolloServerPlugin {
  const known = new WeakMap<OperationDefinitionNode, { schema: GraphQLSchema; cost: number }>();
  return {
    requestDidStart: () =>
      Promise.resolve({
        didResolveOperation({ operation, document, request, schema }) {
          if (!operation) return Promise.resolve();
          let cost: number;
          const kept = known.get(operation);
          if (kept?.schema === schema) cost = kept.cost;
          else {
            const reckoned = reckonCost(schema, document, operation, request.variables ?? {});
            cost = reckoned.cost;
            if (!reckoned.readVariables) known.set(operation, { schema, cost });
          }
          if (cost > maxCost) throw tooComplex('COST', `Query cost ${cost} exceeds the limit of ${maxCost}`);
          return Promise.resolve();
        },
      }),
  };
}

/** What GraphQL's Int accepts: a 32-bit signed integer. */
const isInt = (value: unknown): value is number =>
  Number.isInteger(value) && (value as number) <= 2_147_483_647 && (value as number) >= -2_147_483_648;

/** The cost of an operation (see QUERY_LIMITS); each fragment's cost is computed once. */
export function operationCost(
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  variables: Readonly<Record<string, unknown>>,
): number {
  return reckonCost(schema, document, operation, variables).cost;
}

/** The cost, and whether it depends on the request's variables (a page size given in one). */
function reckonCost(
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  variables: Readonly<Record<string, unknown>>,
): { cost: number; readVariables: boolean } {
  let readVariables = false;
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const d of document.definitions) {
    if (d.kind === Kind.FRAGMENT_DEFINITION) fragments.set(d.name.value, d);
  }
  const variableDefaults = new Map<string, ValueNode>();
  for (const v of operation.variableDefinitions ?? []) {
    if (v.defaultValue) variableDefaults.set(v.variable.name.value, v.defaultValue);
  }
  // A fragment's cost does not depend on where it is spread: computed once, whatever the spreads.
  const fragmentCosts = new Map<string, number>();

  const pageSize = (node: FieldNode, field: GraphQLField<unknown, unknown> | undefined): number => {
    const argument = field?.args.find((a) => a.name === 'first');
    if (!argument) return 1;
    const given = node.arguments?.find((a) => a.name.value === 'first')?.value;
    let value: unknown;
    if (given?.kind === Kind.INT) value = Number(given.value);
    else if (given?.kind === Kind.VARIABLE) {
      // Given or not, the next request with this document may differ.
      readVariables = true;
      const name = given.name.value;
      if (Object.hasOwn(variables, name)) value = variables[name];
      else {
        const fallback = variableDefaults.get(name);
        value = fallback?.kind === Kind.INT ? Number(fallback.value) : undefined;
      }
    }
    // Missing or null: the resolver uses the argument's default.
    if (value === undefined || value === null) value = argument.defaultValue;
    // Not an Int: left to variable coercion, whose BAD_USER_INPUT says more than a cost would.
    return isInt(value) ? Math.max(1, value) : 1;
  };

  const fieldOf = (parent: GraphQLNamedType | undefined, name: string) =>
    isObjectType(parent) || isInterfaceType(parent) ? parent.getFields()[name] : undefined;

  const selectionCost = (set: SelectionSetNode, parent: GraphQLNamedType | undefined): number => {
    let cost = 0;
    for (const s of set.selections) {
      if (s.kind === Kind.FIELD) {
        const field = fieldOf(parent, s.name.value);
        const inner = s.selectionSet ? selectionCost(s.selectionSet, field && getNamedType(field.type)) : 0;
        cost += 1 + pageSize(s, field) * inner;
      } else if (s.kind === Kind.INLINE_FRAGMENT) {
        cost += selectionCost(
          s.selectionSet,
          s.typeCondition ? schema.getType(s.typeCondition.name.value) : parent,
        );
      } else {
        cost += fragmentCost(s.name.value);
      }
    }
    return cost;
  };

  const fragmentCost = (name: string): number => {
    const known = fragmentCosts.get(name);
    if (known !== undefined) return known;
    // Validation has refused cycles already; the placeholder only guards against looping on one.
    fragmentCosts.set(name, 0);
    const fragment = fragments.get(name);
    const cost = fragment
      ? selectionCost(fragment.selectionSet, schema.getType(fragment.typeCondition.name.value))
      : 0;
    fragmentCosts.set(name, cost);
    return cost;
  };

  const cost = selectionCost(operation.selectionSet, schema.getRootType(operation.operation) ?? undefined);
  return { cost, readVariables };
}
