import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openReadModelDb, Projector } from '@pzp/projections';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { dumpReadModels, rebuiltFromScratch } from '../support/read-models.js';
import { writeSyntheticPatients } from '../support/patients.js';
import { esdbUnderTest, type EsdbUnderTest } from './event-store-under-test.js';

const SECRET = 'projector-faults-secret-0123456789abcdef';
let esdb: EsdbUnderTest;
let dir: string;
beforeAll(async () => {
  esdb = await esdbUnderTest();
  dir = mkdtempSync(join(tmpdir(), 'pzp-esdb-faults-'));
});
afterAll(async () => {
  await esdb.close();
  rmSync(dir, { recursive: true, force: true });
});

it('read models fed through dropped connections end identical to a clean rebuild', async ({ skip }) => {
  if (!esdb.standin) skip(); // needs the stand-in to cut connections
  const writer = esdb.open();
  await writeSyntheticPatients(writer, { from: 1, count: 20, secret: SECRET });

  const live = openReadModelDb(join(dir, 'live.db'));
  const projector = new Projector(esdb.open(), live, { batchSize: 50 });
  await projector.start();
  // More patients arrive while the connection drops again and again, some mid-append.
  for (let round = 0; round < 4; round++) {
    const writing = writeSyntheticPatients(writer, { from: 100 + round * 10, count: 10, secret: SECRET });
    await esdb.standin!.dropConnections();
    await writing.catch(async () => {
      // An append cut by the drop failed as a whole; write the round again from scratch elsewhere.
      await writeSyntheticPatients(writer, { from: 1000 + round * 10, count: 10, secret: SECRET });
    });
  }
  const head = (await writer.headPosition())!;
  await projector.waitFor(head, 10_000);
  await projector.stop();

  const rebuilt = await rebuiltFromScratch(esdb.open(), join(dir, 'rebuilt.db'));
  const fed = dumpReadModels(live);
  live.close();
  expect(fed.current_plans!.length).toBeGreaterThanOrEqual(60);
  expect(fed).toEqual(rebuilt);
});
