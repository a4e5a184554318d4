import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { PzpCommand } from '@pzp/domain';
import { actors, asParty, patientParty } from '@pzp/domain/testing';
import { SqliteEventStore } from '@pzp/event-store';
import { uuidV5 } from './command-event-ids.js';
import { handleCommand } from './handle-command.js';

const STREAM = `pzp-${'c'.repeat(64)}`;
const UUID_V5 = /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

const command = {
  type: 'RecordConversation',
  data: {
    conversationId: 'c-1',
    patient: { bsn: '111222333', name: 'Testpatiënt', birthDate: '1940-01-01' },
    date: '2026-01-10',
    participants: [patientParty, asParty(actors.gp)],
    treatmentDirectives: [{ treatment: { code: '89666000' }, decision: 'NIET' }],
    sharingConsents: [{ organizationType: 'HAP', decision: 'GRANTED' }],
    reviewAfterMonths: 3,
  },
  metadata: { actor: actors.gp, now: '2026-01-10T10:00:00+01:00' },
} as PzpCommand;

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

function freshStore(): SqliteEventStore {
  const dir = mkdtempSync(join(tmpdir(), 'pzp-command-ids-'));
  const store = SqliteEventStore.open(join(dir, 'events.db'));
  cleanups.push(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return store;
}

const idsOf = async (commandKey: string | undefined, sent: PzpCommand = command) => {
  const handled = await handleCommand(freshStore(), {
    streamName: STREAM,
    command: sent,
    expectedVersion: -1,
    sourceSystem: 'test',
    commandKey,
  });
  return handled.events.map((e) => e.metadata.eventId);
};

describe('event ids derived from the command', () => {
  it('uuidV5 is RFC 9562 version 5', () => {
    // The RFC's example: the DNS namespace and "www.example.com".
    expect(uuidV5('6ba7b810-9dad-11d1-80b4-00c04fd430c8', 'www.example.com')).toBe(
      '2ed6657d-e927-568b-95e1-2665a8aea6a2',
    );
  });

  it('the same command key at the same version proposes the same event ids; another key others', async () => {
    const first = await idsOf('request-1');
    const again = await idsOf('request-1');
    const other = await idsOf('request-2');

    expect(first.length).toBeGreaterThan(1);
    expect(again).toEqual(first);
    expect(new Set(first).size).toBe(first.length);
    for (const id of first) expect(id).toMatch(UUID_V5);
    expect(other.filter((id) => first.includes(id))).toEqual([]);
  });

  it('without a command key the ids are random', async () => {
    const first = await idsOf(undefined);
    const again = await idsOf(undefined);
    expect(again.filter((id) => first.includes(id))).toEqual([]);
  });

  it('the same key for a different change proposes other ids: a reused key can never pass for a repeat', async () => {
    const first = await idsOf('request-1');
    const otherChange = {
      ...command,
      data: { ...command.data, treatmentDirectives: [{ treatment: { code: '89666000' }, decision: 'WEL' }] },
    } as PzpCommand;
    const reused = await idsOf('request-1', otherChange);
    expect(reused.filter((id) => first.includes(id))).toEqual([]);
  });
});
