/**
 * Herbeoordelen: the plans of the caller's organisation whose review falls before a date, earliest
 * first, each opening in the Spoedoverzicht. "Over tijd" is the registry's own REVIEW_OVERDUE
 * warning (its clock, not the browser's).
 */
import { DateTime } from 'luxon';
import { ApiError } from './api.js';
import { fetchReviewsDue, type DuePlan } from './api-reviews.js';
import { h } from './dom.js';
import { ZONE, formatDate } from './labels.js';
import { registerScreen } from './nav.js';
import { savedToken, tokenExpired } from './session.js';

/** How far ahead the list looks unless the user says otherwise. */
const DEFAULT_WEEKS_AHEAD = 6;

const form = document.getElementById('reviews-form') as HTMLFormElement;
const untilInput = document.getElementById('reviews-until') as HTMLInputElement;
const output = document.getElementById('reviews-result') as HTMLElement;

function note(kind: 'empty' | 'error' | 'busy', title: string, text?: string) {
  return h(
    'section',
    {
      class: `message message-${kind}`,
      'data-testid': `reviews-${kind}`,
      role: kind === 'error' ? 'alert' : 'status',
    },
    h('h2', {}, title),
    text ? h('p', {}, text) : null,
  );
}

function dueText(record: DuePlan): { text: string; overdue: boolean } {
  const overdue = record.warnings.some((w) => w.code === 'REVIEW_OVERDUE');
  const due = record.reviewDueOn ? formatDate(record.reviewDueOn) : 'onbekend';
  return overdue
    ? { text: `Over tijd: had uiterlijk ${due} herbeoordeeld moeten worden`, overdue }
    : { text: `Gepland vóór ${due}`, overdue };
}

function row(record: DuePlan, open: (bsn: string) => void): HTMLElement {
  const due = dueText(record);
  const button = h('button', { type: 'button', class: 'secondary' }, 'Plan openen');
  button.setAttribute('aria-label', `Plan openen van ${record.patient.name}`);
  button.addEventListener('click', () => open(record.patient.bsn));
  return h(
    'tr',
    { class: due.overdue ? 'overdue' : '', 'data-testid': 'review' },
    h('td', {}, record.patient.name),
    h('td', {}, formatDate(record.patient.birthDate)),
    h('td', {}, record.patient.bsn),
    h('td', {}, record.reviewDueOn ? formatDate(record.reviewDueOn) : ''),
    h('td', { class: due.overdue ? 'overdue-text' : '' }, due.text),
    h('td', {}, button),
  );
}

export function mountReviews(open: (bsn: string) => void) {
  let generation = 0;

  async function load(until: string, after: string | null, table?: HTMLTableSectionElement) {
    const token = savedToken();
    if (!token) return;
    const mine = ++generation;
    if (!table) output.replaceChildren(note('busy', 'Bezig met ophalen…'));
    try {
      // The API lists reviews strictly before its `until`; the screen asks "tot en met" a day.
      const dayAfter = DateTime.fromISO(until, { zone: ZONE }).plus({ days: 1 }).toISODate()!;
      const page = await fetchReviewsDue(token, dayAfter, after);
      if (mine !== generation) return;
      if (!table && page.items.length === 0) {
        output.replaceChildren(
          note(
            'empty',
            'Geen herbeoordelingen',
            `Geen plannen van uw organisatie met een herbeoordeling tot en met ${formatDate(until)}.`,
          ),
        );
        return;
      }
      const body = table ?? h('tbody', {});
      body.append(...page.items.map((record) => row(record, open)));
      const more = page.next
        ? h('button', { type: 'button', class: 'secondary', 'data-testid': 'reviews-more' }, 'Meer tonen')
        : null;
      more?.addEventListener('click', () => {
        more.remove();
        void load(until, page.next, body);
      });
      if (!table) {
        output.replaceChildren(
          h(
            'table',
            { class: 'list', 'data-testid': 'reviews' },
            h('caption', {}, `Herbeoordelingen tot en met ${formatDate(until)}, vroegste eerst`),
            h(
              'thead',
              {},
              h(
                'tr',
                {},
                ...['Patiënt', 'Geboren', 'BSN', 'Herbeoordeling', 'Stand', 'Plan'].map((c) =>
                  h('th', { scope: 'col' }, c),
                ),
              ),
            ),
            body,
          ),
        );
      }
      if (more) output.append(more);
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      if (mine !== generation) return;
      if (error.code === 'UNAUTHENTICATED')
        tokenExpired('Het token is ongeldig of verlopen. Plak een nieuw token.');
      else output.replaceChildren(note('error', 'Fout bij ophalen', error.message));
    }
  }

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    if (untilInput.value) void load(untilInput.value, null);
  });
  registerScreen('herbeoordelen', {
    enter: () => {
      untilInput.value ||= DateTime.now().setZone(ZONE).plus({ weeks: DEFAULT_WEEKS_AHEAD }).toISODate()!;
      void load(untilInput.value, null);
    },
    leave: () => {
      generation++;
      output.replaceChildren();
    },
  });
}
