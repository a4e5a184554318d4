import { CURRENT_SCHEMA_VERSION, type NewPzpEvent, type PzpEvent } from './events.js';
import type { Actor } from './model.js';

export interface EnvelopeContext {
  readonly actor: Actor;
  /** Server time of the write (ISO instant). */
  readonly now: string;
  readonly sourceSystem: string;
  readonly correlationId: string;
  readonly causationId: string;
  /** Fresh UUIDs for event ids (crypto.randomUUID in the application, a counter in tests). */
  readonly newId: () => string;
}

/** Wraps what decide() returned in the envelope: ids, server time and the verified actor. */
export function envelope(events: readonly NewPzpEvent[], ctx: EnvelopeContext): PzpEvent[] {
  return events.map(
    (e) =>
      ({
        ...e,
        metadata: {
          eventId: ctx.newId(),
          recordedAt: new Date(ctx.now).toISOString(),
          recordedBy: ctx.actor,
          sourceSystem: ctx.sourceSystem,
          correlationId: ctx.correlationId,
          causationId: ctx.causationId,
          schemaVersion: CURRENT_SCHEMA_VERSION,
        },
      }) as PzpEvent,
  );
}
