/**
 * PZP-gesprek vastleggen: the national form on one page for the GP, checked in the browser with
 * the registry's rules and sent as one recordConversation with the version it started from. When
 * a colleague changed the plan meanwhile, the registry answers CONFLICT: the screen shows their
 * changes and offers to save on top, keeping everything typed.
 */
import { DateTime } from 'luxon';
import {
  ADVANCE_DIRECTIVE_TYPES,
  CONSENT_ORGANIZATION_TYPES,
  PROFESSIONS,
  RELATIONSHIPS,
} from '@pzp/domain/codes';
import { ApiError } from './api.js';
import {
  fetchAuthor,
  fetchChangesSince,
  fetchPlanBasis,
  recordConversation,
  type Author,
  type Change,
} from './api-conversation.js';
import { normalizeBsn, showBsnState } from './bsn.js';
import {
  FORM_TREATMENTS,
  checkConversation,
  directiveKey,
  keyForField,
  type ConversationValues,
  type Decision,
  type FieldError,
} from './conversation-rules.js';
import { h } from './dom.js';
import { ZONE, formatDate, formatInstant, relationshipLabel } from './labels.js';
import { registerScreen } from './nav.js';
import { savedToken, tokenExpired } from './session.js';

type Options = readonly (readonly [string, string])[];

const GOALS: Options = [
  ['CURATIVE_LIFE_PROLONGING', 'Curatief / levensverlengend'],
  ['PALLIATIVE_LIFE_PROLONGING', 'Palliatief: levensverlengend en symptoombestrijding'],
  ['SYMPTOM_RELIEF_ONLY', 'Palliatief: uitsluitend symptoombestrijding'],
];
const PLACES: Options = [
  ['HOME', 'Thuis'],
  ['HOSPITAL', 'Ziekenhuis'],
  ['NURSING_HOME', 'Verpleeghuis'],
  ['HOSPICE', 'Hospice'],
  ['OTH', 'Anders, namelijk'],
  ['UNK', 'Onbekend'],
];
const EUTHANASIA: Options = [
  ['HAS_DECLARATION', 'Heeft een euthanasieverklaring'],
  ['MAY_REQUEST', 'Overweegt een verzoek'],
  ['DOES_NOT_WANT', 'Wil geen euthanasie'],
  ['UNKNOWN', 'Onbekend'],
];
const ORGAN_DONATION: Options = [
  ['YES', 'Ja'],
  ['NO', 'Nee'],
  ['UNKNOWN', 'Onbekend'],
];
const ICD: Options = [
  ['YES', 'Ja, uitzetten in de laatste levensfase'],
  ['NOT_YET_DECIDED', 'Nog niet besloten'],
  ['NOT_DISCUSSED', 'Niet besproken'],
];
const CONTACT_ROLES: Options = [
  ['LEGAL_REPRESENTATIVE', 'Wettelijk vertegenwoordiger'],
  ['CURATOR', 'Curator'],
  ['MENTOR', 'Mentor'],
  ['FIRST_CONTACT', 'Eerste contactpersoon'],
  ['CONTACT', 'Contactpersoon'],
];
const CONSENT_TYPES: Readonly<Record<string, string>> = {
  HUISARTSENPRAKTIJK: 'Huisartsenpraktijk',
  HAP: 'Huisartsenpost',
  SEH: 'Spoedeisende hulp',
  ZIEKENHUIS: 'Ziekenhuis',
  VVT: 'Verpleging, verzorging en thuiszorg',
  AMBULANCE: 'Ambulancedienst',
};
const RELATIONSHIP_OPTIONS: Options = RELATIONSHIPS.map((r) => [r, relationshipLabel(r)]);
const PROFESSION_OPTIONS: Options = Object.entries(PROFESSIONS)
  .filter(([code]) => code !== 'AUDITOR')
  .map(([code, p]) => [code, p.label]);
const ADVANCE_DIRECTIVE_OPTIONS: Options = Object.entries(ADVANCE_DIRECTIVE_TYPES);
const DECISIONS: readonly (readonly [Decision, string])[] = [
  ['', 'Niet besproken'],
  ['WEL', 'Wel'],
  ['NIET', 'Niet'],
  ['ANDERS', 'Anders (onder voorwaarden)'],
];
const TREATMENT_ROWS = [...FORM_TREATMENTS, ['OTH', 'Andere behandeling']] as const;

const lookupForm = document.getElementById('gesprek-lookup') as HTMLFormElement;
const bsnInput = document.getElementById('gesprek-bsn') as HTMLInputElement;
const bsnHint = document.getElementById('gesprek-bsn-hint') as HTMLElement;
const openButton = document.getElementById('gesprek-open') as HTMLButtonElement;
const output = document.getElementById('gesprek-result') as HTMLElement;

