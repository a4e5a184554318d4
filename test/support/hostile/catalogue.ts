import type { Category, HostileCase } from './case.js';
import {
  aliasAmplification,
  deepNesting,
  fragmentBombs,
  operationNames,
  persistedQueries,
  tokenFloods,
} from './documents.js';
import { forgedTokens } from './forged-tokens.js';
import type { Generator, GeneratorContext } from './generator.js';
import { breakGlass, freeText, invalidEnums, variableErrors, wrongTypes } from './inputs.js';
import { batches, contentTypes, getRequests, malformedJson, oversized } from './transport.js';

/** How many requests of each category one run sends (2,000 in all), and what makes them. */
export const CATALOGUE: Readonly<Record<Category, readonly [Generator, number]>> = {
  'fragment-bomb': [fragmentBombs, 8],
  'deep-nesting': [deepNesting, 60],
  'token-flood': [tokenFloods, 36],
  aliases: [aliasAmplification, 30],
  'operation-name': [operationNames, 90],
  'persisted-query': [persistedQueries, 96],
  'variable-errors': [variableErrors, 160],
  'wrong-type': [wrongTypes, 200],
  'invalid-enum': [invalidEnums, 160],
  'free-text': [freeText, 440],
  'break-glass': [breakGlass, 150],
  tokens: [forgedTokens, 200],
  'malformed-json': [malformedJson, 112],
  oversized: [oversized, 12],
  'content-type': [contentTypes, 84],
  get: [getRequests, 102],
  batched: [batches, 60],
};

/** Every category's cases, in an order the seeded PRNG shuffles (the same order on every run). */
export function hostileCases(g: GeneratorContext): HostileCase[] {
  const cases = Object.values(CATALOGUE).flatMap(([generate, count]) => generate(g, count));
  return g.rng.shuffle(cases);
}
