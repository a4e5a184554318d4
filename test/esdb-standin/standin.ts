/**
 * A protocol-level EventStoreDB stand-in for tests: a grpc-js server built from the service
 * definitions shipped inside `@eventstore/db-client`, answering the calls that client makes with
 * EventStoreDB's semantics, over the real gRPC wire protocol. In memory only.
 *
 * Implemented: Streams.Read (stream and `$all` reads, stream and `$all` catch-up subscriptions with
 * server-side filters and checkpoints), Streams.Append, Streams.BatchAppend,
 * ServerFeatures.GetSupportedMethods. Everything else answers UNIMPLEMENTED. Test control:
 * `holdAppends(prefix)` keeps appends to matching streams in flight until released (or writes them
 * without answering: a lost acknowledgement).
 * See README.md next to this file for what it does not verify.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type AddressInfo, type Server as NetServer, type Socket } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import { AppendHolds, type AppendHold } from './holds.js';
import { ANY, TransactionLog } from './log.js';
import { grpc, serverFeaturesGrpcPb, streamsGrpcPb, type GrpcJs } from './proto.js';
import { createHandlers, type CallTracker } from './service.js';

export type { AppendHold, ObservedAppend } from './holds.js';

export interface EsdbStandin {
  readonly port: number;
  /** `esdb://127.0.0.1:${port}?tls=false` */
  readonly connectionString: string;
  /**
   * Abruptly ends every open call and connection (server.forceShutdown semantics), then listens
   * again on the SAME port with the SAME stored log, so clients see a dropped connection and can
   * reconnect. Resolves when listening again. The TCP connections are reset, as when the server
   * process dies: open calls fail on the client with UNAVAILABLE (ECONNRESET).
   */
  dropConnections(): Promise<void>;
  /** Stops listening (the log stays in memory) and resets open connections; start() listens again on the same port. */
  stop(): Promise<void>;
  start(): Promise<void>;
  /** Appends a system event ($-prefixed type in a $-prefixed stream), like EventStoreDB's own $stats/$metadata events, to test server-side filters. */
  appendSystemEvent(): void;
  /** How many appends that wrote events each stream has had (a held append counts once written). */
  appendCounts(): ReadonlyMap<string, number>;
  /**
   * Test control: from now until `release()`, appends to streams whose name starts with `prefix`
   * are received but neither written nor answered, so the client sees them in flight. The hold
   * lists every matching append (`appends`), can wait for them (`waitForAppends`), and `release()`
   * writes and answers the held ones in arrival order. Other streams are not affected. Throws if
   * an unreleased hold's prefix overlaps this one. See holds.ts.
   */
  holdAppends(prefix: string): AppendHold;
  /** Test control: replaces the JSON data of one stored event in place (as an edit of the data files would). */
  rewriteEventData(streamId: string, revision: bigint, data: unknown): void;
  close(): Promise<void>;
}

export interface EsdbStandinOptions {
  /** Port to listen on (127.0.0.1). Default: an ephemeral port, kept across stop/start. */
  port?: number;
  /**
   * Scanned events between two checkpoints of a filtered `$all` subscription. Default: as
   * EventStoreDB, the filter's checkpoint interval multiplier × its max search window (32 unless
   * the client sets one).
   */
  checkpointInterval?: number;
}

export async function startEsdbStandin(options: EsdbStandinOptions = {}): Promise<EsdbStandin> {
  const standin = new Standin(options);
  await standin.start();
  return standin;
}

class Standin implements EsdbStandin {
  private readonly log = new TransactionLog();
  private readonly holds = new AppendHolds();
  private readonly calls = new Set<AbortController>();
  private readonly handlers: ReturnType<typeof createHandlers>;
  private running: { server: GrpcJs.Server; listener: NetServer; sockets: Set<Socket> } | undefined;
  private closed = false;
  port: number;