const today = () => DateTime.now().setZone(ZONE).toISODate()!;

/** A labelled control with the slot its error is shown in. */
function field(key: string, label: string, control: HTMLElement, hint?: string): HTMLElement {
  control.id = key;
  const describedBy = [`${key}-error`, hint ? `${key}-hint` : ''].filter(Boolean).join(' ');
  control.setAttribute('aria-describedby', describedBy);
  return h(
    'div',
    { class: 'field' },
    h('label', { for: key }, label),
    control,
    hint ? h('span', { id: `${key}-hint`, class: 'hint' }, hint) : null,
    h('p', { id: `${key}-error`, class: 'error-text field-error', hidden: '' }),
  );
}

/** A group (radios, several controls) with one error slot for the whole. */
function group(key: string, legend: string, ...children: (Node | null)[]): HTMLFieldSetElement {
  return h(
    'fieldset',
    { id: key, class: 'group', 'aria-describedby': `${key}-error` },
    h('legend', {}, legend),
    ...children,
    h('p', { id: `${key}-error`, class: 'error-text field-error', hidden: '' }),
  );
}

const input = (type = 'text', extra: Record<string, string> = {}) =>
  h('input', { type, autocomplete: 'off', ...extra });
const textarea = (rows = 2) => h('textarea', { rows: String(rows) });
function select(options: Options, empty = 'Niet besproken'): HTMLSelectElement {
  return h(
    'select',
    {},
    h('option', { value: '' }, empty),
    ...options.map(([value, label]) => h('option', { value }, label)),
  );
}
function radios(name: string, options: Options, checked: string): HTMLElement {
  return h(
    'div',
    { class: 'radios' },
    ...options.map(([value, label], i) => {
      const id = `${name}-${i}`;
      const radio = h('input', { type: 'radio', id, name, value });
      radio.checked = value === checked;
      return h('span', { class: 'radio' }, radio, h('label', { for: id }, label));
    }),
  );
}

function treatmentRow(code: string, label: string): HTMLElement {
  const name = directiveKey(code, 'decision');
  const conditions = field(
    directiveKey(code, 'conditions'),
    `Voorwaarden bij ${code === 'OTH' ? 'deze behandeling' : label.toLowerCase()}`,
    textarea(1),
    'Verplicht bij Anders',
  );
  return group(
    name,
    label,
    code === 'OTH' ? field(directiveKey(code, 'text'), 'Naam van de behandeling', input()) : null,
    radios(name, DECISIONS, ''),
    conditions,
  );
}

