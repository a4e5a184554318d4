import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** A SQLite database's files that exist: the file and its write-ahead log. */
export const sqliteFiles = (file: string): string[] => [file, `${file}-wal`].filter((f) => existsSync(f));

/** A SQLite file's bytes on disk, its write-ahead log included. */
const sqliteBytes = (file: string): number => sqliteFiles(file).reduce((sum, f) => sum + statSync(f).size, 0);

export interface DiskFigures {
  readonly eventLogMiB: number;
  readonly readModelsMiB: number;
  /** Read models on disk ÷ event log on disk (issue 16 asks ≤ 1.0). */
  readonly ratio: number;
}

/** The embedded store's event log and this node's read models in `dataDir`, as they lie on disk. */
export function diskFigures(dataDir: string): DiskFigures {
  const log = sqliteBytes(join(dataDir, 'events.db'));
  const readModels = sqliteBytes(join(dataDir, 'read-models.db'));
  const mib = (bytes: number) => Math.round((bytes / 2 ** 20) * 10) / 10;
  return {
    eventLogMiB: mib(log),
    readModelsMiB: mib(readModels),
    ratio: log === 0 ? 0 : Math.round((readModels / log) * 100) / 100,
  };
}
