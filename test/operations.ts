import { readFileSync } from 'node:fs';
import { Kind, parse, print, visit, type DefinitionNode, type FragmentDefinitionNode } from 'graphql';

/**
 * The documents in operations/registry.graphql, one standalone document per operation (with the
 * fragments it uses). The same file feeds graphql-codegen, so the tests' operations are checked
 * against the SDL in CI.
 */
const document = parse(readFileSync(new URL('./operations/registry.graphql', import.meta.url), 'utf8'));
const fragments = new Map(
  document.definitions
    .filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION)
    .map((d) => [d.name.value, d]),
);

function standalone(name: string): string {
  const operation = document.definitions.find(
    (d) => d.kind === Kind.OPERATION_DEFINITION && d.name?.value === name,
  );
  if (!operation) throw new Error(`No operation ${name}`);
  const used = new Set<string>();
  const collect = (node: DefinitionNode) =>
    visit(node, {
      FragmentSpread(spread) {
        if (!used.has(spread.name.value)) {
          used.add(spread.name.value);
          collect(fragments.get(spread.name.value)!);
        }
      },
    });
  collect(operation);
  return [operation, ...[...used].map((f) => fragments.get(f)!)].map((d) => print(d)).join('\n');
}

export const RECORD_CONVERSATION = standalone('Record');
export const ASSIGN_ROLE = standalone('Assign');
export const SET_DIRECTIVE = standalone('Set');
export const PZP = standalone('Pzp');
export const PZP_AS_OF = standalone('AsOf');
export const PZP_AGREED_ON = standalone('AgreedOn');
export const HISTORY = standalone('History');
export const ACCESS_LOG = standalone('Log');
export const EMERGENCY = standalone('Emergency');
export const WITHDRAW_DIRECTIVE = standalone('Withdraw');
export const WITHDRAW_REVISION = standalone('WithdrawRevision');
export const VOID_RECORD = standalone('Void');
export const MARK_IN_ERROR = standalone('MarkInError');
export const CONFIRM_DIRECTIVE = standalone('Confirm');
export const TWO_PATIENTS = standalone('TwoPatients');
export const REVIEWS_DUE = standalone('ReviewsDue');
export const TWO_PAGES = standalone('TwoPages');
export const BREAK_GLASS_ACCESSES = standalone('BreakGlassAccesses');
export const OPEN_BREAK_GLASS_REVIEW_COUNT = standalone('OpenBreakGlassReviewCount');
export const REVIEW_BREAK_GLASS_ACCESS = standalone('ReviewBreakGlassAccess');
export const BREAK_GLASS_ACCESSES_OF_MY_PATIENTS = standalone('BreakGlassAccessesOfMyPatients');
