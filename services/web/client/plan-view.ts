/** The plan on one screen: CPR first and largest, then the rest a clinician needs at the door. */
import type { Contact, Directive, PzpRecord } from './api.js';
import { h } from './dom.js';
import {
  CPR_CODE,
  agreementText,
  cprVerdict,
  formatDate,
  formatInstant,
  icdSummary,
  partiesText,
  professionLabel,
  relationshipLabel,
  telHref,
  treatmentName,
  warningText,
} from './labels.js';

/** Who agreed it and when, and who wrote it down. */
function agreedBy(directive: Directive): HTMLElement | null {
  if (directive.status === 'NO_AGREEMENT_RECORDED') return null;
  const parts: string[] = [];
  if (directive.decidedOn) parts.push(`Afgesproken ${formatDate(directive.decidedOn)}`);
  if (directive.parties.length > 0) parts.push(`met ${partiesText(directive.parties)}`);
  const agreed = parts.join(' ');
  const by = directive.provenance?.recordedBy;
  const recorded = by
    ? `vastgelegd door ${by.name} (${professionLabel(by.profession)}, ${by.organization.name})`
    : '';
  const confirmed = directive.confirmation
    ? `bevestigd door ${directive.confirmation.by.recordedBy.name} op ${formatDate(directive.confirmation.confirmedOn)}`
    : '';
  return h('p', { class: 'who' }, [agreed, recorded, confirmed].filter(Boolean).join('; '));
}

function badges(directive: Directive): HTMLElement | null {
  const items: HTMLElement[] = [];
  if (directive.status === 'PROVISIONAL')
    items.push(h('span', { class: 'badge provisional' }, 'Voorlopig: nog niet door een arts bevestigd'));
  if (directive.pendingRevision) {
    const revision = agreementText(directive.pendingRevision.agreement).text;
    const by = directive.pendingRevision.provenance.recordedBy;
    items.push(
      h(
        'span',
        { class: 'badge pending' },
        `Wijziging voorgesteld door ${by.name} (${professionLabel(by.profession)}): ${revision}; arts moet nog beslissen`,
      ),
    );
  }
  return items.length > 0 ? h('p', { class: 'badges' }, ...items) : null;
}

function cprPanel(directive: Directive | undefined): HTMLElement {
  const verdict = cprVerdict(directive);
  return h(
    'section',
    { class: `cpr tone-${verdict.tone}`, 'aria-labelledby': 'cpr-title', 'data-testid': 'cpr' },
    h('h2', { id: 'cpr-title', class: 'label' }, 'Reanimatie'),
    h('p', { class: 'cpr-verdict', 'data-testid': 'cpr-verdict' }, verdict.text),
    verdict.detail ? h('p', { class: 'cpr-conditions' }, verdict.detail) : null,
    verdict.tone === 'none' ? h('p', { class: 'who' }, 'Dit is geen toestemming en geen weigering.') : null,
    directive ? badges(directive) : null,
    directive ? agreedBy(directive) : null,
    directive?.comment ? h('p', { class: 'comment' }, directive.comment) : null,
  );
}

function treatmentRow(directive: Directive): HTMLElement {
  const agreement = agreementText(directive.agreement);
  const spec =
    directive.agreement && directive.agreement.__typename !== 'OnlyUnderConditions'
      ? directive.agreement.specification
      : null;
  return h(
    'li',
    { class: `treatment tone-${agreement.tone}` },
    h(
      'p',
      { class: 'treatment-line' },
      h('span', { class: 'treatment-name' }, treatmentName(directive)),
      h('span', { class: 'treatment-decision' }, agreement.text),
    ),
    spec ? h('p', { class: 'comment' }, spec) : null,
    directive.comment ? h('p', { class: 'comment' }, directive.comment) : null,
    badges(directive),
    agreedBy(directive),
  );
}

function contactLine(contact: Contact): HTMLElement {
  return h(
    'li',
    {},
    h('span', { class: 'contact-name' }, contact.name),
    ` (${[contact.roleDisplay, relationshipLabel(contact.relationship)].filter(Boolean).join(', ')})`,
    contact.phone
      ? h('a', { class: 'tel', href: telHref(contact.phone) }, contact.phone)
      : h('span', { class: 'muted' }, ' geen telefoonnummer'),
  );
}

function field(label: string, value: string | null): HTMLElement[] {
  return [h('dt', {}, label), h('dd', {}, value ?? 'Niet vastgelegd')];
}

