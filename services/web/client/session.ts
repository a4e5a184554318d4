/** The caller's token, kept in the tab's sessionStorage only (gone with the tab, never in a URL). */
export const TOKEN_KEY = 'pzp.token';

export const savedToken = (): string | null => sessionStorage.getItem(TOKEN_KEY);

let expired: (reason: string) => void = () => undefined;

/** What a screen calls when the registry says the token is no longer valid. */
export const tokenExpired = (reason: string) => expired(reason);
export function onTokenExpired(handler: (reason: string) => void) {
  expired = handler;
}
