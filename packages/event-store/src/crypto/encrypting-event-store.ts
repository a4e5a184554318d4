import type {
  AppendOptions,
  AppendResult,
  EventData,
  EventStore,
  ReadAllOptions,
  ReadStreamOptions,
  RecordedEvent,
  StreamEvent,
  SubscribeToAllOptions,
  Subscription,
} from '../port.js';
import { KeyDestroyedError, KeyMissingError, type KeyStore } from './key-store.js';
import { bodyText, isSealed, sealText, unseal } from './sealed.js';
import { SealedRecently } from './sealed-recently.js';

export interface EncryptingEventStoreOptions {
  readonly keys: KeyStore;
  /** Whether an event's data is personal data, to be stored encrypted under its stream's key. */
  readonly encrypts: (streamName: string, type: string) => boolean;
  /**
   * Whether an event records its stream's lawful destruction: once it is stored, and whenever it
   * is read (a node that crashed between the append and the key's destruction, another node's
   * cached key), the stream's key is destroyed.
   */
  readonly destroys: (streamName: string, type: string) => boolean;
  /** Unwrapped keys kept in memory (least recently used dropped). */
  readonly cacheSize?: number;
  readonly clock?: () => Date;
}

type Known = Buffer | 'destroyed';

/**
 * Crypto-shredding as a decorator of the event-store port, so every writer and reader (the write
 * path, the projector and its rebuilds, the access log, the plan as of an instant) goes through
 * it, over either adapter. Personal data is encrypted before it reaches the adapter, so the hash
 * chain (computed by the adapter) covers the ciphertext and still verifies once the key is gone;
 * type and metadata stay readable. Plaintext bodies written before encryption are read as they
 * are. An event whose key was destroyed reads with `shredded: true` and no data.
 */
export class EncryptingEventStore implements EventStore {
  private readonly keys: KeyStore;
  private readonly encrypts: EncryptingEventStoreOptions['encrypts'];
  private readonly destroys: EncryptingEventStoreOptions['destroys'];
  private readonly cacheSize: number;
  private readonly clock: () => Date;
  private readonly cache = new Map<string, Known>();
  private readonly recent: SealedRecently;

  constructor(
    private readonly inner: EventStore,
    options: EncryptingEventStoreOptions,
  ) {
    this.keys = options.keys;
    this.encrypts = options.encrypts;
    this.destroys = options.destroys;
    this.cacheSize = options.cacheSize ?? 10_000;
    this.clock = options.clock ?? (() => new Date());
    this.recent = new SealedRecently();
  }

  async appendToStream(
    streamName: string,
    events: readonly EventData[],
    options: AppendOptions,
  ): Promise<AppendResult> {
    const personal = (e: EventData) => e.data !== undefined && this.encrypts(streamName, e.type);
    const key = events.some(personal) ? await this.keyForWrite(streamName) : undefined;
    const stored = events.map((e) => {
      if (!personal(e)) return e;
      const context = { streamName, id: e.id, type: e.type };
      const text = bodyText(e.data);
      const sealed = sealText(text, key!, context);
      this.recent.remember(sealed, text, key!, context);
      return { ...e, data: sealed };
    });
    const result = await this.inner.appendToStream(streamName, stored, options);
    if (events.some((e) => this.destroys(streamName, e.type))) await this.shred(streamName);
    return result;
  }

  async readStream(streamName: string, options?: ReadStreamOptions): Promise<StreamEvent[]> {
    return this.openAll(await this.inner.readStream(streamName, options));
  }

  async readAll(options?: ReadAllOptions): Promise<RecordedEvent[]> {
    return this.openAll(await this.inner.readAll(options));
  }

  subscribeToAll(options?: SubscribeToAllOptions): Subscription {
    const inner = this.inner.subscribeToAll(options);
    const open = (e: RecordedEvent) => this.open(e);
    return {
      async *[Symbol.asyncIterator]() {
        for await (const event of inner) yield await open(event);
      },
      close: () => inner.close(),
      health: () => inner.health(),
    };
  }

  headPosition(): Promise<bigint | undefined> {
    return this.inner.headPosition();
  }

  identity(): Promise<string> {
    return this.inner.identity();
  }

  async close(): Promise<void> {
    await this.inner.close();
    await this.keys.close();
  }

  /** Destroys the stream's key (idempotent): its encrypted events read as shredded from now on. */
  async shred(streamName: string): Promise<void> {
    if (this.cache.get(streamName) === 'destroyed') return;
    await this.keys.destroy(streamName, this.clock());
    this.remember(streamName, 'destroyed');
    this.recent.forget(streamName);
  }

  private async keyForWrite(streamName: string): Promise<Buffer> {
    const known = await this.known(streamName);
    if (known === 'destroyed') throw new KeyDestroyedError(streamName);
    if (known !== undefined) return known;
    const key = await this.keys.create(streamName);
    this.remember(streamName, key);
    return key;
  }

  /** Keys are looked up once per stream of the page; then every event opens without waiting. */
  private async openAll<T extends StreamEvent>(events: T[]): Promise<T[]> {
    const keys = new Map<string, Known | undefined>();
    for (const e of events) {
      if (this.destroys(e.streamName, e.type)) {
        await this.shred(e.streamName);
        keys.set(e.streamName, 'destroyed');
      }
      if (isSealed(e.data) && !keys.has(e.streamName)) keys.set(e.streamName, await this.known(e.streamName));
    }
    return events.map((e) => this.opened(e, keys.get(e.streamName)));
  }

  private async open<T extends StreamEvent>(event: T): Promise<T> {
    return (await this.openAll([event]))[0]!;
  }

  private opened<T extends StreamEvent>(event: T, known: Known | undefined): T {
    if (!isSealed(event.data)) return event;
    const { streamName } = event;
    if (known === undefined) throw new KeyMissingError(streamName);
    const stored = { data: event.data };
    if (known === 'destroyed') return { ...event, data: null, stored, shredded: true };
    const context = { streamName, id: event.id, type: event.type };
    const text = this.recent.textOf(event.data, known, context);
    if (text !== undefined) return { ...event, data: JSON.parse(text) as unknown, stored };
    const opened = unseal(event.data, known, context);
    // Does not decrypt: changed in storage (the hash chain finds it) or another key. Shown as
    // stored, so whoever folds it refuses it rather than read something else into it.
    if (!opened.ok) return event;
    return { ...event, data: opened.data, stored };
  }

  private async known(streamName: string): Promise<Known | undefined> {
    const cached = this.cache.get(streamName);
    if (cached !== undefined) {
      this.remember(streamName, cached);
      return cached;
    }
    const state = await this.keys.get(streamName);
    if (state.kind === 'none') return undefined;
    const known: Known = state.kind === 'key' ? state.key : 'destroyed';
    // Destroyed by another node (or before a crash): nor is its plaintext to stay here.
    if (known === 'destroyed') this.recent.forget(streamName);
    this.remember(streamName, known);
    return known;
  }

  private remember(streamName: string, known: Known) {
    this.cache.delete(streamName);
    this.cache.set(streamName, known);
    if (this.cache.size > this.cacheSize) this.cache.delete(this.cache.keys().next().value!);
  }
}
