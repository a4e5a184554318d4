/**
 * A test control of the stand-in: holding appends. While a hold on a stream-name prefix is on,
 * every append (Streams.Append or one BatchAppend request) to a matching stream is received and
 * validated but neither written nor answered: to the client it is an append in flight. `release()`
 * writes and answers the held appends in arrival order, exactly as they would have been on
 * arrival (expected-version checks included, against the log as it is then), and ends the hold.
 *
 * This lets a test decide when an append in flight completes, instead of depending on how the
 * machine happens to schedule it.
 */

/** An append as the handlers hand it over once its last message has arrived. */
export interface SubmittedAppend {
  readonly stream: string;
  readonly events: number;
  /** Writes it to the log (as the log would on arrival) and returns the answer to send the client. */
  write(): () => void;
  /** The call is gone (client cancelled, or the stand-in dropped its connections). */
  cancelled(): boolean;
}

/** An append a hold saw: its stream, how many events it proposed, and whether it was held. */
export interface ObservedAppend {
  readonly stream: string;
  readonly events: number;
  /** It arrived while the hold was on and waited for `release()`; false: it went straight through. */
  readonly held: boolean;
}

export interface AppendHold {
  readonly prefix: string;
  /** Whether matching appends are still being held (until `release()`). */
  readonly holding: boolean;
  /**
   * Every append to a matching stream since the hold was made, in arrival order: the held ones,
   * then (after `release()`) those that went straight through.
   */
  readonly appends: readonly ObservedAppend[];
  /** Resolves once `count` matching appends have arrived; rejects after `timeoutMs` (default 10 s). */
  waitForAppends(count: number, options?: { timeoutMs?: number }): Promise<void>;
  /**
   * Writes and answers the held appends in arrival order and ends the hold; later matching appends
   * go straight through (and are still listed in `appends`). A held append whose call is gone by
   * then (the client cancelled it, or `stop()` / `dropConnections()` reset its connection) is
   * dropped unwritten, as an unacknowledged write may be. Calling it again does nothing.
   */
  release(): void;
  /**
   * Writes the held appends like `release()` but never answers them, and ends the hold: the
   * acknowledgement is lost, as when the leader goes down between committing a write and replying.
   * The calls stay in flight until the client gives up on them or `dropConnections()` resets them.
   */
  releaseUnanswered(): void;
}

class Hold implements AppendHold {
  readonly appends: ObservedAppend[] = [];
  holding = true;
  private readonly queue: SubmittedAppend[] = [];
  private readonly waiters = new Set<() => void>();

  constructor(readonly prefix: string) {}

  matches(stream: string): boolean {
    return stream.startsWith(this.prefix);
  }

  /** Lists the append; returns whether this hold keeps it. */
  observe(append: SubmittedAppend): boolean {
    this.appends.push({ stream: append.stream, events: append.events, held: this.holding });
    if (this.holding) this.queue.push(append);
    for (const wake of [...this.waiters]) wake();
    return this.holding;
  }

  waitForAppends(count: number, { timeoutMs = 10_000 } = {}): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.delete(check);
        reject(
          new Error(
            `esdb stand-in: ${this.appends.length} of ${count} appends to "${this.prefix}*" arrived within ${timeoutMs} ms`,
          ),
        );
      }, timeoutMs);
      const check = () => {
        if (this.appends.length < count) return;
        clearTimeout(timer);
        this.waiters.delete(check);
        resolve();
      };
      this.waiters.add(check);
      check();
    });
  }

  release(): void {
    if (!this.holding) return;
    this.holding = false;
    for (const append of this.queue.splice(0)) if (!append.cancelled()) append.write()();
  }

  releaseUnanswered(): void {
    if (!this.holding) return;
    this.holding = false;
    for (const append of this.queue.splice(0)) if (!append.cancelled()) append.write();
  }
}

/** The stand-in's holds. The handlers submit every append here instead of writing it themselves. */
export class AppendHolds {
  /** Every hold ever made: released ones keep listing what they match. */
  private readonly holds: Hold[] = [];

  hold(prefix: string): AppendHold {
    const overlapping = this.holds.find(
      (h) => h.holding && (h.prefix.startsWith(prefix) || prefix.startsWith(h.prefix)),
    );
    if (overlapping)
      throw new Error(
        `esdb stand-in: appends to "${overlapping.prefix}*" are already held; release that first`,
      );
    const hold = new Hold(prefix);
    this.holds.push(hold);
    return hold;
  }

  /** Commits the append now, unless a hold on its stream keeps it until released. */
  submit(append: SubmittedAppend): void {
    let kept = false;
    for (const hold of this.holds) if (hold.matches(append.stream) && hold.observe(append)) kept = true;
    if (!kept) append.write()();
  }
}
