/**
 * The workloads the benchmark and the profiler put on the API, over real HTTP with real tokens:
 * the HAP lookup, recordConversation on existing patients by their regiebehandelaar, and the
 * FHIR treatment-directive search. The GraphQL documents are the integrator's operations from
 * test/operations/registry.graphql.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Kind, parse, print, visit, type DefinitionNode, type DocumentNode } from 'graphql';
import { amsterdamDate, type Actor } from '@pzp/domain';
import { DEV_AUDIENCE, DEV_ISSUER, mintToken } from '../../services/api/src/auth/index.js';
import type { LoadSpec } from './load.js';
import { Rng } from './random.js';
import type { Region } from './region.js';
import { ROOT, type RegionFacts } from '../seed-region.js';

const OPERATIONS = parse(readFileSync(join(ROOT, 'test/operations/registry.graphql'), 'utf8'));

/** One named operation with the fragments it uses, printed as a document of its own. */
function operation(name: string): string {
  const fragments = new Map<string, DefinitionNode>();
  for (const d of OPERATIONS.definitions) {
    if (d.kind === Kind.FRAGMENT_DEFINITION) fragments.set(d.name.value, d);
  }
  const op = OPERATIONS.definitions.find(
    (d) => d.kind === Kind.OPERATION_DEFINITION && d.name?.value === name,
  );
  if (!op) throw new Error(`No operation ${name} in test/operations/registry.graphql`);
  const used = new Set<string>();
  const collect = (node: DefinitionNode) =>
    visit(node, {
      FragmentSpread(spread) {
        if (used.has(spread.name.value)) return;
        used.add(spread.name.value);
        collect(fragments.get(spread.name.value)!);
      },
    });
  collect(op);
  const doc: DocumentNode = {
    kind: Kind.DOCUMENT,
    definitions: [op, ...[...used].map((n) => fragments.get(n)!)],
  };
  return print(doc);
}

export const PZP = operation('Pzp');
export const RECORD = operation('Record');
export const AS_OF = operation('AsOf');
export const HISTORY = operation('History');

/** Patients with a long history are left out of the lookups and writes: the as-of row reads them. */
const longHistory = (facts: RegionFacts) => new Set(facts.long.map((l) => l.index));

/** The consented patients (HAP may see their plan), in region order. */
export function consentedPatients(facts: RegionFacts): string[] {
  const long = longHistory(facts);
  return facts.bsn.filter((_, i) => facts.hap[i] === 1 && !long.has(i));
}

/** `pzp(bsn, purpose: EMERGENCY)` over random consented patients. */
export function hapLookups(facts: RegionFacts, seed: number) {
  const consented = consentedPatients(facts);
  const rng = new Rng(seed ^ 0x4a9);
  const lookup = (bsn: string) => JSON.stringify({ query: PZP, variables: { bsn, purpose: 'EMERGENCY' } });
  return {
    consented,
    lookup,
    spec: (url: string, headers: Record<string, string>, connections: number, seconds: number): LoadSpec => ({
      url,
      connections,
      seconds,
      next: () => ({ body: lookup(rng.pick(consented)), headers }),
      // A lookup must show the plan: null would mean the access was refused or the BSN is unknown.
      check: (status, body) => status === 200 && !body.includes('"errors":') && !body.includes('"pzp":null'),
    }),
  };
}

interface Writable {
  bsn: string;
  version: number;
  writer: number;
}

/**
 * recordConversation with 10 changes (the conversation, 4 limits, a wish, goal, place, a contact,
 * a consent) on existing patients, each by its regiebehandelaar with the expected version its last
 * write gave; one request per patient at a time. Tokens are minted with the development key.
 */
