/**
 * The screens of the app and the nav between them. The address holds only the screen's name
 * (`#tijdlijn`), never a BSN; a screen's BSN field is cleared when the screen is left.
 */
export const SCREENS = {
  spoed: 'Spoedoverzicht',
  gesprek: 'PZP-gesprek vastleggen',
  herbeoordelen: 'Herbeoordelen',
  tijdlijn: 'Tijdlijn',
} as const;
export type Screen = keyof typeof SCREENS;

const isScreen = (name: string): name is Screen => Object.hasOwn(SCREENS, name);

export interface ScreenHooks {
  /** Called when the screen is shown. */
  readonly enter?: () => void;
  /** Called when another screen is shown instead: forget the patient. */
  readonly leave?: () => void;
}

const hooks = new Map<Screen, ScreenHooks>();
let current: Screen | undefined;

export function registerScreen(screen: Screen, screenHooks: ScreenHooks) {
  hooks.set(screen, screenHooks);
}

export function currentScreen(): Screen | undefined {
  return current;
}

export function showScreen(screen: Screen) {
  if (current === screen) return;
  if (current) hooks.get(current)?.leave?.();
  current = screen;
  for (const name of Object.keys(SCREENS) as Screen[]) {
    document.getElementById(`screen-${name}`)!.hidden = name !== screen;
    const link = document.querySelector(`nav a[href="#${name}"]`);
    if (name === screen) link?.setAttribute('aria-current', 'page');
    else link?.removeAttribute('aria-current');
  }
  document.getElementById('screen-title')!.textContent = SCREENS[screen];
  document.title = `${SCREENS[screen]} – PZP-register`;
  hooks.get(screen)?.enter?.();
}

/** The screen the address names, else `fallback`. */
export function screenFromAddress(fallback: Screen): Screen {
  const name = location.hash.slice(1);
  return isScreen(name) ? name : fallback;
}

export function startNav() {
  window.addEventListener('hashchange', () => {
    const name = location.hash.slice(1);
    if (isScreen(name)) showScreen(name);
  });
}

/** Signing out or leaving the page: every screen forgets its patient. */
export function forgetAll() {
  for (const screenHooks of hooks.values()) screenHooks.leave?.();
  current = undefined;
}
