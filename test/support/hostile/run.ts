import { setTimeout as sleep } from 'node:timers/promises';
import type { HostileCase } from './case.js';

/** What came back for one request: a status and body, or why nothing did. */
export interface Outcome {
  readonly status?: number;
  /** The body parsed as JSON; undefined when it was not JSON. */
  readonly json?: unknown;
  /** The body as text (only ever searched, never printed). */
  readonly text?: string;
  /** Why no response arrived: a timeout or a network error's code. */
  readonly failure?: string;
  /** From sending to the end of the body (reported for a stalled run, never asserted). */
  readonly ms: number;
}

function failureOf(error: unknown): string {
  const e = error as { name?: string; cause?: { code?: string; name?: string } };
  if (e.name === 'TimeoutError' || e.cause?.name === 'TimeoutError') return 'timeout';
  return e.cause?.code ?? e.name ?? 'network error';
}

export async function send(baseUrl: string, c: HostileCase, timeoutMs: number): Promise<Outcome> {
  const body = typeof c.body === 'function' ? c.body() : c.body;
  const started = performance.now();
  const ms = () => Math.round(performance.now() - started);
  try {
    const response = await fetch(`${baseUrl}${c.path}`, {
      method: c.method,
      headers: c.headers,
      body,
      // A streamed body needs half duplex (fetch's rule); it goes chunked.
      ...(typeof c.body === 'function' ? { duplex: 'half' } : {}),
      signal: AbortSignal.timeout(timeoutMs),
    } as RequestInit);
    const text = await response.text();
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    return { status: response.status, json, text, ms: ms() };
  } catch (error) {
    return { failure: failureOf(error), ms: ms() };
  }
}

export interface RunResult {
  /** In the order of the cases; undefined for a case not sent before the deadline. */
  readonly outcomes: readonly (Outcome | undefined)[];
  readonly unsent: number;
}

/**
 * Sends the cases with at most `concurrency` in flight. Stops starting new ones at the deadline
 * or once `abandon` says so (the server froze), so a frozen server fails the test in bounded time
 * instead of hanging it.
 */
export async function runCases(
  baseUrl: string,
  cases: readonly HostileCase[],
  options: { concurrency: number; timeoutMs: number; deadlineMs: number; abandon?: () => boolean },
): Promise<RunResult> {
  const outcomes: (Outcome | undefined)[] = new Array(cases.length).fill(undefined);
  const stopAt = performance.now() + options.deadlineMs;
  const going = () => performance.now() < stopAt && !options.abandon?.();
  let next = 0;
  const worker = async () => {
    while (next < cases.length && going()) {
      const index = next++;
      outcomes[index] = await send(baseUrl, cases[index]!, options.timeoutMs);
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, worker));
  return { outcomes, unsent: outcomes.filter((o) => o === undefined).length };
}

export interface Liveness {
  readonly probes: number;
  /** Each failed probe: when (ms after the start) and why (status or timeout). */
  readonly failures: readonly { readonly atMs: number; readonly reason: string }[];
}

/** One GET /healthz: undefined when it answered 200 in time, else why not. */
export async function probeHealth(baseUrl: string, timeoutMs: number): Promise<string | undefined> {
  try {
    const response = await fetch(`${baseUrl}/healthz`, { signal: AbortSignal.timeout(timeoutMs) });
    await response.arrayBuffer();
    return response.status === 200 ? undefined : `status ${response.status}`;
  } catch (error) {
    return failureOf(error);
  }
}

/**
 * Probes /healthz every `intervalMs` (one probe at a time) until stopped: a liveness check with a
 * generous timeout, not a benchmark; a frozen event loop fails it.
 */
export function watchLiveness(
  baseUrl: string,
  options: { intervalMs: number; timeoutMs: number },
): { readonly consecutiveFailures: number; stop(): Promise<Liveness> } {
  const started = performance.now();
  const failures: { atMs: number; reason: string }[] = [];
  let probes = 0;
  let consecutiveFailures = 0;
  let running = true;
  const loop = (async () => {
    while (running) {
      const at = performance.now();
      const reason = await probeHealth(baseUrl, options.timeoutMs);
      probes++;
      consecutiveFailures = reason ? consecutiveFailures + 1 : 0;
      if (reason) failures.push({ atMs: Math.round(at - started), reason });
      await sleep(options.intervalMs);
    }
  })();
  return {
    get consecutiveFailures() {
      return consecutiveFailures;
    },
    async stop() {
      running = false;
      await loop;
      return { probes, failures };
    },
  };
}
