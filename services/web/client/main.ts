/**
 * The app's entry: sign-in, the nav, and screen 1, the Spoedoverzicht (BSN in, the plan out). The
 * token comes from a host system's context launch, an OIDC sign-in, or (development) a pasted token
 * or a persona; it stays in sessionStorage (gone with the tab, never in a URL or localStorage). The
 * BSN lives only in the field and in memory, never in the address or the title.
 */
import { visibleLength } from '@pzp/domain/free-text';
import { ApiError, fetchMe, fetchPlan, type Lookup, type Me } from './api.js';
import { mountConversation } from './conversation.js';
import { normalizeBsn, showBsnState as markBsn, type BsnState } from './bsn.js';
import { h } from './dom.js';
import { isPhysicianProfession, professionLabel } from './labels.js';
import { forgetAll, registerScreen, screenFromAddress, showScreen, startNav } from './nav.js';
import { finishOidcSignIn, startOidcSignIn } from './oidc.js';
import { planView } from './plan-view.js';
import { mountReviews } from './reviews.js';
import { signInOffer, takeLaunch, type LaunchContext } from './page-data.js';
import { TOKEN_KEY, onTokenExpired, savedToken } from './session.js';
import { mountTimeline } from './timeline.js';

/** The door's rule: a stated reason of at least this many visible characters. */
const MIN_REASON = 10;

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

const tokenForm = $<HTMLFormElement>('token-form');
const tokenInput = $<HTMLInputElement>('token');
const tokenError = $<HTMLElement>('token-error');
const signInSection = $<HTMLElement>('sign-in');
const launchHint = $<HTMLElement>('launch-hint');
const oidcButton = $<HTMLButtonElement>('oidc-sign-in');
const signInError = $<HTMLElement>('sign-in-error');
/** Development offers the token field and the personas; production a context launch or OIDC. */
const offer = signInOffer();
const caller = $<HTMLElement>('caller');
const callerName = $<HTMLElement>('caller-name');
const nav = $<HTMLElement>('nav');
const screens = $<HTMLElement>('screens');
const lookupForm = $<HTMLFormElement>('lookup');
const bsnInput = $<HTMLInputElement>('bsn');
const bsnHint = $<HTMLElement>('bsn-hint');
const purposeSelect = $<HTMLSelectElement>('purpose');
const searchButton = $<HTMLButtonElement>('search');
const printButton = $<HTMLButtonElement>('print');
const result = $<HTMLElement>('result');

let me: Me | undefined;

function showBsnState(): BsnState {
  const state = markBsn(bsnInput, bsnHint);
  searchButton.disabled = state !== 'valid' || !me;
  return state;
}

function show(...nodes: Node[]) {
  result.replaceChildren(...nodes);
  printButton.hidden = !result.querySelector('[data-testid="plan"]');
}

function message(kind: 'empty' | 'error' | 'busy', title: string, ...lines: string[]) {
  show(
    h(
      'section',
      {
        class: `message message-${kind}`,
        'data-testid': `message-${kind}`,
        role: kind === 'error' ? 'alert' : 'status',
      },
      h('h2', {}, title),
      ...lines.map((line) => h('p', {}, line)),
    ),
  );
}

function breakGlassForm(bsn: string): HTMLElement {
  const reason = h('textarea', {
    id: 'reason',
    name: 'reason',
    rows: '2',
    required: '',
    'aria-describedby': 'reason-hint',
  });
  const hint = h('p', { id: 'reason-hint', class: 'hint' }, `Minstens ${MIN_REASON} tekens`);
  const button = h('button', { type: 'submit', class: 'danger', disabled: '' }, 'Toegang doorbreken');
  reason.addEventListener('input', () => {
    const n = visibleLength(reason.value);
    hint.textContent = n >= MIN_REASON ? 'Reden voldoende' : `Minstens ${MIN_REASON} tekens (nu ${n})`;
    button.disabled = n < MIN_REASON;
  });
  const form = h(
    'form',
    { class: 'break-glass', 'data-testid': 'break-glass' },
    h('label', { for: 'reason' }, 'Reden (verplicht, wordt vastgelegd)'),
    reason,
    hint,
    button,
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    if (visibleLength(reason.value) < MIN_REASON) return;
    void lookup({ bsn, purpose: 'BREAK_THE_GLASS', breakGlassReason: reason.value });
  });
  return form;
}

