import type {
  ApolloServerPlugin,
  BaseContext,
  GraphQLRequestContextDidEncounterErrors,
} from '@apollo/server';
// graphql's CommonJS entry on purpose, as in executor.ts: the schema's types and the errors Apollo
// raises come from that copy, and TypeInfo / coerceInputValue refuse types from another one.
import {
  coerceInputValue,
  getLocation,
  getNamedType,
  getNullableType,
  GraphQLError,
  isEnumType,
  isInputObjectType,
  isListType,
  isNonNullType,
  isScalarType,
  Kind,
  TypeInfo,
  typeFromAST,
  visit,
  visitWithTypeInfo,
  type ASTNode,
  type DocumentNode,
  type GraphQLInputType,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type VariableDefinitionNode,
} from 'graphql/index.js';
import { rewriteError, statusOfCodes } from './errors.js';
import { QUERY_TOO_COMPLEX, tokenLimitError } from './limits.js';

/**
 * The request-level half of the error contract (see errors.ts), as one Apollo plugin:
 *
 * - A bad value is BAD_USER_INPUT with `extensions.field`, whether it came as a literal in the
 *   document or in a variable, and its message never repeats the value.
 * - An operation name that names no operation (or none given for several) is
 *   OPERATION_RESOLUTION_FAILURE, 400 (the gateway executor would otherwise fail on it: 500).
 * - A query over one of the limits of limits.ts is QUERY_TOO_COMPLEX with `extensions.limit`, 400,
 *   whether the parser, a validation rule or the cost plugin found it.
 * - The response's HTTP status follows its errors' codes (errors.ts, statusOfCodes).
 *
 * Why a plugin and not a validation rule for literals: Apollo always runs graphql-js's own rules
 * (ValuesOfCorrectTypeRule reports the bad literal, with its value in the message) and gives every
 * validation error the code GRAPHQL_VALIDATION_FAILED, so a rule of ours could only add a second
 * error, never replace that one. After validation, `didEncounterErrors` has the errors, the
 * document and the variables: the error's AST node is found in the document, which gives the path
 * from the argument and the expected type. For variables it re-runs graphql-js's coercion of the
 * request's variables (the same function, so the same errors in the same order) to get each
 * error's path and type, instead of parsing them out of a message that embeds the value. What to
 * say is handed to formatError (rewriteError), the documented place to change an error's output.
 */
export function errorContract(): ApolloServerPlugin {
  return {
    requestDidStart: async () => ({
      async didResolveOperation({ operation, request }) {
        if (operation) return;
        // graphql-js's own wording; the operation name is the client's identifier, not a value.
        throw new GraphQLError(
          request.operationName
            ? `Unknown operation named "${request.operationName}".`
            : 'Must provide operation name if query contains multiple operations.',
          { extensions: { code: 'OPERATION_RESOLUTION_FAILURE', http: { status: 400 } } },
        );
      },
      async didEncounterErrors(requestContext) {
        describeLimitErrors(requestContext.errors);
        describeInputErrors(requestContext);
      },
      async willSendResponse({ response }) {
        if (response.body.kind !== 'single') return;
        const codes = (response.body.singleResult.errors ?? []).map((e) => e.extensions?.code);
        const status = statusOfCodes(codes);
        if (status !== undefined) response.http.status = status;
      },
    }),
  };
}

/**
 * A query limit (limits.ts) is QUERY_TOO_COMPLEX with the limit's name, wherever it was found:
 * Apollo gives every validation error the code GRAPHQL_VALIDATION_FAILED and every parse error
 * GRAPHQL_PARSE_FAILED, which would tell a client to fix its syntax rather than shrink its query.
 */
function describeLimitErrors(errors: readonly GraphQLError[]) {
  for (const error of errors) {
    const code = error.extensions?.['code'];
    if (code === 'GRAPHQL_PARSE_FAILED') {
      const tokens = tokenLimitError(error.message);
      if (tokens)
        rewriteError(error, {
          code: QUERY_TOO_COMPLEX,
          message: tokens.message,
          extensions: { limit: tokens.limit },
        });
    } else if (
      code === 'GRAPHQL_VALIDATION_FAILED' &&
      error.originalError instanceof Error &&
      (error.originalError as GraphQLError).extensions?.['code'] === QUERY_TOO_COMPLEX
    ) {
      rewriteError(error, { code: QUERY_TOO_COMPLEX });
    }
  }
}

