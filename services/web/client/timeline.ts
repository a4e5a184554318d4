/**
 * Tijdlijn (auditor): for one BSN, every change oldest first, the plan exactly as the registry held
 * it at a chosen instant (a slider over the changes, or a free date-time), and who looked, side by
 * side. The BSN stays in the field and in memory only.
 */
import { DateTime } from 'luxon';
import { ApiError } from './api.js';
import { fetchAccessLog, fetchHistory, fetchPlanAsOf, type Access, type Change } from './api-timeline.js';
import { normalizeBsn, showBsnState } from './bsn.js';
import { h } from './dom.js';
import { ZONE, professionLabel } from './labels.js';
import { registerScreen } from './nav.js';
import { planView } from './plan-view.js';
import { savedToken, tokenExpired } from './session.js';
import {
  actionLabel,
  basisLabel,
  changeText,
  itemText,
  purposeLabel,
  sectionLabel,
} from './timeline-labels.js';

const form = document.getElementById('timeline-form') as HTMLFormElement;
const bsnInput = document.getElementById('timeline-bsn') as HTMLInputElement;
const bsnHint = document.getElementById('timeline-bsn-hint') as HTMLElement;
const searchButton = document.getElementById('timeline-search') as HTMLButtonElement;
const output = document.getElementById('timeline-result') as HTMLElement;

/** To the second and millisecond: two changes of one conversation can lie milliseconds apart. */
const precise = (instant: string): string =>
  DateTime.fromISO(instant, { setZone: true }).setZone(ZONE).toFormat('dd-MM-yyyy HH:mm:ss.SSS');

/** The value of a datetime-local field for an instant, on the Amsterdam wall clock. */
const localValue = (instant: string): string =>
  DateTime.fromISO(instant, { setZone: true }).setZone(ZONE).toFormat("yyyy-MM-dd'T'HH:mm:ss.SSS");

const actor = (a: Change['recordedBy']): string =>
  `${a.name} (${professionLabel(a.profession)}, ${a.organization.name})`;

function note(kind: 'empty' | 'error' | 'busy', title: string, text?: string) {
  return h(
    'section',
    {
      class: `message message-${kind}`,
      'data-testid': `timeline-${kind}`,
      role: kind === 'error' ? 'alert' : 'status',
    },
    h('h2', {}, title),
    text ? h('p', {}, text) : null,
  );
}

function changeItem(change: Change): HTMLElement {
  return h(
    'li',
    { class: change.enteredInError ? 'change in-error' : 'change', 'data-testid': 'change' },
    h(
      'p',
      { class: 'change-head' },
      h('strong', {}, `Versie ${change.version}`),
      ` ${precise(change.recordedAt)}, ${actor(change.recordedBy)}`,
    ),
    change.enteredInError
      ? h('p', { class: 'badge pending' }, 'Ingevoerd in fout: later gecorrigeerd, geldt niet meer')
      : null,
    h('p', { class: 'change-kind' }, changeText(change.type, change.summary)),
    change.reason ? h('p', {}, `Reden: ${change.reason}`) : null,
    h(
      'ul',
      { class: 'item-changes' },
      ...change.changes.map((c) =>
        h(
          'li',
          {},
          h('span', { class: 'section' }, `${sectionLabel(c.section)}${c.key ? ` ${c.key}` : ''}: `),
          h('span', { class: 'before' }, `vóór: ${itemText(c.before)}`),
          ' → ',
          h('span', { class: 'after' }, `na: ${itemText(c.after)}`),
        ),
      ),
    ),
  );
}

function accessItem(entry: Access): HTMLElement {
  const granted = entry.outcome === 'GRANTED';
  const from = [entry.user.organization.name, `systeem ${entry.clientSystem}`];
  if (entry.onBehalfOf) from.push(`namens ${entry.onBehalfOf}`);
  return h(
    'li',
    { class: `access ${granted ? 'granted' : 'denied'}`, 'data-testid': 'access' },
    h(
      'p',
      { class: 'change-head' },
      h('strong', {}, granted ? 'Toegestaan' : 'Geweigerd'),
      ` ${precise(entry.at)}, ${entry.user.name} (${professionLabel(entry.user.profession)})`,
    ),
    entry.flagged
      ? h(
          'p',
          { class: 'badge flagged-badge', 'data-testid': 'access-flagged' },
          `Doorbreken van de toegang (gemarkeerd)${entry.breakGlassReason ? `: ${entry.breakGlassReason}` : ''}`,
        )
      : null,
    h(
      'p',
      {},
      `${actionLabel(entry.action)}, doel ${purposeLabel(entry.purpose)}, grond: ${basisLabel(entry.basis)}`,
    ),
    h('p', { class: 'who' }, `Vanuit ${from.join(', ')}`),
  );
}

