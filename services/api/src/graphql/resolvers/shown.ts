import type { PlanRecord } from '@pzp/access';
import { withTimeWarnings } from '@pzp/domain';
import { amsterdamDateAt } from '../amsterdam.js';
import type { RecordModel } from '../models.js';

/**
 * A record from the door as the API shows it. The door hands out the view without the warnings
 * that depend on the date; they are judged here, once, at the instant the record reflects (now,
 * or the instant an as-of query asked for), in Amsterdam.
 */
export const shown = (r: PlanRecord): RecordModel => ({
  ...withTimeWarnings(r.view, amsterdamDateAt(r.asOf)),
  pseudonym: r.pseudonym,
  version: r.version,
  asOf: r.asOf.toISOString(),
  accessFlagged: r.accessFlagged,
});
