import { describe, expect, it } from 'vitest';
import { AccessRecorded, type AccessRecord, type Actor } from '@pzp/domain';
import { actors } from '@pzp/domain/fixtures';
import type { AppendResult, EventData, EventStore } from '@pzp/event-store';
import { AccessLogWriter, type NewAccessRecord } from './access-log.js';

/** A store that records appends and answers each after `delay` (0: in the same tick, like SQLite). */
function fakeStore(options: { fail?: boolean } = {}) {
  const appends: { stream: string; events: readonly EventData[] }[] = [];
  let position = 0n;
  const store = {
    appendToStream(stream: string, events: readonly EventData[]): Promise<AppendResult> {
      if (options.fail) return Promise.reject(new Error('disk full'));
      appends.push({ stream, events });
      position += BigInt(events.length);
      return Promise.resolve({ nextExpectedRevision: 0n, position });
    },
  } as unknown as EventStore;
  return { store, appends };
}

const deepFreeze = <T>(value: T): T => {
  if (value !== null && typeof value === 'object') {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
};

const entry = (overrides: Partial<NewAccessRecord> = {}): NewAccessRecord => ({
  pseudonym: 'a'.repeat(64),
  action: 'READ_CURRENT',
  user: actors.hapDoctor,
  clientSystem: 'HAP-systeem',
  purpose: 'EMERGENCY',
  outcome: 'GRANTED',
  basis: 'CONSENT',
  flagged: false,
  planVersion: 17,
  requestId: 'req-1',
  ...overrides,
});

const NIGHT = new Date('2026-03-10T02:30:00Z'); // 03:30 in Amsterdam

describe('AccessLogWriter', () => {
  it('writes records that conform to the event schema, in the day stream of Amsterdam time', async () => {
    const { store, appends } = fakeStore();
    const writer = new AccessLogWriter(store, 'node-1', () => NIGHT);
    const frozen = deepFreeze(structuredClone(actors.hapDoctor));
    await Promise.all([
      writer.record(entry({ user: frozen })),
      writer.record(entry({ user: frozen, outcome: 'DENIED', basis: 'NO_CONSENT', planVersion: undefined })),
      writer.record(entry({ purpose: 'BREAK_THE_GLASS', breakGlassReason: 'Reanimatie', flagged: true })),
    ]);
    expect(appends).toHaveLength(1); // one group commit
    expect(appends[0]!.stream).toBe('accesslog-20260310-node-1');
    for (const event of appends[0]!.events) {
      const data = event.data as AccessRecord;
      expect(AccessRecorded.shape.data.parse(data)).toEqual(data);
      expect(event.id).toBe(data.accessId);
      expect(data.at).toBe(NIGHT.toISOString());
    }
    expect((appends[0]!.events[2]!.data as AccessRecord).breakGlassReason).toBe('Reanimatie');
  });

  it('refuses a record that does not conform, whatever was checked before', async () => {
    const { store, appends } = fakeStore();
    const writer = new AccessLogWriter(store, 'node-1', () => NIGHT);
    const frozen = deepFreeze(structuredClone(actors.hapDoctor));
    await writer.record(entry({ user: frozen }));
    expect(() => writer.record(entry({ user: frozen, requestId: ' ' }))).toThrow();
    expect(() => writer.record(entry({ user: frozen, breakGlassReason: 'x'.repeat(5000) }))).toThrow();
    expect(() => writer.record(entry({ user: frozen, pseudonym: '111222333' }))).toThrow();
    // The same frozen reader with another client system is checked again.
    expect(() => writer.record(entry({ user: frozen, clientSystem: '' }))).toThrow();
    // A reader that is not frozen is checked every time.
    const mutable: Actor = structuredClone(actors.hapDoctor);
    await writer.record(entry({ user: mutable }));
    mutable.name = '';
    expect(() => writer.record(entry({ user: mutable }))).toThrow();
    await writer.drain();
    expect(appends.flatMap((a) => a.events)).toHaveLength(2);
  });

  it('resolves each caller only after the append, and rejects the batch when it fails', async () => {
    const { store } = fakeStore({ fail: true });
    const writer = new AccessLogWriter(store, 'node-1', () => NIGHT);
    const results = await Promise.allSettled([writer.record(entry()), writer.record(entry())]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    expect(writer.lastPosition).toBeUndefined();

    const ok = fakeStore();
    const good = new AccessLogWriter(ok.store, 'node-1', () => NIGHT);
    const pending = good.record(entry());
    expect(ok.appends).toHaveLength(0); // not yet: the group closes at the end of this tick
    expect(await pending).toBe(1n);
    expect(good.lastPosition).toBe(1n);
  });
});
