import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ENUM_CODES } from './codings.js';
import { executableSchema } from './executor.js';
import { destructionMutations } from './resolvers/destruction.js';
import { historyResolvers } from './resolvers/history.js';
import { Mutation } from './resolvers/mutation.js';
import { notificationMutation, notificationQuery } from './resolvers/notifications.js';
import { Query } from './resolvers/query.js';
import { recordResolvers } from './resolvers/record.js';
import { BSNScalar, DateTimeScalar, LocalDateScalar } from './scalars.js';
import type { Resolvers } from './generated/resolvers-types.js';

// From the package's entry, not this module: compiled into services/api/dist, this module's own
// URL no longer lies in src/graphql.
const SDL_DIR = fileURLToPath(new URL('../../../graphql/', import.meta.resolve('@pzp/api')));

/** The SDL in /graphql, the one source of the public contract. */
export const typeDefs = readdirSync(SDL_DIR)
  .filter((f) => f.endsWith('.graphql'))
  .sort()
  .map((f) => readFileSync(SDL_DIR + f, 'utf8'));

export const resolvers: Resolvers = {
  BSN: BSNScalar,
  DateTime: DateTimeScalar,
  LocalDate: LocalDateScalar,
  Query: { ...Query, ...notificationQuery },
  Mutation: { ...Mutation, ...notificationMutation, ...destructionMutations },
  ...recordResolvers,
  ...historyResolvers,
};

/** The registry's executable schema: the SDL, its resolvers, and the codes behind its enums. */
export const registrySchema = () => executableSchema(typeDefs, resolvers as never, ENUM_CODES);
