import { createHash, createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { Bsn } from './bsn.js';
import { PZP_STREAM_PREFIX, pseudonymFor, pseudonymOfStream, streamNameFor } from './pseudonym.js';
import { bsns } from './testing/fixtures.js';

/** The patient's stream is named by an HMAC-SHA256 of the BSN under a deployment secret, never the BSN. */

const bsn = '111222333' as Bsn;
const SECRET = 'pzp-test-secret-0123456789abcdefghij';
const OTHER_SECRET = 'pzp-other-secret-9876543210zyxwvutsr';

describe('pseudonymFor', () => {
  it('is HMAC-SHA256 of the BSN under the secret (known answer, computed with openssl)', () => {
    // printf 111222333 | openssl dgst -sha256 -hmac 'pzp-test-secret-0123456789abcdefghij'
    expect(pseudonymFor(bsn, SECRET)).toBe(
      '0a8b2710a5aebd8da76c3f3368374b068a6b5243483229d6382aeb595b0cc2f4',
    );
    expect(pseudonymFor(bsn, SECRET)).toBe(createHmac('sha256', SECRET).update(bsn).digest('hex'));
  });

  it('is not a plain (unkeyed) hash of the BSN, which could be reversed by trying all 10^9', () => {
    expect(pseudonymFor(bsn, SECRET)).not.toBe(createHash('sha256').update(bsn).digest('hex'));
  });

  it('is deterministic for one secret', () => {
    expect(pseudonymFor(bsn, SECRET)).toBe(pseudonymFor(bsn, SECRET));
  });

  it('differs between secrets', () => {
    expect(pseudonymFor(bsn, OTHER_SECRET)).not.toBe(pseudonymFor(bsn, SECRET));
  });

  it('differs between patients', () => {
    const pseudonyms = new Set(bsns.map((b) => pseudonymFor(b as Bsn, SECRET)));
    expect(pseudonyms.size).toBe(bsns.length);
  });

  it('refuses a secret shorter than 32 characters and accepts one of exactly 32', () => {
    expect(() => pseudonymFor(bsn, 'short')).toThrow(/at least 32/);
    expect(() => pseudonymFor(bsn, 'x'.repeat(31))).toThrow(/at least 32/);
    expect(() => pseudonymFor(bsn, '')).toThrow(/at least 32/);
    expect(pseudonymFor(bsn, 'x'.repeat(32))).toMatch(/^[0-9a-f]{64}$/);
  });
});

describe('stream names', () => {
  it('are pzp- followed by the 64-hex pseudonym and never contain the BSN', () => {
    for (const b of bsns) {
      const name = streamNameFor(pseudonymFor(b as Bsn, SECRET));
      expect(name).toMatch(/^pzp-[0-9a-f]{64}$/);
      expect(name).not.toContain(b);
    }
  });

  it('give the pseudonym back, and nothing for other streams', () => {
    const pseudonym = pseudonymFor(bsn, SECRET);
    expect(pseudonymOfStream(streamNameFor(pseudonym))).toBe(pseudonym);
    expect(pseudonymOfStream(`accesslog-20260302-node1`)).toBeUndefined();
    expect(PZP_STREAM_PREFIX).toBe('pzp-');
  });
});
