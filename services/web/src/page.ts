/**
 * The data the server hands the page before its script runs, and the launch's refusal page. Data
 * goes in as `<script type="application/json">`: a data block the browser never executes (the CSP's
 * `script-src 'self'` stays as it is), read by the app with JSON.parse.
 */

/** OIDC against the region's issuer: what the browser needs for Authorization Code + PKCE. */
export interface OidcOffer {
  readonly issuer: string;
  readonly clientId: string;
  readonly scope: string;
}

/** Which sign-in the page offers besides a host system's context launch. */
export interface SignInOffer {
  /** A development node: the token field and the persona picker (/dev). */
  readonly development: boolean;
  readonly oidc: OidcOffer | null;
}

/** What a host system's context launch gives the app: the caller's token and the patient in context. */
export interface LaunchContext {
  readonly token: string;
  readonly bsn?: string;
  readonly purpose: 'EMERGENCY' | 'TREATMENT';
}

/**
 * `value` as a JSON data block. `<`, `>` and `&` are written as \u escapes (still the same JSON), so no
 * string in it can close the element (`</script>`) or open a comment (`<!--`); U+2028/2029 likewise.
 */
export function inertJson(id: string, value: unknown): string {
  const json = JSON.stringify(value).replace(
    /[<>&\u2028\u2029]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
  return `<script type="application/json" id="${id}">${json}</script>`;
}

/** The page with `blocks` at the end of its head, before the app's script reads them. */
export function withData(html: string, blocks: readonly string[]): string {
  const at = html.indexOf('<script type="module"');
  if (at < 0) throw new Error('index.html has no module script');
  return `${html.slice(0, at)}${blocks.join('\n')}\n    ${html.slice(at)}`;
}

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** A short page in Dutch with the app's style and no script: a refused launch. */
export function messagePage(title: string, text: string): string {
  return `<!doctype html>
<html lang="nl">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <meta name="color-scheme" content="light dark" />
    <title>${escapeHtml(title)} – PZP-register</title>
    <link rel="stylesheet" href="/app.css" />
  </head>
  <body>
    <main>
      <section class="message message-error" role="alert" data-testid="launch-refused">
        <h1>${escapeHtml(title)}</h1>
        <p>${escapeHtml(text)}</p>
      </section>
    </main>
  </body>
</html>
`;
}