function refusal(error: ApiError, bsn: string) {
  if (error.reason === 'NO_CONSENT') {
    const physician = me !== undefined && isPhysicianProfession(me.profession);
    show(
      h(
        'section',
        { class: 'message message-refused', role: 'alert', 'data-testid': 'message-refused' },
        h('h2', {}, 'Geen toestemming vastgelegd'),
        h(
          'p',
          {},
          'De patiënt heeft geen toestemming gegeven om het plan te delen met uw soort organisatie.',
        ),
        physician
          ? h(
              'p',
              {},
              'In een spoedsituatie mag u als arts de toegang doorbreken. Uw naam, de tijd en de reden worden vastgelegd en de inzage wordt gecontroleerd.',
            )
          : h('p', {}, 'Alleen een arts kan in een spoedsituatie de toegang doorbreken.'),
        physician ? breakGlassForm(bsn) : null,
      ),
    );
    return;
  }
  const reasons: Readonly<Record<string, string>> = {
    CONSENT_REFUSED:
      'De patiënt heeft geweigerd het plan met uw soort organisatie te delen. Ook doorbreken van de toegang is niet toegestaan.',
    BREAK_GLASS_PHYSICIANS_ONLY: 'Alleen een arts kan de toegang doorbreken.',
    BREAK_GLASS_REASON_REQUIRED: `Geef een reden van minstens ${MIN_REASON} tekens.`,
    NOT_A_CARE_PROFESSIONAL: 'Alleen zorgverleners van een zorgorganisatie kunnen het plan inzien.',
  };
  message('error', 'Geen toegang', reasons[error.reason ?? ''] ?? error.message);
}

async function lookup(request: Lookup) {
  const token = savedToken();
  if (!token) return;
  message('busy', 'Bezig met ophalen…');
  try {
    const record = await fetchPlan(token, request);
    if (record === null) {
      message(
        'empty',
        'Geen plan in het register',
        'Voor dit BSN is geen proactieve zorgplanning vastgelegd.',
        'Dat is geen toestemming en geen weigering van een behandeling.',
      );
    } else show(planView(record));
  } catch (error) {
    if (!(error instanceof ApiError)) throw error;
    if (error.code === 'FORBIDDEN') refusal(error, request.bsn);
    else if (error.code === 'UNAUTHENTICATED') {
      signOut(EXPIRED);
    } else
      message('error', 'Fout bij ophalen', error.message, 'Het plan is niet getoond. Probeer het opnieuw.');
  }
}

const EXPIRED = offer.development
  ? 'Het token is ongeldig of verlopen. Plak een nieuw token.'
  : 'Uw aanmelding is ongeldig of verlopen. Open het PZP-register opnieuw vanuit uw systeem of meld u opnieuw aan.';

function signedIn(identity: Me) {
  me = identity;
  tokenForm.hidden = true;
  personaForm.hidden = true;
  signInSection.hidden = true;
  caller.hidden = false;
  callerName.textContent = `${identity.name}, ${professionLabel(identity.profession)}, ${identity.organization.name}`;
  nav.hidden = false;
  screens.hidden = false;
  // An auditor's work is the timeline; everyone else starts at the emergency view.
  showScreen(screenFromAddress(identity.organization.type === 'AUDIT' ? 'tijdlijn' : 'spoed'));
}

function clearLookup() {
  bsnInput.value = '';
  result.replaceChildren();
  printButton.hidden = true;
  showBsnState();
}

/** Opens a patient's plan here from another screen (reviews due): planned care, not an emergency. */
function openPlan(bsn: string) {
  showScreen('spoed');
  bsnInput.value = bsn;
  purposeSelect.value = 'TREATMENT';
  showBsnState();
  void lookup({ bsn, purpose: 'TREATMENT' });
}

/** A host system's launch with a patient in context: that patient's plan at once, for its purpose. */
function openLaunched({ bsn, purpose }: LaunchContext) {
  if (bsn === undefined) return;
  showScreen('spoed');
  bsnInput.value = bsn;
  purposeSelect.value = purpose;
  // A BSN that fails the 11-check is shown as such in its field, and not looked up.
  if (showBsnState() === 'valid') void lookup({ bsn: normalizeBsn(bsn), purpose });
  else bsnInput.focus();
}

