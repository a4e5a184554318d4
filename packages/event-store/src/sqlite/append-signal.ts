/**
 * Wakes waiting subscriptions when this process appends. Waiting also ends after `timeoutMs`, so
 * appends made by other processes on the same file are found by polling. The generation counter
 * closes the gap between "read a page" and "start waiting": a caller passes the generation it saw
 * before reading, and an append in between ends the wait at once instead of a poll later.
 */
export class AppendSignal {
  private waiters = new Set<() => void>();
  private count = 0;

  /** Changes with every append; read it before reading a page. */
  get generation(): number {
    return this.count;
  }

  notify(): void {
    this.count++;
    const waiters = this.waiters;
    this.waiters = new Set();
    for (const wake of waiters) wake();
  }

  wait(since: number, timeoutMs: number, abort: AbortSignal): Promise<void> {
    if (abort.aborted || since !== this.count) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        abort.removeEventListener('abort', done);
        this.waiters.delete(done);
        resolve();
      };
      const timer = setTimeout(done, timeoutMs);
      abort.addEventListener('abort', done, { once: true });
      this.waiters.add(done);
    });
  }
}