/** The plan pane: the slider over the changes, a free instant, and the plan then. */
function asOfPane(bsn: string, all: Change[], fail: (error: ApiError) => void): HTMLElement {
  // One command can record several changes at one instant: the registry never held the plan
  // between them, so the slider stops once per instant, after the last change recorded at it.
  const changes = all.filter((change, i) => all[i + 1]?.recordedAt !== change.recordedAt);
  const slider = h('input', {
    id: 'timeline-slider',
    type: 'range',
    min: '0',
    max: String(changes.length - 1),
    step: '1',
    value: String(changes.length - 1),
    'aria-describedby': 'timeline-slider-value',
  });
  const sliderValue = h('output', { id: 'timeline-slider-value', for: 'timeline-slider' });
  const instant = h('input', { id: 'timeline-at', type: 'datetime-local', step: '0.001', required: '' });
  const instantForm = h(
    'form',
    { class: 'lookup', 'data-testid': 'timeline-at-form' },
    h('label', { for: 'timeline-slider' }, 'Stand na wijziging'),
    slider,
    sliderValue,
    h('label', { for: 'timeline-at' }, 'of op tijdstip'),
    instant,
    h('button', { type: 'submit' }, 'Stand tonen'),
  );
  const plan = h('div', { 'data-testid': 'timeline-plan', 'aria-live': 'polite' });
  let generation = 0;

  async function show(at: string, label: string) {
    const token = savedToken();
    if (!token) return;
    const mine = ++generation;
    plan.replaceChildren(note('busy', 'Bezig met ophalen…'));
    try {
      const record = await fetchPlanAsOf(token, bsn, at);
      if (mine !== generation) return;
      plan.replaceChildren(
        h('p', { class: 'as-of', 'data-testid': 'timeline-as-of' }, `Stand van het register op ${label}`),
        record === null
          ? note('empty', 'Geen plan in het register', 'Op dit tijdstip hield het register nog geen plan.')
          : planView(record),
      );
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      if (mine === generation) fail(error);
    }
  }

  function showChange() {
    const change = changes[Number(slider.value)]!;
    sliderValue.textContent = `versie ${change.version}, ${precise(change.recordedAt)}`;
    instant.value = localValue(change.recordedAt);
    void show(change.recordedAt, precise(change.recordedAt));
  }
  slider.addEventListener('input', showChange);
  instantForm.addEventListener('submit', (event) => {
    event.preventDefault();
    const at = DateTime.fromISO(instant.value, { zone: ZONE });
    if (!at.isValid) return;
    void show(at.toISO()!, precise(at.toISO()!));
  });
  showChange();
  return h(
    'section',
    { class: 'panel', 'aria-labelledby': 'as-of-title' },
    h('h2', { id: 'as-of-title', class: 'label' }, 'Plan zoals het register het toen hield'),
    instantForm,
    plan,
  );
}

export function mountTimeline() {
  let generation = 0;

  function fail(error: ApiError) {
    if (error.code === 'UNAUTHENTICATED') {
      tokenExpired('Het token is ongeldig of verlopen. Plak een nieuw token.');
      return;
    }
    const refused = error.code === 'FORBIDDEN';
    output.replaceChildren(
      note(
        'error',
        refused ? 'Geen toegang' : 'Fout bij ophalen',
        refused ? `${error.message} (${error.reason ?? ''})` : error.message,
      ),
    );
  }

  async function load(bsn: string) {
    const token = savedToken();
    if (!token) return;
    const mine = ++generation;
    output.replaceChildren(note('busy', 'Bezig met ophalen…'));
    try {
      // One patient per request (the API refuses more); the two lists come in parallel.
      const [changes, accesses] = await Promise.all([fetchHistory(token, bsn), fetchAccessLog(token, bsn)]);
      if (mine !== generation) return;
      if (changes.length === 0) {
        output.replaceChildren(
          note('empty', 'Geen plan in het register', 'Voor dit BSN is nooit iets vastgelegd.'),
        );
        return;
      }
      output.replaceChildren(
        asOfPane(bsn, changes, fail),
        h(
          'div',
          { class: 'timeline-columns' },
          h(
            'section',
            { class: 'panel', 'aria-labelledby': 'changes-title' },
            h('h2', { id: 'changes-title', class: 'label' }, `Wijzigingen (${changes.length}), oudste eerst`),
            h('ol', { class: 'changes', 'data-testid': 'changes' }, ...changes.map(changeItem)),
          ),
          h(
            'section',
            { class: 'panel', 'aria-labelledby': 'access-title' },
            h('h2', { id: 'access-title', class: 'label' }, `Inzagelog (${accesses.length})`),
            h('ol', { class: 'changes', 'data-testid': 'access-log' }, ...accesses.map(accessItem)),
          ),
        ),
      );
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      if (mine === generation) fail(error);
    }
  }

  const check = () => {
    const state = showBsnState(bsnInput, bsnHint);
    searchButton.disabled = state !== 'valid';
    return state;
  };
  bsnInput.addEventListener('input', check);
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    if (check() === 'valid') void load(normalizeBsn(bsnInput.value));
  });
  registerScreen('tijdlijn', {
    enter: () => {
      check();
      bsnInput.focus();
    },
    leave: () => {
      generation++;
      bsnInput.value = '';
      output.replaceChildren();
      check();
    },
  });
}
