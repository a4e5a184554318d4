import type { ApolloServerOptionsWithGateway, BaseContext } from '@apollo/server';
// graphql's CommonJS entry on purpose: the one Apollo Server itself loads. Under vitest a bare
// 'graphql' import from TypeScript sources resolves to the ESM build, a second copy whose schema
// objects Apollo's copy refuses ("from another module or realm"); under Node both are this file.
import {
  GraphQLEnumType,
  assertValidSchema,
  buildASTSchema,
  execute,
  getVariableValues,
  GraphQLInterfaceType,
  GraphQLObjectType,
  GraphQLScalarType,
  GraphQLUnionType,
  parse,
  type DocumentNode,
  type ExecutionResult,
  type GraphQLFieldResolver,
  type GraphQLSchema,
  type GraphQLTypeResolver,
} from 'graphql/index.js';
import { compileQuery, isCompiledQuery, type CompiledQuery } from 'graphql-jit';

type GatewayInterface = ApolloServerOptionsWithGateway<BaseContext>['gateway'];
type GatewayExecutor = NonNullable<Awaited<ReturnType<GatewayInterface['load']>>['executor']>;
type ResolverMap = Readonly<
  Record<string, GraphQLScalarType | Readonly<Record<string, GraphQLFieldResolver<never, never>>>>
>;

// Duck-typed: the scalars are built with the ESM copy of graphql under vitest (see above).
const isScalarImpl = (impl: ResolverMap[string]): impl is GraphQLScalarType =>
  typeof (impl as GraphQLScalarType).serialize === 'function' &&
  typeof (impl as GraphQLScalarType).parseLiteral === 'function';

/**
 * The SDL with the resolvers attached, as Apollo's `typeDefs` + `resolvers` would build it: custom
 * scalars take their serialize/parse functions, object fields their resolvers, unions and
 * interfaces their `__resolveType`. A resolver for a type or field the SDL does not define is an
 * error at start-up, as in Apollo.
 */
export function executableSchema(
  typeDefs: readonly string[],
  resolvers: ResolverMap,
  /** Per enum, the value inside the server of each name (e.g. CPR -> '89666000'). */
  enumValues: Readonly<Record<string, Readonly<Record<string, string>>>> = {},
): GraphQLSchema {
  const schema = buildASTSchema(parse(typeDefs.join('\n')));
  for (const [name, values] of Object.entries(enumValues)) {
    const type = schema.getType(name);
    if (!(type instanceof GraphQLEnumType)) throw new Error(`${name} is not an enum of the schema`);
    // Before the type's first use: graphql-js builds its value lookups lazily, from these.
    for (const value of type.getValues()) {
      const internal = values[value.name];
      if (internal === undefined) throw new Error(`${name}.${value.name} has no value`);
      value.value = internal;
    }
  }
  for (const [name, impl] of Object.entries(resolvers)) {
    const type = schema.getType(name);
    if (type instanceof GraphQLScalarType && isScalarImpl(impl)) {
      type.serialize = impl.serialize;
      type.parseValue = impl.parseValue;
      type.parseLiteral = impl.parseLiteral;
      type.description = impl.description ?? type.description;
    } else if (type instanceof GraphQLObjectType && !isScalarImpl(impl)) {
      const fields = type.getFields();
      for (const [fieldName, resolve] of Object.entries(impl)) {
        const field = fields[fieldName];
        if (!field) throw new Error(`${name}.${fieldName} has a resolver but is not in the schema`);
        field.resolve = resolve as GraphQLFieldResolver<unknown, unknown>;
      }
    } else if (
      (type instanceof GraphQLUnionType || type instanceof GraphQLInterfaceType) &&
      !isScalarImpl(impl) &&
      Object.keys(impl).every((key) => key === '__resolveType')
    ) {
      // An abstract type names the object type of each value, as Apollo's `__resolveType`.
      type.resolveType = impl.__resolveType as GraphQLTypeResolver<unknown, unknown> | undefined;
    } else {
      throw new Error(`${name} has resolvers but is not an object or scalar type of the schema`);
    }
  }
  assertValidSchema(schema);
  return schema;
}

export interface JitOptions {
  /**
   * A query document is compiled on its n-th execution (default 2): documents clients repeat
   * (the HAP lookup) run compiled, a one-off document never pays for compilation, and a stream
   * of unique documents cannot make the server compile on every request.
   */
  readonly compileAfter?: number;
}

interface DocumentState {
  runs: number;
  compiled?: CompiledQuery | ExecutionResult;
}

/**
 * Apollo's supported hook for another executor (the gateway interface), used for one thing:
 * running queries compiled by graphql-jit. Apollo still parses, validates (depth limit) and caches
 * documents, runs the plugins (cost limit) and formats errors; only execution changes.
 *
 * - Variables are coerced by graphql-js first, so malformed input fails exactly as before (same
 *   messages, BAD_USER_INPUT, HTTP 400); jit runs on the values graphql-js accepted.
 * - Resolver errors keep their extensions (graphql-jit copies them, as graphql-js does), so
 *   `extensions.code` and formatError behave as before.
 * - Mutations, documents seen fewer than `compileAfter` times, and documents graphql-jit cannot
 *   compile run on graphql-js `execute`.
 */
export function jitGateway(schema: GraphQLSchema, options: JitOptions = {}): GatewayInterface {
  const compileAfter = Math.max(1, options.compileAfter ?? 2);
  // Apollo keeps one parsed document per query string in its document cache: compiled queries
  // live as long as that document does.
  const documents = new WeakMap<DocumentNode, Map<string | null, DocumentState>>();

  const executor: GatewayExecutor = async (rc) => {
    const { document, operation, operationName, request, context } = rc;
    const interpret = () =>
      execute({ schema, document, operationName, variableValues: request.variables, contextValue: context });
    if (operation.operation !== 'query') return interpret();

    let perOperation = documents.get(document);
    if (!perOperation) documents.set(document, (perOperation = new Map()));
    let state = perOperation.get(operationName);
    if (!state) perOperation.set(operationName, (state = { runs: 0 }));
    state.runs += 1;
    if (state.compiled === undefined && state.runs >= compileAfter) {
      state.compiled = compileQuery(schema, document, operationName ?? undefined, {
        disablingCapturingStackErrors: true,
      });
    }
    const compiled = state.compiled;
    if (compiled === undefined || !isCompiledQuery(compiled)) return interpret();

    const variables = getVariableValues(
      schema,
      operation.variableDefinitions ?? [],
      request.variables ?? {},
      {
        maxErrors: 50,
      },
    );
    if (variables.errors) return { errors: variables.errors };
    return await compiled.query(undefined, context, variables.coerced);
  };

  return {
    onSchemaLoadOrUpdate(callback) {
      callback({ apiSchema: schema, coreSupergraphSdl: '' });
      return () => undefined;
    },
    load: () => Promise.resolve({ executor }),
    stop: () => Promise.resolve(),
  };
}
