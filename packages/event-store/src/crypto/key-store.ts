/**
 * Where the per-stream data keys live: outside the event log, so that destroying one makes that
 * stream's personal data unreadable in every copy of the log (crypto-shredding). Async, so a key
 * management service (KMS/HSM) can stand behind the same port as the embedded SQLite file.
 */
export type StreamKeyState =
  | { readonly kind: 'key'; readonly key: Buffer }
  | { readonly kind: 'destroyed'; readonly destroyedAt: Date }
  | { readonly kind: 'none' };

export interface KeyStore {
  /** The stream's data key, the record that it was destroyed, or none. */
  get(streamName: string): Promise<StreamKeyState>;
  /**
   * The stream's data key, made (random, 32 bytes) when it has none; two writers racing get the
   * same key. Throws KeyDestroyedError for a stream whose key was destroyed: a new key would let
   * personal data into a stream that was lawfully destroyed.
   */
  create(streamName: string): Promise<Buffer>;
  /** Destroys the stream's key for good and records when; idempotent (the first time stands). */
  destroy(streamName: string, at: Date): Promise<void>;
  close(): Promise<void>;
}

/** The stream's key was destroyed: nothing can be encrypted for it (nor read from it) any more. */
export class KeyDestroyedError extends Error {
  override readonly name = 'KeyDestroyedError';
  constructor(readonly streamName: string) {
    super(`The data key of ${streamName} was destroyed: the record was lawfully destroyed`);
  }
}

/**
 * An encrypted event whose stream has no key and no record of its destruction: the key store is
 * not the one this log was written with (lost, not restored, another node's). Reads fail loudly
 * rather than pass such a record off as destroyed or empty.
 */
export class KeyMissingError extends Error {
  override readonly name = 'KeyMissingError';
  constructor(readonly streamName: string) {
    super(
      `No data key for ${streamName}, and no record of its destruction: the key store does not belong to this event store`,
    );
  }
}
