import { CURRENT_SCHEMA_VERSION, EventMetadata, EventSchemas, isEventType, type PzpEvent } from './events.js';

/** Turns the body of an event of one schema version into the body of the next version. */
export type Upcaster = (data: unknown) => unknown;
/** Per event type, per source version: the step to version + 1. */
export type Upcasters = Readonly<Record<string, Readonly<Record<number, Upcaster>>>>;

/** No event has changed shape yet: every stored event is at schema version 1. */
export const UPCASTERS: Upcasters = {};

export class EventSchemaError extends Error {
  override readonly name = 'EventSchemaError';
}

/**
 * Reads a stored event into the current schema: steps its body through the upcasters from its
 * recorded schemaVersion up to the current one, then validates it. A stream never holds an event
 * this code cannot read silently: unknown types and versions newer than this code fail loudly,
 * because skipping an event could hide a treatment limit.
 */
export function parseEvent(
  raw: { type: string; data: unknown; metadata: unknown; shredded?: boolean | undefined },
  upcasters: Upcasters = UPCASTERS,
  currentVersion: number = CURRENT_SCHEMA_VERSION,
): PzpEvent {
  if (!isEventType(raw.type)) throw new EventSchemaError(`Unknown event type ${raw.type}`);
  const parsedMetadata = EventMetadata.safeParse(raw.metadata);
  if (!parsedMetadata.success)
    throw new EventSchemaError(`${raw.type} has malformed metadata: ${parsedMetadata.error.message}`);
  const metadata = parsedMetadata.data;
  if (metadata.schemaVersion > currentVersion) {
    throw new EventSchemaError(
      `${raw.type} has schema version ${metadata.schemaVersion}, newer than this code (${currentVersion})`,
    );
  }
  if (raw.shredded === true) {
    // Its key was destroyed with the record: the envelope is all that can still be read.
    return {
      type: 'ContentShredded',
      data: { originalType: raw.type },
      metadata: { ...metadata, schemaVersion: currentVersion },
    };
  }
  let data = raw.data;
  for (let v = metadata.schemaVersion; v < currentVersion; v++) {
    const step = upcasters[raw.type]?.[v];
    if (step) data = step(data);
  }
  const parsed = EventSchemas[raw.type].safeParse(data);
  if (!parsed.success)
    throw new EventSchemaError(`${raw.type} does not match its schema: ${parsed.error.message}`);
  return {
    type: raw.type,
    data: parsed.data,
    metadata: { ...metadata, schemaVersion: currentVersion },
  } as PzpEvent;
}
