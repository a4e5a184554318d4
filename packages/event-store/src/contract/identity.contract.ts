import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import type { EventStore } from '../port.js';
import { subscriptionReader } from './subscription-reader.js';

/** Storage made for one test: a new store that nothing has written to. */
export interface FreshStorage {
  readonly store: EventStore;
  /** A second instance on the same storage (another node, another process). */
  openAnother(): Promise<EventStore>;
  /** Closes every instance and releases the storage. */
  cleanup(): Promise<void>;
}

export interface IdentityHarness {
  /** An instance on storage that may be shared with other tests (never emptied), and a second one on it. */
  shared(): Promise<{
    store: EventStore;
    openAnother: () => Promise<EventStore>;
    cleanup: () => Promise<void>;
  }>;
  /** New, empty storage per call; undefined where there is none to be had (a real, shared server). */
  fresh?: () => Promise<FreshStorage>;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * The store's identity (EventStore.identity): what read models compare to notice that the store
 * under them is another one, so every adapter must give the same answers.
 */
export function identityContract(name: string, harness: IdentityHarness): void {
  describe(`EventStore identity contract: ${name}`, () => {
    const cleanups: (() => Promise<void>)[] = [];
    afterEach(async () => {
      for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
    });

    async function shared() {
      const opened = await harness.shared();
      cleanups.push(opened.cleanup);
      const another = async () => {
        const other = await opened.openAnother();
        cleanups.push(() => other.close());
        return other;
      };
      return { store: opened.store, another };
    }

    async function fresh(): Promise<FreshStorage | undefined> {
      const storage = await harness.fresh?.();
      if (storage !== undefined) cleanups.push(() => storage.cleanup());
      return storage;
    }

    it('is a UUID, the same on every call', async () => {
      const { store } = await shared();
      const identity = await store.identity();
      expect(identity).toMatch(UUID);
      expect(await store.identity()).toBe(identity);
    });

    it('is the same for every instance on the same storage, also one opened later', async () => {
      const { store, another } = await shared();
      const identity = await store.identity();
      expect(await (await another()).identity()).toBe(identity);
      expect(await (await another()).identity()).toBe(identity);
    });

    it('a new store has an identity of its own', async (context) => {
      const [a, b] = [await fresh(), await fresh()];
      if (a === undefined || b === undefined) return context.skip();
      const [first, second] = [await a.store.identity(), await b.store.identity()];
      expect(first).toMatch(UUID);
      expect(second).toMatch(UUID);
      expect(first).not.toBe(second);
    });

    it('instances asking a new store at once agree on one identity', async (context) => {
      const storage = await fresh();
      if (storage === undefined) return context.skip();
      const others = [await storage.openAnother(), await storage.openAnother()];
      const answers = await Promise.all([storage.store, ...others].map((s) => s.identity()));
      expect(new Set(answers).size).toBe(1);
      expect(await storage.store.identity()).toBe(answers[0]);
    });

    it('is not an event: a new store stays empty in $all, its head and its subscriptions', async (context) => {
      const storage = await fresh();
      if (storage === undefined) return context.skip();
      const { store } = storage;
      await store.identity();
      expect(await store.headPosition()).toBeUndefined();
      expect(await store.readAll()).toEqual([]);

      const subscription = store.subscribeToAll();
      try {
        const first = { id: randomUUID(), type: 'First', data: {}, metadata: {} };
        await store.appendToStream(`contract-identity-${randomUUID()}`, [first], {
          expectedRevision: 'no_stream',
        });
        const [delivered] = await subscriptionReader(subscription).take(1);
        expect(delivered!.id).toBe(first.id);
        expect((await store.readAll()).map((e) => e.id)).toEqual([first.id]);
        expect(await store.headPosition()).toBe(delivered!.position);
      } finally {
        await subscription.close();
      }
    });
  });
}
