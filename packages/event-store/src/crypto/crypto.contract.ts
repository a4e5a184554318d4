import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { eventStoreContract, type ContractHarness } from '../contract/event-store.contract.js';
import { verifyChain } from '../integrity/chain.js';
import { verifyStore } from '../integrity/verify-store.js';
import type { EventData, EventStore } from '../port.js';
import { EncryptingEventStore } from './encrypting-event-store.js';
import { KeyDestroyedError, KeyMissingError, type KeyStore } from './key-store.js';
import { isSealed } from './sealed.js';

/** What an adapter's spec hands the crypto contract: the bare adapter and key stores beside it. */
export interface CryptoHarness {
  /** The adapter itself, undecorated. */
  readonly inner: EventStore;
  /** Another instance on the same storage, undecorated. */
  readonly openInner: () => Promise<EventStore>;
  /** The key store of this harness (each call: an instance on the same file). */
  readonly openKeys: () => KeyStore;
  /** A key store that holds none of this harness's keys (a lost or wrong key store). */
  readonly otherKeys: () => KeyStore;
  readonly tamper?: ContractHarness['tamper'];
  readonly cleanup: () => Promise<void>;
}

const DESTROYED = 'RecordDestroyed';
const options = (keys: KeyStore) => ({
  keys,
  encrypts: (_stream: string, type: string) => type !== DESTROYED,
  destroys: (_stream: string, type: string) => type === DESTROYED,
});

/**
 * The EventStore contract over the crypto-shredding decorator (every event encrypted), and what
 * the decorator itself promises, on one adapter.
 */
