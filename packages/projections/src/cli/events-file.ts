import { existsSync } from 'node:fs';
import Database from 'better-sqlite3';

/** What an embedded event-store file holds, judged before anything is dropped. */
export type EventsFileState =
  | { readonly kind: 'events' }
  | { readonly kind: 'missing' }
  | { readonly kind: 'empty' }
  | { readonly kind: 'damaged'; readonly detail: string };

/** SQLite's answers for a file that is not a database, or one whose pages do not hold together. */
const DAMAGE = /^SQLITE_(NOTADB|CORRUPT)/;

/**
 * Looks at events.db through a read-only connection, so that looking changes nothing (opening it as
 * a store would make the tables of an empty file): is it there, a SQLite file, intact (quick_check:
 * the b-trees, not the indexes' contents, in a few seconds at regional scale), and does it hold events?
 */
export function inspectEventsFile(path: string): EventsFileState {
  if (!existsSync(path)) return { kind: 'missing' };
  let db: Database.Database | undefined;
  try {
    db = new Database(path, { readonly: true, fileMustExist: true });
    const problems = db
      .prepare<[], { quick_check: string }>('PRAGMA quick_check')
      .all()
      .map((row) => row.quick_check)
      .filter((line) => line !== 'ok');
    if (problems.length > 0)
      return { kind: 'damaged', detail: `quick_check: ${problems.slice(0, 3).join('; ')}` };
    const hasTable = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'events'").get();
    if (hasTable === undefined || db.prepare('SELECT 1 FROM events LIMIT 1').get() === undefined) {
      return { kind: 'empty' };
    }
    return { kind: 'events' };
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (typeof code === 'string' && DAMAGE.test(code)) {
      return { kind: 'damaged', detail: `${code}: ${(error as Error).message}` };
    }
    throw error;
  } finally {
    db?.close();
  }
}

/** The SQLite code of an error that says a database file is damaged, else undefined. */
export function damageCode(error: unknown): string | undefined {
  const code = typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
  return typeof code === 'string' && DAMAGE.test(code) ? code : undefined;
}
