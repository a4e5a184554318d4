/**
 * A synthetic region of PZP patients, deterministic: the same options give the same organisations,
 * staff, patients and commands, byte for byte. Pure (no I/O): every command goes through the
 * domain's decide() against the patient's state, which the caller keeps in memory, exactly as the
 * command handler does (packages/application/src/handle-command.ts) minus re-reading the stream.
 *
 * What a patient's record goes through (over the years 2019 to mid 2026):
 * - a first PZP conversation, mostly with the GP, sometimes led by the practice nurse (its limits
 *   stay provisional until the GP confirms them) or by a hospital specialist;
 * - the regiebehandelaar role (and sometimes hoofdbehandelaar, supporting nurse) assigned;
 * - 0-5 follow-up conversations months apart (1-6 in all), or reviews without change;
 * - episodes between them: hospital admissions and discharges (hoofdbehandelaar handed over and
 *   back), moves to a nursing home (the specialist ouderengeneeskunde takes over), a district
 *   nurse's provisional limit that the GP confirms, consent asked later or withdrawn, a contact
 *   replaced, capacity lost, written directives, and entries marked entered-in-error and redone;
 * - about one patient in 10,000 (at least one per region) has a long history of 200+ events.
 */
import {
  activeRepresentatives,
  activeRoles,
  decide,
  envelope,
  evolve,
  initialState,
  REPRESENTATIVE_ROLES,
  type Actor,
  type CareRole,
  type CommandInput,
  type CommandType,
  type ConsentOrganizationType,
  type Organization,
  type Party,
  type PlanState,
  type PzpCommand,
  type PzpEvent,
  type TreatmentCode,
} from '@pzp/domain';
import { actors as fixtureActors, organizations as fixtureOrganizations } from '@pzp/domain/fixtures';
import { mixSeed, Rng } from './random.js';

/** Bump whenever the generated data changes: a seeded region with another version is redone. */
export const GENERATOR_VERSION = 2; // 2: personal data encrypted under each patient's key

export const REGION_START = '2019-01-07';
/** The last day of the simulated years; the seeded records end around here. */
export const REGION_END = '2026-06-30';

export interface RegionOptions {
  readonly patients: number;
  readonly seed: number;
}

interface Staffed {
  readonly organization: Organization;
  /** The client system the organisation records with (an event's sourceSystem). */
  readonly system: string;
}
export interface Practice extends Staffed {
  readonly gps: readonly Actor[];
  readonly nurse: Actor;
}
export interface HomeCare extends Staffed {
  readonly nurses: readonly Actor[];
  readonly caseManager: Actor;
}
export interface NursingHome extends Staffed {
  readonly physicians: readonly Actor[];
  readonly nurse: Actor;
}
export interface Hospital extends Staffed {
  readonly specialists: readonly Actor[];
}

export interface Region {
  readonly options: RegionOptions;
  readonly practices: readonly Practice[];
  readonly homeCare: readonly HomeCare[];
  readonly nursingHomes: readonly NursingHome[];
  readonly hospitals: readonly Hospital[];
  /** Every staff member; an index into this list is how the seeder's facts name an actor. */
  readonly actors: readonly Actor[];
  readonly actorIndex: ReadonlyMap<string, number>;
  readonly systems: ReadonlyMap<string, string>;
}

// ---------------------------------------------------------------------------------------------
// Names and texts

// prettier-ignore
const SURNAMES = [
  'Jansen', 'de Vries', 'van den Berg', 'van Dijk', 'Bakker', 'Janssen', 'Visser', 'Smit', 'Meijer',
  'de Boer', 'Mulder', 'de Groot', 'Bos', 'Vos', 'Peters', 'Hendriks', 'van Leeuwen', 'Dekker',
  'Brouwer', 'de Wit', 'Dijkstra', 'Smits', 'de Graaf', 'van der Meer', 'van der Linden', 'Kok',
  'Jacobs', 'de Haan', 'Vermeulen', 'van den Heuvel', 'van der Veen', 'van den Broek', 'de Bruijn',
  'van der Heijden', 'Schouten', 'van Beek', 'Willems', 'van Vliet', 'van de Ven', 'Hoekstra', 'Maas',
  'Verhoeven', 'Koster', 'van Dam', 'van der Wal', 'Prins', 'Blom', 'Huisman', 'Peeters', 'Kuipers',
  'Claassen', 'Verbeek', 'van Gennip', 'Swinkels', 'van Asten', 'Coolen', 'Aarts', 'van Lieshout',
];
// prettier-ignore
const FIRST_NAMES = [
  'Johannes', 'Maria', 'Cornelis', 'Anna', 'Hendrik', 'Johanna', 'Jan', 'Wilhelmina', 'Petrus',
  'Geertruida', 'Gerrit', 'Elisabeth', 'Willem', 'Cornelia', 'Jacobus', 'Hendrika', 'Adrianus',
  'Catharina', 'Theodorus', 'Aaltje', 'Antonius', 'Grietje', 'Dirk', 'Margaretha', 'Pieter', 'Neeltje',
  'Klaas', 'Jacoba', 'Gerardus', 'Alida', 'Henk', 'Riet', 'Kees', 'Toos', 'Wim', 'Annie', 'Piet', 'Corry',
];
// prettier-ignore
const PLACES = [
  'Eindhoven', 'Helmond', 'Veldhoven', 'Geldrop', 'Nuenen', 'Best', 'Son en Breugel', 'Waalre',
  'Valkenswaard', 'Mierlo', 'Deurne', 'Asten', 'Someren', 'Heeze', 'Oirschot', 'Bladel', 'Eersel',
  'Reusel', 'Bergeijk', 'Budel', 'Gemert', 'Laarbeek', 'Boxtel', 'Oisterwijk', 'Gestel', 'Stratum',
  'Woensel', 'Tongelre', 'Strijp', 'Brandevoort',
];
const PRACTICE_NAMES = [
  'De Linde',
  'Het Anker',
  'De Hoeksteen',
  'Kloosterhof',
  'De Ster',
  'Het Look',
  'De Bron',
  'Centrum',
  'Zuid',
  'Noord',
  'De Akkers',
  'Het Hofke',
];
const HIS = ['Medicom', 'Promedico ASP', 'MicroHIS X', 'CGM Huisarts', 'Omnihis Scipio'];
const ECD = ['Nedap Ons', 'Ysis', 'Ecare Puur', 'Caress'];
const EPD = ['HiX', 'Epic', 'SAP IS-H'];

