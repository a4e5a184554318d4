/**
 * Reads a node's data files once from start to end, so that the load that follows finds them in
 * the operating system's page cache, as a node that has been serving finds its own.
 *
 * Why the benchmark needs this: on this VM the page cache does not keep files for long (its host
 * takes memory back; idle, the cached total fell by about 100 MiB a minute), so part of a work copy
 * may be on disk when a row starts. A write then reads its patient's events from the virtual disk,
 * one random page at a time: reading one patient's stream took 3 ms cold against 0.08 ms cached,
 * and recordConversation at 8 clients did 32 req/s (p99 914 ms) on a partly cold work copy against
 * 104 req/s (p99 192 ms) once its files had been read, the same build minutes apart. That is a
 * figure of the disk, and it moved from run to run with whatever the host had kept.
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { join } from 'node:path';
import { sqliteFiles } from './disk.js';

/** The SQLite databases a node keeps in its data directory. */
const DATABASES = ['events.db', 'read-models.db', 'outbox.db', 'keys.db'];

export interface Warmed {
  readonly mebibytes: number;
  readonly seconds: number;
}

/** Reads every data file of `dir` that exists, sequentially; returns how much and how long. */
export function warmPageCache(dir: string): Warmed {
  const started = performance.now();
  const buffer = Buffer.allocUnsafe(4 << 20);
  let bytes = 0;
  for (const file of DATABASES.flatMap((name) => sqliteFiles(join(dir, name)))) {
    const fd = openSync(file, 'r');
    try {
      for (let n = readSync(fd, buffer); n > 0; n = readSync(fd, buffer)) bytes += n;
    } finally {
      closeSync(fd);
    }
  }
  return {
    mebibytes: Math.round(bytes / (1 << 20)),
    seconds: Math.round((performance.now() - started) / 100) / 10,
  };
}
