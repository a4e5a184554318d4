import { amsterdamDate, isValidBsn } from '@pzp/domain';
import { actors, organizations } from '@pzp/domain/fixtures';
import type { Rng } from '../../../scripts/lib/random.js';
import type { TestServer } from '../server.js';
import type { TokenForge } from './tokens.js';

/** The personas hostile requests act as (valid tokens; the attacks are in the requests). */
export const PERSONAS = ['gp', 'hap-doctor', 'seh-doctor', 'vvt-nurse', 'auditor'] as const;
export type Persona = (typeof PERSONAS)[number];

/** A patient with a plan holding one of everything a mutation can name. */
export interface SeededPatient {
  readonly bsn: string;
  readonly version: number;
  readonly wishId: string;
  readonly contactId: string;
  readonly advanceDirectiveId: string;
  readonly assignmentId: string;
  /** The change that set CPR (the GP's, in the first conversation). */
  readonly changeId: string;
}

export interface HostileTarget {
  readonly tokens: Readonly<Record<Persona, string>>;
  readonly forge: TokenForge;
  readonly patients: readonly SeededPatient[];
  /** Today in Amsterdam: the date every clean mutation is dated. */
  readonly today: string;
  /** A BSN no plan exists for yet (each call a new one). */
  readonly freshBsn: () => string;
}

export const today = (): string => amsterdamDate(new Date());

/** Valid BSNs (9 digits, 11-check) from the seeded PRNG, never the same twice. */
export function bsnSource(rng: Rng): () => string {
  const used = new Set<string>();
  return () => {
    for (;;) {
      const candidate = String(rng.int(100_000_000, 999_999_999));
      if (isValidBsn(candidate) && !used.has(candidate)) {
        used.add(candidate);
        return candidate;
      }
    }
  };
}

export const gpParty = { kind: 'PROFESSIONAL', ...actors.gp, organization: organizations.practice };
const nurseParty = {
  kind: 'PROFESSIONAL',
  ...actors.districtNurse,
  organization: organizations.homeCare,
};

const SEED_CONVERSATION = `mutation SeedConversation($input: RecordConversationInput!) {
  recordConversation(input: $input) { record { version } }
}`;
const SEED_ROLE = `mutation SeedRole($input: AssignRoleInput!) { assignRole(input: $input) { record { version } } }`;
const SEED_REVISION = `mutation SeedRevision($input: SetTreatmentDirectiveInput!) {
  setTreatmentDirective(input: $input) { record { version } }
}`;
const SEED_READ = `query SeedRead($bsn: BSN!) {
  pzp(bsn: $bsn) {
    version
    lifeWishes { wishId }
    contactPersons { contactId }
    advanceDirectives { advanceDirectiveId }
    roles { assignmentId role }
    treatmentDirectives { key provenance { changeId } }
  }
}`;

interface SeedRead {
  pzp: {
    version: number;
    lifeWishes: { wishId: string }[];
    contactPersons: { contactId: string }[];
    advanceDirectives: { advanceDirectiveId: string }[];
    roles: { assignmentId: string; role: string }[];
    treatmentDirectives: { key: string; provenance: { changeId: string } | null }[];
  } | null;
}

async function must<T>(call: Promise<{ status: number; data?: T | null; errors?: unknown[] }>): Promise<T> {
  const r = await call;
  if (r.errors || !r.data) throw new Error(`seeding failed: status ${r.status} ${JSON.stringify(r.errors)}`);
  return r.data;
}

/**
 * Through the real API: a GP's first conversation (CPR and ICU refused, a life wish, a written
 * directive, a legal representative; consent for the HAP and home care, none asked for the SEH, so
 * the SEH doctor can only break the glass), a supporting nurse, and the nurse's pending revision
 * of the ICU directive.
 */
export async function seedPatient(
  server: TestServer,
  tokens: Readonly<Record<Persona, string>>,
  bsn: string,
): Promise<SeededPatient> {
  const date = today();
  const first = await must<{ recordConversation: { record: { version: number } } }>(
    server.graphql(tokens.gp, SEED_CONVERSATION, {
      input: {
        bsn,
        patient: { bsn, name: 'H. Testpatiënt', birthDate: '1941-07-14' },
        date,
        participants: [{ kind: 'PATIENT' }, gpParty],
        treatmentDirectives: [
          { treatment: { code: 'CPR' }, decision: 'NIET' },
          { treatment: { code: 'ICU_ADMISSION' }, decision: 'NIET' },
        ],
        lifeWishes: [{ text: 'Thuis blijven zolang het kan' }],
        advanceDirectives: [{ type: 'LW', date }],
        contactPersons: [
          {
            name: 'A. Testfamilie',
            role: 'LEGAL_REPRESENTATIVE',
            relationship: 'CHILD',
            phone: '+31 6 11111111',
          },
        ],
        sharingConsents: [
          { organizationType: 'HAP', decision: 'GRANTED' },
          { organizationType: 'VVT', decision: 'GRANTED' },
        ],
      },
    }),
  );
  const role = await must<{ assignRole: { record: { version: number } } }>(
    server.graphql(tokens.gp, SEED_ROLE, {
      input: {
        bsn,
        expectedVersion: first.recordConversation.record.version,
        role: 'SUPPORTING_NURSE',
        practitioner: {
          id: actors.districtNurse.id,
          name: actors.districtNurse.name,
          profession: 'DISTRICT_NURSE',
        },
        organization: organizations.homeCare,
        from: date,
      },
    }),
  );
  await must(
    server.graphql(tokens['vvt-nurse'], SEED_REVISION, {
      input: {
        bsn,
        expectedVersion: role.assignRole.record.version,
        treatment: { code: 'ICU_ADMISSION' },
        decision: 'WEL',
        decidedOn: date,
        parties: [{ kind: 'PATIENT' }, nurseParty],
      },
    }),
  );
  const { pzp } = await must<SeedRead>(server.graphql(tokens.gp, SEED_READ, { bsn }));
  if (!pzp) throw new Error('seeding failed: no plan after seeding');
  const changeId = pzp.treatmentDirectives.find((d) => d.key === '89666000')?.provenance?.changeId;
  const assignmentId = pzp.roles.find((r) => r.role === 'SUPPORTING_NURSE')?.assignmentId;
  const [wish] = pzp.lifeWishes;
  const [contact] = pzp.contactPersons;
  const [directive] = pzp.advanceDirectives;
  if (!changeId || !assignmentId || !wish || !contact || !directive)
    throw new Error('seeding failed: the plan lacks an item the hostile mutations name');
  return {
    bsn,
    version: pzp.version,
    wishId: wish.wishId,
    contactId: contact.contactId,
    advanceDirectiveId: directive.advanceDirectiveId,
    assignmentId,
    changeId,
  };
}