const LIFE_WISHES = [
  'Zo lang mogelijk thuis blijven wonen',
  'Mijn kleinkinderen nog zien opgroeien',
  'Niet meer naar het ziekenhuis als het niet nodig is',
  'Thuis sterven, met mijn familie erbij',
  'Geen pijn hebben aan het einde',
  'Mijn tuin zo lang mogelijk zelf verzorgen',
  'Helder blijven en zelf kunnen beslissen',
  'Samen met mijn partner blijven wonen',
  'Nog een keer naar zee',
  'Niet aan slangen en apparaten liggen',
  'Rust en de muziek die ik mooi vind in mijn laatste dagen',
  'Een pastor of dominee erbij als het zover is',
];
const SUMMARIES = [
  'Eerste PZP-gesprek: wensen en grenzen besproken met patiënt en naaste.',
  'Patiënt wil vooral kwaliteit van leven; behandelgrenzen vastgelegd.',
  'Gesprek na verslechtering: doelen bijgesteld, familie geïnformeerd.',
  'Vervolggesprek: afspraken grotendeels ongewijzigd, enkele grenzen aangescherpt.',
  'Gesprek thuis met partner; voorkeur om thuis te blijven.',
  'Na ziekenhuisopname opnieuw besproken; patiënt wil geen IC meer.',
  'Beleid besproken in verband met toenemende kwetsbaarheid.',
];
const OTHER_TREATMENTS = ['Kunstmatige voeding en vocht', 'Dialyse', 'Chemotherapie', 'Pacemakerimplantatie'];
const SPECIFICATIONS: Partial<Record<TreatmentCode, readonly string[]>> = {
  '89666000': ['Alleen bij een omkeerbare oorzaak tijdens een ingreep'],
  '40617009': ['Alleen kortdurend bij een goed behandelbare oorzaak'],
  '305351004': ['Alleen kort, als herstel naar de huidige situatie waarschijnlijk is'],
  '32485007': [
    'Alleen bij een goed behandelbare oorzaak',
    'Alleen als thuis geen adequate zorg mogelijk is',
    'Alleen voor een korte opname, niet voor een operatie',
  ],
  '281789004': ['Alleen orale antibiotica, geen infuus', 'Alleen ter verlichting van klachten'],
  '116762002': ['Alleen bij klachten van bloedarmoede'],
  OTH: ['Alleen na overleg met de regiebehandelaar'],
};
const CORRECTION_REASONS = [
  'Vastgelegd bij de verkeerde patiënt',
  'Verkeerde behandeling aangeklikt',
  'Afspraak was niet zo gemaakt; verkeerd genoteerd',
  'Dubbel ingevoerd',
];

// ---------------------------------------------------------------------------------------------
// Calendar: whole days since 1970 and minutes within the day (Amsterdam working hours, written as
// UTC+1: a 08:00-21:00 slot stays on the same Amsterdam date in winter and summer alike).

const DAY_MS = 86_400_000;
const dayOf = (iso: string): number => Math.round(Date.parse(`${iso}T00:00:00Z`) / DAY_MS);
const isoDate = (day: number): string => new Date(day * DAY_MS).toISOString().slice(0, 10);
const START_DAY = dayOf(REGION_START);
const END_DAY = dayOf(REGION_END);

class Clock {
  day: number;
  minute: number;

  constructor(
    day: number,
    private readonly rng: Rng,
  ) {
    this.day = day;
    this.minute = rng.int(8 * 60, 16 * 60);
  }

  /** Moves to a later day at a working hour; on the same or an earlier day, just a little later. */
  to(day: number): void {
    if (day > this.day) {
      this.day = day;
      this.minute = this.rng.int(8 * 60, 16 * 60);
    } else {
      this.tick();
    }
  }

  /** A few minutes to an hour later (the next morning after 21:00). */
  tick(min = 3, max = 60): void {
    this.minute += this.rng.int(min, max);
    if (this.minute > 21 * 60) {
      this.day += 1;
      this.minute = this.rng.int(8 * 60, 10 * 60);
    }
  }

  get date(): string {
    return isoDate(this.day);
  }

  get instant(): string {
    return new Date(this.day * DAY_MS + (this.minute - 60) * 60_000).toISOString();
  }
}

// ---------------------------------------------------------------------------------------------
// The region's organisations and staff

