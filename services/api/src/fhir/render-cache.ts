/**
 * FHIR answers kept as the bytes they were sent as, so that the same plan version asked the same
 * question again is not mapped and serialised again.
 *
 * What may be kept is narrow on purpose: an answer that is a pure function of the plan's view at
 * one version (the read model's frozen view, which never changes for a version: stream revisions
 * only grow, and a destroyed stream is never written again), the patient's pseudonym, the
 * question and the base URL. The caller always gets the version from the door first, on every
 * request: the policy is decided and the access record made durable before this cache is asked,
 * and a new version is a new key, so a stale plan can never be served. Reads of the past (`_at`,
 * `agreed-on`) are not kept.
 */

/** An answer already serialised: the router sends its bytes as they are. */
export class Rendered {
  constructor(readonly bytes: Buffer) {}
}

/** How much the cache holds unless told otherwise: some 2,500 Consent searches of 3 kB. */
export const DEFAULT_RENDER_CACHE_BYTES = 8 * 1024 * 1024;

/** A least-recently-used map of rendered answers, bounded by their bytes (keys counted too). */
export class RenderCache {
  // Map iteration order is insertion order: the first key is the least recently used.
  private readonly entries = new Map<string, Buffer>();
  private held = 0;

  constructor(private readonly maxBytes = DEFAULT_RENDER_CACHE_BYTES) {}

  /** The answer kept under `key`, or `render()` serialised, kept (when it fits) and returned. */
  get(key: string, render: () => unknown): Rendered {
    const hit = this.entries.get(key);
    if (hit !== undefined) {
      this.entries.delete(key);
      this.entries.set(key, hit);
      return new Rendered(hit);
    }
    const bytes = Buffer.from(JSON.stringify(render()));
    const size = RenderCache.sizeOf(key, bytes);
    if (size <= this.maxBytes) {
      this.entries.set(key, bytes);
      this.held += size;
      while (this.held > this.maxBytes) {
        const oldest = this.entries.keys().next().value!;
        this.held -= RenderCache.sizeOf(oldest, this.entries.get(oldest)!);
        this.entries.delete(oldest);
      }
    }
    return new Rendered(bytes);
  }

  /** Bytes held (answers and keys), for tests and metrics. */
  get bytes(): number {
    return this.held;
  }

  get size(): number {
    return this.entries.size;
  }

  private static sizeOf(key: string, bytes: Buffer): number {
    return bytes.length + key.length * 2;
  }
}
