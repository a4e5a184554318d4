import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EventSchemaError, parseEvent, readStoredEvent, type PzpCommand } from '@pzp/domain';
import { actors, asParty, patientParty } from '@pzp/domain/testing';
import { SqliteEventStore, type StreamEvent } from '@pzp/event-store';
import { planAgreedOn, planAsOf } from './as-of.js';
import { handleCommand } from './handle-command.js';
import { watchedReads } from './spec-support.js';
import { planHistory } from './history.js';

// readStoredEvent is the domain's; its tests live here, where events can be written the way the
// registry writes them (decide, then the store) without the domain depending on the store.
const STREAM = `pzp-${'d'.repeat(64)}`;
let dir: string;
let store: SqliteEventStore;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'pzp-stored-event-'));
  store = SqliteEventStore.open(join(dir, 'events.db'));
  let version = -1;
  const run = async (type: string, data: unknown) => {
    const handled = await handleCommand(store, {
      streamName: STREAM,
      command: { type, data, metadata: { actor: actors.gp, now: '2026-03-02T10:00:00+01:00' } } as PzpCommand,
      expectedVersion: version,
      sourceSystem: 'test',
    });
    version = handled.version;
  };
  await run('RecordConversation', {
    conversationId: 'conv-0',
    patient: { bsn: '111222333', name: 'Patiënt 0', birthDate: '1940-01-01' },
    date: '2026-03-02',
    participants: [patientParty, asParty(actors.gp)],
    treatmentDirectives: [{ treatment: { code: '89666000' }, decision: 'NIET' }],
    lifeWishes: [{ wishId: 'w-1', text: 'Thuis blijven' }],
  });
  await run('AssignRole', {
    assignmentId: 'regie-0',
    role: 'REGIEBEHANDELAAR',
    practitioner: actors.gp,
    organization: actors.gp.organization,
    from: '2026-03-02',
  });
});

afterAll(async () => {
  await store?.close();
  rmSync(dir, { recursive: true, force: true });
});

const storedEvents = (): Promise<StreamEvent[]> => store.readStream(STREAM);

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
    const events = await storedEvents();
    const first = events[0]!;
    const conversation = events.find((e) => e.type === 'ConversationRecorded')!;
    const { date: _date, ...withoutDate } = conversation.data as Record<string, unknown>;
    expect(() => readStoredEvent({ ...conversation, data: withoutDate })).toThrow(
      /ConversationRecorded does not match its schema/,
    );
    expect(() => readStoredEvent({ ...first, data: [] })).toThrow(EventSchemaError);
    const { eventId: _id, ...noId } = first.metadata as Record<string, unknown>;
    expect(() => readStoredEvent({ ...first, metadata: noId })).toThrow(/malformed metadata/);
    expect(() => readStoredEvent({ ...first, type: 'PatientIdentifiedV9' })).toThrow(/Unknown event type/);
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

describe('the readers that verify a stream first', () => {
  const watched = () => watchedReads(store);
  const recorder = (e: StreamEvent) => (e.metadata as { recordedBy: unknown }).recordedBy;

  it('take the events the store wrote as written: the plan as of an instant', async () => {
    const { view, handedOut } = watched();
    const asOf = await planAsOf(view, STREAM, new Date('2026-03-03T00:00:00Z'));
    expect(asOf?.state.log).toHaveLength(handedOut.length);
    handedOut.forEach((e, i) => expect(asOf!.state.log[i]!.metadata).toBe(e.metadata));
  });

  it('take the events the store wrote as written: the history', async () => {
    const { view, handedOut } = watched();
    const { items } = await planHistory(view, STREAM, -1, 50);
    expect(items).toHaveLength(handedOut.length);
    items.forEach((item, i) => expect(item.recordedBy).toBe(recorder(handedOut[i]!)));
  });

  it('take the events the store wrote as written: the plan as agreed on a date', async () => {
    const { view, handedOut } = watched();
    const agreed = await planAgreedOn(view, STREAM, '2026-03-02');
    const wish = Object.values(agreed!.view.lifeWishes)[0]!;
    const wishEvent = handedOut.find((e) => e.id === wish.provenance.changeId)!;
    expect(wish.provenance.recordedBy).toBe(recorder(wishEvent));
  });
});
