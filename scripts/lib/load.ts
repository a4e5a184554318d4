/**
 * One load over real HTTP (autocannon) and its figures, for the benchmark and the profiler:
 * throughput is responses per second, latency percentiles come from every response's own time
 * (sub-millisecond; autocannon's own histogram is whole milliseconds).
 */
import autocannon from 'autocannon';
import { measureCpu, type CpuFigures } from './process-cpu.js';
import { round } from './round.js';

export { round };

export interface LoadFigures {
  /** Responses per second. */
  readonly rps: number;
  readonly p50: number;
  readonly p99: number;
  readonly mean: number;
  readonly responses: number;
  /** Connection errors, timeouts, non-2xx and GraphQL errors. */
  readonly errors: number;
  /** What the responses cost in CPU, when the spec names the server's process. */
  readonly cpu?: CpuFigures;
}

export interface LoadSpec {
  readonly url: string;
  readonly connections: number;
  readonly seconds: number;
  /** POST /graphql unless given (the FHIR row GETs its searches). */
  readonly method?: 'GET' | 'POST';
  /** Body, extra headers and (for a GET) the path of the next request. */
  readonly next: (context: Record<string, unknown>) => {
    body?: string;
    headers?: Record<string, string>;
    path?: string;
  };
  /** Whether a response is good; called with the context its request was made in. */
  readonly check?: (status: number, body: string, context: Record<string, unknown>) => boolean;
  /** The server's process id: the figures then say what the load cost in CPU (process-cpu.ts). */
  readonly serverPid?: number;
}

function percentile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

/** One autocannon run, and its CPU cost when the spec names the server's process. */
export async function load(spec: LoadSpec): Promise<LoadFigures> {
  const { result, cpu } = await measureCpu(
    spec.serverPid,
    () => run(spec),
    (r) => r.responses,
  );
  return cpu === undefined ? result : { ...result, cpu };
}

/** Latencies are taken from each response (autocannon's histogram is whole milliseconds). */
function run(spec: LoadSpec): Promise<LoadFigures> {
  const latencies: number[] = [];
  let failed = 0;
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url: spec.url,
        connections: spec.connections,
        duration: spec.seconds,
        requests: [
          {
            method: spec.method ?? 'POST',
            path: '/graphql',
            setupRequest: (request, context) => {
              const { body, headers, path } = spec.next(context as Record<string, unknown>);
              return {
                ...request,
                ...(path ? { path } : {}),
                ...(body === undefined ? {} : { body }),
                headers: {
                  ...request.headers,
                  ...(body === undefined ? {} : { 'content-type': 'application/json' }),
                  ...headers,
                },
              };
            },
            onResponse: (status, body, context) => {
              const ok = spec.check
                ? spec.check(status, body, context as Record<string, unknown>)
                : status === 200 && !body.includes('"errors":');
              if (!ok) failed++;
            },
          },
        ],
      },
      (error, result) => {
        if (error) {
          reject(error instanceof Error ? error : new Error(String(error)));
          return;
        }
        const sorted = [...latencies].sort((a, b) => a - b);
        const sum = latencies.reduce((a, b) => a + b, 0);
        resolve({
          rps: round(latencies.length / result.duration, 1),
          p50: round(percentile(sorted, 0.5)),
          p99: round(percentile(sorted, 0.99)),
          mean: round(sum / Math.max(1, latencies.length)),
          responses: latencies.length,
          errors: result.errors + result.timeouts + failed,
        });
      },
    );
    // Emitted as (client, statusCode, bytes, responseTime in ms, float).
    (instance as unknown as NodeJS.EventEmitter).on('response', (...args: unknown[]) =>
      latencies.push(args[args.length - 1] as number),
    );
  });
}

export const median = (xs: readonly number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : round((s[m - 1]! + s[m]!) / 2);
};

/** The median of each CPU figure over the runs. */
export function medianCpu(runs: readonly CpuFigures[]): CpuFigures {
  return {
    serverMsPerResponse: median(runs.map((c) => c.serverMsPerResponse)),
    mainThreadMsPerResponse: median(runs.map((c) => c.mainThreadMsPerResponse)),
    generatorMsPerResponse: median(runs.map((c) => c.generatorMsPerResponse)),
    machinePercent: median(runs.map((c) => c.machinePercent)),
  };
}

/** The median of each figure over the runs (errors: the sum). */
export function medianOf(results: readonly LoadFigures[]): LoadFigures & { runs: number } {
  const cpus = results.flatMap((r) => (r.cpu ? [r.cpu] : []));
  const cpu = cpus.length === results.length && cpus.length > 0 ? { cpu: medianCpu(cpus) } : {};
  return {
    rps: median(results.map((r) => r.rps)),
    p50: median(results.map((r) => r.p50)),
    p99: median(results.map((r) => r.p99)),
    mean: median(results.map((r) => r.mean)),
    responses: results.reduce((a, r) => a + r.responses, 0),
    errors: results.reduce((a, r) => a + r.errors, 0),
    runs: results.length,
    ...cpu,
  };
}
