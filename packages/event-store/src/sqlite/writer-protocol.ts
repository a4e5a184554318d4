import Database from 'better-sqlite3';
import {
  DuplicateEventIdError,
  WrongExpectedVersionError,
  type AppendResult,
  type EventData,
  type ExpectedRevision,
} from '../port.js';

/**
 * What the store's thread and its writer thread (append-thread.ts) say to each other. Both ends are
 * this package: appends are checked where they come in (sqlite-writer.ts, with zod), and the writer
 * stays free of zod, whose import would add a third to every store's start. Errors cross as plain
 * data and are made again as the classes callers test for.
 */

export interface WriterInput {
  readonly path: string;
  readonly synchronous: 'FULL' | 'NORMAL' | 'OFF';
}

export interface AppendRequest {
  readonly kind: 'append';
  readonly id: number;
  readonly stream: string;
  readonly events: readonly EventData[];
  readonly expected: ExpectedRevision;
}

/** Sent after the last append: the writer commits what it holds, closes its connection and ends. */
export interface CloseRequest {
  readonly kind: 'close';
}

export type ToWriter = AppendRequest | CloseRequest;

export interface WireError {
  readonly name: string;
  readonly message: string;
  readonly code?: string;
  readonly streamName?: string;
  readonly expected?: ExpectedRevision;
  readonly actual?: bigint | 'no_stream';
}

export type Outcome =
  { readonly id: number; readonly result: AppendResult } | { readonly id: number; readonly error: WireError };

/** One transaction's answers, in the order the appends were sent. */
export interface FromWriter {
  readonly kind: 'committed';
  readonly outcomes: readonly Outcome[];
}

export function toWire(error: unknown): WireError {
  if (error instanceof WrongExpectedVersionError) {
    return {
      name: error.name,
      message: error.message,
      streamName: error.streamName,
      expected: error.expected,
      actual: error.actual,
    };
  }
  if (error instanceof DuplicateEventIdError) {
    return { name: error.name, message: error.message, streamName: error.streamName };
  }
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return { name: error.name, message: error.message, ...(typeof code === 'string' ? { code } : {}) };
  }
  return { name: 'Error', message: String(error) };
}

export function fromWire(wire: WireError): Error {
  switch (wire.name) {
    case 'WrongExpectedVersionError':
      return new WrongExpectedVersionError(
        wire.streamName ?? '',
        wire.expected ?? 'any',
        wire.actual ?? 'no_stream',
      );
    case 'DuplicateEventIdError':
      return new DuplicateEventIdError(wire.streamName ?? '');
    case 'SqliteError':
      return new Database.SqliteError(wire.message, wire.code ?? 'SQLITE_ERROR');
    case 'TypeError':
      return new TypeError(wire.message);
    case 'RangeError':
      return new RangeError(wire.message);
    default: {
      const error = new Error(wire.message);
      error.name = wire.name;
      return error;
    }
  }
}