function buildForm(author: Author, isNew: boolean): HTMLFormElement {
  const dateInput = input('date');
  dateInput.value = today();
  const patientPresent = input('checkbox');
  patientPresent.checked = true;
  const authorPresent = input('checkbox');
  authorPresent.checked = true;
  const consents = CONSENT_ORGANIZATION_TYPES.map((type) =>
    field(
      `gesprek-consent-${type.toLowerCase()}`,
      CONSENT_TYPES[type] ?? type,
      select(
        [
          ['GRANTED', 'Toestemming'],
          ['REFUSED', 'Geweigerd'],
        ],
        'Niet gevraagd',
      ),
    ),
  );
  const form = h(
    'form',
    { id: 'gesprek-form', class: 'conversation', novalidate: '', 'data-testid': 'gesprek-form' },
    isNew
      ? group(
          'gesprek-patient',
          'Nieuwe patiënt',
          field('gesprek-patient-name', 'Naam van de patiënt', input()),
          field('gesprek-birth-date', 'Geboortedatum', input('date')),
        )
      : null,
    group(
      'gesprek-conversation',
      'Gesprek',
      field('gesprek-date', 'Datum van het gesprek', dateInput),
      field('gesprek-location', 'Plaats (optioneel)', input()),
    ),
    group(
      'gesprek-participants',
      'Deelnemers (minstens twee: een zorgverlener en de patiënt of vertegenwoordiger)',
      h(
        'div',
        { class: 'field' },
        h(
          'span',
          { class: 'radio' },
          patientPresent,
          h('label', { for: 'gesprek-party-patient' }, 'Patiënt'),
        ),
        h(
          'span',
          { class: 'radio' },
          authorPresent,
          h('label', { for: 'gesprek-party-author' }, `${author.name} (uzelf)`),
        ),
      ),
      field('gesprek-party-representative', 'Vertegenwoordiger (naam)', input()),
      field('gesprek-party-relative', 'Naaste (naam)', input()),
      field(
        'gesprek-party-relative-relationship',
        'Relatie van de naaste',
        select(RELATIONSHIP_OPTIONS, 'Kies'),
      ),
      field('gesprek-party-professional', 'Andere zorgverlener (naam)', input()),
      field('gesprek-party-professional-id', 'UZI- of AGB-nummer', input()),
      field('gesprek-party-professional-profession', 'Beroep', select(PROFESSION_OPTIONS, 'Kies')),
    ),
    group(
      'gesprek-what-matters',
      'Wat belangrijk is',
      field('gesprek-life-wishes', 'Levenswensen (één per regel)', textarea(3)),
      field('gesprek-goal', 'Medisch beleidsdoel', select(GOALS)),
    ),
    h(
      'section',
      { class: 'treatments', 'aria-labelledby': 'gesprek-treatments-title' },
      h('h2', { id: 'gesprek-treatments-title' }, 'Behandelafspraken'),
      ...TREATMENT_ROWS.map(([code, label]) => treatmentRow(code, label)),
    ),
    group(
      'gesprek-documents',
      'Wilsverklaring',
      field('gesprek-advance-directive-type', 'Soort', select(ADVANCE_DIRECTIVE_OPTIONS, 'Geen')),
      field('gesprek-advance-directive-date', 'Datum van de verklaring', input('date')),
    ),
    group(
      'gesprek-end-of-life',
      'Levenseinde',
      field('gesprek-place', 'Voorkeursplek van overlijden', select(PLACES)),
      field('gesprek-place-text', 'Andere plek', input()),
      field('gesprek-euthanasia', 'Euthanasie', select(EUTHANASIA)),
      field('gesprek-organ-donation', 'Orgaandonatie', select(ORGAN_DONATION)),
      field('gesprek-icd', 'ICD uitzetten', select(ICD)),
    ),
    group(
      'gesprek-capacity',
      'Wilsbekwaamheid en vertegenwoordiging',
      radios(
        'gesprek-capacity-answer',
        [
          ['', 'Niet beoordeeld'],
          ['yes', 'Wilsbekwaam'],
          ['no', 'Wilsonbekwaam'],
        ],
        '',
      ),
      field('gesprek-contact-name', 'Vertegenwoordiger of contactpersoon (naam)', input()),
      field('gesprek-contact-role', 'Rol', select(CONTACT_ROLES, 'Kies')),
      field('gesprek-contact-relationship', 'Relatie', select(RELATIONSHIP_OPTIONS, 'Kies')),
      field('gesprek-contact-phone', 'Telefoon', input('tel')),
    ),
    group('gesprek-consents', 'Toestemming om het plan te delen', ...consents),
    group(
      'gesprek-review',
      'Afronding',
      field('gesprek-next-review', 'Volgende herbeoordeling', input('date'), 'Leeg: over 12 maanden'),
      field('gesprek-summary', 'Samenvatting (optioneel)', textarea(2)),
    ),
    h('div', { id: 'gesprek-status', 'aria-live': 'polite' }),
    h('button', { type: 'submit', id: 'gesprek-submit' }, 'Gesprek vastleggen'),
  );
  // The checkbox ids are set here: field() sets ids only on the controls it wraps.
  patientPresent.id = 'gesprek-party-patient';
  authorPresent.id = 'gesprek-party-author';
  return form;
}

const value = (form: HTMLFormElement, id: string): string =>
  (form.querySelector<HTMLInputElement>(`#${id}`)?.value ?? '').toString();
const checkedValue = (form: HTMLFormElement, name: string): string =>
  form.querySelector<HTMLInputElement>(`input[name="${name}"]:checked`)?.value ?? '';

interface Basis {
  readonly bsn: string;
  readonly author: Author;
  expectedVersion: number | null;
  planHasRepresentative: boolean;
}

