import { DeadlineExceededError, NotLeaderError, UnavailableError } from '@eventstore/db-client';

export interface RetryPolicy {
  /** Tries in all, the first included. */
  readonly attempts: number;
  readonly initialMs: number;
  readonly maxMs: number;
}

/**
 * A leader election, a dropped connection or a deadline fails the call without saying whether the
 * server wrote it: only these are retried. (The client reconnects by itself, to the new leader
 * after NotLeader.) An append retried this way is idempotent because it carries the same event ids
 * at the same expectation: EventStoreDB answers a repeat with the original result.
 */
export function isTransient(error: unknown): boolean {
  return (
    error instanceof NotLeaderError ||
    error instanceof UnavailableError ||
    error instanceof DeadlineExceededError
  );
}

/** Runs `call`, retrying transient failures with exponential backoff; the last failure is thrown. */
export async function withTransientRetry<T>(policy: RetryPolicy, call: () => Promise<T>): Promise<T> {
  let delay = policy.initialMs;
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (error) {
      if (!isTransient(error) || attempt >= policy.attempts) throw error;
      await new Promise((resolve) => setTimeout(resolve, delay));
      delay = Math.min(delay * 2, policy.maxMs);
    }
  }
}
