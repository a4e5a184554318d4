import type { RecordedEvent } from '@pzp/event-store';
import type { WireError } from '../writer/protocol.js';

/** Where the read-ahead thread reads from: the embedded store's files and the key that opens its keys. */
export interface ReadAheadSource {
  readonly eventsFile: string;
  readonly keysFile: string;
  /** The key-encryption key (README "Lawful destruction"); copied into the thread, never logged. */
  readonly kek: Uint8Array;
}

export interface ReadAheadInput extends ReadAheadSource {
  /** Exclusive, as ReadAllOptions.fromPosition: the thread reads `$all` after it, page after page. */
  readonly after: bigint | undefined;
  readonly pageSize: number;
}

export type ToReader = { readonly kind: 'more' } | { readonly kind: 'close' };

export type FromReader =
  | {
      readonly kind: 'page';
      /**
       * Read and decrypted as the store's own readAll() returns them, except that a vouched event
       * comes without `stored`: that is only what its content hash is recomputed from.
       */
      readonly events: readonly RecordedEvent[];
      /** The indexes of the events whose content hash the thread recomputed and found equal to theirs. */
      readonly vouched: readonly number[];
    }
  | { readonly kind: 'failed'; readonly error: WireError };
