import { badInput } from './errors.js';

/** Opaque cursors: base64url of the position in the underlying ordered list. */
export const encodeCursor = (value: string): string => Buffer.from(value, 'utf8').toString('base64url');

export function decodeCursor(cursor: string | null | undefined, field: string): string | undefined {
  if (cursor === null || cursor === undefined) return undefined;
  const value = Buffer.from(cursor, 'base64url').toString('utf8');
  if (!value || encodeCursor(value) !== cursor) throw badInput('Not a cursor from this API', [field]);
  return value;
}

export function pageSize(first: number | null | undefined, max = 200): number {
  const size = first ?? 50;
  if (!Number.isInteger(size) || size < 1 || size > max) {
    throw badInput(`first must be between 1 and ${max}`, ['first']);
  }
  return size;
}
