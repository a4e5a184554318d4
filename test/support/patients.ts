import { pseudonymFor, streamNameFor, type Bsn, type PzpEvent } from '@pzp/domain';
import type { EventStore } from '@pzp/event-store';
import { seededRandom, syntheticPatient } from '../../scripts/lib/synthetic-patient.js';

/**
 * Writes synthetic patients (the real decider's events) to `store`, one append per command as the
 * API would, under the stream names the API derives with `secret`. Returns the BSNs written.
 */
export async function writeSyntheticPatients(
  store: EventStore,
  options: { from: number; count: number; secret: string },
): Promise<string[]> {
  const bsns: string[] = [];
  for (let n = options.from; n < options.from + options.count; n++) {
    const { bsn, events } = syntheticPatient(n, seededRandom(n));
    const stream = streamNameFor(pseudonymFor(bsn as Bsn, options.secret));
    let revision: bigint | 'no_stream' = 'no_stream';
    for (const command of byCommand(events)) {
      const result = await store.appendToStream(
        stream,
        command.map((e) => ({ id: e.metadata.eventId, type: e.type, data: e.data, metadata: e.metadata })),
        { expectedRevision: revision },
      );
      revision = result.nextExpectedRevision;
    }
    bsns.push(bsn);
  }
  return bsns;
}

function byCommand(events: readonly PzpEvent[]): PzpEvent[][] {
  const commands: PzpEvent[][] = [];
  for (const event of events) {
    const last = commands.at(-1);
    if (last && last[0]!.metadata.correlationId === event.metadata.correlationId) last.push(event);
    else commands.push([event]);
  }
  return commands;
}
