import { join } from 'node:path';
import Database from 'better-sqlite3';
import { PZP_STREAM_PREFIX } from '@pzp/domain';

/**
 * The events in the patients' streams of a server's embedded store (events.db), per stream, read
 * with a read-only connection beside the running server. Access-log streams are left out: reads
 * and refusals are logged there, so they grow under any load.
 */
export function clinicalEventCounts(dataDir: string): Map<string, number> {
  const db = new Database(join(dataDir, 'events.db'), { readonly: true, fileMustExist: true });
  try {
    const rows = db
      .prepare('SELECT stream, COUNT(*) AS n FROM events WHERE substr(stream, 1, ?) = ? GROUP BY stream')
      .all(PZP_STREAM_PREFIX.length, PZP_STREAM_PREFIX) as { stream: string; n: number }[];
    return new Map(rows.map((r) => [r.stream, r.n]));
  } finally {
    db.close();
  }
}

/** What was written between two counts: new events, and how many streams (patients) are new. */
export function clinicalWrites(
  before: ReadonlyMap<string, number>,
  after: ReadonlyMap<string, number>,
): { events: number; newStreams: number; changedStreams: number } {
  let events = 0;
  let newStreams = 0;
  let changedStreams = 0;
  for (const [stream, n] of after) {
    const was = before.get(stream);
    if (was === undefined) newStreams++;
    else if (n !== was) changedStreams++;
    events += n - (was ?? 0);
  }
  return { events, newStreams, changedStreams };
}
