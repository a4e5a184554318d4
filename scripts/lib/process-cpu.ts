/**
 * What a load costs in CPU, read off Linux /proc: the server's CPU time (all its threads, and its
 * main thread alone, where the event loop runs), the load generator's (this process), and how
 * much of the machine the two used together.
 *
 * Why beside the latencies: on a two-core machine the server and the load generator share the
 * cores, and a closed-loop client's latency is the queue of everyone's work; CPU time per response
 * is what a change to the code moves, and it moves far less than latency when the machine is
 * slower or busier (bench figures of two days, README "Latest runs").
 */
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { round } from './round.js';

/** CPU seconds a process has used, all its threads or (`thread`) one of them (1/100 s ticks). */
export function cpuSeconds(pid: number, thread?: number): number {
  const file = thread === undefined ? `/proc/${pid}/stat` : `/proc/${pid}/task/${thread}/stat`;
  return cpuSecondsOfStat(readFileSync(file, 'utf8'));
}

/** User plus system time (fields 14 and 15) of a /proc stat line, in seconds. */
export function cpuSecondsOfStat(stat: string): number {
  // The command name (field 2) is in parentheses and may hold spaces and parentheses itself: the
  // fields after its last closing parenthesis split cleanly.
  const fields = stat.slice(stat.lastIndexOf(') ') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]);
  if (!Number.isFinite(ticks)) throw new Error('not a /proc stat line');
  return ticks / 100;
}

/** A process's resident set now and at its peak (VmRSS, VmHWM), in MiB; undefined once it is gone. */
export function memoryOf(pid: number): { peakRssMiB: number; rssMiB: number } | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1]);
    return { peakRssMiB: round(kb('VmHWM') / 1024, 1), rssMiB: round(kb('VmRSS') / 1024, 1) };
  } catch {
    return undefined;
  }
}

export interface CpuFigures {
  /** The server's CPU milliseconds per response, all its threads. */
  readonly serverMsPerResponse: number;
  /** The same for its main thread alone (where the event loop runs). */
  readonly mainThreadMsPerResponse: number;
  /** The load generator's (the benchmark process's) CPU milliseconds per response. */
  readonly generatorMsPerResponse: number;
  /** Server and generator together, percent of all the machine's CPUs over the run. */
  readonly machinePercent: number;
}

interface Reading {
  readonly server: number;
  readonly main: number;
  readonly generator: number;
  readonly at: number;
}

/**
 * Measures the CPU the server `pid` and this process use while `run` runs, per response it reports.
 * Undefined where the server is not known or /proc cannot be read (not Linux, the server gone):
 * figures are reported, never required.
 */
export async function measureCpu<T>(
  pid: number | undefined,
  run: () => Promise<T>,
  responsesOf: (result: T) => number,
): Promise<{ result: T; cpu: CpuFigures | undefined }> {
  const read = (): Reading | undefined => {
    if (pid === undefined) return undefined;
    try {
      const own = process.cpuUsage();
      return {
        server: cpuSeconds(pid),
        main: cpuSeconds(pid, pid),
        generator: (own.user + own.system) / 1e6,
        at: performance.now() / 1000,
      };
    } catch {
      return undefined;
    }
  };
  const before = read();
  const result = await run();
  const after = read();
  if (before === undefined || after === undefined) return { result, cpu: undefined };
  const responses = Math.max(1, responsesOf(result));
  const perResponse = (seconds: number) => round((seconds * 1000) / responses, 3);
  const server = after.server - before.server;
  const generator = after.generator - before.generator;
  const wall = Math.max(1e-3, after.at - before.at);
  return {
    result,
    cpu: {
      serverMsPerResponse: perResponse(server),
      mainThreadMsPerResponse: perResponse(after.main - before.main),
      generatorMsPerResponse: perResponse(generator),
      machinePercent: round((100 * (server + generator)) / (wall * availableParallelism()), 1),
    },
  };
}
