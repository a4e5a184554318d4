import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { ensureDevelopmentKeys, mintToken } from '@pzp/api/auth';
import { personaActor } from '@pzp/api/personas';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const TSX = join(ROOT, 'node_modules/.bin/tsx');

export interface GraphQLResponse<T = Record<string, unknown>> {
  status: number;
  data?: T | null;
  errors?: { message: string; path?: (string | number)[]; extensions?: Record<string, unknown> }[];
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
  ): Promise<TestServer> {
    const child = spawn(TSX, [join(ROOT, 'services/api/src/main.ts')], {
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
    const port = await new Promise<number>((resolve, reject) => {
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
    return new TestServer(`http://127.0.0.1:${port}`, dataDir, child, logs);
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

  /** Stops the process; the data directory stays unless `removeData`. */
  async stop({ removeData = true } = {}): Promise<void> {
    if (this.child.exitCode === null) {
      const exited = new Promise((r) => this.child.once('exit', r));
      this.child.kill('SIGTERM');
      await exited;
    }
    if (removeData) rmSync(this.dataDir, { recursive: true, force: true });
  }
}
