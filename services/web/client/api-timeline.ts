/** Tijdlijn: a patient's changes, the plan as of an instant, and who looked (auditor queries). */
import { z } from 'zod';
import { Actor, ApiError, PzpRecord, RECORD_FIELDS, call } from './api.js';

/** Enough of each kind of plan item to say in words what it was. */
const ITEM = `__typename
  ... on Patient { name birthDate }
  ... on TreatmentDirective { key summary treatment { display text } }
  ... on EndedTreatmentDirective { key summary endedOn treatment { display text } }
  ... on LifeWish { text withdrawn { on } }
  ... on AdvanceDirective { display date revoked { on } }
  ... on MedicalPolicyGoal { display }
  ... on PreferredPlaceOfDeath { display otherPlace: text }
  ... on EuthanasiaPositionAnswer { euthanasia: value }
  ... on OrganDonationAnswer { donation: value }
  ... on IcdAnswer { icdPresent: value icdComment: comment }
  ... on IcdDeactivationAnswer { icd: value }
  ... on Capacity { hasCapacity assessedOn }
  ... on OtherInformation { text }
  ... on ContactPerson { name roleDisplay phone removed { on } }
  ... on RoleAssignment { role from practitioner { name } organization { name } ended { on } }
  ... on SharingConsent { organizationType decision }
  ... on Conversation { date nextReviewOn }
  ... on RegisteredGpPractice { practice { name } }
  ... on PlanDate { date }
  ... on ReviewRequest { reason dueOn }`;

const ACTOR = 'id name profession organization { name type }';

export const HISTORY_QUERY = `query Tijdlijn($bsn: BSN!, $after: String) {
  pzpHistory(bsn: $bsn, first: 25, after: $after) {
    edges { node {
      version changeId type recordedAt summary reason enteredInError
      recordedBy { ${ACTOR} }
      changes { section key before { ${ITEM} } after { ${ITEM} } }
    } }
    pageInfo { hasNextPage endCursor }
  }
}`;

export const ACCESS_LOG_QUERY = `query Inzagelog($bsn: BSN!, $after: String) {
  accessLog(bsn: $bsn, first: 100, after: $after) {
    edges { node {
      id at action onBehalfOf clientSystem purpose outcome basis breakGlassReason flagged planVersion
      user { ${ACTOR} }
    } }
    pageInfo { hasNextPage endCursor }
  }
}`;

export const AS_OF_QUERY = `query Stand($bsn: BSN!, $at: DateTime!) {
  pzpAsOf(bsn: $bsn, at: $at) { ${RECORD_FIELDS} }
}`;

/** Any plan item: the screen reads the fields it knows per type and names the rest by section. */
const Item = z.object({ __typename: z.string() }).catchall(z.unknown()).nullable();
export type Item = z.infer<typeof Item>;

const Change = z.object({
  version: z.number().int(),
  changeId: z.string(),
  type: z.string(),
  recordedAt: z.string(),
  summary: z.string(),
  reason: z.string().nullable(),
  enteredInError: z.boolean(),
  recordedBy: Actor,
  changes: z.array(z.object({ section: z.string(), key: z.string().nullable(), before: Item, after: Item })),
});
export type Change = z.infer<typeof Change>;

const Access = z.object({
  id: z.string(),
  at: z.string(),
  action: z.string(),
  onBehalfOf: z.string().nullable(),
  clientSystem: z.string(),
  purpose: z.enum(['TREATMENT', 'EMERGENCY', 'BREAK_THE_GLASS', 'AUDIT']),
  outcome: z.enum(['GRANTED', 'DENIED']),
  basis: z.string(),
  breakGlassReason: z.string().nullable(),
  flagged: z.boolean(),
  planVersion: z.number().int().nullable(),
  user: Actor,
});
export type Access = z.infer<typeof Access>;

const PageInfo = z.object({ hasNextPage: z.boolean(), endCursor: z.string().nullable() });
type PageInfo = z.infer<typeof PageInfo>;

const HistoryPage = z.object({
  pzpHistory: z.object({ edges: z.array(z.object({ node: Change })), pageInfo: PageInfo }),
});
const LogPage = z.object({
  accessLog: z.object({ edges: z.array(z.object({ node: Access })), pageInfo: PageInfo }),
});

/** An auditor reads everything; a patient's record stays small, this bounds a runaway loop. */
const MAX_PAGES = 50;

async function everyPage<T>(
  token: string,
  query: string,
  bsn: string,
  read: (data: unknown) => { items: T[]; pageInfo: PageInfo } | undefined,
): Promise<T[]> {
  const items: T[] = [];
  let after: string | null = null;
  for (let page = 0; page < MAX_PAGES; page++) {
    const parsed = read(await call(token, query, { bsn, after }));
    if (!parsed) throw new ApiError('Onverwacht antwoord van het register', 'BAD_RESPONSE');
    items.push(...parsed.items);
    if (!parsed.pageInfo.hasNextPage || parsed.pageInfo.endCursor === null) return items;
    after = parsed.pageInfo.endCursor;
  }
  throw new ApiError('Te veel gegevens om te tonen', 'TOO_LARGE');
}

export const fetchHistory = (token: string, bsn: string): Promise<Change[]> =>
  everyPage(token, HISTORY_QUERY, bsn, (data) => {
    const parsed = HistoryPage.safeParse(data);
    if (!parsed.success) return undefined;
    const { edges, pageInfo } = parsed.data.pzpHistory;
    return { items: edges.map((e) => e.node), pageInfo };
  });

export const fetchAccessLog = (token: string, bsn: string): Promise<Access[]> =>
  everyPage(token, ACCESS_LOG_QUERY, bsn, (data) => {
    const parsed = LogPage.safeParse(data);
    if (!parsed.success) return undefined;
    const { edges, pageInfo } = parsed.data.accessLog;
    return { items: edges.map((e) => e.node), pageInfo };
  });

export async function fetchPlanAsOf(token: string, bsn: string, at: string): Promise<PzpRecord | null> {
  const parsed = z
    .object({ pzpAsOf: PzpRecord.nullable() })
    .safeParse(await call(token, AS_OF_QUERY, { bsn, at }));
  if (!parsed.success) throw new ApiError('Onverwacht antwoord van het register', 'BAD_RESPONSE');
  return parsed.data.pzpAsOf;
}
