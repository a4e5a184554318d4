import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Worker } from 'node:worker_threads';
import { z } from 'zod';
import type { AppendResult, EventData, ExpectedRevision } from '../port.js';
import { startWorker } from './start-worker.js';
import { fromWire, type AppendRequest, type FromWriter, type WriterInput } from './writer-protocol.js';

/**
 * Thrown for the appends a writer thread had not answered when it stopped unexpectedly, and once
 * by the store's write probe after it. An append it was committing may still have been
 * stored: a retry with the same event ids finds it (an idempotent append) rather than writing it
 * twice. The code is SQLite's "cannot open" because that is the store's state: it has no write
 * connection, and the node's writability check (services/api/src/writability.ts) reads storage
 * failures by their SQLite code.
 */
export class WriterStoppedError extends Error {
  override readonly name = 'WriterStoppedError';
  readonly code = 'SQLITE_CANTOPEN';
  constructor(cause: unknown) {
    super(
      `The event store's writer thread stopped: ${cause instanceof Error ? cause.message : String(cause)}`,
      { cause },
    );
  }
}

export interface WriteStats {
  /** Appends answered by the writer (stored or refused). */
  readonly appends: number;
  /** Transactions it committed them in: fewer than appends when commits were shared. */
  readonly commits: number;
}

const appendRequest = z.object({
  kind: z.literal('append'),
  id: z.number().int(),
  stream: z.string(),
  events: z
    .array(z.object({ id: z.string(), type: z.string(), data: z.unknown(), metadata: z.unknown() }))
    .min(1),
  expected: z.union([z.enum(['no_stream', 'stream_exists', 'any']), z.bigint()]),
});

const writerInput = z.object({ path: z.string().min(1), synchronous: z.enum(['FULL', 'NORMAL', 'OFF']) });

interface Waiting {
  readonly resolve: (result: AppendResult) => void;
  readonly reject: (error: Error) => void;
}

// The writer thread's module beside this one: .ts under tsx and vitest, .js once compiled.
const WRITER_MODULE = new URL(`./append-thread${extname(fileURLToPath(import.meta.url))}`, import.meta.url);

/**
 * The store's side of its writer thread (append-thread.ts): sends appends, answers each caller with
 * its own result or error, and tells the store when something was committed. The thread keeps the
 * process alive only while an append is waiting for its answer. A writer that stops unexpectedly
 * rejects everything waiting; the next append (or probe) starts a new one.
 */
export class SqliteWriter {
  private worker: Worker | undefined;
  private stopped: WriterStoppedError | undefined;
  private closing: Promise<void> | undefined;
  private readonly waiting = new Map<number, Waiting>();
  private nextId = 0;
  private appends = 0;
  private commits = 0;

  /**
   * The thread starts with the first append: a store that is only read (the rebuild command,
   * verify-store) never pays for one.
   */
  constructor(
    private readonly input: WriterInput,
    private readonly onCommitted: () => void,
  ) {}

  append(stream: string, events: readonly EventData[], expected: ExpectedRevision): Promise<AppendResult> {
    const worker = this.worker ?? this.start();
    const id = this.nextId++;
    return new Promise<AppendResult>((resolve, reject) => {
      try {
        const request: AppendRequest = appendRequest.parse({ kind: 'append', id, stream, events, expected });
        worker.postMessage(request);
      } catch (error) {
        // Not an append (checked here, so the writer can trust what it gets), or an event structured
        // cloning cannot copy (a function, a class instance with private state).
        reject(error instanceof Error ? error : new Error(String(error)));
        return;
      }
      if (this.waiting.size === 0) worker.ref();
      this.waiting.set(id, { resolve, reject });
    });
  }

  /** Throws why the last writer stopped, once, and starts a new one so that a later probe can pass. */
  assertRunning(): void {
    const stopped = this.stopped;
    if (stopped === undefined) return;
    if (this.worker === undefined) this.start();
    throw stopped;
  }

  stats(): WriteStats {
    return { appends: this.appends, commits: this.commits };
  }

  /** Answers every append sent so far, then stops the thread and closes its connection. */
  close(): Promise<void> {
    if (this.closing) return this.closing;
    const worker = this.worker;
    if (worker === undefined) return (this.closing = Promise.resolve());
    worker.ref();
    this.closing = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
    worker.postMessage({ kind: 'close' });
    return this.closing;
  }

  private start(): Worker {
    this.stopped = undefined;
    const worker = startWorker(WRITER_MODULE, { workerData: writerInput.parse(this.input) });
    worker.unref();
    worker.on('message', (message: FromWriter) => this.answer(message));
    worker.on('error', (error) => this.stop(worker, error));
    worker.on('exit', (code) => {
      if (this.closing === undefined || this.waiting.size > 0) {
        this.stop(worker, new Error(`the thread exited with code ${code}`));
      }
      if (this.worker === worker) this.worker = undefined;
    });
    this.worker = worker;
    return worker;
  }

  private answer(message: FromWriter): void {
    let committed = false;
    for (const outcome of message.outcomes) {
      const waiting = this.waiting.get(outcome.id);
      if (waiting === undefined) continue;
      this.waiting.delete(outcome.id);
      if ('result' in outcome) {
        committed = true;
        waiting.resolve(outcome.result);
      } else {
        waiting.reject(fromWire(outcome.error));
      }
    }
    this.appends += message.outcomes.length;
    this.commits++;
    if (this.waiting.size === 0) this.worker?.unref();
    if (committed) this.onCommitted();
  }

  private stop(worker: Worker, cause: unknown): void {
    if (this.worker !== worker) return;
    this.worker = undefined;
    const error = cause instanceof WriterStoppedError ? cause : new WriterStoppedError(cause);
    if (this.closing === undefined) this.stopped = error;
    const waiting = [...this.waiting.values()];
    this.waiting.clear();
    for (const w of waiting) w.reject(error);
    void worker.terminate();
  }
}
