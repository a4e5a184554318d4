import { describeBreak, type ChainBreak } from './chain.js';

/**
 * A stream failed its hash chain: an event was changed, removed or inserted after it was written.
 * Whoever folds the stream refuses it rather than show what it says; the message names only the
 * stream (a pseudonym), the revision and the hashes.
 */
export class BrokenChainError extends Error {
  override readonly name = 'BrokenChainError';

  constructor(
    readonly chainBreak: ChainBreak,
    /** The broken event's type and, where the read carried one, its global position. */
    readonly at?: { readonly type: string; readonly position?: bigint | undefined },
  ) {
    super(`Hash chain broken: ${describeBreak(chainBreak)}`);
  }
}
