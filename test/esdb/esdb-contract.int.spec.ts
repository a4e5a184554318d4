import { eventStoreContract } from '@pzp/event-store/contract';
import { afterAll, beforeAll } from 'vitest';
import { REAL_SERVER, esdbUnderTest, type EsdbUnderTest } from './event-store-under-test.js';

let esdb: EsdbUnderTest;
beforeAll(async () => {
  esdb = await esdbUnderTest();
});
afterAll(() => esdb.close());

eventStoreContract(REAL_SERVER ? 'EventStoreDB' : 'EventStoreDB adapter over the gRPC stand-in', () => {
  const store = esdb.open();
  return Promise.resolve({
    store,
    openAnother: () => Promise.resolve(esdb.open()),
    cleanup: () => store.close(),
  });
});