export function buildRegion(options: RegionOptions): Region {
  const rng = new Rng(mixSeed(options.seed, 0x5e910));
  const actors: Actor[] = [];
  const systems = new Map<string, string>();
  let nextPerson = 0;
  let nextOrganization = 0;
  const person = (profession: Actor['profession'], organization: Organization, title = ''): Actor => {
    const actor: Actor = {
      id: `UZI-${String(3_000_000 + nextPerson++)}`,
      name: `${title}${rng.pick([...'ABCDEFGHIJKLMNPRSTW'])}. ${rng.pick(SURNAMES)}`,
      profession,
      organization,
    };
    actors.push(actor);
    return actor;
  };
  const known = (actor: Actor): Actor => {
    actors.push(actor);
    return actor;
  };
  const organization = (type: Organization['type'], name: string, system: string): Organization => {
    const org: Organization = { id: `URA-${String(50_000_000 + nextOrganization++)}`, name, type };
    systems.set(org.id, system);
    return org;
  };
  const place = (n: number) => PLACES[n % PLACES.length]!;

  const practiceCount = Math.max(3, Math.ceil(options.patients / 150));
  const practices: Practice[] = [];
  for (let n = 0; n < practiceCount; n++) {
    if (n === 0) {
      // The development personas (gp, gp-colleague, practice-nurse) work here.
      const org = fixtureOrganizations.practice;
      systems.set(org.id, HIS[0]!);
      practices.push({
        organization: org,
        system: HIS[0]!,
        gps: [known(fixtureActors.gp), known(fixtureActors.gpColleague)],
        nurse: known(fixtureActors.practiceNurse),
      });
      continue;
    }
    const system = rng.pick(HIS);
    const org = organization(
      'HUISARTSENPRAKTIJK',
      `Huisartsenpraktijk ${rng.pick(PRACTICE_NAMES)} ${place(n)}`,
      system,
    );
    const gps = Array.from({ length: rng.int(1, 3) }, () => person('GENERAL_PRACTITIONER', org, 'Dr. '));
    practices.push({ organization: org, system, gps, nurse: person('PRACTICE_NURSE', org) });
  }

  const homeCareCount = Math.max(2, Math.ceil(options.patients / 2500));
  const homeCare: HomeCare[] = [];
  for (let n = 0; n < homeCareCount; n++) {
    const system = n === 0 ? ECD[0]! : rng.pick(ECD);
    const org =
      n === 0 ? fixtureOrganizations.homeCare : organization('VVT', `Thuiszorg ${place(n + 7)}`, system);
    systems.set(org.id, system);
    const nurses = Array.from({ length: 3 }, (_, k) =>
      n === 0 && k === 0 ? known(fixtureActors.districtNurse) : person('DISTRICT_NURSE', org),
    );
    homeCare.push({ organization: org, system, nurses, caseManager: person('CASE_MANAGER', org) });
  }

  const nursingHomeCount = Math.max(2, Math.ceil(options.patients / 2000));
  const nursingHomes: NursingHome[] = [];
  for (let n = 0; n < nursingHomeCount; n++) {
    const system = n === 0 ? ECD[1]! : rng.pick(ECD);
    const org =
      n === 0
        ? fixtureOrganizations.nursingHome
        : organization('VVT', `Verpleeghuis ${rng.pick(PRACTICE_NAMES)} ${place(n + 3)}`, system);
    systems.set(org.id, system);
    const physicians = Array.from({ length: 2 }, (_, k) =>
      n === 0 && k === 0
        ? known(fixtureActors.elderlyCarePhysician)
        : person('ELDERLY_CARE_PHYSICIAN', org, 'Dr. '),
    );
    nursingHomes.push({ organization: org, system, physicians, nurse: person('NURSE', org) });
  }

  const hospitalCount = Math.max(2, Math.min(12, Math.ceil(options.patients / 10_000)));
  const hospitals: Hospital[] = [];
  for (let n = 0; n < hospitalCount; n++) {
    const system = n === 0 ? EPD[0]! : rng.pick(EPD);
    const org =
      n === 0
        ? fixtureOrganizations.hospital
        : organization('ZIEKENHUIS', `Ziekenhuis ${place(n * 5)}`, system);
    systems.set(org.id, system);
    const specialists = Array.from({ length: 6 }, (_, k) =>
      n === 0 && k === 0 ? known(fixtureActors.specialist) : person('MEDICAL_SPECIALIST', org, 'Dr. '),
    );
    hospitals.push({ organization: org, system, specialists });
  }

  const actorIndex = new Map(actors.map((a, i) => [a.id, i] as const));
  return { options, practices, homeCare, nursingHomes, hospitals, actors, actorIndex, systems };
}

/**
 * The BSN of the region's n-th patient: valid (11-check), fictitious, starting with 3 so it stays
 * clear of the test fixtures and of `syntheticBsn` (which start with 1 and 9).
 */
export function regionBsn(n: number): string {
  for (let body = 30_000_000 + n * 2; ; body++) {
    const digits = String(body);
    let sum = 0;
    for (let i = 0; i < 8; i++) sum += Number(digits[i]) * (9 - i);
    const check = sum % 11;
    if (check <= 9) return `${digits}${check}`;
  }
}

/** Whether the n-th patient is one of the few with a long history (200+ events). */
export const isLongHistory = (n: number): boolean => n % 10_000 === 17;

// ---------------------------------------------------------------------------------------------
// One patient's commands

/** A command as the patient's script asks for it; the runner adds the clock and decides it. */
interface Step {
  readonly type: CommandType;
  readonly data: unknown;
  readonly actor: Actor;
  readonly now: string;
}
/** Yields commands; each `yield` gives back the patient's state after that command. */
type Script = Generator<Step, void, PlanState>;

interface PatientContext {
  readonly region: Region;
  readonly index: number;
  readonly rng: Rng;
  readonly newId: () => string;
  readonly clock: Clock;
  readonly bsn: string;
  readonly name: string;
  readonly birthDate: string;
  readonly practice: Practice;
  readonly gp: Actor;
  readonly homeCare: HomeCare;
  readonly districtNurse: Actor;
  readonly nursingHome: NursingHome;
  readonly hospital: Hospital;
}

/** Deterministic UUID-shaped ids, unique per seed and patient by construction. */
function idFactory(seed: number, index: number): () => string {
  const s = (seed >>> 0).toString(16).padStart(8, '0');
  const p = index.toString(16).padStart(7, '0');
  const head = `${s}-${p.slice(0, 4)}-4${p.slice(4, 7)}-8000-`;
  let n = 0;
  return () => `${head}${(++n).toString(16).padStart(12, '0')}`;
}

