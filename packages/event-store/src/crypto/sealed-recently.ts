import type { Sealed, SealedContext } from './sealed.js';

interface Entry {
  readonly context: SealedContext;
  readonly key: Buffer;
  readonly tag: string;
  readonly ct: string;
  readonly text: string;
}

/**
 * The plaintext of the bodies this node sealed last, by nonce, so that the readers following the
 * log (the projector and the outbox, each reading every event the node just appended) do not
 * decrypt them again: that was about 7 % of the main thread while recording conversations
 * (`pnpm run profile write`).
 *
 * A hit is exactly what decrypting would give: AES-GCM is deterministic for one key, nonce,
 * associated data, ciphertext and tag, and a hit requires all five to be the ones sealed. A body
 * changed in storage (another ciphertext or tag), moved to another event (another context) or read
 * under another key misses, and is decrypted and refused as before. A destroyed key is found
 * before this is asked, and `forget` drops a destroyed stream's plaintext at once. Bounded: the
 * oldest sealed goes first; the followers read an append within milliseconds of it.
 */
export class SealedRecently {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly capacity = 1024) {}

  remember(sealed: Sealed, text: string, key: Buffer, context: SealedContext): void {
    if (this.capacity <= 0) return;
    this.entries.set(sealed.iv, { context, key, tag: sealed.tag, ct: sealed.ct, text });
    if (this.entries.size > this.capacity) this.entries.delete(this.entries.keys().next().value!);
  }

  /** The JSON text `sealed` holds, if this node sealed exactly it under `key` for `context`. */
  textOf(sealed: Sealed, key: Buffer, context: SealedContext): string | undefined {
    const entry = this.entries.get(sealed.iv);
    if (
      entry === undefined ||
      entry.ct !== sealed.ct ||
      entry.tag !== sealed.tag ||
      entry.context.streamName !== context.streamName ||
      entry.context.id !== context.id ||
      entry.context.type !== context.type ||
      !entry.key.equals(key)
    ) {
      return undefined;
    }
    return entry.text;
  }

  /** Drops every body of the stream (its key was destroyed: its plaintext is not to stay anywhere). */
  forget(streamName: string): void {
    for (const [iv, entry] of this.entries)
      if (entry.context.streamName === streamName) this.entries.delete(iv);
  }

  get size(): number {
    return this.entries.size;
  }
}
