import { describe, expect, it } from 'vitest';
import type { Bsn } from './bsn.js';
import { CURRENT_SCHEMA_VERSION, EVENT_TYPES, type PzpEvent } from './events.js';
import type { Party } from './model.js';
import { EventSchemaError, parseEvent, UPCASTERS, type Upcasters } from './upcast.js';
import { actors, asParty, bsns, patientParty } from './testing/fixtures.js';
import { idSequence } from './testing/decider-spec.js';
import { PlanRecorder } from './testing/recorder.js';

/**
 * Reading stored events: the current version parses, older versions are stepped up by upcasters,
 * and anything this code cannot read fails loudly, since skipping an event could hide a limit.
 */

const bsn = bsns[0] as Bsn;
const gpAndPatient: Party[] = [patientParty, asParty(actors.gp)];

/** Stored events of one plan, as they come out of the event store (plain JSON). */
function stored(): PzpEvent[] {
  const rec = new PlanRecorder(idSequence(12));
  rec.run(
    'RecordConversation',
    {
      conversationId: 'conv-1',
      patient: { bsn, name: 'Wilhelmina de Groot-van Dijk', birthDate: '1938-05-04' },
      date: '2026-03-02',
      participants: gpAndPatient,
      treatmentDirectives: [
        { treatment: { code: '89666000' }, decision: 'NIET' },
        {
          treatment: { code: '305351004' },
          decision: 'ANDERS',
          specification: 'Alleen een kortdurende IC-opname bij een goed behandelbare oorzaak',
        },
      ],
    },
    actors.gp,
    '2026-03-02T14:00:00+01:00',
  );
  return JSON.parse(JSON.stringify(rec.events)) as PzpEvent[];
}

const byType = <T extends PzpEvent['type']>(events: PzpEvent[], type: T) =>
  events.find((e) => e.type === type) as Extract<PzpEvent, { type: T }>;

describe('parseEvent: current version', () => {
  it('every stored v1 event parses to itself', () => {
    for (const event of stored()) expect(parseEvent(event)).toEqual(event);
  });

  it('the current schema version is 1 and no upcasters are registered yet', () => {
    expect(CURRENT_SCHEMA_VERSION).toBe(1);
    expect(UPCASTERS).toEqual({});
  });
});

describe('parseEvent: what it cannot read fails with EventSchemaError', () => {
  it('an unknown event type', () => {
    const event = stored()[0]!;
    expect(() => parseEvent({ ...event, type: 'TreatmentDirectiveDeleted' })).toThrow(EventSchemaError);
    expect(() => parseEvent({ ...event, type: 'TreatmentDirectiveDeleted' })).toThrow(
      'Unknown event type TreatmentDirectiveDeleted',
    );
  });

  it('a prototype key is not an event type', () => {
    expect(() => parseEvent({ ...stored()[0]!, type: 'toString' })).toThrow(EventSchemaError);
  });

  it('a patient whose BSN fails the 11-check', () => {
    const event = byType(stored(), 'PatientIdentified');
    expect(() => parseEvent({ ...event, data: { ...event.data, bsn: '123456789' } })).toThrow(
      EventSchemaError,
    );
  });

  it('an ANDERS directive without its conditions', () => {
    const event = stored().find((e) => e.type === 'TreatmentDirectiveSet' && e.data.decision === 'ANDERS')!;
    const { specification: _s, ...data } = event.data as { specification?: string };
    expect(() => parseEvent({ ...event, data })).toThrow(/TreatmentDirectiveSet does not match its schema/);
  });

  it('a stored directive with a zib 2017 decision code (only commands map those)', () => {
    const event = byType(stored(), 'TreatmentDirectiveSet');
    expect(() => parseEvent({ ...event, data: { ...event.data, decision: 'NEE' } })).toThrow(
      EventSchemaError,
    );
  });

  it('a conversation with a single participant', () => {
    const event = byType(stored(), 'ConversationRecorded');
    expect(() => parseEvent({ ...event, data: { ...event.data, participants: [patientParty] } })).toThrow(
      EventSchemaError,
    );
  });

  it('a body that is not an object', () => {
    expect(() => parseEvent({ ...stored()[0]!, data: null })).toThrow(EventSchemaError);
  });

  it('a schema version newer than this code', () => {
    const event = stored()[0]!;
    expect(() => parseEvent({ ...event, metadata: { ...event.metadata, schemaVersion: 2 } })).toThrow(
      /schema version 2, newer than this code \(1\)/,
    );
  });

  // Callers handle unreadable stored events by `instanceof EventSchemaError`, metadata included.
  it('malformed metadata fails with EventSchemaError too', () => {
    const event = stored()[0]!;
    expect(() => parseEvent({ ...event, metadata: { ...event.metadata, recordedAt: 'gisteren' } })).toThrow(
      EventSchemaError,
    );
  });

  it('malformed metadata does fail (whatever the error class)', () => {
    const event = stored()[0]!;
    expect(() => parseEvent({ ...event, metadata: { ...event.metadata, recordedAt: 'gisteren' } })).toThrow();
    expect(() => parseEvent({ ...event, metadata: { ...event.metadata, schemaVersion: 0 } })).toThrow();
  });
});

