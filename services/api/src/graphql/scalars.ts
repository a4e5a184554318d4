import { GraphQLError, GraphQLScalarType, Kind, type ValueNode } from 'graphql';
import { Instant, isValidBsn, LocalDate } from '@pzp/domain';
import { amsterdamIso } from './amsterdam.js';

const invalid = (message: string) => new GraphQLError(message, { extensions: { code: 'BAD_USER_INPUT' } });

/** A scalar that accepts strings checked by `check` (whose message never repeats the value). */
function stringScalar(
  name: string,
  description: string,
  check: (value: string) => string | undefined,
  serialize: (value: string) => string = (v) => v,
) {
  const parse = (value: unknown): string => {
    if (typeof value !== 'string') throw invalid(`${name} must be a string`);
    const problem = check(value);
    if (problem) throw invalid(problem);
    return value;
  };
  return new GraphQLScalarType<string, string>({
    name,
    description,
    serialize: (value) => serialize(String(value)),
    parseValue: parse,
    parseLiteral: (ast: ValueNode) => {
      if (ast.kind !== Kind.STRING) throw invalid(`${name} must be a string`);
      return parse(ast.value);
    },
  });
}

export const BSNScalar = stringScalar('BSN', 'Burgerservicenummer: 9 digits that pass the 11-check.', (v) =>
  /^\d{9}$/.test(v) ? (isValidBsn(v) ? undefined : 'BSN fails the 11-check') : 'BSN must be exactly 9 digits',
);

export const DateTimeScalar = stringScalar(
  'DateTime',
  'ISO 8601 instant with an explicit offset; output in Europe/Amsterdam with offset.',
  (v) =>
    Instant.safeParse(v).success
      ? undefined
      : 'DateTime must be ISO 8601 with an offset (Z or +hh:mm); without one it is ambiguous',
  amsterdamIso,
);

export const LocalDateScalar = stringScalar('LocalDate', 'A calendar date, YYYY-MM-DD.', (v) =>
  LocalDate.safeParse(v).success ? undefined : 'LocalDate must be an existing date as YYYY-MM-DD',
);
