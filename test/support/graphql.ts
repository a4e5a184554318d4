import { expect } from 'vitest';
import type { GraphQLResponse } from './server.js';

/** The data of a GraphQL answer that must have no errors (the errors are the failure's message). */
export function ok<T>(r: GraphQLResponse<T>): T {
  expect(r.errors, JSON.stringify(r.errors)).toBeUndefined();
  return r.data!;
}
