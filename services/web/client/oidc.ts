/**
 * OIDC sign-in against the region's issuer: Authorization Code with PKCE, the app a public client
 * (oauth4webapi does the protocol). The code verifier and state live in this tab's sessionStorage
 * for the one round trip; the code and state in the address are removed before anything else
 * happens; the access token (for this API's audience) is kept like any other token.
 */
import * as oauth from 'oauth4webapi';
import type { SignInOffer } from './page-data.js';

type Oidc = NonNullable<SignInOffer['oidc']>;

/** The round trip in progress: what the answer must match. */
const PENDING_KEY = 'pzp.oidc';

/** The app's own address: the issuer sends the user back here. */
const redirectUri = () => `${location.origin}/`;

/** Plain http only for an issuer on this machine (development and tests); anything else needs TLS. */
function insecureAllowed(issuer: URL): boolean {
  return issuer.protocol === 'http:' && ['127.0.0.1', 'localhost', '[::1]'].includes(issuer.hostname);
}

async function discover(oidc: Oidc) {
  const issuer = new URL(oidc.issuer);
  const options = { algorithm: 'oidc' as const, [oauth.allowInsecureRequests]: insecureAllowed(issuer) };
  const as = await oauth.processDiscoveryResponse(issuer, await oauth.discoveryRequest(issuer, options));
  return { as, client: { client_id: oidc.clientId }, options };
}

/** Sends the browser to the issuer's sign-in. */
export async function startOidcSignIn(oidc: Oidc): Promise<void> {
  const { as } = await discover(oidc);
  if (!as.authorization_endpoint) throw new Error('The issuer names no authorization endpoint');
  const codeVerifier = oauth.generateRandomCodeVerifier();
  const state = oauth.generateRandomState();
  sessionStorage.setItem(PENDING_KEY, JSON.stringify({ codeVerifier, state }));
  const url = new URL(as.authorization_endpoint);
  url.searchParams.set('client_id', oidc.clientId);
  url.searchParams.set('redirect_uri', redirectUri());
  url.searchParams.set('response_type', 'code');
  url.searchParams.set('scope', oidc.scope);
  url.searchParams.set('code_challenge', await oauth.calculatePKCECodeChallenge(codeVerifier));
  url.searchParams.set('code_challenge_method', 'S256');
  url.searchParams.set('state', state);
  location.assign(url);
}

/**
 * The issuer's answer, when the address holds one: the address is cleaned at once (a reload,
 * a bookmark or the history never sees the code), then the code is exchanged for the access token.
 * Undefined when this page load is not such an answer.
 */
export async function finishOidcSignIn(oidc: Oidc): Promise<string | undefined> {
  const answer = new URL(location.href);
  const params = answer.searchParams;
  if (!params.has('state') || (!params.has('code') && !params.has('error'))) return undefined;
  history.replaceState(null, '', '/');
  const pending = sessionStorage.getItem(PENDING_KEY);
  sessionStorage.removeItem(PENDING_KEY);
  if (!pending) throw new Error('Geen aanmelding gestart in dit tabblad');
  const { codeVerifier, state } = JSON.parse(pending) as { codeVerifier: string; state: string };
  const { as, client, options } = await discover(oidc);
  const callback = oauth.validateAuthResponse(as, client, params, state);
  const response = await oauth.authorizationCodeGrantRequest(
    as,
    client,
    oauth.None(),
    callback,
    redirectUri(),
    codeVerifier,
    options,
  );
  const result = await oauth.processAuthorizationCodeResponse(as, client, response);
  return result.access_token;
}