function patientContext(region: Region, index: number): PatientContext {
  const { seed } = region.options;
  const rng = new Rng(mixSeed(seed, index));
  const practice = region.practices[rng.int(0, region.practices.length - 1)]!;
  const practiceNo = region.practices.indexOf(practice);
  // Care around a practice is local: its home care, nursing home and hospital follow from it.
  const homeCare = region.homeCare[practiceNo % region.homeCare.length]!;
  const nursingHome = region.nursingHomes[(practiceNo + rng.int(0, 1)) % region.nursingHomes.length]!;
  const hospital = region.hospitals[(practiceNo + rng.int(0, 1)) % region.hospitals.length]!;
  const birthYear = 1924 + Math.floor(40 * rng.float() ** 1.4);
  const birthDate = `${birthYear}-${String(rng.int(1, 12)).padStart(2, '0')}-${String(rng.int(1, 28)).padStart(2, '0')}`;
  const first = isLongHistory(index) ? START_DAY + rng.int(0, 60) : rng.int(START_DAY, END_DAY - 30);
  return {
    region,
    index,
    rng,
    newId: idFactory(seed, index),
    clock: new Clock(first, rng),
    bsn: regionBsn(index),
    name: `${rng.pick(FIRST_NAMES)} ${rng.pick(SURNAMES)}`,
    birthDate,
    practice,
    gp: rng.pick(practice.gps),
    homeCare,
    districtNurse: rng.pick(homeCare.nurses),
    nursingHome,
    hospital,
  };
}

const professional = (actor: Actor): Party => ({
  kind: 'PROFESSIONAL',
  id: actor.id,
  name: actor.name,
  profession: actor.profession,
  organization: actor.organization,
});

function step<T extends CommandType>(p: PatientContext, type: T, data: CommandInput<T>, actor: Actor): Step {
  return { type, data, actor, now: p.clock.instant };
}

const STANDARD: readonly (readonly [Exclude<TreatmentCode, 'OTH'>, number])[] = [
  ['89666000', 0.95],
  ['40617009', 0.35],
  ['305351004', 0.25],
  ['32485007', 0.25],
  ['281789004', 0.06],
  ['116762002', 0.02],
];
type Decision = 'WEL' | 'NIET' | 'ANDERS';
// prettier-ignore
const DECISION_ODDS: Record<TreatmentCode, readonly (readonly [Decision, number])[]> = {
  '89666000': [['NIET', 72], ['WEL', 20], ['ANDERS', 8]],
  '40617009': [['NIET', 80], ['WEL', 12], ['ANDERS', 8]],
  '305351004': [['NIET', 75], ['WEL', 15], ['ANDERS', 10]],
  '32485007': [['ANDERS', 45], ['WEL', 35], ['NIET', 20]],
  '281789004': [['WEL', 50], ['ANDERS', 35], ['NIET', 15]],
  '116762002': [['NIET', 50], ['WEL', 40], ['ANDERS', 10]],
  OTH: [['NIET', 70], ['ANDERS', 30]],
};

interface DirectiveChoice {
  treatment: { code: TreatmentCode; text?: string };
  decision: Decision;
  specification?: string;
}

function directive(rng: Rng, treatment: DirectiveChoice['treatment'], unlike?: Decision): DirectiveChoice {
  let decision = rng.weighted(DECISION_ODDS[treatment.code]);
  if (decision === unlike) decision = decision === 'NIET' ? 'ANDERS' : 'NIET';
  return decision === 'ANDERS'
    ? { treatment, decision, specification: rng.pick(SPECIFICATIONS[treatment.code]!) }
    : { treatment, decision };
}

const CONSENT_ODDS: readonly (readonly [ConsentOrganizationType, number, number])[] = [
  // organisation type, asked in the first conversation, granted when asked
  ['HAP', 0.92, 0.95],
  ['SEH', 0.45, 0.9],
  ['AMBULANCE', 0.15, 0.92],
  ['VVT', 0.06, 0.95],
  ['ZIEKENHUIS', 0.05, 0.9],
  ['HUISARTSENPRAKTIJK', 0.02, 0.97],
];

const contactPerson = (p: PatientContext, role: '01' | '23' | '24') => {
  const { rng } = p;
  const surname = p.name.slice(p.name.indexOf(' ') + 1);
  return {
    contactId: p.newId(),
    name: `${rng.pick(FIRST_NAMES)} ${rng.chance(0.6) ? surname : rng.pick(SURNAMES)}`,
    role,
    relationship: rng.weighted([
      ['CHILD', 55],
      ['SPOUSE_OR_PARTNER', 30],
      ['SIBLING', 7],
      ['OTHER_FAMILY', 5],
      ['FRIEND', 3],
    ] as const),
    phone: `06-${String(rng.int(10_000_000, 99_999_999))}`,
    ...(rng.chance(0.3) ? { email: `naaste${p.index}@example.nl` } : {}),
  };
};

const current = (state: PlanState, role: CareRole) => activeRoles(state.plan, role)[0];

/** The acting physician in charge: the regiebehandelaar (a physician here), else the GP. */
function regie(p: PatientContext, state: PlanState): Actor {
  const holder = current(state, 'REGIEBEHANDELAAR');
  const index = holder ? p.region.actorIndex.get(holder.practitioner.id) : undefined;
  return index === undefined ? p.gp : p.region.actors[index]!;
}

const practitioner = (a: Actor) => ({ id: a.id, name: a.name, profession: a.profession });