function signOut(reason = '') {
  sessionStorage.removeItem(TOKEN_KEY);
  me = undefined;
  forgetAll();
  caller.hidden = true;
  nav.hidden = true;
  screens.hidden = true;
  signInSection.hidden = offer.development && offer.oidc === null;
  launchHint.hidden = offer.development;
  oidcButton.hidden = offer.oidc === null;
  signInError.textContent = offer.development ? '' : reason;
  if (offer.development) {
    tokenForm.hidden = false;
    void offerPersonas();
    tokenError.textContent = reason;
    tokenInput.focus();
  } else if (offer.oidc) oidcButton.focus();
}

async function signIn(token: string, launch?: LaunchContext) {
  try {
    const identity = await fetchMe(token);
    sessionStorage.setItem(TOKEN_KEY, token);
    tokenInput.value = '';
    signedIn(identity);
    if (launch) openLaunched(launch);
  } catch (error) {
    if (!(error instanceof ApiError)) throw error;
    signOut(
      error.code === 'UNAUTHENTICATED'
        ? 'Het token is ongeldig of verlopen.'
        : `Aanmelden mislukt: ${error.message}`,
    );
  }
}

/**
 * Development sign-in: a development node offers its personas at /dev (a production node has no
 * such route, and the form stays hidden). The token it gives is handled like a pasted one.
 */
const personaForm = $<HTMLFormElement>('persona-form');
const personaSelect = $<HTMLSelectElement>('persona');
async function offerPersonas() {
  const response = await fetch('/dev/personas').catch(() => undefined);
  if (!response?.ok) return;
  const personas = (await response.json()) as {
    persona: string;
    name: string;
    profession: string;
    organization: string;
  }[];
  personaSelect.replaceChildren(
    ...personas.map((p) => {
      const option = document.createElement('option');
      option.value = p.persona;
      option.textContent = `${p.name}, ${p.profession}, ${p.organization}`;
      return option;
    }),
  );
  // Only while signed out: the answer may come after a saved token signed in.
  personaForm.hidden = tokenForm.hidden;
}
personaForm.addEventListener('submit', (event) => {
  event.preventDefault();
  void (async () => {
    const response = await fetch('/dev/token', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ persona: personaSelect.value }),
    });
    if (!response.ok) return signOut('Aanmelden als persona mislukt.');
    const { token } = (await response.json()) as { token: string };
    await signIn(token);
  })();
});

tokenForm.addEventListener('submit', (event) => {
  event.preventDefault();
  const token = tokenInput.value.trim();
  if (token) void signIn(token);
});
$('sign-out').addEventListener('click', () => signOut());
bsnInput.addEventListener('input', showBsnState);
lookupForm.addEventListener('submit', (event) => {
  event.preventDefault();
  if (showBsnState() !== 'valid') {
    bsnInput.focus();
    return;
  }
  const purpose = purposeSelect.value === 'TREATMENT' ? 'TREATMENT' : 'EMERGENCY';
  void lookup({ bsn: normalizeBsn(bsnInput.value), purpose });
});
printButton.addEventListener('click', () => window.print());
// The BSN does not outlive the screen: cleared when the page is left or restored from the cache.
window.addEventListener('pagehide', forgetAll);

registerScreen('spoed', {
  enter: () => {
    showBsnState();
    bsnInput.focus();
  },
  leave: clearLookup,
});
mountReviews(openPlan);
mountConversation(openPlan);
mountTimeline();
onTokenExpired((reason) => signOut(reason));
startNav();

const OIDC_FAILED = 'Aanmelden is mislukt. Probeer het opnieuw.';
oidcButton.addEventListener('click', () => {
  if (!offer.oidc) return;
  oidcButton.disabled = true;
  startOidcSignIn(offer.oidc).catch(() => {
    oidcButton.disabled = false;
    signOut(OIDC_FAILED);
  });
});

async function start() {
  const launch = takeLaunch();
  if (launch) {
    // The page came from the launch's POST: a reload must not post the form again, and the history
    // entry is the app's own address. The token is kept like any other, in this tab only.
    history.replaceState(null, '', '/');
    sessionStorage.setItem(TOKEN_KEY, launch.token);
  } else if (offer.oidc) {
    try {
      const token = await finishOidcSignIn(offer.oidc);
      if (token) sessionStorage.setItem(TOKEN_KEY, token);
    } catch {
      signOut(OIDC_FAILED);
      return;
    }
  }
  const saved = savedToken();
  if (saved) await signIn(saved, launch);
  else signOut();
}
void start();