function readValues(form: HTMLFormElement, basis: Basis): ConversationValues {
  const v = (id: string) => value(form, id);
  return {
    bsn: basis.bsn,
    expectedVersion: basis.expectedVersion,
    planHasRepresentative: basis.planHasRepresentative,
    author: basis.author,
    patientName: v('gesprek-patient-name'),
    birthDate: v('gesprek-birth-date'),
    date: v('gesprek-date'),
    location: v('gesprek-location'),
    patientPresent: form.querySelector<HTMLInputElement>('#gesprek-party-patient')!.checked,
    authorPresent: form.querySelector<HTMLInputElement>('#gesprek-party-author')!.checked,
    representativeName: v('gesprek-party-representative'),
    relativeName: v('gesprek-party-relative'),
    relativeRelationship: v('gesprek-party-relative-relationship'),
    professionalId: v('gesprek-party-professional-id'),
    professionalName: v('gesprek-party-professional'),
    professionalProfession: v('gesprek-party-professional-profession'),
    lifeWishes: v('gesprek-life-wishes'),
    goal: v('gesprek-goal'),
    directives: TREATMENT_ROWS.map(([code]) => ({
      code,
      text: code === 'OTH' ? v(directiveKey(code, 'text')) : '',
      decision: checkedValue(form, directiveKey(code, 'decision')) as Decision,
      conditions: v(directiveKey(code, 'conditions')),
    })),
    advanceDirectiveType: v('gesprek-advance-directive-type'),
    advanceDirectiveDate: v('gesprek-advance-directive-date'),
    placeOfDeath: v('gesprek-place'),
    placeOfDeathText: v('gesprek-place-text'),
    euthanasia: v('gesprek-euthanasia'),
    organDonation: v('gesprek-organ-donation'),
    icd: v('gesprek-icd'),
    capacity: checkedValue(form, 'gesprek-capacity-answer'),
    contactName: v('gesprek-contact-name'),
    contactRole: v('gesprek-contact-role'),
    contactRelationship: v('gesprek-contact-relationship'),
    contactPhone: v('gesprek-contact-phone'),
    consents: Object.fromEntries(
      CONSENT_ORGANIZATION_TYPES.map((type) => [type, v(`gesprek-consent-${type.toLowerCase()}`)]),
    ),
    nextReviewOn: v('gesprek-next-review'),
    summary: v('gesprek-summary'),
    today: today(),
  };
}

function clearErrors(form: HTMLFormElement) {
  for (const slot of form.querySelectorAll<HTMLElement>('.field-error')) {
    slot.hidden = true;
    slot.textContent = '';
  }
  for (const marked of form.querySelectorAll('[aria-invalid="true"]')) marked.removeAttribute('aria-invalid');
}

/** Shows each error next to its field and moves the focus to the first. */
function showErrors(form: HTMLFormElement, errors: readonly FieldError[]) {
  clearErrors(form);
  for (const error of errors) {
    const slot = form.querySelector<HTMLElement>(`#${error.key}-error`);
    if (!slot) continue;
    slot.textContent = slot.textContent ? `${slot.textContent} ${error.message}` : error.message;
    slot.hidden = false;
    form.querySelector(`#${error.key}`)?.setAttribute('aria-invalid', 'true');
  }
  const first = errors[0] && form.querySelector<HTMLElement>(`#${errors[0].key}`);
  (first?.matches('fieldset') ? first.querySelector<HTMLElement>('input, select, textarea') : first)?.focus();
}

function status(form: HTMLFormElement, kind: 'busy' | 'error' | 'empty', title: string, ...content: Node[]) {
  form.querySelector('#gesprek-status')!.replaceChildren(
    h(
      'section',
      {
        class: `message message-${kind}`,
        'data-testid': `gesprek-${kind}`,
        role: kind === 'error' ? 'alert' : 'status',
      },
      h('h2', {}, title),
      ...content,
    ),
  );
}

function changeList(changes: readonly Change[]): HTMLElement {
  return h(
    'ul',
    { 'data-testid': 'gesprek-conflict-changes' },
    ...changes.map((c) => h('li', {}, `${formatInstant(c.recordedAt)}, ${c.recordedBy.name}: ${c.summary}`)),
  );
}

