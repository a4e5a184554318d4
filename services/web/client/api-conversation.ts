/** PZP-gesprek vastleggen: the plan's version before, the one mutation, and what changed meanwhile. */
import { z } from 'zod';
import { ApiError, call } from './api.js';

export const CONVERSATION_ME_QUERY = `query GesprekMe { me { id name profession organization { id name type } } }`;

/** What the form needs of the current plan: its version, and whether it has a representative. */
export const CONVERSATION_PLAN_QUERY = `query GesprekPlan($bsn: BSN!) {
  pzp(bsn: $bsn, purpose: TREATMENT) { version patient { name birthDate } representatives { name } }
}`;

export const RECORD_CONVERSATION_MUTATION = `mutation PzpGesprek($input: RecordConversationInput!) {
  recordConversation(input: $input) { record { version } }
}`;

/** The changes made after the version the GP started from; the care team reads them as TREATMENT. */
export const CHANGES_QUERY = `query GesprekWijzigingen($bsn: BSN!, $after: String) {
  pzpHistory(bsn: $bsn, first: 50, after: $after, purpose: TREATMENT) {
    edges { node { version recordedAt summary recordedBy { name } } }
    pageInfo { hasNextPage endCursor }
  }
}`;

const Author = z.object({
  id: z.string(),
  name: z.string(),
  profession: z.string(),
  organization: z.object({ id: z.string(), name: z.string(), type: z.string() }),
});
export type Author = z.infer<typeof Author>;

const PlanBasis = z.object({
  version: z.number().int(),
  patient: z.object({ name: z.string(), birthDate: z.string() }),
  representatives: z.array(z.object({ name: z.string() })),
});
export type PlanBasis = z.infer<typeof PlanBasis>;

const Change = z.object({
  version: z.number().int(),
  recordedAt: z.string(),
  summary: z.string(),
  recordedBy: z.object({ name: z.string() }),
});
export type Change = z.infer<typeof Change>;

const ChangesPage = z.object({
  pzpHistory: z.object({
    edges: z.array(z.object({ node: Change })),
    pageInfo: z.object({ hasNextPage: z.boolean(), endCursor: z.string().nullable() }),
  }),
});

const unexpected = () => new ApiError('Onverwacht antwoord van het register', 'BAD_RESPONSE');

export async function fetchAuthor(token: string): Promise<Author> {
  const parsed = z.object({ me: Author }).safeParse(await call(token, CONVERSATION_ME_QUERY, {}));
  if (!parsed.success) throw unexpected();
  return parsed.data.me;
}

/** The plan the conversation builds on, or null when the registry holds none for this BSN. */
export async function fetchPlanBasis(token: string, bsn: string): Promise<PlanBasis | null> {
  const parsed = z
    .object({ pzp: PlanBasis.nullable() })
    .safeParse(await call(token, CONVERSATION_PLAN_QUERY, { bsn }));
  if (!parsed.success) throw unexpected();
  return parsed.data.pzp;
}

/** Records the conversation; returns the plan's new version. */
export async function recordConversation(token: string, input: Record<string, unknown>): Promise<number> {
  const parsed = z
    .object({ recordConversation: z.object({ record: z.object({ version: z.number().int() }) }) })
    .safeParse(await call(token, RECORD_CONVERSATION_MUTATION, { input }));
  if (!parsed.success) throw unexpected();
  return parsed.data.recordConversation.record.version;
}

/** A bound on pages read, so a very long history cannot keep the screen loading. */
const MAX_PAGES = 20;

/** The changes that produced versions after `since`, oldest first. */
export async function fetchChangesSince(token: string, bsn: string, since: number): Promise<Change[]> {
  const changes: Change[] = [];
  let after: string | null = null;
  for (let page = 0; page < MAX_PAGES; page++) {
    const parsed = ChangesPage.safeParse(await call(token, CHANGES_QUERY, { bsn, after }));
    if (!parsed.success) throw unexpected();
    const { edges, pageInfo } = parsed.data.pzpHistory;
    changes.push(...edges.map((e) => e.node).filter((c) => c.version > since));
    if (!pageInfo.hasNextPage || !pageInfo.endCursor) break;
    after = pageInfo.endCursor;
  }
  return changes;
}
