import type { PatientRecords } from '@pzp/access';
import type { Actor } from '@pzp/domain';
import type { NoticeRecords } from '../notify/records.js';

/**
 * Everything a resolver may use: the verified caller and that caller's records, already scoped by
 * the access door. There is no store, read model or projector here: patient data comes only
 * through `records`, which applies the access policy and writes the access log.
 */
export interface RequestContext {
  readonly principal: { readonly actor: Actor; readonly clientSystem: string; readonly subject: string };
  readonly requestId: string;
  readonly records: PatientRecords;
  /** Webhook endpoints, dead letters and the notice audit; absent where the node serves no notices. */
  readonly notices?: NoticeRecords;
}
