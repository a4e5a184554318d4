import { createHmac } from 'node:crypto';
import type { Bsn } from './bsn.js';

/**
 * The patient's pseudonym: HMAC-SHA256 of the BSN under a deployment secret. Without the secret
 * the BSN cannot be recovered by hashing all 10^9 candidates, which a plain hash would allow.
 * Stream names, index keys and logs use only this.
 */
export function pseudonymFor(bsn: Bsn, secret: string): string {
  if (secret.length < 32) throw new Error('The pseudonym secret must be at least 32 characters');
  return createHmac('sha256', secret).update(bsn, 'utf8').digest('hex');
}

export const PZP_STREAM_PREFIX = 'pzp-';

export const streamNameFor = (pseudonym: string): string => `${PZP_STREAM_PREFIX}${pseudonym}`;

export const pseudonymOfStream = (streamName: string): string | undefined =>
  streamName.startsWith(PZP_STREAM_PREFIX) ? streamName.slice(PZP_STREAM_PREFIX.length) : undefined;