export function cryptoShreddingContract(name: string, factory: () => Promise<CryptoHarness>): void {
  eventStoreContract(`${name}, encrypted`, async () => {
    const h = await factory();
    const store = new EncryptingEventStore(h.inner, options(h.openKeys()));
    return {
      store,
      openAnother: async () => new EncryptingEventStore(await h.openInner(), options(h.openKeys())),
      cleanup: async () => {
        await store.close();
        await h.cleanup();
      },
      ...(h.tamper === undefined ? {} : { tamper: h.tamper }),
    };
  });

  describe(`crypto-shredding: ${name}`, () => {
    let h: CryptoHarness;
    let store: EncryptingEventStore;
    const opened: EventStore[] = [];

    beforeEach(async () => {
      h = await factory();
      store = new EncryptingEventStore(h.inner, options(h.openKeys()));
    });
    afterEach(async () => {
      for (const s of opened.splice(0)) await s.close();
      await store.close();
      await h.cleanup();
    });

    const another = async (keys = h.openKeys()) => {
      const s = new EncryptingEventStore(await h.openInner(), options(keys));
      opened.push(s);
      return s;
    };

    it('stores personal data encrypted, shows it decrypted, and the chain covers what is stored', async () => {
      const stream = newStream();
      const appended = [event('PatientIdentified', { name: 'Hendrika Jansen-de Vries', bsn: '999990019' })];
      await store.appendToStream(stream, appended, { expectedRevision: 'no_stream' });

      const raw = await h.inner.readStream(stream);
      expect(isSealed(raw[0]!.data)).toBe(true);
      expect(JSON.stringify(raw.map((e) => [e.data, e.metadata]))).not.toMatch(/Jansen|999990019/);
      expect(raw[0]!.metadata).toEqual({ source: 'crypto-contract' });
      const read = await store.readStream(stream);
      expect(read[0]!.data).toEqual(appended[0]!.data);
      expect(read[0]!.stored).toEqual({ data: raw[0]!.data });
      expect(verifyChain(raw)).toBeUndefined();
      expect(verifyChain(read)).toBeUndefined();
    });

    it('reads plaintext events written before encryption as they are, and chains encrypted ones on them', async () => {
      const stream = newStream();
      await h.inner.appendToStream(stream, [event('Legacy', { text: 'plain' })], {
        expectedRevision: 'no_stream',
      });
      await store.appendToStream(stream, [event('Later', { text: 'sealed' })], { expectedRevision: 0n });

      const read = await store.readStream(stream);
      expect(read.map((e) => e.data)).toEqual([{ text: 'plain' }, { text: 'sealed' }]);
      expect(read[0]!.stored).toBeUndefined();
      expect(verifyChain(read)).toBeUndefined();
    });

    it('a destruction event destroys the key: the events before it read as shredded, the chain still verifies', async () => {
      const stream = newStream();
      await store.appendToStream(stream, [event('A', { text: 'one' }), event('B', { text: 'two' })], {
        expectedRevision: 'no_stream',
      });
      await store.appendToStream(stream, [event(DESTROYED, { grounds: 'PATIENT_REQUEST' })], {
        expectedRevision: 1n,
      });

      // A node that never cached the key, on the same key store: the same.
      for (const reader of [store, await another()]) {
        const read = await reader.readStream(stream);
        expect(read.map((e) => [e.type, e.shredded ?? false, e.data])).toEqual([
          ['A', true, null],
          ['B', true, null],
          [DESTROYED, false, { grounds: 'PATIENT_REQUEST' }],
        ]);
        expect(verifyChain(read)).toBeUndefined();
        const all = (await reader.readAll()).filter((e) => e.streamName === stream);
        expect(all.map((e) => e.shredded ?? false)).toEqual([true, true, false]);
      }
      const subscription = store.subscribeToAll();
      const seen = [];
      for await (const e of subscription) {
        if (e.streamName === stream) seen.push(e);
        if (seen.length === 3) break;
      }
      await subscription.close();
      expect(seen.map((e) => e.shredded ?? false)).toEqual([true, true, false]);
      expect(verifyChain(seen)).toBeUndefined();
      // The store may be shared with other tests (some tamper with their streams): this one's chain.
      const own = (v: { breaks: readonly { streamName: string }[] }) =>
        v.breaks.filter((b) => b.streamName === stream);
      expect(own(await verifyStore(h.inner))).toEqual([]);
      expect(own(await verifyStore(store))).toEqual([]);
    });

    it('a node that sees the destruction event destroys the key it still held (crash between append and destruction)', async () => {
      const stream = newStream();
      await store.appendToStream(stream, [event('A', { text: 'one' })], { expectedRevision: 'no_stream' });
      // Written without the decorator, as if the writer died before destroying the key.
      await h.inner.appendToStream(stream, [event(DESTROYED, {})], { expectedRevision: 0n });
      const reader = await another();
      await reader.readStream(stream);
      expect((await h.openKeys().get(stream)).kind).toBe('destroyed');
      expect((await (await another()).readStream(stream))[0]!.shredded).toBe(true);
    });

    it('refuses personal data for a destroyed stream, writing nothing', async () => {
      const stream = newStream();
      await store.appendToStream(stream, [event('A'), event(DESTROYED)], { expectedRevision: 'no_stream' });
      for (const writer of [store, await another()]) {
        await expect(
          writer.appendToStream(stream, [event('Again', { text: 'new' })], { expectedRevision: 'any' }),
        ).rejects.toBeInstanceOf(KeyDestroyedError);
      }
      expect((await store.readStream(stream)).map((e) => e.type)).toEqual(['A', DESTROYED]);
    });

    it('a key store without the key (lost, or another) fails the read instead of showing the record as destroyed', async () => {
      const stream = newStream();
      await store.appendToStream(stream, [event('A', { text: 'one' })], { expectedRevision: 'no_stream' });
      const stranger = await another(h.otherKeys());
      await expect(stranger.readStream(stream)).rejects.toBeInstanceOf(KeyMissingError);
    });

    it('a ciphertext copied onto another event does not decrypt there: it is shown as stored', async (context) => {
      if (h.tamper === undefined) return context.skip();
      const stream = newStream();
      await store.appendToStream(stream, [event('A', { text: 'one' }), event('B', { text: 'two' })], {
        expectedRevision: 'no_stream',
      });
      const [first] = await h.inner.readStream(stream);
      await h.tamper(stream, 1n, first!.data);
      const read = await store.readStream(stream);
      expect(isSealed(read[1]!.data)).toBe(true);
      expect(verifyChain(read)).toMatchObject({ revision: 1n, kind: 'hash' });
    });

    it('a body this node sealed and that was then changed in storage is refused, not read from memory', async (context) => {
      if (h.tamper === undefined) return context.skip();
      const stream = newStream();
      await store.appendToStream(stream, [event('A', { text: 'one' })], { expectedRevision: 'no_stream' });
      const [stored] = await h.inner.readStream(stream);
      const sealed = stored!.data as { ct: string };
      // Same nonce and tag, one byte of ciphertext changed.
      const bytes = Buffer.from(sealed.ct, 'base64');
      bytes[0] = bytes[0]! ^ 0xff;
      await h.tamper(stream, 0n, { ...sealed, ct: bytes.toString('base64') });
      const [read] = await store.readStream(stream);
      expect(isSealed(read!.data)).toBe(true);
      expect(read!.data).not.toEqual({ text: 'one' });
      // Untouched, the same store reads it as it was written, whether remembered or decrypted.
      const other = newStream();
      await store.appendToStream(other, [event('A', { text: 'two' })], { expectedRevision: 'no_stream' });
      expect((await store.readStream(other))[0]!.data).toEqual({ text: 'two' });
      expect((await (await another()).readStream(other))[0]!.data).toEqual({ text: 'two' });
    });
  });
}

function newStream(): string {
  return `crypto-${randomUUID()}`;
}

function event(type: string, data: unknown = {}): EventData {
  return { id: randomUUID(), type, data, metadata: { source: 'crypto-contract' } };
}