function* firstConversation(p: PatientContext): Script {
  const { rng, clock } = p;
  const author = rng.weighted<Actor>([
    [p.gp, 78],
    [p.practice.nurse, 14],
    [rng.pick(p.hospital.specialists), 8],
  ]);
  const withoutCapacity = rng.chance(0.08);
  const representative = withoutCapacity ? contactPerson(p, '24') : undefined;
  const contact =
    representative ?? (rng.chance(0.5) ? contactPerson(p, rng.pick(['01', '23', '24'] as const)) : undefined);
  const participants: Party[] = [
    representative
      ? { kind: 'REPRESENTATIVE', name: representative.name, contactId: representative.contactId }
      : { kind: 'PATIENT' },
    professional(author),
  ];
  if (!representative && rng.chance(0.45)) {
    participants.push({
      kind: 'RELATIVE',
      name: `${rng.pick(FIRST_NAMES)} ${rng.pick(SURNAMES)}`,
      relationship: 'CHILD',
    });
  }
  const treatmentDirectives: DirectiveChoice[] = [];
  for (const [code, odds] of STANDARD)
    if (rng.chance(odds)) treatmentDirectives.push(directive(rng, { code }));
  if (rng.chance(0.03))
    treatmentDirectives.push(directive(rng, { code: 'OTH', text: rng.pick(OTHER_TREATMENTS) }));
  const sharingConsents = CONSENT_ODDS.filter(([, asked]) => rng.chance(asked)).map(
    ([organizationType, , granted]) => ({
      organizationType,
      decision: rng.chance(granted) ? ('GRANTED' as const) : ('REFUSED' as const),
    }),
  );
  yield step(
    p,
    'RecordConversation',
    {
      conversationId: p.newId(),
      patient: { bsn: p.bsn, name: p.name, birthDate: p.birthDate },
      date: clock.date,
      ...(rng.chance(0.5) ? { location: rng.pick(['Spreekkamer', 'Bij patiënt thuis', 'Polikliniek']) } : {}),
      participants,
      topics: [
        'WHAT_MATTERS',
        'TREATMENT_WISHES_AND_LIMITS',
        ...(sharingConsents.length ? (['SHARING_CONSENT'] as const) : []),
      ],
      ...(rng.chance(0.6) ? { summary: rng.pick(SUMMARIES) } : {}),
      treatmentDirectives,
      lifeWishes: rng.chance(0.3) ? [{ wishId: p.newId(), text: rng.pick(LIFE_WISHES) }] : [],
      ...(rng.chance(0.45)
        ? {
            medicalPolicyGoal: {
              goal: rng.weighted([
                ['1351964001', 50],
                ['713148004', 30],
                ['385987000', 20],
              ] as const),
            },
          }
        : {}),
      ...(rng.chance(0.3)
        ? {
            preferredPlaceOfDeath: {
              place: {
                code: rng.weighted([
                  ['264362003', 60],
                  ['284546000', 20],
                  ['108344006', 12],
                  ['22232009', 3],
                  ['UNK', 5],
                ] as const),
              },
            },
          }
        : {}),
      ...(rng.chance(0.12)
        ? {
            euthanasiaPosition: {
              position: rng.pick(['HAS_DECLARATION', 'DOES_NOT_WANT', 'MAY_REQUEST', 'UNKNOWN'] as const),
            },
          }
        : {}),
      ...(rng.chance(0.08) ? { organDonation: { answer: rng.pick(['YES', 'NO', 'UNKNOWN'] as const) } } : {}),
      ...(rng.chance(0.04)
        ? { icdDeactivation: { answer: rng.pick(['YES', 'NOT_YET_DECIDED'] as const) } }
        : {}),
      ...(withoutCapacity
        ? { capacity: { hasCapacity: false, comment: 'Dementie, wilsonbekwaam voor behandelbeslissingen' } }
        : {}),
      advanceDirectives: rng.chance(0.1)
        ? [
            {
              advanceDirectiveId: p.newId(),
              type: rng.pick(['NR', 'EU', 'VERB', 'VOL'] as const),
              date: isoDate(clock.day - rng.int(30, 2000)),
            },
          ]
        : [],
      contactPersons: contact ? [contact] : [],
      sharingConsents,
      ...(rng.chance(0.08)
        ? { otherInformation: 'Slechthorend; gesprekken bij voorkeur met dochter erbij.' }
        : {}),
      ...(rng.chance(0.2) ? { reviewAfterMonths: 6 } : {}),
    },
    author,
  );

  // The GP takes (or is given) the regiebehandelaar role; the initiator leads the conversations.
  clock.tick();
  yield step(
    p,
    'AssignRole',
    {
      assignmentId: p.newId(),
      role: 'REGIEBEHANDELAAR',
      practitioner: practitioner(p.gp),
      organization: p.gp.organization,
      from: clock.date,
    },
    author.profession === 'PRACTICE_NURSE' ? p.gp : author,
  );
  if (rng.chance(0.15)) {
    clock.tick();
    yield step(
      p,
      'AssignRole',
      {
        assignmentId: p.newId(),
        role: 'HOOFDBEHANDELAAR',
        practitioner: practitioner(p.gp),
        organization: p.gp.organization,
        from: clock.date,
      },
      p.gp,
    );
  }
  if (rng.chance(0.1)) {
    clock.tick();
    yield step(
      p,
      'AssignRole',
      {
        assignmentId: p.newId(),
        role: 'SUPPORTING_NURSE',
        practitioner: practitioner(p.districtNurse),
        organization: p.districtNurse.organization,
        from: clock.date,
      },
      p.gp,
    );
  }
}

/** The regiebehandelaar confirms every provisional limit, usually within a few weeks. */
function* confirmProvisional(p: PatientContext, state: PlanState, odds = 0.9): Script {
  const provisional = Object.values(state.plan.treatmentDirectives).filter(
    (d) => d.status === 'PROVISIONAL' && !d.ended,
  );
  if (provisional.length === 0 || !p.rng.chance(odds)) return;
  p.clock.to(p.clock.day + p.rng.int(1, 30));
  for (const d of provisional) {
    const by = regie(p, state);
    state = yield step(
      p,
      'ConfirmTreatmentDirective',
      { treatment: d.treatment, confirmedOn: p.clock.date },
      by,
    );
    p.clock.tick();
  }
}

