import {
  CURRENT_SCHEMA_VERSION,
  EventMetadata,
  EventSchemas,
  isEventType,
  type EventType,
  type PzpEvent,
} from './events.js';
import { parseEvent } from './upcast.js';

/**
 * What readStoredEvent needs of an event as the store hands it out (the event store's StreamEvent
 * has these fields; the domain does not depend on the store).
 */
export interface StoredEventInput {
  readonly type: string;
  readonly data: unknown;
  readonly metadata: unknown;
  /** Its hash-chain link; undefined for an event from before the chain. */
  readonly integrity?: { readonly hash: string } | undefined;
  readonly shredded?: boolean | undefined;
}

/**
 * Reads a stored plan event for a reader that has checked its hash-chain link (the projector, the
 * write path after readVerifiedStream): parseEvent (upcasters, then zod), except for an event the
 * store itself wrote at the current schema version, which is taken as stored. Only a caller that
 * verified the event's link may use it. Why that is safe then:
 * - Such an event came in through the write path, where the command was validated by zod and the
 *   domain's decide() made the body (its types are the event schemas'); it was not re-validated
 *   here on every replay, it was validated at the boundary where it came in.
 * - It carries a hash-chain link, and its caller reads nothing from an event that is not the next
 *   link of its stream's chain (the projector's chain-heads.ts, readVerifiedStream): the bytes are
 *   the ones appended.
 * - The version check sends every event written under an older schema (whose body an upcaster may
 *   change) or a newer one (which this code must refuse loudly) through the full parse, and so does
 *   an event without a chain link (EventStoreDB's, from before the chain) or a shredded one.
 * - A cheap structural check (a known type, object body and envelope, every required key of both
 *   present) sends anything visibly off through the full parse too, so that an event appended
 *   outside the write path (a repair, a tool) still quarantines its stream with the schema's error.
 * What is left unchecked is a value of the right keys that zod would refuse, e.g. a code outside
 * its list, in an event appended with a valid chain link by something other than the write path.
 */
export function readStoredEvent(recorded: StoredEventInput): PzpEvent {
  const body = trustedBody(recorded);
  if (body === undefined) return parseEvent(recorded);
  return {
    type: recorded.type,
    data: inSchemaOrder(recorded.data as Body, body),
    metadata: recorded.metadata,
  } as PzpEvent;
}

type Body = Record<string, unknown>;
interface Shape {
  /** Every key, in the schema's order. */
  readonly keys: readonly string[];
  readonly required: readonly string[];
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** The keys of an object schema that must be present: those whose schema refuses undefined. */
function requiredKeys(schema: object): Shape | undefined {
  const { shape } = schema as { shape?: Record<string, { safeParse(value: unknown): { success: boolean } }> };
  if (!isObject(shape)) return undefined;
  const keys = Object.keys(shape);
  return { keys, required: keys.filter((key) => !shape[key]!.safeParse(undefined).success) };
}

const METADATA = requiredKeys(EventMetadata)!;
/** Per event type, its body's required keys; undefined where the body is not a plain object schema. */
const BODIES = new Map<string, Shape | undefined>(
  (Object.keys(EventSchemas) as EventType[]).map((type) => [type, requiredKeys(EventSchemas[type])]),
);

const hasKeys = (value: Body, shape: Shape): boolean =>
  shape.required.every((key) => value[key] !== undefined);

/** The body's shape when the event is one to take as stored; undefined when it must be parsed. */
function trustedBody(recorded: StoredEventInput): Shape | undefined {
  if (recorded.shredded === true || !recorded.integrity?.hash || !isEventType(recorded.type))
    return undefined;
  const { metadata, data } = recorded;
  if (!isObject(metadata) || metadata.schemaVersion !== CURRENT_SCHEMA_VERSION) return undefined;
  const body = BODIES.get(recorded.type);
  if (body === undefined || !isObject(data) || !hasKeys(metadata, METADATA) || !hasKeys(data, body))
    return undefined;
  return body;
}

/**
 * The body's keys in the order zod's parse gives them (the schema's), which decide() does not
 * always follow: the JSON the read models hold of it (views, history) is then the same bytes as
 * from a full parse. Keys the schema does not know are left out, as zod leaves them out. Nested
 * objects are taken as stored: in what decide() makes they already are in the schema's order.
 */
function inSchemaOrder(data: Body, shape: Shape): Body {
  const ordered: Body = {};
  for (const key of shape.keys) if (data[key] !== undefined) ordered[key] = data[key];
  return ordered;
}
