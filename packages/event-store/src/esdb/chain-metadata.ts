import { z } from 'zod';
import type { EventIntegrity } from '../port.js';

/**
 * EventStoreDB has no place for an event's hash-chain link but its metadata: the adapter keeps it
 * there under this key, beside the caller's keys, and takes it out again on every read, so
 * callers get back exactly the metadata they appended. A caller may not use the key itself.
 */
export const INTEGRITY_KEY = 'pzp.integrity';

const Integrity = z.object({
  hash: z.string(),
  previous: z.string().nullable(),
});

/** What a present but unreadable link reads as: a hash no content has, so verification reports it. */
const UNREADABLE: EventIntegrity = { hash: '(unreadable)', previous: null };

export function withIntegrity(
  metadata: Record<string, unknown>,
  integrity: EventIntegrity,
): Record<string, unknown> {
  if (Object.hasOwn(metadata, INTEGRITY_KEY)) {
    throw new TypeError(`The metadata key ${INTEGRITY_KEY} is reserved for the event's hash-chain link`);
  }
  return { ...metadata, [INTEGRITY_KEY]: { hash: integrity.hash, previous: integrity.previous } };
}

/** The caller's metadata and the link stored beside it; no link for an event from before the chain. */
export function splitIntegrity(stored: unknown): {
  metadata: unknown;
  integrity: EventIntegrity | undefined;
} {
  if (
    typeof stored !== 'object' ||
    stored === null ||
    Array.isArray(stored) ||
    !Object.hasOwn(stored, INTEGRITY_KEY)
  ) {
    return { metadata: stored, integrity: undefined };
  }
  const { [INTEGRITY_KEY]: link, ...metadata } = stored as Record<string, unknown>;
  const parsed = Integrity.safeParse(link);
  return { metadata, integrity: parsed.success ? parsed.data : UNREADABLE };
}
