import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { actorClaims } from '@pzp/api/auth';
import { personaActor } from '@pzp/api/personas';
import { generateKeyPairSync, type JsonWebKey } from 'node:crypto';
import Provider, { type KoaContextWithOIDC } from 'oidc-provider';

/** The registry as a resource server at the issuer: tokens for it carry this audience. */
export const REGISTRY_RESOURCE = 'https://pzp-register.example/api';
export const WEB_CLIENT_ID = 'pzp-webapp';
export const WEB_SCOPE = 'openid pzp';

export interface OidcIssuer {
  readonly issuer: string;
  /** Starts answering, with the web app at `webOrigin` as its client (known once the registry runs). */
  serveFor(webOrigin: string): void;
  /** The issuer's signing key (RS256). */
  readonly privateJwk: JsonWebKey;
  close(): Promise<void>;
}

/**
 * A real OpenID provider (panva's oidc-provider) on a free port, as a region's identity provider:
 * its own sign-in page (devInteractions: the user name is the persona), a public client for the web
 * app with PKCE, and JWT access tokens for the registry (resource indicators) carrying the pzp
 * claims of the persona who signed in.
 */
export async function listenOidcIssuer(): Promise<OidcIssuer> {
  const server: Server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const privateJwk = {
    ...privateKey.export({ format: 'jwk' }),
    kid: 'region-idp-1',
    alg: 'RS256',
    use: 'sig',
  };

  const serveFor = (webOrigin: string) => {
    const provider = new Provider(issuer, {
      clients: [
        {
          client_id: WEB_CLIENT_ID,
          token_endpoint_auth_method: 'none',
          redirect_uris: [`${webOrigin}/`],
          grant_types: ['authorization_code'],
          response_types: ['code'],
        },
      ],
      jwks: { keys: [privateJwk] },
      pkce: { methods: ['S256'], required: () => true },
      scopes: ['openid'],
      ttl: {
        AccessToken: 600,
        AuthorizationCode: 60,
        IdToken: 600,
        Interaction: 600,
        Session: 600,
        Grant: 600,
      },
      findAccount: (_ctx, sub) => ({ accountId: sub, claims: () => ({ sub }) }),
      // The web app is the region's own first-party client: no consent screen, only the sign-in.
      loadExistingGrant: async (ctx: KoaContextWithOIDC) => {
        const { oidc } = ctx;
        const grantId = oidc.result?.consent?.grantId ?? oidc.session!.grantIdFor(oidc.client!.clientId);
        if (grantId) return oidc.provider.Grant.find(grantId);
        const grant = new oidc.provider.Grant({
          clientId: oidc.client!.clientId,
          accountId: oidc.session!.accountId!,
        });
        grant.addOIDCScope('openid');
        grant.addResourceScope(REGISTRY_RESOURCE, 'pzp');
        await grant.save();
        return grant;
      },
      clientBasedCORS: (_ctx, origin) => origin === webOrigin,
      features: {
        devInteractions: { enabled: true },
        resourceIndicators: {
          enabled: true,
          defaultResource: () => REGISTRY_RESOURCE,
          useGrantedResource: () => true,
          getResourceServerInfo: () => ({
            scope: 'pzp',
            audience: REGISTRY_RESOURCE,
            accessTokenFormat: 'jwt',
            accessTokenTTL: 600,
            jwt: { sign: { alg: 'RS256' } },
          }),
        },
      },
      // The person and organisation the registry reads from the token (claims.ts), by persona name.
      extraTokenClaims: (_ctx, token) =>
        'accountId' in token
          ? { ...actorClaims(personaActor(token.accountId), 'PZP webapp (OIDC)') }
          : undefined,
    });
    server.on('request', provider.callback());
  };
  return {
    issuer,
    serveFor,
    privateJwk,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
