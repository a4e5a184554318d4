import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EventSchemaError, parseEvent } from '@pzp/domain';
import type { StreamEvent } from '@pzp/event-store';
import { append, BSNS, patientEvents, streamOf, testEnv } from './spec-support.js';
import { readStoredEvent } from './stored-event.js';

const [A] = BSNS as [string];

let env: ReturnType<typeof testEnv>;
beforeEach(() => {
  env = testEnv();
});
afterEach(() => env.close());

async function storedEvents(): Promise<StreamEvent[]> {
  await append(env.store, A, patientEvents(A, 0, { regiebehandelaar: true }));
  return env.store.readStream(streamOf(A));
}

describe('readStoredEvent', () => {
  it('takes an event the store wrote at the current schema version as stored, without parsing it again', async () => {
    const events = await storedEvents();
    expect(events.length).toBeGreaterThan(2);
    let shared = 0;
    for (const e of events) {
      const read = readStoredEvent(e);
      // The very objects the store handed out: no zod parse made a copy of them.
      expect(read.metadata).toBe(e.metadata);
      for (const [key, value] of Object.entries(e.data as object)) {
        if (typeof value !== 'object') continue;
        expect((read.data as Record<string, unknown>)[key]).toBe(value);
        shared++;
      }
      // ...and what the full parse would have given, to the order of the keys.
      expect(JSON.stringify(read)).toBe(JSON.stringify(parseEvent(e)));
    }
    expect(shared).toBeGreaterThan(0);
  });

  it('parses in full an event of another schema version: a newer one is refused', async () => {
    const [first] = await storedEvents();
    const newer = { ...first!, metadata: { ...(first!.metadata as object), schemaVersion: 2 } };
    expect(() => readStoredEvent(newer)).toThrow(/schema version 2, newer than this code/);
    const older = { ...first!, metadata: { ...(first!.metadata as object), schemaVersion: 0 } };
    expect(() => readStoredEvent(older)).toThrow(EventSchemaError);
  });

  it('parses in full an event that fails the structural check, so its schema error is reported', async () => {
    const [first, second] = await storedEvents();
    const { date: _date, ...withoutDate } = second!.data as Record<string, unknown>;
    expect(() => readStoredEvent({ ...second!, data: withoutDate })).toThrow(
      /ConversationRecorded does not match its schema/,
    );
    expect(() => readStoredEvent({ ...first!, data: [] })).toThrow(EventSchemaError);
    const { eventId: _id, ...noId } = first!.metadata as Record<string, unknown>;
    expect(() => readStoredEvent({ ...first!, metadata: noId })).toThrow(/malformed metadata/);
    expect(() => readStoredEvent({ ...first!, type: 'PatientIdentifiedV9' })).toThrow(/Unknown event type/);
  });

  it('parses in full an event without a hash-chain link, and a shredded one', async () => {
    const [first] = await storedEvents();
    const unchained = readStoredEvent({ ...first!, integrity: undefined });
    expect(unchained.data).not.toBe(first!.data);
    expect(unchained).toEqual(parseEvent(first!));
    expect(readStoredEvent({ ...first!, data: null, shredded: true })).toMatchObject({
      type: 'ContentShredded',
      data: { originalType: 'PatientIdentified' },
    });
  });
});
