import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../config.js';

/** The web app's sign-in settings (config.ts): launch origins and OIDC. */
describe('web sign-in configuration', () => {
  it('reads the host systems allowed to launch the app as a list of origins, none by default', () => {
    expect(loadConfig({}).PZP_LAUNCH_ORIGINS).toEqual([]);
    expect(
      loadConfig({ PZP_LAUNCH_ORIGINS: 'https://his.example.nl, https://hap.example.nl:8443' })
        .PZP_LAUNCH_ORIGINS,
    ).toEqual(['https://his.example.nl', 'https://hap.example.nl:8443']);
  });

  it.each(['https://his.example.nl/', 'https://his.example.nl/launch', 'his.example.nl', 'null'])(
    'refuses %s as a launch origin',
    (origin) => {
      expect(() => loadConfig({ PZP_LAUNCH_ORIGINS: origin })).toThrow(/PZP_LAUNCH_ORIGINS/);
    },
  );

  it('takes OIDC only with both the issuer and the client id, the scope defaulting to openid', () => {
    const config = loadConfig({ PZP_OIDC_ISSUER: 'https://idp.example.nl', PZP_OIDC_CLIENT_ID: 'pzp-web' });
    expect(config.PZP_OIDC_SCOPE).toBe('openid');
    expect(() => loadConfig({ PZP_OIDC_ISSUER: 'https://idp.example.nl' })).toThrow(
      new ConfigError('PZP_OIDC_ISSUER and PZP_OIDC_CLIENT_ID go together'),
    );
    expect(() => loadConfig({ PZP_OIDC_CLIENT_ID: 'pzp-web' })).toThrow(ConfigError);
  });
});