export function mountConversation(openPlan: (bsn: string) => void) {
  let generation = 0;
  let author: Author | undefined;

  const showBsn = () => {
    const state = showBsnState(bsnInput, bsnHint);
    openButton.disabled = state !== 'valid';
    return state;
  };

  function failed(error: unknown, show: (title: string, text: string) => void) {
    if (!(error instanceof ApiError)) throw error;
    if (error.code === 'UNAUTHENTICATED')
      tokenExpired('Het token is ongeldig of verlopen. Plak een nieuw token.');
    else show('Niet gelukt', error.message);
  }

  async function conflict(form: HTMLFormElement, basis: Basis, token: string, currentVersion: number) {
    const since = basis.expectedVersion ?? -1;
    let details: Node;
    try {
      const changes = await fetchChangesSince(token, basis.bsn, since);
      details = changes.length ? changeList(changes) : h('p', {}, 'De wijzigingen zijn niet te tonen.');
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      details = h('p', {}, `De wijzigingen zijn niet te tonen: ${error.message}`);
    }
    const again = h(
      'button',
      { type: 'button', 'data-testid': 'gesprek-resubmit' },
      'Opslaan op de nieuwe versie',
    );
    again.addEventListener('click', () => {
      void (async () => {
        // Build on the plan as it is now: its version and whether it has a representative.
        const plan = await fetchPlanBasis(token, basis.bsn).catch((error: unknown) => {
          failed(error, (title, text) => status(form, 'error', title, h('p', {}, text)));
          return undefined;
        });
        if (plan === undefined) return;
        basis.expectedVersion = plan?.version ?? currentVersion;
        basis.planHasRepresentative = (plan?.representatives.length ?? 0) > 0;
        await submit(form, basis);
      })();
    });
    status(
      form,
      'error',
      'Een collega heeft het plan intussen gewijzigd',
      h(
        'p',
        {},
        'Er is niets opgeslagen. Uw invoer staat er nog. Bekijk wat er veranderd is en sla uw gesprek op de nieuwe versie op.',
      ),
      details,
      again,
    );
    again.focus();
  }

  async function submit(form: HTMLFormElement, basis: Basis) {
    const token = savedToken();
    if (!token) return;
    const checked = checkConversation(readValues(form, basis));
    if (checked.errors.length) {
      showErrors(form, checked.errors);
      status(
        form,
        'error',
        'Controleer het formulier',
        h('p', {}, 'De gemarkeerde velden kloppen nog niet.'),
      );
      return;
    }
    clearErrors(form);
    status(form, 'busy', 'Bezig met vastleggen…');
    try {
      const version = await recordConversation(token, checked.input);
      output.replaceChildren(success(basis.bsn, version));
    } catch (error) {
      if (
        error instanceof ApiError &&
        error.code === 'CONFLICT' &&
        typeof error.currentVersion === 'number'
      ) {
        await conflict(form, basis, token, error.currentVersion);
      } else if (error instanceof ApiError && error.code === 'BAD_USER_INPUT' && error.field) {
        const key = keyForField(checked.fields, error.field);
        if (key) showErrors(form, [{ key, message: error.message }]);
        status(form, 'error', 'Het register weigert het gesprek', h('p', {}, error.message));
      } else failed(error, (title, text) => status(form, 'error', title, h('p', {}, text)));
    }
  }

  function success(bsn: string, version: number): HTMLElement {
    const open = h('button', { type: 'button', class: 'secondary' }, 'Bekijk in het Spoedoverzicht');
    open.addEventListener('click', () => openPlan(bsn));
    return h(
      'section',
      { class: 'message message-empty', role: 'status', 'data-testid': 'gesprek-recorded' },
      h('h2', {}, 'Gesprek vastgelegd'),
      h('p', {}, `Het plan staat nu op versie ${version}.`),
      open,
    );
  }

  async function open(bsn: string) {
    const token = savedToken();
    if (!token) return;
    const mine = ++generation;
    output.replaceChildren(h('p', { class: 'hint', role: 'status' }, 'Bezig met ophalen…'));
    try {
      author ??= await fetchAuthor(token);
      const plan = await fetchPlanBasis(token, bsn);
      if (mine !== generation) return;
      const basis: Basis = {
        bsn,
        author,
        expectedVersion: plan?.version ?? null,
        planHasRepresentative: (plan?.representatives.length ?? 0) > 0,
      };
      const form = buildForm(author, plan === null);
      form.addEventListener('submit', (event) => {
        event.preventDefault();
        void submit(form, basis);
      });
      output.replaceChildren(
        h(
          'p',
          { class: 'hint', 'data-testid': 'gesprek-basis' },
          plan
            ? `Bestaand plan van ${plan.patient.name} (${formatDate(plan.patient.birthDate)}), versie ${plan.version}: het gesprek wordt eraan toegevoegd.`
            : 'Geen plan in het register: dit gesprek begint een nieuw plan.',
        ),
        form,
      );
    } catch (error) {
      if (mine !== generation) return;
      failed(error, (title, text) =>
        output.replaceChildren(
          h(
            'section',
            { class: 'message message-error', role: 'alert', 'data-testid': 'gesprek-error' },
            h('h2', {}, title),
            h('p', {}, text),
          ),
        ),
      );
    }
  }

  bsnInput.addEventListener('input', showBsn);
  lookupForm.addEventListener('submit', (event) => {
    event.preventDefault();
    if (showBsn() === 'valid') void open(normalizeBsn(bsnInput.value));
    else bsnInput.focus();
  });
  registerScreen('gesprek', {
    enter: () => {
      showBsn();
      bsnInput.focus();
    },
    leave: () => {
      generation++;
      author = undefined;
      bsnInput.value = '';
      output.replaceChildren();
      showBsn();
    },
  });
}
