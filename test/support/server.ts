import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { ensureDevelopmentKeys, mintToken } from '@pzp/api/auth';
import { personaActor } from '@pzp/api/personas';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface GraphQLResponse<T = Record<string, unknown>> {
  status: number;
  data?: T | null;
  errors?: { message: string; path?: (string | number)[]; extensions?: Record<string, unknown> }[];
}

export interface ApiProcess {
  readonly child: ChildProcess;
  /** Every line the process wrote to stdout and stderr, as it arrives. */
  readonly logs: string[];
  /** The port, once the server logged 'ready'; rejects if it exits or does not get there in 30 s. */
  readonly port: Promise<number>;
  readonly exited: Promise<number | null>;
}

/**
 * The node flags `pnpm start` gives the compiled node (its heap limits), read from package.json so
 * the tests and the benchmark start it exactly as production does.
 */
function startFlags(): string[] {
  const { scripts } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
    scripts: { start: string };
  };
  const command = scripts.start.split('&&').at(-1)!.trim().split(/\s+/);
  return command.slice(1).filter((arg) => arg.startsWith('--'));
}

/** The source run with tsx as the loader, or (`compiled`) what `pnpm build` wrote, as production runs it. */
export interface ApiBuild {
  readonly compiled?: boolean;
  /** Node flags of the caller's before the start flags (the profiler's --cpu-prof). */
  readonly nodeFlags?: readonly string[];
}

/**
 * Spawns the real API process without waiting for it: one node process with tsx as its loader
 * (not the tsx CLI, which runs the server in a child process that a SIGKILL would orphan), or on
 * the compiled JavaScript.
 */
export function spawnApi(env: Record<string, string>, dataDir: string, build: ApiBuild = {}): ApiProcess {
  const entry = [
    ...(build.nodeFlags ?? []),
    ...(build.compiled
      ? [...startFlags(), join(ROOT, 'services/api/dist/main.js')]
      : ['--import', 'tsx', join(ROOT, 'services/api/src/main.ts')]),
  ];
  const child = spawn(process.execPath, entry, {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH,
      PZP_MODE: 'development',
      PORT: '0',
      PZP_DATA_DIR: dataDir,
      PZP_NODE_ID: 'e2e',
      LOG_LEVEL: 'info',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: string[] = [];
  const port = new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${logs.join('\n')}`)), 30_000);
    child.once('exit', (code) => reject(new Error(`server exited with ${code}:\n${logs.join('\n')}`)));
    createInterface({ input: child.stderr! }).on('line', (line) => logs.push(line));
    createInterface({ input: child.stdout! }).on('line', (line) => {
      logs.push(line);
      try {
        const entry = JSON.parse(line) as { msg?: string; port?: number };
        if (entry.msg === 'ready' && entry.port) {
          clearTimeout(timer);
          resolve(entry.port);
        }
      } catch {
        // not JSON
      }
    });
  });
  port.catch(() => undefined); // a caller that only watches the logs or the exit need not await it
  return { child, logs, port, exited: new Promise((r) => child.once('exit', (code) => r(code))) };
}

/** The real API process on a free port with its own data directory, driven over real HTTP. */
export class TestServer {
  private constructor(
    readonly url: string,
    readonly dataDir: string,
    private readonly child: ChildProcess,
    readonly logs: string[],
  ) {}

  /** Starts a server; pass `dataDir` to start on the data of an earlier (stopped) server. */
  static async start(
    env: Record<string, string> = {},
    dataDir = mkdtempSync(join(tmpdir(), 'pzp-e2e-')),
    build: ApiBuild = {},
  ): Promise<TestServer> {
    const { child, logs, port } = spawnApi(env, dataDir, build);
    try {
      return new TestServer(`http://127.0.0.1:${await port}`, dataDir, child, logs);
    } catch (error) {
      child.kill('SIGKILL'); // never leave a server that missed its start behind
      throw error;
    }
  }

  async token(persona: string, clientSystem = 'e2e-client'): Promise<string> {
    const keys = await ensureDevelopmentKeys(this.dataDir);
    return mintToken({
      privateJwk: keys.privateJwk,
      actor: personaActor(persona),
      clientSystem,
      issuer: 'pzp-registry-dev',
      audience: 'pzp-registry',
    });
  }

  async graphql<T = Record<string, unknown>>(
    token: string | undefined,
    query: string,
    variables: Record<string, unknown> = {},
  ): Promise<GraphQLResponse<T>> {
    const response = await fetch(`${this.url}/graphql`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(token ? { authorization: `Bearer ${token}` } : {}),
      },
      body: JSON.stringify({ query, variables }),
    });
    const body = (await response.json()) as Omit<GraphQLResponse<T>, 'status'>;
    return { status: response.status, ...body };
  }

  /** The API process's pid (e.g. to read its memory use). */
  get pid(): number {
    return this.child.pid!;
  }

  /** Kills the process without letting it shut down (a crash); the data directory stays. */
  async kill(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise((r) => this.child.once('exit', r));
    this.child.kill('SIGKILL');
    await exited;
  }

  /** Stops the process; the data directory stays unless `removeData`. */
  async stop({ removeData = true } = {}): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      const exited = new Promise((r) => this.child.once('exit', r));
      this.child.kill('SIGTERM');
      await exited;
    }
    if (removeData) rmSync(this.dataDir, { recursive: true, force: true });
  }
}
