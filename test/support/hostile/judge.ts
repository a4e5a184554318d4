import type { Category, HostileCase } from './case.js';
import type { Outcome } from './run.js';

/** One broken rule for one case, in words that hold no value the request sent. */
export interface Problem {
  readonly category: Category;
  readonly label: string;
  readonly problem: string;
  readonly status: number | undefined;
  readonly codes: readonly string[];
}

interface ErrorBody {
  message?: unknown;
  extensions?: { code?: unknown } & Record<string, unknown>;
}

const errorsOf = (json: unknown): ErrorBody[] | undefined => {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return undefined;
  const errors = (json as { errors?: unknown }).errors;
  return Array.isArray(errors) ? (errors as ErrorBody[]) : undefined;
};

const codesOf = (errors: readonly ErrorBody[] | undefined): string[] => [
  ...new Set(
    (errors ?? []).map((e) => (typeof e?.extensions?.code === 'string' ? e.extensions.code : '(none)')),
  ),
];

/**
 * The rules every response to a hostile request keeps: it comes (in time), it is not a 5xx, an
 * error is a JSON body whose every error has `extensions.code`, no error repeats a value the
 * request sent, a request that must be refused is (with the expected code), and a hostile write
 * never returns a result.
 */
export function judge(c: HostileCase, outcome: Outcome | undefined): Problem[] {
  if (outcome === undefined) return [];
  const errors = errorsOf(outcome.json);
  const codes = codesOf(errors);
  const problems: string[] = [];
  const { status } = outcome;
  if (status === undefined) {
    problems.push(`no response (${outcome.failure})`);
  } else {
    if (status >= 500) problems.push('5xx');
    const isError = status >= 400 || (errors?.length ?? 0) > 0;
    const coded =
      errors !== undefined &&
      errors.length > 0 &&
      errors.every((e) => typeof e?.extensions?.code === 'string' && e.extensions.code !== '');
    if (isError && !coded) problems.push('error without a JSON body of errors[].extensions.code');
    if (c.expect.refused) {
      if (!errors || errors.length === 0) problems.push('not refused');
      else if (c.expect.code && !codes.includes(c.expect.code))
        problems.push(`refused without ${c.expect.code}`);
    }
    const said = errors
      ? errors.map((e) => `${String(e?.message)}\n${JSON.stringify(e?.extensions ?? {})}`).join('\n')
      : isError
        ? (outcome.text ?? '')
        : '';
    if (c.secrets.some((secret) => secret.length > 0 && said.includes(secret)))
      problems.push('an error repeats a value the request sent');
    const data = (outcome.json as { data?: Record<string, unknown> } | undefined)?.data;
    if (c.mutation && data && typeof data === 'object' && data[c.mutation] != null)
      problems.push('a hostile write was accepted');
  }
  return problems.map((problem) => ({ category: c.category, label: c.label, problem, status, codes }));
}

/**
 * The failure message: per category, how many of its cases broke which rule, then the commonest
 * kinds (rule, label, status and codes), never a value.
 */
export function report(problems: readonly Problem[], cases: readonly HostileCase[]): string {
  const total = new Map<Category, number>();
  for (const c of cases) total.set(c.category, (total.get(c.category) ?? 0) + 1);
  const byCategory = new Map<Category, Problem[]>();
  for (const p of problems) byCategory.set(p.category, [...(byCategory.get(p.category) ?? []), p]);
  const counted = (keys: readonly string[]) => {
    const counts = new Map<string, number>();
    for (const key of keys) counts.set(key, (counts.get(key) ?? 0) + 1);
    return [...counts].sort((a, b) => b[1] - a[1]);
  };
  const lines: string[] = [];
  for (const [category, list] of byCategory) {
    const rules = counted(list.map((p) => p.problem)).map(([rule, n]) => `${n}× ${rule}`);
    lines.push(`${category} (${total.get(category)} cases): ${rules.join('; ')}`);
    const kinds = counted(
      list.map(
        (p) => `${p.problem} — ${p.label}, status ${p.status ?? '-'}, codes ${p.codes.join('|') || '-'}`,
      ),
    );
    for (const [kind, n] of kinds.slice(0, 8)) lines.push(`  ${n}× ${kind}`);
    if (kinds.length > 8) lines.push(`  … and ${kinds.length - 8} more kinds`);
  }
  return lines.join('\n');
}
