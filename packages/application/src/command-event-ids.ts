import { createHash } from 'node:crypto';

/** The UUID namespace of the registry's command ids (a fixed random UUID, never to change). */
const COMMAND_NAMESPACE = '6f1d3c2e-8b4a-4e0f-9a57-2c9d41b7e5a3';

/** A name-based UUID (RFC 9562 version 5: SHA-1 of namespace and name). */
export function uuidV5(namespace: string, name: string): string {
  const bytes = createHash('sha1')
    .update(Buffer.from(namespace.replace(/-/g, ''), 'hex'))
    .update(name, 'utf8')
    .digest()
    .subarray(0, 16);
  bytes[6] = (bytes[6]! & 0x0f) | 0x50;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/**
 * The id of one command: the same client key (an idempotency key, or the request id it sent)
 * for the same stream at the same version, with the same content, is the same command. Stream
 * and version are part of it so two commands of one request (two mutations in one GraphQL
 * operation) do not share ids; the content is, so a client that reuses a key for a different
 * change gets a conflict, never the first change's "success" with its own change silently lost.
 */
export function commandId(key: string, streamName: string, version: number, content: unknown): string {
  return uuidV5(COMMAND_NAMESPACE, JSON.stringify([key, streamName, version, content]));
}

/**
 * Event ids derived from the command, in order (the i-th call gives event i's id): a retry of the
 * command proposes the same ids, which the event store recognises as already written.
 */
export function commandEventIds(id: string): () => string {
  let index = 0;
  return () => uuidV5(id, String(index++));
}
