import { extname } from 'node:path';
import type { Worker } from 'node:worker_threads';
import { endWorker, startWorker } from '@pzp/event-store';
import type { BatchWrites } from '../batch-writes.js';
import { fromWire, type FromWriter, type ToWriter, type WriterInput } from './protocol.js';

// Beside this module, compiled or not.
const THREAD_MODULE = new URL(
  `./writer-thread${extname(new URL(import.meta.url).pathname)}`,
  import.meta.url,
);

/**
 * Commits a catch-up's batches on a thread of their own, so that the projector reads and folds
 * the next batch while SQLite writes the last one: the two halves of a rebuild then run on two
 * cores. Batches commit in the order given; a commit's promise settles when it is on disk (or
 * failed, after which every later one fails too and nothing more is written).
 */
export class BatchWriter {
  private readonly pending = new Map<number, { resolve(): void; reject(e: Error): void }>();
  private nextId = 0;
  private crashed: Error | undefined;
  private closing: Promise<void> | undefined;

  private constructor(private readonly worker: Worker) {
    const crash = (error: unknown) => {
      this.crashed ??=
        error instanceof Error ? error : new Error(`read-model writer thread failed: ${String(error)}`);
      for (const w of this.pending.values()) w.reject(this.crashed);
      this.pending.clear();
    };
    worker.on('message', (message: FromWriter) => {
      if (message.kind === 'unable') crash(fromWire(message.error));
      if (message.kind !== 'committed' && message.kind !== 'failed') return;
      const waiter = this.pending.get(message.id);
      this.pending.delete(message.id);
      if (message.kind === 'committed') waiter?.resolve();
      else waiter?.reject(fromWire(message.error));
    });
    worker.on('error', crash);
    worker.on('exit', (code) => crash(new Error(`read-model writer thread exited (code ${code})`)));
  }

  /**
   * Starts the thread. Batches may be sent at once: they wait in its queue while it starts (under
   * tsx that takes a moment), and fail, like any commit, when it cannot open the file.
   */
  static start(input: WriterInput): BatchWriter {
    return new BatchWriter(startWorker(THREAD_MODULE, { workerData: input }));
  }

  commit(batch: BatchWrites): Promise<void> {
    if (this.crashed !== undefined) return Promise.reject(this.crashed);
    const id = this.nextId++;
    const done = new Promise<void>((resolve, reject) => this.pending.set(id, { resolve, reject }));
    this.worker.postMessage({ kind: 'commit', id, batch } satisfies ToWriter);
    return done;
  }

  /** Lets the thread finish what it was sent, closes its connection and ends it. */
  close(): Promise<void> {
    this.closing ??= endWorker(this.worker, { kind: 'close' } satisfies ToWriter, this.crashed !== undefined);
    return this.closing;
  }
}
