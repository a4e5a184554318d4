import { eventStoreContract, identityContract } from '@pzp/event-store/contract';
import { afterAll, beforeAll } from 'vitest';
import { REAL_SERVER, esdbUnderTest, type EsdbUnderTest } from './event-store-under-test.js';

let esdb: EsdbUnderTest;
beforeAll(async () => {
  esdb = await esdbUnderTest();
});
afterAll(() => esdb.close());

const name = REAL_SERVER ? 'EventStoreDB' : 'EventStoreDB adapter over the gRPC stand-in';

eventStoreContract(name, () => {
  const store = esdb.open();
  return Promise.resolve({
    store,
    openAnother: () => Promise.resolve(esdb.open()),
    cleanup: () => store.close(),
    // Only the stand-in's log can be edited in place; a real server's cannot.
    ...(esdb.standin === undefined
      ? {}
      : {
          tamper: (streamName: string, revision: bigint, data: unknown) => {
            esdb.standin!.rewriteEventData(streamName, revision, data);
            return Promise.resolve();
          },
        }),
  });
});

identityContract(name, {
  shared: () => {
    const store = esdb.open();
    return Promise.resolve({
      store,
      openAnother: () => Promise.resolve(esdb.open()),
      cleanup: () => store.close(),
    });
  },
  // A real server is shared and never emptied; the stand-in starts empty, one per test.
  ...(REAL_SERVER
    ? {}
    : {
        fresh: async () => {
          const own = await esdbUnderTest();
          return {
            store: own.open(),
            openAnother: () => Promise.resolve(own.open()),
            cleanup: () => own.close(),
          };
        },
      }),
});