function contacts(record: PzpRecord): HTMLElement {
  const representatives = record.representatives;
  const representativeIds = new Set(representatives.map((c) => c.contactId));
  const first = record.contactPersons.filter(
    (c) => c.role === 'FIRST_CONTACT' && !representativeIds.has(c.contactId),
  );
  const others = record.contactPersons.filter(
    (c) => c.role !== 'FIRST_CONTACT' && !representativeIds.has(c.contactId),
  );
  const shown = [...representatives, ...first, ...(first.length === 0 ? others.slice(0, 1) : [])];
  return h(
    'section',
    { class: 'panel', 'aria-labelledby': 'contacts-title' },
    h('h2', { id: 'contacts-title', class: 'label' }, 'Vertegenwoordiger en contactpersoon'),
    representatives.length === 0
      ? h('p', { class: 'muted' }, 'Geen wettelijk vertegenwoordiger vastgelegd')
      : null,
    shown.length > 0 ? h('ul', { class: 'contacts' }, ...shown.map(contactLine)) : null,
    record.capacity
      ? h(
          'p',
          { class: 'who' },
          `${record.capacity.hasCapacity ? 'Wilsbekwaam' : 'Wilsonbekwaam'} (beoordeeld ${formatDate(record.capacity.assessedOn)})`,
        )
      : null,
  );
}

function careTeam(record: PzpRecord): HTMLElement {
  const regie = record.regiebehandelaar;
  return h(
    'section',
    { class: 'panel', 'aria-labelledby': 'care-title' },
    h('h2', { id: 'care-title', class: 'label' }, 'Zorgverleners'),
    h(
      'dl',
      {},
      ...field(
        'Regiebehandelaar',
        regie
          ? `${regie.practitioner.name}, ${professionLabel(regie.practitioner.profession)}, ${regie.organization.name} (sinds ${formatDate(regie.from)})`
          : null,
      ),
      ...field('Huisartsenpraktijk', record.registeredGpPractice?.practice.name ?? null),
    ),
  );
}

function goals(record: PzpRecord): HTMLElement {
  const place = record.preferredPlaceOfDeath;
  return h(
    'section',
    { class: 'panel', 'aria-labelledby': 'goals-title' },
    h('h2', { id: 'goals-title', class: 'label' }, 'Beleid'),
    h(
      'dl',
      {},
      ...field('Behandeldoel', record.medicalPolicyGoal?.display ?? null),
      ...field(
        'Plaats van overlijden',
        place ? (place.code === 'OTH' && place.text ? place.text : place.display) : null,
      ),
      ...field('ICD', icdSummary(record.icd, record.icdDeactivation)),
    ),
  );
}

function warnings(record: PzpRecord): HTMLElement | null {
  if (record.warnings.length === 0) return null;
  const names = new Map(record.treatmentDirectives.map((d) => [d.key, treatmentName(d)]));
  return h(
    'section',
    { class: 'warnings', 'aria-labelledby': 'warnings-title', role: 'alert' },
    h('h2', { id: 'warnings-title', class: 'label' }, 'Let op'),
    h(
      'ul',
      {},
      ...record.warnings.map((w) => {
        const about = w.subject ? names.get(w.subject) : undefined;
        return h('li', {}, warningText(w.code, w.message), about ? `: ${about}` : '');
      }),
    ),
  );
}

/** The whole plan; the caller has checked it is not null. */
export function planView(record: PzpRecord): HTMLElement {
  const cpr = record.treatmentDirectives.find((d) => d.treatment.code === CPR_CODE);
  const rest = record.treatmentDirectives.filter((d) => d !== cpr);
  return h(
    'article',
    { class: 'plan', 'data-testid': 'plan' },
    h(
      'header',
      { class: 'patient' },
      h('h2', { class: 'patient-name' }, record.patient.name),
      h('span', {}, `geboren ${formatDate(record.patient.birthDate)}`),
      h('span', {}, `BSN ${record.patient.bsn}`),
      h(
        'span',
        { class: 'muted' },
        `Plan versie ${record.version}, stand ${formatInstant(record.asOf)}` +
          (record.lastDiscussedOn ? `, besproken ${formatDate(record.lastDiscussedOn)}` : '') +
          (record.reviewDueOn ? `, herbeoordeling ${formatDate(record.reviewDueOn)}` : ''),
      ),
    ),
    record.accessFlagged
      ? h(
          'p',
          { class: 'flagged', role: 'status', 'data-testid': 'flagged' },
          'Ingezien via doorbreken van de toegang (zonder toestemming van de patiënt). Deze inzage is gemarkeerd en wordt gecontroleerd.',
        )
      : null,
    h(
      'div',
      { class: 'columns' },
      h('div', { class: 'column-main' }, cprPanel(cpr), warnings(record)),
      h(
        'section',
        { class: 'panel treatments', 'aria-labelledby': 'treatments-title' },
        h('h2', { id: 'treatments-title', class: 'label' }, 'Overige behandelingen'),
        h('ul', {}, ...rest.map(treatmentRow)),
      ),
      h('div', { class: 'column-side' }, contacts(record), careTeam(record), goals(record)),
    ),
  );
}