  constructor(options: EsdbStandinOptions) {
    this.port = options.port ?? 0;
    const track: CallTracker = (call) => {
      const controller = new AbortController();
      this.calls.add(controller);
      const release = () => {
        controller.abort();
        this.calls.delete(controller);
      };
      call.once('cancelled', release);
      call.once('finish', () => this.calls.delete(controller));
      call.once('close', () => this.calls.delete(controller));
      return controller.signal;
    };
    this.handlers = createHandlers(
      this.log,
      { checkpointInterval: options.checkpointInterval },
      track,
      this.holds,
    );
  }

  appendCounts(): ReadonlyMap<string, number> {
    return new Map(this.log.appends);
  }

  holdAppends(prefix: string): AppendHold {
    return this.holds.hold(prefix);
  }

  rewriteEventData(streamId: string, revision: bigint, data: unknown): void {
    this.log.rewriteData(streamId, revision, Buffer.from(JSON.stringify(data), 'utf8'));
  }

  get connectionString(): string {
    return `esdb://127.0.0.1:${this.port}?tls=false`;
  }

  async start(): Promise<void> {
    if (this.closed) throw new Error('esdb stand-in: closed');
    if (this.running) return;
    const server = new grpc.Server();
    server.addService(streamsGrpcPb.StreamsService, this.handlers.streams);
    server.addService(serverFeaturesGrpcPb.ServerFeaturesService, this.handlers.serverFeatures);
    // We own the TCP listener and hand each connection to grpc-js, so that stop() can cut the
    // connections at the transport level, as a killed server process or a network failure does.
    const injector = server.createConnectionInjector(grpc.ServerCredentials.createInsecure());
    const sockets = new Set<Socket>();
    const listener = createServer((socket) => {
      sockets.add(socket);
      socket.once('close', () => sockets.delete(socket));
      socket.on('error', () => undefined); // a client that vanishes is not the stand-in's problem
      injector.injectConnection(socket);
    });
    this.port = await listenWithRetry(listener, this.port);
    this.running = { server, listener, sockets };
  }

  async stop(): Promise<void> {
    const running = this.running;
    if (!running) return;
    this.running = undefined;
    // Abort our own loops first so that nothing ends a call cleanly, then reset every connection.
    for (const controller of this.calls) controller.abort();
    this.calls.clear();
    const closed = new Promise<void>((resolve) => running.listener.close(() => resolve()));
    for (const socket of running.sockets) if (!socket.destroyed) socket.resetAndDestroy();
    running.server.forceShutdown();
    await closed;
    // Clients in this process read the reset in the next poll phase; let them see it before the
    // caller goes on, so a call made right after start() opens a new connection instead of using
    // the dead one. (A client in another process may still fail one call with UNAVAILABLE.)
    await new Promise<void>((resolve) => setImmediate(resolve));
  }

  async dropConnections(): Promise<void> {
    await this.stop();
    await this.start();
  }

  appendSystemEvent(): void {
    const data = { 'proc-startTime': new Date().toISOString(), 'sys-cpu': 1.5, 'es-queue-count': 0 };
    this.log.append(`$stats-127.0.0.1:${this.port}`, ANY, [
      {
        id: randomUUID(),
        type: '$statsCollected',
        isJson: true,
        data: Buffer.from(JSON.stringify(data), 'utf8'),
        metadata: new Uint8Array(),
      },
    ]);
  }

  async close(): Promise<void> {
    await this.stop();
    this.closed = true;
  }
}

/** Listens on 127.0.0.1:port; right after a stop the old socket may still hold the port for a moment. */
async function listenWithRetry(listener: NetServer, port: number): Promise<number> {
  for (let attempt = 0; ; attempt++) {
    try {
      await new Promise<void>((resolve, reject) => {
        listener.once('error', reject);
        listener.listen(port, '127.0.0.1', () => {
          listener.off('error', reject);
          resolve();
        });
      });
      return (listener.address() as AddressInfo).port;
    } catch (error) {
      if (port === 0 || attempt >= 50 || (error as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw error;
      await delay(20);
    }
  }
}
