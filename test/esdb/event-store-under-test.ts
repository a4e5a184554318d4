import { EsdbEventStore, type EsdbEventStoreOptions } from '@pzp/event-store';
import { startEsdbStandin, type EsdbStandin } from '../esdb-standin/standin.js';

/**
 * The EventStoreDB these tests run against: a real server when EVENTSTORE_CONNECTION_STRING is set
 * (e.g. `docker run -p 2113:2113 eventstore/eventstore --insecure --run-projections=None` and
 * `EVENTSTORE_CONNECTION_STRING=esdb://127.0.0.1:2113?tls=false`), otherwise the protocol-level
 * stand-in of ../esdb-standin. Fault tests that need to cut the connection run only on the stand-in.
 */
export interface EsdbUnderTest {
  readonly connectionString: string;
  /** Undefined against a real server. */
  readonly standin: EsdbStandin | undefined;
  open(options?: EsdbEventStoreOptions): EsdbEventStore;
  close(): Promise<void>;
}

export const REAL_SERVER = process.env.EVENTSTORE_CONNECTION_STRING;

export async function esdbUnderTest(): Promise<EsdbUnderTest> {
  const standin = REAL_SERVER ? undefined : await startEsdbStandin();
  const connectionString = REAL_SERVER ?? standin!.connectionString;
  const opened: EsdbEventStore[] = [];
  return {
    connectionString,
    standin,
    open(options = {}) {
      const store = EsdbEventStore.fromConnectionString(connectionString, {
        backoff: { initialMs: 20, maxMs: 200 },
        ...options,
      });
      opened.push(store);
      return store;
    },
    async close() {
      await Promise.all(opened.splice(0).map((s) => s.close()));
      await standin?.close();
    },
  };
}
