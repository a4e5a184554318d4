import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { handleCommand } from '@pzp/application';
import { streamNameFor, type Actor, type PzpCommand } from '@pzp/domain';
import { actors, asParty, patientParty, syntheticBsn } from '@pzp/domain/testing';
import { startInProcessApi, startPlan, type InProcessApi } from '../spec-support.js';

/**
 * The rendered-answer cache of the FHIR searches (render-cache.ts) behind the real app: the door
 * decides and logs every request, a cached answer is never one of an older plan version, and a
 * caller the policy refuses never gets the answer another caller's read left in the cache.
 */

const bsn = syntheticBsn(31);
let api: InProcessApi;
let pseudonym: string;

beforeAll(async () => {
  api = await startInProcessApi({ name: 'fhir-render-cache', seed: (node) => startPlan(node, bsn) });
  pseudonym = api.services.pseudonymOf(bsn);
});

afterAll(() => api?.close());

const TREATMENT_SEARCH = () =>
  `/fhir/Consent?patient=${pseudonym}&scope=${encodeURIComponent('http://terminology.hl7.org/CodeSystem/consentscope|treatment')}` +
  `&category=${encodeURIComponent('http://snomed.info/sct|129125009')}`;

async function search(actor: Actor, extra = '') {
  const response = await fetch(`${api.base}${TREATMENT_SEARCH()}${extra}`, {
    headers: { authorization: `Bearer ${await api.token(actor)}`, accept: 'application/fhir+json' },
  });
  return { status: response.status, text: await response.text() };
}

/** The provision types of the searchset's treatment directives (permit, deny), in order. */
const provisions = (text: string) =>
  (JSON.parse(text) as { entry?: { resource: { provision?: { type?: string } } }[] }).entry?.map(
    (e) => e.resource.provision?.type,
  ) ?? [];

/** The access records of the patient's plan reads so far, once the projector has them. */
async function planReads() {
  await api.services.accessLog.drain();
  const last = api.services.accessLog.lastPosition;
  if (last !== undefined) await api.projector.waitFor(last);
  return api.services.queries
    .accessLog(pseudonym, undefined, 100)
    .items.filter((row) => row.record.action === 'READ_CURRENT')
    .map((row) => ({ user: row.record.user.id, outcome: row.record.outcome }));
}

describe('FHIR searches answered from the render cache', () => {
  it('asks the door on every read: the same answer again still writes its access record', async () => {
    const before = (await planReads()).length;
    const first = await search(actors.gp);
    const again = await search(actors.gp);
    expect(first.status, first.text).toBe(200);
    expect(again.text).toBe(first.text);
    expect(provisions(first.text)).toEqual(['deny']);
    const reads = (await planReads()).slice(before);
    expect(reads).toEqual([
      { user: actors.gp.id, outcome: 'GRANTED' },
      { user: actors.gp.id, outcome: 'GRANTED' },
    ]);
  });

  it("never hands a caller the policy refuses the answer another caller's read left behind", async () => {
    const granted = await search(actors.gp);
    expect(granted.status).toBe(200);
    // No consent to share with the HAP was recorded: the HAP doctor is refused, read after read.
    for (const _ of [1, 2]) {
      const refused = await search(actors.hapDoctor);
      expect(refused.status, refused.text).toBe(403);
      expect(refused.text).not.toContain('"searchset"');
      expect(JSON.parse(refused.text)).toMatchObject({ resourceType: 'OperationOutcome' });
    }
    expect((await planReads()).filter((r) => r.user === actors.hapDoctor.id)).toEqual([
      { user: actors.hapDoctor.id, outcome: 'DENIED' },
      { user: actors.hapDoctor.id, outcome: 'DENIED' },
    ]);
  });

  it('answers a new plan version at once after a change, never the version it rendered before', async () => {
    const before = await search(actors.gp);
    expect(provisions(before.text)).toEqual(['deny']);
    const streamName = streamNameFor(pseudonym);
    const version = api.services.queries.currentPlan(pseudonym)!.version;
    const changed = await handleCommand(api.services.store, {
      streamName,
      command: {
        type: 'RecordConversation',
        data: {
          conversationId: `c2-${bsn}`,
          date: '2026-02-10',
          participants: [patientParty, asParty(actors.gp)],
          treatmentDirectives: [{ treatment: { code: '89666000' }, decision: 'WEL' }],
        },
        metadata: { actor: actors.gp, now: '2026-02-10T10:00:00+01:00' },
      } as PzpCommand,
      expectedVersion: version,
      sourceSystem: 'test',
    });
    await api.projector.waitForStream(streamName, changed.version);
    const after = await search(actors.gp);
    expect(after.status, after.text).toBe(200);
    expect(provisions(after.text)).toEqual(['permit']);
    // The plan as agreed before the change is another question, never the current answer kept.
    const agreedBefore = await search(actors.gp, '&agreed-on=2026-01-20');
    expect(agreedBefore.status, agreedBefore.text).toBe(200);
    expect(provisions(agreedBefore.text)).toEqual(['deny']);
    expect(provisions((await search(actors.gp)).text)).toEqual(['permit']);
  });
});
