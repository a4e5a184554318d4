import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  buildSchema,
  getNamedType,
  isEnumType,
  isInputObjectType,
  isLeafType,
  isListType,
  isNonNullType,
  isObjectType,
  isUnionType,
  type GraphQLInputType,
  type GraphQLNamedType,
} from 'graphql';
import { decideAccess, factsFromView } from '@pzp/access';
import { currentView, type Actor, type PzpCommand } from '@pzp/domain';
import { actors } from '@pzp/domain/testing';
import { buildRegion, isLongHistory, PatientRun } from '../../../scripts/lib/region.js';
import { MAX_DEPTH } from './app.js';
import { ENUM_CODES } from './graphql/codings.js';
import { typeDefs } from './graphql/schema.js';
import { startInProcessApi, type InProcessApi } from './spec-support.js';

/**
 * What a mutation returns is what the registry held right after it: for every change of a long
 * generated patient (years of conversations, reviews, handovers, corrections), driven through the
 * real app as mutations on a clock that runs from change to change, the record the mutation
 * returned equals pzpAsOf at the instant right after that change, field for field (the same
 * selection: every field of PzpRecord). That covers the as-of fold, the projection and the one
 * place date-dependent warnings are added: REVIEW_OVERDUE shows up, and never twice.
 */

const schema = buildSchema(typeDefs.join('\n'));
const PATIENT = 17; // a long history (200+ events)

/**
 * The first seed whose long patient the access policy lets through change by change. The
 * generator writes straight to the store, like a seeder, and now and then has a district nurse or
 * a specialist change a plan without the patient's consent for their kind of organisation; the
 * API refuses those (FORBIDDEN), and a refused change would end the history here.
 */
function admittedLongPatient(): PatientRun {
  for (let seed = 1; seed <= 100; seed++) {
    const region = buildRegion({ patients: 100, seed });
    const trial = new PatientRun(region, PATIENT);
    let admitted = true;
    while (admitted) {
      const facts = trial.state.version < 0 ? undefined : factsFromView(currentView(trial.state.plan));
      const c = trial.next();
      if (!c) return new PatientRun(region, PATIENT);
      const request = { actor: c.command.metadata.actor, action: 'WRITE', purpose: 'TREATMENT' } as const;
      admitted = decideAccess(request, facts).outcome === 'GRANTED';
    }
  }
  throw new Error('No seed up to 100 gives a long patient whose every change the access policy admits');
}

/** Every field of `type` that takes no required argument, `levels` deep (unions by member). */
function selectionOf(type: GraphQLNamedType, levels: number): string {
  if (isUnionType(type))
    return `{ __typename ${type
      .getTypes()
      .map((member) => `... on ${member.name} ${selectionOf(member, levels)}`)
      .join(' ')} }`;
  if (!isObjectType(type)) return '';
  const fields = Object.values(type.getFields()).flatMap((field) => {
    if (field.args.some((a) => isNonNullType(a.type))) return [];
    const named = getNamedType(field.type);
    if (isLeafType(named)) return [field.name];
    if (levels <= 1) return [];
    const inner = selectionOf(named, levels - 1);
    return inner ? [`${field.name} ${inner}`] : [];
  });
  return fields.length > 0 ? `{ ${fields.join(' ')} }` : '';
}
// `mutation { x(input) { record { ... } } }` spends two levels before the record.
const RECORD = selectionOf(schema.getType('PzpRecord')!, MAX_DEPTH - 2);

/** The command's data as the mutation's input: only the fields the input type has. */
function asInput(value: unknown, type: GraphQLInputType, dropped: Set<string>, path = ''): unknown {
  if (value === undefined || value === null) return value;
  if (isNonNullType(type)) return asInput(value, type.ofType, dropped, path);
  if (isListType(type))
    return (value as unknown[]).map((v) => asInput(v, type.ofType as GraphQLInputType, dropped, path));
  // A code goes over the wire as its enum's name (CPR for 89666000).
  if (isEnumType(type)) {
    const codes: Readonly<Record<string, string>> | undefined = (
      ENUM_CODES as Record<string, Record<string, string>>
    )[type.name];
    return codes ? (Object.keys(codes).find((name) => codes[name] === value) ?? value) : value;
  }
  if (!isInputObjectType(type)) return value;
  const fields = type.getFields();
  const input: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value as Record<string, unknown>)) {
    const field = fields[key];
    if (field) input[key] = asInput(v, field.type, dropped, `${path}${key}.`);
    else dropped.add(`${type.name}.${key}`);
  }
  return input;
}

/** The mutation for a command: its name, the input's type, and how the data goes in. */
function mutationFor(command: PzpCommand) {
  const name = command.type[0]!.toLowerCase() + command.type.slice(1);
  const field = schema.getMutationType()!.getFields()[name];
  if (!field) throw new Error(`No mutation for ${command.type}`);
  const inputType = field.args[0]!.type;
  // The one mutation whose input nests the command's data.
  const data = command.type === 'DesignateContactPerson' ? { contact: command.data } : command.data;
  return { name, inputType, data: data as Record<string, unknown> };
}

let api: InProcessApi;
let url: string;
/** The server's clock: set to each change's instant, moved on between requests. */
let now = 0;

