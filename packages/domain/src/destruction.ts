import { z } from 'zod';
import { DateTime } from 'luxon';
import { pseudonymOfStream } from './pseudonym.js';

/**
 * Lawful destruction of a patient's record (WGBO art. 7:455: at the patient's request; art.
 * 7:454: once the retention period has ended). The record is crypto-shredded: every personal
 * event body in the patient's stream is stored encrypted under the patient's own key, and the
 * destruction destroys that key. Only the event that records the destruction is stored in
 * plaintext, and it holds no personal data: the grounds and a reference, with who and when in
 * its envelope.
 */
export const DESTRUCTION_GROUNDS = ['PATIENT_REQUEST', 'RETENTION_PERIOD_ENDED'] as const;
export type DestructionGround = (typeof DESTRUCTION_GROUNDS)[number];

/** WGBO art. 7:454 lid 3: twenty years from the last change, unless longer care requires more. */
export const RETENTION_YEARS = 20;

/**
 * The destruction's reference in the requester's own file (a request number): an identifier, not
 * free text, because the plaintext event outlives the record and must not carry a name.
 */
export const DestructionReference = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._/-]{0,63}$/, 'A reference is 1-64 letters, digits and . _ / -');

export const RECORD_DESTROYED = 'RecordDestroyed';

/** Whether an event of a stream holds personal data, to be stored encrypted under the patient's key. */
export const isPersonalEvent = (streamName: string, type: string): boolean =>
  pseudonymOfStream(streamName) !== undefined && type !== RECORD_DESTROYED;

/** Whether an event records the lawful destruction of its patient stream (the key goes with it). */
export const isDestructionEvent = (streamName: string, type: string): boolean =>
  pseudonymOfStream(streamName) !== undefined && type === RECORD_DESTROYED;

/** Whether the retention period after the last change (an instant) has ended at `now`. */
export const retentionEnded = (lastChangedAt: string, now: string): boolean =>
  DateTime.fromISO(lastChangedAt).plus({ years: RETENTION_YEARS }) <= DateTime.fromISO(now);
