import { extname } from 'node:path';
import type { Worker } from 'node:worker_threads';
import {
  endWorker,
  startWorker,
  vouchForContent,
  type AppendOptions,
  type AppendResult,
  type EventData,
  type EventStore,
  type ReadAllOptions,
  type ReadStreamOptions,
  type RecordedEvent,
  type StreamEvent,
  type SubscribeToAllOptions,
  type Subscription,
} from '@pzp/event-store';
import { fromWire } from '../writer/protocol.js';
import type { FromReader, ReadAheadInput, ReadAheadSource, ToReader } from './protocol.js';

// Beside this module, compiled or not.
const THREAD_MODULE = new URL(
  `./read-ahead-thread${extname(new URL(import.meta.url).pathname)}`,
  import.meta.url,
);

/** Pages the thread reads ahead of the one being folded: enough to keep it busy, bounded in memory. */
const PAGES_AHEAD = 2;

/** Reads smaller than this go to the store itself: a thread pays off for a catch-up, not a page of live events. */
const MIN_PAGE = 1_000;

/**
 * The embedded store for a rebuild: `$all` read, decrypted and hash-checked a page or two ahead on
 * a thread of its own (read-ahead-thread.ts), so that the projector's thread only folds. Those
 * three took about half of that thread during a rebuild (issue 16). Everything else, and every
 * `$all` read that is not the next page of the one sequence the thread is reading, goes to
 * `inner`, the same store opened on this thread: the projector re-reads streams and, once the
 * thread has reached the end, follows live through it.
 *
 * The events are what `inner.readAll()` would return: the same adapter and decryption run on the
 * thread. Its recomputed content hashes are handed over with vouchForContent(), so checkLink()
 * still checks every event's revision and link to its predecessor here, and does not hash it twice.
 */
export class ReadAheadStore implements EventStore {
  private reader: PageReader | undefined;
  /** Once the thread is done (reached the end, failed, or was passed by): `inner` serves `$all`. */
  private done = false;

  constructor(
    private readonly inner: EventStore,
    private readonly source: ReadAheadSource,
  ) {}

  async readAll(options: ReadAllOptions = {}): Promise<RecordedEvent[]> {
    const { fromPosition, maxCount } = options;
    if (this.done || maxCount === undefined || maxCount < MIN_PAGE) return this.inner.readAll(options);
    this.reader ??= PageReader.start({ ...this.source, after: fromPosition, pageSize: maxCount });
    if (!this.reader.isNext(fromPosition, maxCount)) {
      await this.stopReading();
      return this.inner.readAll(options);
    }
    let page: RecordedEvent[];
    try {
      page = await this.reader.next();
    } catch (error) {
      await this.stopReading();
      throw error;
    }
    if (page.length === 0) await this.stopReading();
    return page;
  }

  appendToStream(
    streamName: string,
    events: readonly EventData[],
    options: AppendOptions,
  ): Promise<AppendResult> {
    return this.inner.appendToStream(streamName, events, options);
  }

  readStream(streamName: string, options?: ReadStreamOptions): Promise<StreamEvent[]> {
    return this.inner.readStream(streamName, options);
  }

  subscribeToAll(options?: SubscribeToAllOptions): Subscription {
    return this.inner.subscribeToAll(options);
  }

  headPosition(): Promise<bigint | undefined> {
    return this.inner.headPosition();
  }

  identity(): Promise<string> {
    return this.inner.identity();
  }

  async close(): Promise<void> {
    await this.stopReading();
    await this.inner.close();
  }

  private async stopReading() {
    this.done = true;
    const reader = this.reader;
    this.reader = undefined;
    await reader?.close();
  }
}

/** The thread's pages, asked for PAGES_AHEAD ahead and taken in order. */
class PageReader {
  private readonly waiting: { resolve(page: RecordedEvent[]): void; reject(error: Error): void }[] = [];
  private readonly ready: Promise<RecordedEvent[]>[] = [];
  private crashed: Error | undefined;
  private closing: Promise<void> | undefined;
  /** The position the next page starts after, and its size: what the caller must ask for next. */
  private after: bigint | undefined;

  private constructor(
    private readonly worker: Worker,
    private readonly pageSize: number,
    after: bigint | undefined,
  ) {
    this.after = after;
    worker.on('message', (message: FromReader) => {
      const waiter = this.waiting.shift();
      if (message.kind === 'failed') {
        const error = fromWire(message.error);
        waiter?.reject(error);
        this.fail(error);
        return;
      }
      const events = message.events as RecordedEvent[];
      for (const i of message.vouched) vouchForContent(events[i]!);
      waiter?.resolve(events);
    });
    worker.on('error', (error) => this.fail(error));
    worker.on('exit', (code) => this.fail(new Error(`read-ahead thread exited (code ${code})`)));
    for (let i = 0; i < PAGES_AHEAD; i += 1) this.ask();
  }

  static start(input: ReadAheadInput): PageReader {
    return new PageReader(startWorker(THREAD_MODULE, { workerData: input }), input.pageSize, input.after);
  }

  isNext(after: bigint | undefined, pageSize: number): boolean {
    return after === this.after && pageSize === this.pageSize;
  }

  async next(): Promise<RecordedEvent[]> {
    const page = await this.ready.shift()!;
    // After the end nothing more is asked for: the caller stops at an empty page.
    if (page.length === 0) return page;
    this.after = page[page.length - 1]!.position;
    this.ask();
    return page;
  }

  close(): Promise<void> {
    this.closing ??= endWorker(this.worker, { kind: 'close' } satisfies ToReader, this.crashed !== undefined);
    return this.closing;
  }

  private ask() {
    const page =
      this.crashed !== undefined
        ? Promise.reject(this.crashed)
        : new Promise<RecordedEvent[]>((resolve, reject) => this.waiting.push({ resolve, reject }));
    // A page read ahead that fails after the caller stopped asking must not be an unhandled
    // rejection; the caller who takes it still gets the error.
    page.catch(() => undefined);
    this.ready.push(page);
    if (this.crashed === undefined) this.worker.postMessage({ kind: 'more' } satisfies ToReader);
  }

  /** Every page not yet answered fails with `error`; the first failure is the one kept. */
  private fail(error: Error) {
    this.crashed ??= error;
    for (const w of this.waiting.splice(0)) w.reject(this.crashed);
  }
}
