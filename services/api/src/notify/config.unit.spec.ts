import { describe, expect, it } from 'vitest';
import { ConfigError, DEVELOPMENT_WEBHOOK_ALLOW, loadConfig } from '../config.js';

const PRODUCTION = {
  PZP_MODE: 'production',
  PZP_PSEUDONYM_SECRET: 'a-production-secret-of-at-least-32-chars',
  PZP_JWKS_FILE: '/etc/pzp/jwks.json',
  PZP_JWT_ISSUER: 'https://idp.example',
  PZP_JWT_AUDIENCE: 'pzp-registry',
  PZP_METRICS_PORT: '9464',
  PZP_KEY_ENCRYPTION_KEY: Buffer.alloc(32, 7).toString('base64'),
};

describe('webhook configuration', () => {
  it('allows loopback in development and nothing in production unless configured', () => {
    expect(loadConfig({}).webhookAllow).toBe(DEVELOPMENT_WEBHOOK_ALLOW);
    expect(loadConfig(PRODUCTION).webhookAllow).toBe('');
    expect(loadConfig({ ...PRODUCTION, PZP_WEBHOOK_ALLOW: '10.1.0.0/16' }).webhookAllow).toBe('10.1.0.0/16');
  });

  it('refuses a malformed allow-list entry, naming the variable', () => {
    expect(() => loadConfig({ PZP_WEBHOOK_ALLOW: '10.1.0.0/16,intranet' })).toThrow(/PZP_WEBHOOK_ALLOW/);
  });

  it('refuses a lease no longer than an attempt', () => {
    expect(() => loadConfig({ PZP_WEBHOOK_LEASE_MS: '5000', PZP_WEBHOOK_TIMEOUT_MS: '5000' })).toThrow(
      ConfigError,
    );
    expect(
      loadConfig({ PZP_WEBHOOK_LEASE_MS: '5001', PZP_WEBHOOK_TIMEOUT_MS: '5000' }).PZP_WEBHOOK_LEASE_MS,
    ).toBe(5001);
  });
});
