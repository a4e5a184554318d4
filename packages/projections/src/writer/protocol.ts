import type { BatchWrites } from '../batch-writes.js';

/** What the writer thread is started with. */
export interface WriterInput {
  /** The read-model file, already opened (and prepared for a bulk load) by the projector. */
  readonly path: string;
  /** SQLite's page cache while catching up, in KiB. */
  readonly cacheKib: number;
}

export type ToWriter =
  { readonly kind: 'commit'; readonly id: number; readonly batch: BatchWrites } | { readonly kind: 'close' };

/** An error as it crosses the thread: a SqliteError's code is what tells damage from other trouble. */
export interface WireError {
  readonly name: string;
  readonly message: string;
  readonly code?: string;
}

export type FromWriter =
  | { readonly kind: 'unable'; readonly error: WireError }
  | { readonly kind: 'committed'; readonly id: number }
  | { readonly kind: 'failed'; readonly id: number; readonly error: WireError }
  | { readonly kind: 'closed' };

export function toWire(error: unknown): WireError {
  if (!(error instanceof Error)) return { name: 'Error', message: String(error) };
  const { code } = error as { code?: unknown };
  return { name: error.name, message: error.message, ...(typeof code === 'string' ? { code } : {}) };
}

export function fromWire(wire: WireError): Error {
  const error = new Error(wire.message) as Error & { code?: string };
  error.name = wire.name;
  if (wire.code !== undefined) error.code = wire.code;
  return error;
}