function* followUp(p: PatientContext, state: PlanState, size: number): Script {
  const { rng, clock } = p;
  const lead = regie(p, state);
  const author = rng.weighted<Actor>([
    [lead, 75],
    [lead.organization.type === 'HUISARTSENPRAKTIJK' ? p.practice.nurse : p.nursingHome.nurse, 15],
    [p.districtNurse, 10],
  ]);
  const treatmentDirectives: DirectiveChoice[] = [];
  const codes = rng.shuffle(STANDARD.map(([code]) => code)).slice(0, size);
  for (const code of codes) {
    const existing = state.plan.treatmentDirectives[code];
    treatmentDirectives.push(
      directive(rng, { code }, existing && !existing.ended ? existing.decision : undefined),
    );
  }
  const hapConsent = state.plan.sharingConsent.HAP;
  state = yield step(
    p,
    'RecordConversation',
    {
      conversationId: p.newId(),
      date: clock.date,
      participants: [
        { kind: 'PATIENT' },
        professional(author),
        ...(author === lead ? [] : [professional(lead)]),
      ],
      topics: ['EARLIER_AGREEMENTS', 'TREATMENT_WISHES_AND_LIMITS'],
      ...(rng.chance(0.4) ? { summary: rng.pick(SUMMARIES) } : {}),
      treatmentDirectives,
      ...(rng.chance(0.15) ? { lifeWishes: [{ wishId: p.newId(), text: rng.pick(LIFE_WISHES) }] } : {}),
      ...(rng.chance(0.25) ? { medicalPolicyGoal: { goal: '713148004' as const } } : {}),
      ...(rng.chance(0.15)
        ? {
            preferredPlaceOfDeath: {
              place: { code: rng.pick(['264362003', '284546000', '108344006'] as const) },
            },
          }
        : {}),
      ...(!hapConsent && rng.chance(0.5)
        ? { sharingConsents: [{ organizationType: 'HAP' as const, decision: 'GRANTED' as const }] }
        : {}),
      ...(rng.chance(0.3) ? { reviewAfterMonths: rng.pick([3, 6, 6, 9]) } : {}),
    },
    author,
  );
  if (author !== lead) yield* confirmProvisional(p, state, 0.85);
}

function* review(p: PatientContext, state: PlanState): Script {
  yield step(
    p,
    'ConfirmPlanReviewed',
    { reviewedOn: p.clock.date, ...(p.rng.chance(0.3) ? { comment: 'Besproken, niets gewijzigd' } : {}) },
    regie(p, state),
  );
}

/** Admission: the specialist becomes hoofdbehandelaar; discharge: the GP (or SO) takes it back. */
function* hospitalStay(p: PatientContext, state: PlanState, until: number): Script {
  const { rng, clock } = p;
  const specialist = rng.pick(p.hospital.specialists);
  const back = regie(p, state);
  // Still under this specialist (no discharge recorded after an earlier stay): nothing to hand over.
  if (current(state, 'HOOFDBEHANDELAAR')?.practitioner.id === specialist.id) return;
  state = yield step(
    p,
    'AssignRole',
    {
      assignmentId: p.newId(),
      role: 'HOOFDBEHANDELAAR',
      practitioner: practitioner(specialist),
      organization: specialist.organization,
      from: clock.date,
      transition: 'HOSPITAL_ADMISSION',
    },
    specialist,
  );
  if (rng.chance(0.5)) {
    clock.to(clock.day + rng.int(0, 2));
    const existing = state.plan.treatmentDirectives['305351004'];
    state = yield step(
      p,
      'SetTreatmentDirective',
      {
        ...directive(rng, { code: '305351004' }, existing && !existing.ended ? existing.decision : undefined),
        decidedOn: clock.date,
        parties: [{ kind: 'PATIENT' }, professional(specialist)],
      },
      specialist,
    );
  }
  if (rng.chance(0.8)) {
    clock.to(Math.min(until, clock.day + rng.int(3, 20)));
    yield step(
      p,
      'AssignRole',
      {
        assignmentId: p.newId(),
        role: 'HOOFDBEHANDELAAR',
        practitioner: practitioner(back),
        organization: back.organization,
        from: clock.date,
        transition: 'HOSPITAL_DISCHARGE',
      },
      back,
    );
  }
}

/** Move to a nursing home: the specialist ouderengeneeskunde becomes regie- and hoofdbehandelaar. */
function* nursingHomeMove(p: PatientContext, state: PlanState): Script {
  const { rng, clock } = p;
  const so = rng.pick(p.nursingHome.physicians);
  if (current(state, 'REGIEBEHANDELAAR')?.practitioner.id === so.id) return;
  state = yield step(
    p,
    'AssignRole',
    {
      assignmentId: p.newId(),
      role: 'REGIEBEHANDELAAR',
      practitioner: practitioner(so),
      organization: so.organization,
      from: clock.date,
      transition: 'NURSING_HOME_ADMISSION',
    },
    so,
  );
  clock.tick();
  if (current(state, 'HOOFDBEHANDELAAR')?.practitioner.id !== so.id) {
    state = yield step(
      p,
      'AssignRole',
      {
        assignmentId: p.newId(),
        role: 'HOOFDBEHANDELAAR',
        practitioner: practitioner(so),
        organization: so.organization,
        from: clock.date,
        transition: 'NURSING_HOME_ADMISSION',
      },
      so,
    );
  }
  if (state.plan.sharingConsent.VVT?.decision !== 'GRANTED') {
    clock.tick();
    yield step(
      p,
      'RecordSharingConsent',
      { organizationType: 'VVT', decision: 'GRANTED', recordedOn: clock.date },
      so,
    );
  }
}

/** A district nurse agrees a limit (provisional); the regiebehandelaar confirms it later. */
function* nurseLimit(p: PatientContext, state: PlanState): Script {
  const { rng, clock } = p;
  const code = rng.pick(['281789004', '32485007', '116762002'] as const);
  const existing = state.plan.treatmentDirectives[code];
  state = yield step(
    p,
    'SetTreatmentDirective',
    {
      ...directive(rng, { code }, existing && !existing.ended ? existing.decision : undefined),
      decidedOn: clock.date,
      parties: [{ kind: 'PATIENT' }, professional(p.districtNurse)],
    },
    p.districtNurse,
  );
  yield* confirmProvisional(p, state);
}

