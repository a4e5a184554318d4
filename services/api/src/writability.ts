import type { Logger } from './logger.js';

/**
 * SQLite's answers when a file, its directory or the disk cannot be written: read-only (a
 * read-only mount, a file or directory without write permission), full, an I/O error (which is
 * also what a write past the file-size limit gets), a file it cannot open.
 */
const STORAGE_CODE = /^SQLITE_(READONLY|FULL|IOERR|CANTOPEN)(_|$)/;

/** The SQLite code of an error that says storage cannot be written; undefined for any other error. */
export function storageErrorCode(error: unknown): string | undefined {
  const code = typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
  return typeof code === 'string' && STORAGE_CODE.test(code) ? code : undefined;
}

/** Somewhere the node must be able to write. */
export interface WriteTarget {
  /** 'event store' or 'read models'. */
  readonly name: string;
  readonly path: string;
}

/**
 * Whether this node can write where it must: its event store (commands, access records) and its
 * read models (the projector). A storage error from a write marks the place unwritable, with the
 * reason, so the node reports not-ready instead of answering every request with an error; the next
 * write there that succeeds, or a probe, clears it.
 */
export class Writability {
  private readonly problems = new Map<string, string>();

  constructor(private readonly logger: Logger) {}

  /** Marks `target` unwritable when `error` is a storage error; says whether it was one. */
  failed(target: WriteTarget, error: unknown): boolean {
    const code = storageErrorCode(error);
    if (code === undefined) return false;
    const message = error instanceof Error ? error.message : String(error);
    const reason = `${target.name} at ${target.path} cannot be written: ${code} (${message})`;
    if (this.problems.get(target.name) !== reason) {
      this.logger.error(
        { storage: target.name, path: target.path, code, err: message },
        'storage cannot be written',
      );
    }
    this.problems.set(target.name, reason);
    return true;
  }

  succeeded(target: WriteTarget): void {
    if (this.problems.delete(target.name)) {
      this.logger.info({ storage: target.name, path: target.path }, 'storage can be written again');
    }
  }

  writable(target: WriteTarget): boolean {
    return !this.problems.has(target.name);
  }

  /** Why the node cannot write, one line per place; empty when it can. */
  reasons(): string[] {
    return [...this.problems.values()];
  }
}

export interface WriteProbe {
  readonly target: WriteTarget;
  /** A real write that changes nothing; throws what a write there would throw now. */
  readonly probe: () => void;
}

/**
 * Probes every target now, and then every `intervalMs`: a write that fails without traffic still
 * makes the node not-ready, and one that works again makes it ready. `afterEach` runs after every
 * round (the node restarts a projector stopped by a storage error there). Returns a stop function.
 */
export function probeWrites(
  writability: Writability,
  probes: readonly WriteProbe[],
  intervalMs: number,
  afterEach: () => void = () => {},
): () => void {
  const round = () => {
    for (const { target, probe } of probes) {
      try {
        probe();
        writability.succeeded(target);
      } catch (error) {
        // Anything else (a closed database at shutdown) is not this probe's to judge.
        writability.failed(target, error);
      }
    }
    afterEach();
  };
  round();
  const timer = setInterval(round, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
