import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteKeyStore } from '@pzp/event-store';
import { cryptoShreddingContract } from '@pzp/event-store/crypto-contract';
import { afterAll, beforeAll } from 'vitest';
import { REAL_SERVER, esdbUnderTest, type EsdbUnderTest } from './event-store-under-test.js';

let esdb: EsdbUnderTest;
// The store is shared by every test of the file and read from its start: so is the key store.
const dir = mkdtempSync(join(tmpdir(), 'pzp-esdb-keys-'));
const kek = randomBytes(32);
beforeAll(async () => {
  esdb = await esdbUnderTest();
});
afterAll(async () => {
  await esdb.close();
  rmSync(dir, { recursive: true, force: true });
});

const name = REAL_SERVER ? 'EventStoreDB' : 'EventStoreDB adapter over the gRPC stand-in';

cryptoShreddingContract(name, () => {
  return Promise.resolve({
    inner: esdb.open(),
    openInner: () => Promise.resolve(esdb.open()),
    openKeys: () => SqliteKeyStore.open(join(dir, 'keys.db'), kek),
    otherKeys: () => SqliteKeyStore.open(join(dir, `other-${randomUUID()}.db`), randomBytes(32)),
    ...(esdb.standin === undefined
      ? {}
      : {
          tamper: (streamName: string, revision: bigint, data: unknown) => {
            esdb.standin!.rewriteEventData(streamName, revision, data);
            return Promise.resolve();
          },
        }),
    cleanup: () => Promise.resolve(),
  });
});