describe('parseEvent: upcasting older schema versions', () => {
  // The hook is parseEvent's `upcasters` and `currentVersion` parameters. Suppose the body of
  // PatientIdentified version 1 had `fullName` and version 2 (current in these tests) has `name`:
  // a registered 1→2 step turns the stored legacy body into one the current schema accepts.
  const legacyPatient = () => {
    const event = byType(stored(), 'PatientIdentified');
    const { name, ...rest } = event.data;
    return { event, legacy: { ...event, data: { ...rest, fullName: name } } };
  };

  const renameFullName: Upcasters = {
    PatientIdentified: {
      1: (d) => {
        const { fullName, ...rest } = d as { fullName: string };
        return { ...rest, name: fullName };
      },
    },
  };

  it('applies the registered step for the stored version and validates the result', () => {
    const { event, legacy } = legacyPatient();
    const parsed = parseEvent(legacy, renameFullName, 2);
    expect(parsed.data).toEqual(event.data);
    expect(parsed.metadata.schemaVersion).toBe(2);
    expect(parsed.metadata.eventId).toBe(event.metadata.eventId);
  });

  it('without the step the legacy body fails its schema', () => {
    const { legacy } = legacyPatient();
    expect(() => parseEvent(legacy, {}, 2)).toThrow(EventSchemaError);
  });

  it('steps are applied in order from the stored version up to the current one', () => {
    const { event, legacy } = legacyPatient();
    const calls: string[] = [];
    const chain: Upcasters = {
      PatientIdentified: {
        1: (d) => {
          calls.push('1→2');
          const { fullName, ...rest } = d as { fullName: string };
          return { ...rest, displayName: fullName };
        },
        2: (d) => {
          calls.push('2→3');
          const { displayName, ...rest } = d as { displayName: string };
          return { ...rest, name: displayName };
        },
      },
    };
    expect(parseEvent(legacy, chain, 3).data).toEqual(event.data);
    expect(calls).toEqual(['1→2', '2→3']);
  });

  it('an event stored at version 2 only takes the 2→3 step', () => {
    const event = byType(stored(), 'PatientIdentified');
    const calls: number[] = [];
    const chain: Upcasters = {
      PatientIdentified: {
        1: (d) => (calls.push(1), d),
        2: (d) => (calls.push(2), d),
      },
    };
    parseEvent({ ...event, metadata: { ...event.metadata, schemaVersion: 2 } }, chain, 3);
    expect(calls).toEqual([2]);
  });

  it('an event at the current version is not touched by upcasters', () => {
    const event = byType(stored(), 'PatientIdentified');
    const poison: Upcasters = {
      PatientIdentified: {
        1: () => {
          throw new Error('must not run');
        },
      },
    };
    expect(parseEvent(event, poison).data).toEqual(event.data);
  });

  it('steps of other event types do not apply', () => {
    const event = byType(stored(), 'ConversationRecorded');
    const other: Upcasters = { PatientIdentified: { 1: () => ({}) } };
    expect(parseEvent(event, other, 2).data).toEqual(event.data);
  });

  it.each(EVENT_TYPES)('a stored %s with an empty body is refused, not skipped', (type) => {
    const event = stored()[0]!;
    expect(() => parseEvent({ ...event, type, data: {} })).toThrow(EventSchemaError);
  });
});
