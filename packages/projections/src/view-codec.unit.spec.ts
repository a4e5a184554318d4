import { describe, expect, it } from 'vitest';
import { currentView, evolve, initialState, type PlanView } from '@pzp/domain';
import { actors } from '@pzp/domain/testing';
import { goldenStream } from './spec-support.js';
import { decodeView, encodeView, StoredViewError } from './view-codec.js';

/** Every view of the golden patient along its stream (most of what view.ts renders). */
function viewsAlongTheWay(): PlanView[] {
  const views: PlanView[] = [];
  let state = initialState;
  for (const event of goldenStream()) {
    state = evolve(state, event);
    views.push(currentView(state.plan));
  }
  return views;
}

const asJson = (value: unknown): unknown => JSON.parse(JSON.stringify(value));

/** Every object at a `recordedBy` key, in document order. */
function recordedBys(value: unknown, found: unknown[] = []): unknown[] {
  if (value !== null && typeof value === 'object') {
    for (const [key, child] of Object.entries(value)) {
      if (key === 'recordedBy') found.push(child);
      recordedBys(child, found);
    }
  }
  return found;
}

describe('the stored view encoding', () => {
  it('gives back exactly the view that was stored, for every view of the golden stream', () => {
    for (const view of viewsAlongTheWay()) expect(decodeView(encodeView(view))).toEqual(asJson(view));
  });

  it('writes each actor once, and every reference to it decodes to the same frozen object', () => {
    const view = viewsAlongTheWay().at(-1)!;
    const references = recordedBys(view);
    const distinct = new Set(references.map((a) => JSON.stringify(a)));
    expect(references.length).toBeGreaterThan(distinct.size); // the fixture repeats its actors

    const stored = JSON.parse(encodeView(view)) as { actors: unknown[]; view: unknown };
    expect(stored.actors.map((a) => JSON.stringify(a)).sort()).toEqual([...distinct].sort());
    expect(recordedBys(stored.view).every((r) => typeof r === 'number')).toBe(true);

    const decoded = decodeView(encodeView(view));
    const objects = recordedBys(decoded);
    expect(new Set(objects).size).toBe(distinct.size);
    const gp = objects.find((a) => JSON.stringify(a) === JSON.stringify(actors.gp))!;
    expect(Object.isFrozen(gp)).toBe(true);
    expect(Object.isFrozen((gp as { organization: object }).organization)).toBe(true);
    expect(() => {
      (gp as { name: string }).name = 'someone else';
    }).toThrow(TypeError);
    expect(Object.isFrozen(decoded.treatmentDirectives[0])).toBe(true);
  });

  it('keeps a practitioner who moved to another organisation as two actors', () => {
    const view = viewsAlongTheWay().at(-1)!;
    const [first, second] = view.treatmentDirectives.filter((d) => d.decision !== null);
    const elsewhere = {
      ...actors.gp,
      organization: { ...actors.gp.organization, name: 'Een andere praktijk' },
    };
    const changed = {
      ...view,
      treatmentDirectives: [
        { ...first!, provenance: { ...first!.provenance, recordedBy: actors.gp } },
        { ...second!, provenance: { ...second!.provenance, recordedBy: elsewhere } },
      ],
    } as PlanView;
    const decoded = decodeView(encodeView(changed));
    const [a, b] = decoded.treatmentDirectives.map((d) => d.decision !== null && d.provenance.recordedBy);
    expect(a).toEqual(actors.gp);
    expect(b).toEqual(elsewhere);
  });

  it('refuses a stored view in another encoding, or one that refers to an actor it does not hold', () => {
    const plain = JSON.stringify(viewsAlongTheWay().at(-1)!);
    expect(() => decodeView(plain)).toThrow(StoredViewError);
    expect(() => decodeView('null')).toThrow(StoredViewError);
    expect(() => decodeView('{"actors":[],"view":{"lifeWishes":[{"provenance":{"recordedBy":0}}]}}')).toThrow(
      /actor 0/,
    );
  });
});
