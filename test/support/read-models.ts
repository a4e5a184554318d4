import { openReadModelDb, Projector, type ReadModelDb } from '@pzp/projections';
import type { EventStore } from '@pzp/event-store';

export type ReadModelDump = Record<string, unknown[]>;

/** Every row of every read-model table (checkpoints included), in a stable order. */
export function dumpReadModels(db: ReadModelDb): ReadModelDump {
  const tables = db
    .prepare<[], { name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
    .all()
    .map((t) => t.name);
  const dump: ReadModelDump = {};
  for (const table of tables) {
    const columns = db
      .prepare<[], { name: string }>(`SELECT name FROM pragma_table_info('${table}')`)
      .all()
      .map((c) => `"${c.name}"`);
    dump[table] = db.prepare(`SELECT * FROM "${table}" ORDER BY ${columns.join(', ')}`).all();
  }
  return dump;
}

/** Dumps the read-model file an API node left behind (the node must be stopped or killed). */
export function dumpReadModelFile(file: string): ReadModelDump {
  const db = openReadModelDb(file);
  try {
    return dumpReadModels(db);
  } finally {
    db.close();
  }
}

/** The read models a from-scratch rebuild of `store` produces, in a fresh file. */
export async function rebuiltFromScratch(store: EventStore, file: string): Promise<ReadModelDump> {
  const db = openReadModelDb(file);
  try {
    await new Projector(store, db).catchUp();
    return dumpReadModels(db);
  } finally {
    db.close();
  }
}