export async function conversationWrites(options: {
  readonly region: Region;
  readonly facts: RegionFacts;
  readonly seed: number;
  readonly privateJwk: Parameters<typeof mintToken>[0]['privateJwk'];
}) {
  const { region, facts, seed } = options;
  const long = longHistory(facts);
  const pool: Writable[] = new Rng(seed ^ 0x3c1).shuffle(
    facts.bsn.flatMap((bsn, i) =>
      facts.writer[i]! >= 0 && !long.has(i)
        ? [{ bsn, version: facts.version[i]!, writer: facts.writer[i]! }]
        : [],
    ),
  );
  const queue = pool.slice(0, 2000);
  const tokens = new Map<number, string>();
  for (const p of queue) {
    if (tokens.has(p.writer)) continue;
    tokens.set(
      p.writer,
      await mintToken({
        privateJwk: options.privateJwk,
        actor: region.actors[p.writer]!,
        clientSystem: 'bench',
        issuer: DEV_ISSUER,
        audience: DEV_AUDIENCE,
      }),
    );
  }
  const today = amsterdamDate(new Date());
  let conversations = 0;
  const conversation = (p: Writable) => {
    const author: Actor = region.actors[p.writer]!;
    const n = ++conversations;
    return JSON.stringify({
      query: RECORD,
      variables: {
        input: {
          bsn: p.bsn,
          expectedVersion: p.version,
          date: today,
          participants: [
            { kind: 'PATIENT' },
            {
              kind: 'PROFESSIONAL',
              id: author.id,
              name: author.name,
              profession: author.profession,
              organization: author.organization,
            },
          ],
          topics: ['EARLIER_AGREEMENTS', 'TREATMENT_WISHES_AND_LIMITS', 'SHARING_CONSENT'],
          summary: 'Vervolggesprek (benchmark): grenzen aangescherpt na verslechtering.',
          treatmentDirectives: [
            { treatment: { code: 'CPR' }, decision: n % 2 ? 'NIET' : 'WEL' },
            { treatment: { code: 'MECHANICAL_VENTILATION' }, decision: 'NIET' },
            { treatment: { code: 'ICU_ADMISSION' }, decision: 'NIET' },
            {
              treatment: { code: 'HOSPITAL_ADMISSION' },
              decision: 'ANDERS',
              specification: 'Alleen bij een goed behandelbare oorzaak',
            },
          ],
          lifeWishes: [{ text: 'Thuis blijven zolang het kan' }],
          medicalPolicyGoal: { goal: 'SYMPTOM_RELIEF_ONLY' },
          preferredPlaceOfDeath: { place: { code: 'HOME' } },
          contactPersons: [
            { name: `Naaste ${n}`, role: 'CONTACT', relationship: 'CHILD', phone: '06-12345678' },
          ],
          sharingConsents: [{ organizationType: 'AMBULANCE', decision: 'GRANTED' }],
        },
      },
    });
  };
  return {
    spec: (url: string, connections: number, seconds: number): LoadSpec => ({
      url,
      connections,
      seconds,
      next: (context) => {
        // Each patient is written by one request at a time, with the version its last write gave.
        const p = queue.shift();
        if (!p) throw new Error('the pool of writable patients ran dry');
        context.patient = p;
        return { body: conversation(p), headers: { authorization: `Bearer ${tokens.get(p.writer)!}` } };
      },
      check: (status, body, context) => {
        const p = context.patient as Writable;
        try {
          const parsed = JSON.parse(body) as {
            data?: { recordConversation?: { record: { version: number }; changes: unknown[] } };
            errors?: { extensions?: { currentVersion?: number } }[];
          };
          const done = parsed.data?.recordConversation;
          const current = done?.record.version ?? parsed.errors?.[0]?.extensions?.currentVersion;
          if (typeof current === 'number') {
            p.version = current;
            queue.push(p);
          }
          return status === 200 && !parsed.errors && done?.changes.length === 10;
        } catch {
          return false;
        }
      },
    }),
  };
}

/**
 * The guide's treatment-directive search, `GET /fhir/Consent?patient=…`, over the FHIR ids of the
 * first 200 consented patients (found with a Patient search by BSN each).
 */
export async function consentSearches(
  apiUrl: string,
  token: string,
  consented: readonly string[],
  seed: number,
) {
  const headers = { authorization: `Bearer ${token}`, accept: 'application/fhir+json' };
  const ids: string[] = [];
  for (const bsn of consented.slice(0, 200)) {
    const found = await fetch(
      `${apiUrl}/fhir/Patient?identifier=${encodeURIComponent(`http://fhir.nl/fhir/NamingSystem/bsn|${bsn}`)}`,
      { headers },
    );
    const id = ((await found.json()) as { entry?: { resource: { id: string } }[] }).entry?.[0]?.resource.id;
    if (id) ids.push(id);
  }
  const path = (id: string) =>
    `/fhir/Consent?patient=${id}&scope=${encodeURIComponent('http://terminology.hl7.org/CodeSystem/consentscope|treatment')}` +
    `&category=${encodeURIComponent('http://snomed.info/sct|129125009')}`;
  const sample = await fetch(`${apiUrl}${path(ids[0]!)}`, { headers });
  const sampleBody = await sample.text();
  if (sample.status !== 200 || !sampleBody.includes('"searchset"'))
    throw new Error(`the FHIR Consent search does not work: ${sampleBody.slice(0, 300)}`);
  const rng = new Rng(seed ^ 0x4a9);
  return {
    sampleBody,
    spec: (url: string, connections: number, seconds: number): LoadSpec => ({
      url,
      connections,
      seconds,
      method: 'GET',
      next: () => ({ path: path(rng.pick(ids)), headers }),
      check: (status, body) => status === 200 && body.includes('"searchset"'),
    }),
  };
}
