import type { PlanRecord } from '@pzp/access';
import type { RecordModel } from '../models.js';
import { toRecord } from './record.js';

/**
 * A record from the door as the API shows it. The door hands out the view without the warnings
 * that depend on the date; they are judged here, once, at the instant the record reflects (now,
 * or the instant an as-of query asked for).
 */
export const shown = (r: PlanRecord): RecordModel =>
  toRecord(r.pseudonym, r.version, r.view, r.asOf, r.accessFlagged);