beforeAll(async () => {
  api = await startInProcessApi({ name: 'as-of', clock: () => new Date(now), requestTimeoutMs: 20_000 });
  url = api.url;
});

afterAll(() => api?.close());

const tokenFor = (actor: Actor, clientSystem: string): Promise<string> => api.token(actor, clientSystem);

interface Result<T> {
  data?: T | null;
  errors?: { message: string; extensions?: Record<string, unknown> }[];
}

async function post<T>(token: string, query: string, variables: Record<string, unknown>): Promise<T> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query, variables }),
  });
  const result = (await response.json()) as Result<T>;
  if (result.errors) throw new Error(JSON.stringify(result.errors));
  return result.data!;
}

type ShownRecord = Record<string, unknown> & {
  version: number;
  asOf: string;
  accessFlagged: boolean;
  reviewDueOn: string | null;
  warnings: { code: string }[];
};

/** A record without the two fields that differ by design: the instant shown and how access went. */
const comparable = ({ asOf: _a, accessFlagged: _f, ...rest }: ShownRecord) => rest;
const overdue = (r: ShownRecord) => r.warnings.filter((w) => w.code === 'REVIEW_OVERDUE').length;

const AS_OF = `query AsOf($bsn: BSN!, $at: DateTime!) { pzpAsOf(bsn: $bsn, at: $at) ${RECORD} }`;
const CURRENT = `query Current($bsn: BSN!) { pzp(bsn: $bsn, purpose: AUDIT) ${RECORD} }`;

describe('pzpAsOf right after a change equals what the mutation returned', () => {
  it('for every change of a long patient history, through the real app', async () => {
    expect(isLongHistory(PATIENT)).toBe(true);
    const run = admittedLongPatient();
    const auditor = await tokenFor(actors.auditor, 'audit-tool');
    /** The registry's change ids for the generator's (a correction names the change it corrects). */
    const changeIds = new Map<string, string>();
    const dropped = new Set<string>();
    let version = -1;
    let previous = 0;
    let changes = 0;
    let overdueSeen = 0;
    let last: ShownRecord | undefined;

    for (let c = run.next(); c; c = run.next()) {
      const command = c.command;
      // The generator decided this command at `now`: the server's clock says the same.
      now = Date.parse(command.metadata.now);
      expect(now).toBeGreaterThan(previous);
      expect(c.expectedVersion).toBe(version); // nothing was skipped or added on the way

      const { name, inputType, data } = mutationFor(command);
      const corrected = command.type === 'MarkEnteredInError' ? (data.changeId as string) : undefined;
      const input = {
        ...(asInput(data, inputType, dropped) as Record<string, unknown>),
        bsn: run.bsn,
        ...(version >= 0 ? { expectedVersion: version } : {}),
        ...(corrected ? { changeId: changeIds.get(corrected) ?? corrected } : {}),
      };
      const result = await post<Record<string, { record: ShownRecord; changes: { changeId: string }[] }>>(
        await tokenFor(command.metadata.actor, c.sourceSystem),
        `mutation Change($input: ${String(inputType)}) { ${name}(input: $input) { record ${RECORD} changes { changeId } } }`,
        { input },
      ).catch((e: unknown) => {
        throw new Error(`${command.type} at ${command.metadata.now}: ${String(e)}`);
      });
      const { record, changes: made } = result[name]!;
      expect(made).toHaveLength(c.events.length);
      c.events.forEach((e, i) => changeIds.set(e.metadata.eventId, made[i]!.changeId));
      version = record.version;
      changes++;

      // The instant right after the change, asked a moment later (the clock has moved on).
      const at = new Date(now + 1);
      now += 1000;
      previous = now;
      const asOf = (
        await post<{ pzpAsOf: ShownRecord }>(auditor, AS_OF, { bsn: run.bsn, at: at.toISOString() })
      ).pzpAsOf;
      expect(comparable(asOf), `${command.type} at ${command.metadata.now}`).toEqual(comparable(record));
      expect(Date.parse(asOf.asOf)).toBe(at.getTime());
      expect(overdue(record)).toBeLessThanOrEqual(1);
      if (overdue(record) === 1) overdueSeen++;
      last = record;
    }
    expect(changes).toBeGreaterThan(50);
    expect(version).toBeGreaterThan(200);
    // Somewhere in those years a review fell overdue before the next change.
    expect(overdueSeen).toBeGreaterThan(0);
    // Every field of every command reached its mutation: the API decided what the generator did.
    expect([...dropped]).toEqual([]);

    // And long after the last change, once its review date has passed: once in both views.
    now = Date.parse(`${last!.reviewDueOn!}T12:00:00+02:00`) + 400 * 86_400_000;
    const at = new Date(now - 1000);
    const current = (await post<{ pzp: ShownRecord }>(auditor, CURRENT, { bsn: run.bsn })).pzp;
    const asOf = (
      await post<{ pzpAsOf: ShownRecord }>(auditor, AS_OF, { bsn: run.bsn, at: at.toISOString() })
    ).pzpAsOf;
    expect(overdue(current)).toBe(1);
    expect(overdue(asOf)).toBe(1);
    expect(comparable(asOf)).toEqual(comparable(current));
  }, 120_000);
});
