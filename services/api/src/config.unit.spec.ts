import { describe, expect, it } from 'vitest';
import { ConfigError, insecureEventStoreSettings, loadConfig } from './config.js';

const PRODUCTION = {
  PZP_MODE: 'production',
  PZP_PSEUDONYM_SECRET: 'a-production-secret-of-at-least-32-chars',
  PZP_JWKS_FILE: '/etc/pzp/jwks.json',
  PZP_JWT_ISSUER: 'https://idp.example',
  PZP_JWT_AUDIENCE: 'pzp-registry',
  PZP_METRICS_PORT: '9464',
  PZP_KEY_ENCRYPTION_KEY: Buffer.alloc(32, 7).toString('base64'),
};

describe('production refuses an event store connection without transport security', () => {
  it.each([
    ['esdb://node1:2113?tls=false', 'tls=false'],
    ['esdb://node1:2113?tlsVerifyCert=false', 'tlsVerifyCert=false'],
    ['esdb+discover://cluster:2113?TLS=False&keepAliveInterval=10000', 'tls=false'],
    ['esdb://a:2113,b:2113?tlsverifycert=FALSE&tls=false', 'tlsVerifyCert=false and tls=false'],
  ])('%s', (connection, named) => {
    expect(() => loadConfig({ ...PRODUCTION, EVENTSTORE_CONNECTION_STRING: connection })).toThrow(
      new ConfigError(
        `Production mode refuses an EventStoreDB connection with ${named}: use TLS with certificate verification (or set PZP_EVENTSTORE_ALLOW_INSECURE=true where the network is trusted)`,
      ),
    );
  });

  it('accepts TLS (the client default, or said explicitly), and the embedded store', () => {
    for (const connection of [
      'esdb://node1:2113',
      'esdb://node1:2113?tls=true&tlsVerifyCert=true',
      undefined,
    ]) {
      const env = connection ? { ...PRODUCTION, EVENTSTORE_CONNECTION_STRING: connection } : PRODUCTION;
      expect(loadConfig(env).PZP_EVENTSTORE_ALLOW_INSECURE).toBe(false);
    }
  });

  it('accepts the insecure settings only with the explicit override', () => {
    const config = loadConfig({
      ...PRODUCTION,
      EVENTSTORE_CONNECTION_STRING: 'esdb://localhost:2113?tls=false',
      PZP_EVENTSTORE_ALLOW_INSECURE: 'true',
    });
    expect(config.PZP_EVENTSTORE_ALLOW_INSECURE).toBe(true);
    expect(() =>
      loadConfig({
        ...PRODUCTION,
        EVENTSTORE_CONNECTION_STRING: 'esdb://x:2113',
        PZP_EVENTSTORE_ALLOW_INSECURE: 'yes',
      }),
    ).toThrow(ConfigError);
  });

  it('leaves development alone (a local EventStoreDB without TLS is normal there)', () => {
    expect(() =>
      loadConfig({ EVENTSTORE_CONNECTION_STRING: 'esdb://localhost:2113?tls=false' }),
    ).not.toThrow();
  });

  it('reads only the settings, case-insensitively', () => {
    expect(insecureEventStoreSettings('esdb://h:2113?tlsCaFile=/x/tls=false')).toEqual([]);
    expect(insecureEventStoreSettings('esdb://h:2113?Tls=false')).toEqual(['tls=false']);
  });
});

describe('/metrics is not public in production', () => {
  const { PZP_METRICS_PORT: _port, ...withoutMetrics } = PRODUCTION;

  it('refuses production with neither a metrics port nor a metrics token', () => {
    expect(() => loadConfig(withoutMetrics)).toThrow(
      new ConfigError(
        'Production mode needs PZP_METRICS_PORT (a port for /metrics only) or PZP_METRICS_TOKEN (a bearer token for /metrics)',
      ),
    );
  });

  it('accepts a separate port, or a token of at least 32 characters', () => {
    expect(loadConfig(PRODUCTION).PZP_METRICS_PORT).toBe(9464);
    const token = 'a-metrics-token-of-at-least-32-chars';
    expect(loadConfig({ ...withoutMetrics, PZP_METRICS_TOKEN: token }).PZP_METRICS_TOKEN).toBe(token);
    expect(() => loadConfig({ ...withoutMetrics, PZP_METRICS_TOKEN: 'short' })).toThrow(ConfigError);
  });

  it('refuses a metrics port equal to PORT', () => {
    expect(() => loadConfig({ ...PRODUCTION, PORT: '9464' })).toThrow(
      new ConfigError('PZP_METRICS_PORT must differ from PORT'),
    );
  });

  it('development serves /metrics on PORT without either', () => {
    const config = loadConfig({});
    expect(config.PZP_METRICS_PORT).toBeUndefined();
    expect(config.PZP_METRICS_TOKEN).toBeUndefined();
  });
});

describe('the key-encryption key (lawful destruction)', () => {
  const { PZP_KEY_ENCRYPTION_KEY: _kek, ...withoutKek } = PRODUCTION;

  it('production refuses to start without one', () => {
    expect(() => loadConfig(withoutKek)).toThrow(
      new ConfigError('Production mode needs PZP_KEY_ENCRYPTION_KEY'),
    );
  });

  it('must be the base64 of exactly 32 bytes', () => {
    for (const bad of ['not base64!', Buffer.alloc(16, 1).toString('base64')]) {
      expect(() => loadConfig({ ...PRODUCTION, PZP_KEY_ENCRYPTION_KEY: bad })).toThrow(
        /PZP_KEY_ENCRYPTION_KEY/,
      );
    }
  });

  it('the key store lives in the data dir unless PZP_KEY_STORE_DIR says otherwise', () => {
    expect(loadConfig({ PZP_DATA_DIR: '/srv/pzp' }).keyStoreDir).toBe('/srv/pzp');
    expect(loadConfig({ PZP_DATA_DIR: '/srv/pzp', PZP_KEY_STORE_DIR: '/keys' }).keyStoreDir).toBe('/keys');
  });
});
