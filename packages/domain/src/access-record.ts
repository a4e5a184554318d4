import { z } from 'zod';
import { Stored } from './model.js';
import { Instant } from './time.js';

/**
 * NEN 7513 access record: one per read (or refused read) of a patient's record. Stored as events
 * in their own streams, so the audit trail is as durable and append-only as the record itself.
 * The patient appears only as their pseudonym.
 */
export const ACCESS_ACTIONS = [
  'READ_CURRENT',
  'READ_AS_OF',
  'READ_HISTORY',
  'READ_ACCESS_LOG',
  'READ_REVIEWS_DUE',
  'WRITE',
  // Break-the-glass review: an auditor's list and conclusion, the regiebehandelaar's list.
  'READ_BREAK_GLASS_ACCESSES',
  'REVIEW_BREAK_GLASS_ACCESS',
  'READ_BREAK_GLASS_NOTICES',
] as const;
export type AccessAction = (typeof ACCESS_ACTIONS)[number];

// Access records are stored: read with the rules they were written under (the door checks what comes in).
const { Actor, Id, Name, Text } = Stored;

export const ACCESS_PURPOSES = ['TREATMENT', 'EMERGENCY', 'BREAK_THE_GLASS', 'AUDIT'] as const;
export type AccessPurpose = (typeof ACCESS_PURPOSES)[number];

export const AccessRecorded = z.object({
  type: z.literal('PatientRecordAccessed'),
  data: z.object({
    accessId: z.uuid(),
    pseudonym: z.string().regex(/^[0-9a-f]{64}$/),
    at: Instant,
    action: z.enum(ACCESS_ACTIONS),
    user: Actor,
    /** The person a system acted for, when that is not the token's subject. */
    onBehalfOf: Name.optional(),
    clientSystem: Name,
    purpose: z.enum(ACCESS_PURPOSES),
    outcome: z.enum(['GRANTED', 'DENIED']),
    /** Why it was granted (CONSENT, OWN_GP_PRACTICE, ...) or denied (NO_CONSENT, ...). */
    basis: Id,
    breakGlassReason: Text.optional(),
    flagged: z.boolean(),
    /** The plan version shown; absent when nothing was shown. */
    planVersion: z.number().int().min(-1).optional(),
    requestId: Id.optional(),
  }),
});
export type AccessRecord = z.infer<typeof AccessRecorded>['data'];

export const ACCESS_LOG_EVENT_TYPE = 'PatientRecordAccessed';
export const ACCESS_LOG_STREAM_PREFIX = 'accesslog-';

/** Each API node appends its records to its own stream per day, so nodes never contend. */
export const accessLogStreamName = (nodeId: string, day: string): string =>
  `${ACCESS_LOG_STREAM_PREFIX}${day.replaceAll('-', '')}-${nodeId}`;

export const parseAccessRecord = (data: unknown): AccessRecord => AccessRecorded.shape.data.parse(data);
