import { randomUUID } from 'node:crypto';
import {
  ACCESS_LOG_EVENT_TYPE,
  AccessRecorded,
  accessLogStreamName,
  CURRENT_SCHEMA_VERSION,
  type AccessRecord,
} from '@pzp/domain';
import type { EventStore } from '@pzp/event-store';
import { amsterdamDateAt, type Clock } from './time.js';

export type NewAccessRecord = Omit<AccessRecord, 'accessId' | 'at'>;

const RecordSchema = AccessRecorded.shape.data;
/** What the caller passes per read (request id, break-glass reason, ...): checked on every record. */
const PerRead = RecordSchema.omit({ accessId: true, at: true, user: true, clientSystem: true });
/** Who reads, from the verified token: checked once per principal (see `reader`). */
const Reader = RecordSchema.pick({ user: true, clientSystem: true });
type Reader = ReturnType<typeof Reader.parse>;

/** Told of every append of access records: lets the node measure commit latency (see metrics). */
export interface AccessLogObserver {
  /** One append of `records` records took `seconds`, and made them durable (`ok`) or failed. */
  appended(batch: { readonly records: number; readonly seconds: number; readonly ok: boolean }): void;
}

interface Pending {
  readonly record: AccessRecord;
  /** The record's calendar date in Amsterdam: names the day's stream. */
  readonly day: string;
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
  private observer: AccessLogObserver | undefined;
  /** Readers already checked, by their (frozen) actor object: the verifier's cached principals. */
  private readonly readers = new WeakMap<object, { clientSystem: string; reader: Reader }>();

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

  /**
   * Queues one access record; resolves with its position once it is durable. Every record written
   * conforms to the event's schema: what the caller passes is checked here (a bad value throws
   * and nothing is queued), the id and instant are made here.
   */
  record(entry: NewAccessRecord): Promise<bigint> {
    const now = this.clock();
    const { user, clientSystem, ...perRead } = entry;
    const record: AccessRecord = {
      accessId: randomUUID(),
      at: now.toISOString(),
      ...PerRead.parse(perRead),
      ...this.reader(user, clientSystem),
    };
    const day = amsterdamDateAt(now);
    return new Promise<bigint>((resolve, reject) => {
      this.queue.push({ record, day, resolve, reject });
      if (!this.scheduled && !this.flushing) {
        this.scheduled = true;
        // Let the records of this turn of the event loop join the same append.
        setImmediate(() => void this.flush());
      }
    });
  }

  /**
   * The reader's part of a record, checked against the schema. The verifier hands out one deeply
   * frozen principal per token, so a check of that object holds for every later read with it;
   * anything else is checked every time.
   */
  private reader(user: AccessRecord['user'], clientSystem: string): Reader {
    const frozen = Object.isFrozen(user) && Object.isFrozen(user.organization);
    const known = frozen ? this.readers.get(user) : undefined;
    if (known !== undefined && known.clientSystem === clientSystem) return known.reader;
    const reader = Reader.parse({ user, clientSystem });
    if (frozen) this.readers.set(user, { clientSystem, reader });
    return reader;
  }

  /** Tells `observer` of every append from now on (one observer; a later call replaces it). */
  observe(observer: AccessLogObserver): void {
    this.observer = observer;
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
        const started = performance.now();
        try {
          const result = await this.store.appendToStream(
            accessLogStreamName(this.nodeId, batch[0]!.day),
            batch.map((p) => ({
              id: p.record.accessId,
              type: ACCESS_LOG_EVENT_TYPE,
              data: p.record,
              metadata: { schemaVersion: CURRENT_SCHEMA_VERSION, recordedAt: p.record.at },
            })),
            { expectedRevision: 'any' },
          );
          this.last = result.position;
          this.told(batch.length, started, true);
          for (const p of batch) p.resolve(result.position);
        } catch (e) {
          const error = e instanceof Error ? e : new Error(String(e));
          this.told(batch.length, started, false);
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

  /** An observer that throws must not fail the reads whose records were (or were not) written. */
  private told(records: number, started: number, ok: boolean): void {
    try {
      this.observer?.appended({ records, seconds: (performance.now() - started) / 1000, ok });
    } catch {
      // Measuring is best effort; the records' outcome is what the callers wait for.
    }
  }
}