/** A wrong entry is marked entered-in-error by the regiebehandelaar and, for a limit, redone. */
function* correction(p: PatientContext, state: PlanState): Script {
  const { rng, clock } = p;
  const candidates = state.log.filter(
    (e) =>
      (e.type === 'TreatmentDirectiveSet' ||
        e.type === 'TreatmentDirectiveRevised' ||
        e.type === 'LifeWishRecorded') &&
      !state.inError.has(e.metadata.eventId),
  );
  const target = candidates[candidates.length - 1 - Math.min(candidates.length - 1, rng.int(0, 2))];
  if (!target) return;
  const by = regie(p, state);
  state = yield step(
    p,
    'MarkEnteredInError',
    { changeId: target.metadata.eventId, reason: rng.pick(CORRECTION_REASONS) },
    by,
  );
  if (target.type !== 'LifeWishRecorded' && rng.chance(0.7)) {
    clock.tick();
    const { treatment, decision } = target.data as DirectiveChoice;
    yield step(
      p,
      'SetTreatmentDirective',
      {
        ...directive(rng, treatment, decision),
        decidedOn: clock.date,
        parties: [{ kind: 'PATIENT' }, professional(by)],
      },
      by,
    );
  }
}

function* consentChange(p: PatientContext, state: PlanState): Script {
  const { rng, clock } = p;
  const by = regie(p, state);
  const granted = (['SEH', 'AMBULANCE', 'ZIEKENHUIS', 'HAP'] as const).filter(
    (t) => state.plan.sharingConsent[t]?.decision === 'GRANTED',
  );
  // Mostly consent asked later (often for the ambulance); now and then a patient takes it back.
  if (granted.length > 0 && rng.chance(0.2)) {
    const type = rng.weighted(granted.map((t) => [t, t === 'HAP' ? 1 : 5] as const));
    yield step(
      p,
      'WithdrawSharingConsent',
      {
        organizationType: type,
        withdrawnOn: clock.date,
        reason: 'Patiënt wil niet dat de afspraken gedeeld worden',
      },
      by,
    );
    return;
  }
  const type = rng.weighted([
    ['AMBULANCE', 4],
    ['SEH', 3],
    ['HAP', 2],
    ['VVT', 1],
  ] as const);
  yield step(
    p,
    'RecordSharingConsent',
    { organizationType: type, decision: rng.chance(0.93) ? 'GRANTED' : 'REFUSED', recordedOn: clock.date },
    by,
  );
}

function* contactChange(p: PatientContext, state: PlanState): Script {
  const by = regie(p, state);
  const old = Object.values(state.plan.contactPersons).find((c) => !c.removed);
  const next = contactPerson(p, old?.role === '24' ? '24' : p.rng.pick(['01', '23', '24'] as const));
  state = yield step(p, 'DesignateContactPerson', next, by);
  if (old) {
    p.clock.tick();
    yield step(
      p,
      'RemoveContactPerson',
      { contactId: old.contactId, reason: 'Vervangen door een andere contactpersoon' },
      by,
    );
  }
}

function* capacityLost(p: PatientContext, state: PlanState): Script {
  const by = regie(p, state);
  if (activeRepresentatives(state.plan, REPRESENTATIVE_ROLES).length === 0) {
    state = yield step(p, 'DesignateContactPerson', contactPerson(p, '24'), by);
    p.clock.tick();
  }
  yield step(
    p,
    'AssessCapacity',
    {
      hasCapacity: false,
      assessedOn: p.clock.date,
      comment: 'Niet meer wilsbekwaam ten aanzien van behandelbeslissingen',
    },
    by,
  );
}

function* smallChange(p: PatientContext, state: PlanState): Script {
  const { rng, clock } = p;
  const by = regie(p, state);
  const wish = Object.values(state.plan.lifeWishes).find((w) => !w.withdrawn);
  const written = Object.values(state.plan.advanceDirectives).find((a) => !a.revoked);
  const kind = rng.weighted([
    ['advance', 4],
    ['wish', wish ? 2 : 0],
    ['revoke', written ? 1 : 0],
    ['euthanasia', 2],
    ['donation', 1],
    ['other', 1],
  ] as const);
  switch (kind) {
    case 'advance':
      yield step(
        p,
        'RegisterAdvanceDirective',
        {
          advanceDirectiveId: p.newId(),
          type: rng.pick(['NR', 'EU', 'EUD', 'VERB', 'VOL', 'LW'] as const),
          date: clock.date,
          documentReference: `scan-${p.index}-${clock.day}`,
        },
        by,
      );
      return;
    case 'wish':
      yield step(p, 'WithdrawLifeWish', { wishId: wish!.wishId, reason: 'Niet meer van toepassing' }, by);
      return;
    case 'revoke':
      yield step(
        p,
        'RevokeAdvanceDirective',
        {
          advanceDirectiveId: written!.advanceDirectiveId,
          revokedOn: clock.date,
          reason: 'Ingetrokken door patiënt',
        },
        by,
      );
      return;
    case 'euthanasia':
      yield step(
        p,
        'SetEuthanasiaPosition',
        {
          position: rng.pick(['HAS_DECLARATION', 'MAY_REQUEST', 'DOES_NOT_WANT'] as const),
          decidedOn: clock.date,
        },
        by,
      );
      return;
    case 'donation':
      yield step(
        p,
        'SetOrganDonation',
        { answer: rng.pick(['YES', 'NO'] as const), decidedOn: clock.date },
        by,
      );
      return;
    case 'other':
      yield step(
        p,
        'RecordOtherInformation',
        { text: 'Woont alleen; mantelzorg door dochter, dagelijks bezoek.' },
        by,
      );
      return;
  }
}

function* changeOfGp(p: PatientContext, state: PlanState): Script {
  const practice =
    p.region.practices[(p.region.practices.indexOf(p.practice) + 1) % p.region.practices.length]!;
  const gp = p.rng.pick(practice.gps);
  if (current(state, 'REGIEBEHANDELAAR')?.practitioner.id === gp.id) return;
  yield step(
    p,
    'AssignRole',
    {
      assignmentId: p.newId(),
      role: 'REGIEBEHANDELAAR',
      practitioner: practitioner(gp),
      organization: gp.organization,
      from: p.clock.date,
      transition: 'CHANGE_OF_GP',
    },
    gp,
  );
}

type Episode = (p: PatientContext, state: PlanState, until: number) => Script;

