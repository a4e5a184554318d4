import type { Actor, PlanView } from '@pzp/domain';

/**
 * How current_plans.view stores a view: JSON, with every distinct actor (who recorded an item or
 * ended it: a practitioner with their organisation) written once and each `recordedBy` holding
 * its index, `{"actors":[…],"view":{…}}`.
 *
 * Why: a plan's provenance names the same few people some twenty times. Written out each time they
 * were a quarter of a stored view's bytes, and parsing and freezing them again and again was about
 * 45 % of turning a stored view back into objects, itself most of the time it takes to read a plan
 * that is not in memory. Decoded, every reference to one actor is the same frozen object.
 *
 * Actors are told apart by their whole JSON, never by id alone: a practitioner who changed
 * organisation or name stays two actors, each item keeping the one it was recorded under.
 */

/** A stored view that is not in this encoding, or refers to an actor it does not hold. */
export class StoredViewError extends Error {
  override readonly name = 'StoredViewError';
}

const REFERENCE_KEY = 'recordedBy';

export function encodeView(view: PlanView): string {
  const actors: unknown[] = [];
  const indexOf = new Map<string, number>();
  const body = JSON.stringify(view, (key, value: unknown) => {
    if (key !== REFERENCE_KEY || value === null || typeof value !== 'object') return value;
    const text = JSON.stringify(value);
    let index = indexOf.get(text);
    if (index === undefined) {
      index = actors.length;
      indexOf.set(text, index);
      actors.push(value);
    }
    return index;
  });
  return `{"actors":${JSON.stringify(actors)},"view":${body}}`;
}

/** The view, deeply frozen (one object serves many requests); throws StoredViewError. */
export function decodeView(text: string): PlanView {
  const stored = JSON.parse(text) as { actors?: unknown; view?: unknown } | null;
  if (
    stored === null ||
    typeof stored !== 'object' ||
    !Array.isArray(stored.actors) ||
    stored.view === null ||
    typeof stored.view !== 'object'
  ) {
    throw new StoredViewError('The stored view is not in the encoding this node reads');
  }
  // An actor refers to no other actor: resolved against none, it is only frozen.
  const actors = stored.actors.map((a) => resolve(a as object, []) as Actor);
  return resolve(stored.view, actors) as PlanView;
}

/** Puts the actors in place of their indexes, and freezes, in one walk. */
function resolve(value: object, actors: readonly Actor[]): object {
  const node = value as Record<string, unknown>;
  for (const key of Object.keys(node)) {
    const child = node[key];
    if (key === REFERENCE_KEY && typeof child === 'number') {
      const actor = actors[child];
      if (actor === undefined)
        throw new StoredViewError(`The stored view refers to actor ${child}, which it does not hold`);
      node[key] = actor;
    } else if (child !== null && typeof child === 'object') resolve(child, actors);
  }
  return Object.freeze(value);
}