type Path = readonly (string | number)[];

/** A value in the document (or an input object's field in one) and where it sits. */
interface Site {
  /** From the argument (or the variable whose default value it is). */
  readonly path: Path;
  /** The type expected there; undefined where the schema has no such field. */
  readonly type: GraphQLInputType | undefined;
}

const VALUE_KINDS = new Set<string>([
  Kind.STRING,
  Kind.INT,
  Kind.FLOAT,
  Kind.BOOLEAN,
  Kind.NULL,
  Kind.ENUM,
  Kind.LIST,
  Kind.OBJECT,
  Kind.OBJECT_FIELD,
]);

/** The messages about a value's shape that name no value: they are kept as they are. */
const SHAPE_MESSAGES = [
  /^Field "[^"]+" of required type "[^"]+" was not provided\.$/,
  /^Field "[^"]+" is not defined by type "[^"]+"\./,
  /^An object key is not a field of type "[^"]+"\.$/,
  /^Expected non-nullable type "[^"]+" not to be null\.$/,
  /^Expected type "[^"]+" to be an object\.$/,
  /^OneOf Input Object "[^"]+" must specify exactly one key\.$/,
  /^Exactly one key must be specified for OneOf type "[^"]+"\.$/,
  /^Field "[^"]+" must be non-null\.$/,
];
/** The field an input object lacks ("Type.field" for literals, "field" for variables). */
const MISSING_FIELD = /^Field "(?:\w+\.)?(\w+)" of required type /;
const UNKNOWN_FIELD = /^Field "(\w+)" is not defined by type /;
/** graphql-js's message for a key of a variable's object that its type does not define. */
const UNKNOWN_KEY = /^Field "([^"]*)" is not defined by type "([^"]+)"\.(.*)$/s;
/** What a field name can be: a key that is not one may be anything the caller typed (a BSN, a name). */
const FIELD_NAME = /^[_A-Za-z][_0-9A-Za-z]{0,63}$/;

/**
 * A variable's object may have keys no field can have ("123456782", "Jan Jansen"): those are data
 * in the wrong place, so the message names the type but not the key. A key that could be a field
 * name (a typo such as "bns") is named, with graphql-js's suggestion.
 */
function withoutForeignKey(message: string): string {
  const unknown = UNKNOWN_KEY.exec(message);
  if (!unknown || FIELD_NAME.test(unknown[1]!)) return message;
  return `An object key is not a field of type "${unknown[2]}".`;
}
const MISSING_ARGUMENT = /^(?:Field|Directive) "[^"]+" argument "(\w+)" of type "[^"]+" is required/;

const BAD_INPUT = { code: 'BAD_USER_INPUT' } as const;
const fieldOf = (path: Path) => ({ field: path.join('.') });

/**
 * A scalar that throws an error with code BAD_USER_INPUT (scalars.ts) promises a message without
 * the value ("BSN fails the 11-check"): that message is the reason given. graphql-js's own scalars
 * and enums name the value ("Int cannot represent non-integer value: ..."): no reason then.
 */
function reasonOf(error: GraphQLError): string | undefined {
  const hasCode = (e: unknown) => (e as GraphQLError | undefined)?.extensions?.['code'] === 'BAD_USER_INPUT';
  if (hasCode(error.originalError)) return error.originalError!.message;
  return hasCode(error) ? error.message : undefined;
}

/** For a coded value: the values allowed, and the OTH route where the value set has one. */
function allowedValues(type: GraphQLInputType | undefined): string {
  const named = type && getNamedType(type);
  if (!isEnumType(named)) return '';
  const names = named.getValues().map((v) => v.name);
  const other = names.includes('OTH') ? ' (OTH with a text for anything the list does not name)' : '';
  return `; allowed: ${names.join(', ')}${other}`;
}

const expected = (type: GraphQLInputType | undefined, reason: string | undefined) =>
  (type ? `Expected value of type "${String(type)}"` : 'Invalid value') +
  allowedValues(type) +
  (reason ? `; ${reason}` : '');

function describeInputErrors(rc: GraphQLRequestContextDidEncounterErrors<BaseContext>) {
  const { errors, document, schema, operation } = rc;
  if (!document) return;
  let index: DocumentIndex | undefined;
  const indexed = () => (index ??= indexDocument(schema, document, operation));
  const variableErrors: GraphQLError[] = [];
  for (const error of errors) {
    const code = error.extensions?.['code'];
    if (code === 'GRAPHQL_VALIDATION_FAILED' && error.extensions?.['limit'] === undefined)
      describeLiteral(error, indexed());
    else if (code === 'BAD_USER_INPUT' && error.nodes?.[0]?.kind === Kind.VARIABLE_DEFINITION)
      variableErrors.push(error);
  }
  if (variableErrors.length > 0 && operation)
    describeVariables(variableErrors, schema, operation, rc.request.variables ?? {}, indexed());
}

interface DocumentIndex {
  /** Every value in an argument or a default value, in document order. */
  readonly sites: Map<ASTNode, Site>;
  /** Where each variable is used, as paths from the argument (this operation and the fragments). */
  readonly usages: Map<string, Path[]>;
  /** Literals already matched to a node-less error: two equal errors are two literals. */
  readonly claimed: Set<ASTNode>;
}

function indexDocument(
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode | undefined,
): DocumentIndex {
  const sites = new Map<ASTNode, Site>();
  const usages = new Map<string, Path[]>();
  const typeInfo = new TypeInfo(schema);
  visit(
    document,
    visitWithTypeInfo(typeInfo, {
      enter(node, _key, parent, _path, ancestors) {
        if (node.kind !== Kind.VARIABLE && !VALUE_KINDS.has(node.kind)) return;
        // `ancestors` stops before the parent.
        const chain = [...ancestors, parent, node].filter(
          (a): a is ASTNode => a !== undefined && !Array.isArray(a),
        );
        const start = chain.findIndex((n) => n.kind === Kind.ARGUMENT || n.kind === Kind.VARIABLE_DEFINITION);
        if (start < 0) return;
        const path: (string | number)[] = [];
        chain.slice(start).forEach((n, i, all) => {
          if (n.kind === Kind.ARGUMENT || n.kind === Kind.OBJECT_FIELD) path.push(n.name.value);
          else if (n.kind === Kind.VARIABLE_DEFINITION) path.push(n.variable.name.value);
          else if (n.kind === Kind.LIST && all[i + 1]) path.push(n.values.indexOf(all[i + 1] as never));
        });
        if (node.kind !== Kind.VARIABLE) {
          // On a list, TypeInfo already holds the type of its items.
          const type = node.kind === Kind.LIST ? typeInfo.getParentInputType() : typeInfo.getInputType();
          sites.set(node, { path, type: type ?? undefined });
          return;
        }
        const inOperation = chain.find((n) => n.kind === Kind.OPERATION_DEFINITION);
        if (chain[start]!.kind === Kind.ARGUMENT && (!inOperation || inOperation === operation)) {
          const name = node.name.value;
          usages.set(name, [...(usages.get(name) ?? []), path]);
        }
      },
    }),
  );
  return { sites, usages, claimed: new Set() };
}

/** A literal the validation refused: BAD_USER_INPUT with its path; anything else stays as it is. */
function describeLiteral(error: GraphQLError, index: DocumentIndex) {
  const node = error.nodes?.length === 1 ? error.nodes[0]! : undefined;
  if (node?.kind === Kind.FIELD || node?.kind === Kind.DIRECTIVE) {
    const argument = MISSING_ARGUMENT.exec(error.message)?.[1];
    if (argument) rewriteError(error, { ...BAD_INPUT, extensions: fieldOf([argument]) });
    return;
  }
  const site = node ? index.sites.get(node) : undefined;
  if (site) {
    const missing = MISSING_FIELD.exec(error.message)?.[1];
    const path = missing ? [...site.path, missing] : site.path;
    const message = SHAPE_MESSAGES.some((m) => m.test(error.message))
      ? error.message
      : expected(site.type, reasonOf(error));
    rewriteError(error, { ...BAD_INPUT, message, extensions: fieldOf(path) });
    return;
  }
  if (!node) relocate(error, index);
}

/**
 * A scalar's own GraphQLError, thrown by parseLiteral, is reported by graphql-js as it is: without
 * the AST node (scalars.ts does not pass one), so without location. Found again by asking the
 * document's scalar literals which of them fails with that message. (Under vitest the scalars'
 * errors come from the other copy of graphql and are wrapped with their node; in Node they are not.)
 */
function relocate(error: GraphQLError, { sites, claimed }: DocumentIndex) {
  const reason = reasonOf(error);
  if (!reason) return;
  for (const [node, site] of sites) {
    if (claimed.has(node) || node.kind === Kind.NULL || node.kind === Kind.OBJECT_FIELD) continue;
    const scalar = site.type && getNullableType(site.type);
    if (!isScalarType(scalar)) continue;
    try {
      scalar.parseLiteral(node as never, undefined);
    } catch (e) {
      if ((e as Error).message !== error.message) continue;
      claimed.add(node);
      rewriteError(error, {
        ...BAD_INPUT,
        message: expected(site.type, reason),
        locations: node.loc ? [getLocation(node.loc.source, node.loc.start)] : undefined,
        extensions: fieldOf(site.path),
      });
      return;
    }
  }
}

interface Issue {
  readonly path: Path;
  readonly error?: GraphQLError;
}

/**
 * graphql-js's coercion of one variable (getVariableValues, in the same order): the problems it
 * reports, each with its path in the value. A missing or null value for a non-null variable is one
 * problem at the variable itself.
 */
function issuesOf(
  schema: GraphQLSchema,
  definition: VariableDefinitionNode,
  inputs: Record<string, unknown>,
) {
  const name = definition.variable.name.value;
  const type = typeFromAST(schema, definition.type) as GraphQLInputType | undefined;
  const issues: Issue[] = [];
  if (!type) return issues;
  if (!Object.hasOwn(inputs, name)) {
    if (!definition.defaultValue && isNonNullType(type)) issues.push({ path: [] });
  } else if (inputs[name] === null) {
    if (isNonNullType(type)) issues.push({ path: [] });
  } else {
    coerceInputValue(inputs[name], type, (path, _value, error) => issues.push({ path, error }));
  }
  return issues;
}

/** The type at `path` in a value of `type`. */
function typeAt(type: GraphQLInputType, path: Path): GraphQLInputType | undefined {
  let at: GraphQLInputType | undefined = type;
  for (const step of path) {
    const nullable: GraphQLInputType | undefined = at && isNonNullType(at) ? at.ofType : at;
    if (typeof step === 'number' && isListType(nullable)) at = nullable.ofType;
    else if (typeof step === 'string' && isInputObjectType(nullable)) at = nullable.getFields()[step]?.type;
    else return undefined;
  }
  return at;
}

const printPath = (path: Path) => path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${p}`)).join('');

/**
 * Variable errors: BAD_USER_INPUT with `field` as the argument sees it (`$x` passed as `input`:
 * `input.patient.bsn`), so a client gets the same path for a literal, a variable and a resolver's
 * error. A variable used in several places (or none) is named by itself.
 */
function describeVariables(
  errors: readonly GraphQLError[],
  schema: GraphQLSchema,
  operation: OperationDefinitionNode,
  inputs: Record<string, unknown>,
  { usages }: DocumentIndex,
) {
  const issues = new Map<string, Issue[]>();
  for (const error of errors) {
    const definition = error.nodes![0] as VariableDefinitionNode;
    const name = definition.variable.name.value;
    if (!operation.variableDefinitions?.includes(definition)) continue;
    if (!issues.has(name)) issues.set(name, issuesOf(schema, definition, inputs));
    const issue = issues.get(name)!.shift();
    const used = usages.get(name) ?? [];
    const argumentPath = used.length === 1 ? used[0]! : [name];
    if (!issue?.error) {
      // Not provided, or null: graphql-js's message names the variable and its type only.
      rewriteError(error, { extensions: fieldOf(argumentPath) });
      continue;
    }
    const inner = withoutForeignKey(issue.error.message);
    const field = MISSING_FIELD.exec(inner)?.[1] ?? UNKNOWN_FIELD.exec(inner)?.[1];
    const type = typeFromAST(schema, definition.type) as GraphQLInputType;
    const at = typeAt(type, issue.path);
    const reason = SHAPE_MESSAGES.some((m) => m.test(inner)) ? inner : expected(at, reasonOf(issue.error));
    const where = issue.path.length > 0 ? ` at "${name}${printPath(issue.path)}"` : '';
    rewriteError(error, {
      message: `Variable "$${name}" got an invalid value${where}; ${reason}`,
      extensions: fieldOf([...argumentPath, ...issue.path, ...(field ? [field] : [])]),
    });
  }
}
