import { randomUUID } from 'node:crypto';
import {
  ACCESS_LOG_EVENT_TYPE,
  AccessRecorded,
  accessLogStreamName,
  amsterdamDate,
  CURRENT_SCHEMA_VERSION,
  type AccessRecord,
} from '@pzp/domain';
import type { EventStore } from '@pzp/event-store';
import type { Clock } from '../clock.js';

export type NewAccessRecord = Omit<AccessRecord, 'accessId' | 'at'>;

interface Pending {
  readonly record: AccessRecord;
  readonly resolve: (position: bigint) => void;
  readonly reject: (error: Error) => void;
}

/**
 * Appends NEN 7513 access records with group commit: records arriving while an append is being
 * prepared or in flight go together in the next append, so many concurrent reads cost one write,
 * and each caller's promise resolves only when its own record is durable. The resolver sends its
 * response after that, so no response ever goes out without its record.
 */
export class AccessLogWriter {
  private queue: Pending[] = [];
  private scheduled = false;
  private flushing: Promise<void> | undefined;
  private last: bigint | undefined;

  constructor(
    private readonly store: EventStore,
    private readonly nodeId: string,
    private readonly clock: Clock,
    private readonly maxBatch = 512,
  ) {}

  /** Global position of the last record this node made durable. */
  get lastPosition(): bigint | undefined {
    return this.last;
  }

  record(entry: NewAccessRecord): Promise<bigint> {
    const record = AccessRecorded.shape.data.parse({
      ...entry,
      accessId: randomUUID(),
      at: this.clock().toISOString(),
    });
    return new Promise<bigint>((resolve, reject) => {
      this.queue.push({ record, resolve, reject });
      if (!this.scheduled && !this.flushing) {
        this.scheduled = true;
        // Let the records of this turn of the event loop join the same append.
        setImmediate(() => void this.flush());
      }
    });
  }

  /** Resolves when everything recorded so far is durable (or failed). */
  async drain(): Promise<void> {
    while (this.flushing || this.queue.length > 0) await (this.flushing ?? this.flush());
  }

  private flush(): Promise<void> {
    this.scheduled = false;
    if (this.flushing) return this.flushing;
    this.flushing = (async () => {
      while (this.queue.length > 0) {
        const batch = this.queue.splice(0, this.maxBatch);
        try {
          const day = amsterdamDate(batch[0]!.record.at);
          const result = await this.store.appendToStream(
            accessLogStreamName(this.nodeId, day),
            batch.map((p) => ({
              id: p.record.accessId,
              type: ACCESS_LOG_EVENT_TYPE,
              data: p.record,
              metadata: { schemaVersion: CURRENT_SCHEMA_VERSION, recordedAt: p.record.at },
            })),
            { expectedRevision: 'any' },
          );
          this.last = result.position;
          for (const p of batch) p.resolve(result.position);
        } catch (e) {
          const error = e instanceof Error ? e : new Error(String(e));
          for (const p of batch) p.reject(error);
        }
      }
    })().finally(() => {
      this.flushing = undefined;
      // A record may have arrived after the loop's last check but before this ran.
      if (this.queue.length > 0 && !this.scheduled) {
        this.scheduled = true;
        setImmediate(() => void this.flush());
      }
    });
    return this.flushing;
  }
}