/** Per patient: how likely each episode is, and what it is. */
const EPISODES: readonly (readonly [number, Episode])[] = [
  [0.1, hospitalStay],
  [0.06, nurseLimit],
  [0.04, nursingHomeMove],
  [0.03, correction],
  [0.08, consentChange],
  [0.04, contactChange],
  [0.025, capacityLost],
  [0.06, smallChange],
  [0.01, changeOfGp],
];

/** 1-6 conversations in all: most patients have one or two. */
const FOLLOW_UPS: readonly (readonly [number, number])[] = [
  [0, 58],
  [1, 21],
  [2, 9],
  [3, 6],
  [4, 4],
  [5, 2],
];

function* ordinaryPatient(p: PatientContext): Script {
  const { rng, clock } = p;
  let state: PlanState = yield* collect(firstConversation(p));
  state = yield* collect(confirmProvisional(p, state), state);

  // Conversation days first, then episodes placed in the gaps between them.
  const days: number[] = [];
  let day = clock.day;
  for (let k = rng.weighted(FOLLOW_UPS); k > 0; k--) {
    day += rng.int(90, 420);
    if (day > END_DAY) break;
    days.push(day);
  }
  const episodes: { day: number; episode: Episode }[] = [];
  for (const [odds, episode] of EPISODES) {
    if (rng.chance(odds) && clock.day + 5 < END_DAY) {
      episodes.push({ day: rng.int(clock.day + 5, END_DAY), episode });
    }
  }
  for (const d of days) episodes.push({ day: d, episode: followUpOrReview });
  episodes.sort((a, b) => a.day - b.day);
  episodes.forEach((e, i) => {
    e.day = Math.max(e.day, i > 0 ? episodes[i - 1]!.day : clock.day);
  });
  for (let i = 0; i < episodes.length; i++) {
    const { day: at, episode } = episodes[i]!;
    clock.to(at);
    state = yield* collect(episode(p, state, episodes[i + 1]?.day ?? END_DAY), state);
  }
}

function* followUpOrReview(p: PatientContext, state: PlanState): Script {
  if (p.rng.chance(0.2)) yield* review(p, state);
  else
    yield* followUp(
      p,
      state,
      p.rng.weighted([
        [0, 30],
        [1, 45],
        [2, 20],
        [3, 5],
      ] as const),
    );
}

/** Years of frequent conversations, revisions, admissions and corrections: 200+ events. */
function* longPatient(p: PatientContext): Script {
  const { rng, clock } = p;
  let state: PlanState = yield* collect(firstConversation(p));
  state = yield* collect(confirmProvisional(p, state), state);
  const target = 200 + rng.int(0, 120);
  while (state.version + 1 < target) {
    const next = Math.min(END_DAY, clock.day + rng.int(20, 45));
    clock.to(next);
    const roll = rng.float();
    const episode: Episode =
      roll < 0.55
        ? (q, s) => followUp(q, s, rng.int(2, 5))
        : roll < 0.65
          ? review
          : roll < 0.72
            ? hospitalStay
            : roll < 0.8
              ? nurseLimit
              : roll < 0.86
                ? correction
                : roll < 0.9
                  ? consentChange
                  : roll < 0.95
                    ? smallChange
                    : contactChange;
    state = yield* collect(episode(p, state, Math.min(END_DAY + 30, clock.day + 20)), state);
  }
}

/** Runs a sub-script and hands back the last state it saw. */
function* collect(script: Script, from: PlanState = initialState): Generator<Step, PlanState, PlanState> {
  let state = from;
  let next = script.next(state);
  while (!next.done) {
    state = yield next.value;
    next = script.next(state);
  }
  return state;
}

// ---------------------------------------------------------------------------------------------
// Running a patient's commands

export interface DecidedCommand {
  readonly command: PzpCommand;
  readonly sourceSystem: string;
  /** The events decide() gave, in their envelopes. */
  readonly events: readonly PzpEvent[];
  /** Stream revision before this command (-1: the stream does not exist yet). */
  readonly expectedVersion: number;
}

/**
 * One patient's commands, decided one by one against the state kept here, the decided events
 * folded back in with evolve(). Deterministic: ids and instants come from the patient's seed.
 */
export class PatientRun {
  readonly bsn: string;
  readonly long: boolean;
  state: PlanState = initialState;
  private readonly context: PatientContext;
  private readonly script: Script;

  constructor(
    readonly region: Region,
    readonly index: number,
  ) {
    this.context = patientContext(region, index);
    this.bsn = this.context.bsn;
    this.long = isLongHistory(index);
    this.script = this.long ? longPatient(this.context) : ordinaryPatient(this.context);
  }

  /** The next command, decided and applied; undefined when this patient's history is complete. */
  next(): DecidedCommand | undefined {
    const next = this.script.next(this.state);
    if (next.done) return undefined;
    const { type, data, actor, now } = next.value;
    const command = { type, data, metadata: { actor, now } } as PzpCommand;
    const expectedVersion = this.state.version;
    const sourceSystem = this.region.systems.get(actor.organization.id) ?? 'HIS';
    const decided = decide(command, this.state);
    const events = envelope(decided, {
      actor,
      now,
      sourceSystem,
      correlationId: this.context.newId(),
      causationId: type,
      newId: this.context.newId,
    });
    for (const e of events) this.state = evolve(this.state, e);
    return { command, sourceSystem, events, expectedVersion };
  }

  /** The practitioner who may go on changing this plan: the current regiebehandelaar. */
  get regiebehandelaar(): Actor | undefined {
    const holder = current(this.state, 'REGIEBEHANDELAAR');
    const index = holder ? this.region.actorIndex.get(holder.practitioner.id) : undefined;
    return index === undefined ? undefined : this.region.actors[index];
  }
}

/** Every command of one patient with the number of events each gave (for tests and inspection). */
export function patientCommands(
  region: Region,
  index: number,
): { bsn: string; commands: PzpCommand[]; events: number } {
  const run = new PatientRun(region, index);
  const commands: PzpCommand[] = [];
  let events = 0;
  for (let c = run.next(); c; c = run.next()) {
    commands.push(c.command);
    events += c.events.length;
  }
  return { bsn: run.bsn, commands, events };
}
