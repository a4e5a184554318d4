import { createHash } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { currentView, evolve, initialState } from '@pzp/domain';
import { PROJECTION_CODE_VERSION } from './code-version.js';
import { CODE_CHANGED_MESSAGE, Projector } from './projector.js';
import { createQueries } from './queries.js';
import {
  append,
  BSNS,
  dump,
  goldenStream,
  patientEvents,
  pseudonymOf,
  recordingLogger,
  testEnv,
} from './spec-support.js';
import { encodeView } from './view-codec.js';

/**
 * sha256 of what the stored read models hold for the fixture stream below (every currentView()
 * along the way; up to version 3 every describeChange() entry too, when the read models held the
 * change history), per PROJECTION_CODE_VERSION.
 * When the golden test fails: bump PROJECTION_CODE_VERSION and add the new hash here under it.
 */
const RECORDED_OUTPUT: Readonly<Record<number, string>> = {
  1: '14fc438ff227487cc03d6958a43f205c3d481a7003d2119c80c5aabba9e3b82a',
  // Ended directives in the view (endedTreatmentDirectives).
  2: 'd7b5a978f114e19b0f73c4781074cf3dc75f08fa60faa9b4646461981d096202',
  // Whether the patient has an ICD (icd), from the national form's question 4h.
  3: '2247e1fa636c096f62d10e5d8bbc0b73511ddf28aa094273716139c7bfeca3ce',
  // The read models no longer hold the change history: only the views are hashed.
  4: '30f7a6a021c95773cdf36ce9d1ed9ab3f0e503b68009c6794e8f3e346043aa67',
  // The same views, stored with each actor once (view-codec.ts): the stored text is hashed.
  5: '7e96c1ff2d7f6b71f9d549614931da464acdf2b576e4d612141cec2ada5ab760',
};

let env: ReturnType<typeof testEnv>;
beforeEach(() => {
  env = testEnv();
});
afterEach(() => env.close());

async function appendPatients() {
  for (const [i, bsn] of BSNS.entries()) await append(env.store, bsn, patientEvents(bsn, i));
}

describe('projection code version', () => {
  it('rebuilds read models built by other view code when the projector starts, and only then', async () => {
    await appendPatients();
    const built = env.openDb('node.db');
    await new Projector(env.store, built, { codeVersion: 1 }).catchUp();
    // What version 1 stored is not what version 2 would: here, garbage.
    built.exec(`UPDATE current_plans SET view = '{"treatmentDirectives":"old shape"}'`);
    built.close();

    const fresh = env.openDb('fresh.db');
    await new Projector(env.store, fresh, { codeVersion: 2 }).rebuild();

    const upgraded = env.openDb('node.db');
    const logger = recordingLogger();
    const projector = new Projector(env.store, upgraded, { codeVersion: 2, logger });
    await projector.start();
    await projector.stop();
    expect(logger.lines).toContainEqual({
      level: 'info',
      fields: { from: 1, to: 2 },
      message: CODE_CHANGED_MESSAGE,
    });
    expect(dump(upgraded)).toEqual(dump(fresh));
    upgraded.close();

    // Same version again: nothing is rebuilt, so a row changed by hand stays as it is.
    const again = env.openDb('node.db');
    const pseudonym = pseudonymOf(BSNS[0]!);
    again
      .prepare(`UPDATE current_plans SET view = '{"actors":[],"view":{"touched":true}}' WHERE pseudonym = ?`)
      .run(pseudonym);
    const touched = dump(again);
    const quiet = recordingLogger();
    const restarted = new Projector(env.store, again, { codeVersion: 2, logger: quiet });
    expect(await restarted.catchUp()).toBe(0);
    expect(quiet.lines.map((l) => l.message)).not.toContain(CODE_CHANGED_MESSAGE);
    expect(dump(again)).toEqual(touched);
    expect(createQueries(again).currentPlan(pseudonym)?.view).toEqual({ touched: true });
  });

  it('records the code version with the rows, and rebuilds read models that hold rows but none', async () => {
    await appendPatients();
    const db = env.openDb('unversioned.db');
    // A new node (empty read models) just builds them: that is no code change.
    const first = recordingLogger();
    await new Projector(env.store, db, { logger: first }).catchUp();
    expect(first.lines.map((l) => l.message)).not.toContain(CODE_CHANGED_MESSAGE);
    expect(db.prepare('SELECT value FROM read_model_meta WHERE key = ?').get('code_version')).toEqual({
      value: String(PROJECTION_CODE_VERSION),
    });
    db.exec('DELETE FROM read_model_meta'); // as written by a version of this code that kept none
    db.exec(`UPDATE current_plans SET view = '{}'`);

    const logger = recordingLogger();
    await new Projector(env.store, db, { logger }).catchUp();
    expect(logger.lines).toContainEqual({
      level: 'info',
      fields: { from: null, to: PROJECTION_CODE_VERSION },
      message: CODE_CHANGED_MESSAGE,
    });
    const fresh = env.openDb('fresh.db');
    await new Projector(env.store, fresh).catchUp();
    expect(dump(db)).toEqual(dump(fresh));
  });
});

describe('PROJECTION_CODE_VERSION', () => {
  it('is bumped whenever what currentView() returns, or how it is stored, changes (golden hash)', () => {
    const output: string[] = [];
    let state = initialState;
    for (const event of goldenStream()) {
      const after = evolve(state, event);
      output.push(encodeView(currentView(after.plan)));
      state = after;
    }
    const hash = createHash('sha256').update(output.join('\n')).digest('hex');
    expect(
      hash,
      `The output of currentView() (packages/domain view.ts), as view-codec.ts stores it, is not what ` +
        `PROJECTION_CODE_VERSION ${PROJECTION_CODE_VERSION} recorded. Stored views would go stale on deploy: ` +
        `bump PROJECTION_CODE_VERSION in packages/projections/src/code-version.ts (every node then rebuilds ` +
        `its read models on start) and record this hash under the new version in RECORDED_OUTPUT in ` +
        `code-version.int.spec.ts: ${hash}`,
    ).toBe(RECORDED_OUTPUT[PROJECTION_CODE_VERSION]);
  });
});
