import { graphqlPost, rawPost, REFUSED, type HostileCase } from './case.js';
import { READ_PZP, roundRobin, type Generator, type GeneratorContext } from './generator.js';
import {
  fieldLabel,
  mutationDocument,
  TEMPLATES,
  valueAt,
  withValue,
  type MutationTemplate,
} from './mutations.js';
import { hostileText, hostileTextKind, INVISIBLE, CONTROL } from './text.js';

/**
 * Attacks in the values: variables and literals of the wrong type, enum values that do not exist,
 * free text with controls or nothing visible, break-the-glass reasons of zero-width spaces. Each
 * changes one value of an input the server accepts as it is, so every one must be refused.
 */

/** A template's mutation with one value changed. */
function mutationCase(
  g: GeneratorContext,
  category: HostileCase['category'],
  template: MutationTemplate,
  label: string,
  change: (input: Record<string, unknown>) => Record<string, unknown>,
  secrets: readonly string[] = [],
): HostileCase {
  const ctx = g.templateContext();
  return graphqlPost({
    category,
    label,
    expect: REFUSED,
    token: g.target.tokens[template.persona],
    payload: { query: mutationDocument(template), variables: { input: change(template.input(ctx)) } },
    secrets: [...g.bsnsOf(template, ctx), ...secrets],
    mutation: template.mutation,
  });
}

const FRESH_CONVERSATION = TEMPLATES.find((t) => t.mutation === 'recordConversation' && !t.onSeeded)!;

/** Issue 11.3: more variable errors than graphql-js collects, and variables of every wrong shape. */
export const variableErrors: Generator = (g, count) => {
  const { rng } = g;
  const read = (label: string, payload: Record<string, unknown>, query = READ_PZP) => {
    const p = g.patient();
    return graphqlPost({
      category: 'variable-errors',
      label,
      expect: REFUSED,
      token: g.target.tokens.gp,
      payload: { query, ...payload },
      secrets: [p.bsn],
    });
  };
  const makers: (() => HostileCase)[] = [
    () =>
      mutationCase(g, 'variable-errors', FRESH_CONVERSATION, 'too-many/participants', (input) => ({
        ...input,
        participants: Array.from({ length: rng.int(51, 400) }, () => ({ kind: 'NOBODY' })),
      })),
    () =>
      mutationCase(g, 'variable-errors', FRESH_CONVERSATION, 'too-many/topics', (input) => ({
        ...input,
        topics: Array.from({ length: rng.int(51, 500) }, (_, i) => i),
      })),
    () => {
      const n = rng.int(51, 200);
      const p = g.patient();
      const definitions = Array.from({ length: n }, (_, i) => `$b${i}: BSN!`).join(', ');
      const fields = Array.from({ length: n }, (_, i) => `p${i}: pzp(bsn: $b${i}) { version }`).join(' ');
      return graphqlPost({
        category: 'variable-errors',
        label: 'too-many/variables',
        expect: REFUSED,
        token: g.target.tokens.gp,
        payload: {
          query: `query Many(${definitions}) { ${fields} }`,
          variables: Object.fromEntries(Array.from({ length: n }, (_, i) => [`b${i}`, Number(p.bsn)])),
        },
        secrets: [p.bsn],
      });
    },
    () => read('missing', { variables: {} }),
    () => read('null-for-non-null', { variables: { bsn: null } }),
    () => {
      const p = g.patient();
      return read('variables/json-string', { variables: JSON.stringify({ bsn: p.bsn }) });
    },
    () => read('variables/array', { variables: [g.patient().bsn] }),
    () => read('variables/number', { variables: 5 }),
    () => read('undeclared', { variables: {} }, 'query Q { pzp(bsn: $nope) { version } }'),
    () =>
      read(
        'unknown-type',
        { variables: { b: g.patient().bsn } },
        'query Q($b: Nope!) { pzp(bsn: $b) { version } }',
      ),
    () =>
      read(
        'type-mismatch',
        { variables: { b: g.patient().bsn } },
        'query Q($b: String!) { pzp(bsn: $b) { version } }',
      ),
    () =>
      read(
        'declared-twice',
        { variables: { b: g.patient().bsn } },
        'query Q($b: BSN!, $b: BSN!) { pzp(bsn: $b) { version } }',
      ),
    () => {
      const template = rng.pick(TEMPLATES);
      const marker = g.marker();
      return mutationCase(
        g,
        'variable-errors',
        template,
        `${template.mutation}/unknown-field`,
        (input) => ({
          ...input,
          hack: marker,
        }),
        [marker],
      );
    },
    () => {
      const template = rng.pick(TEMPLATES);
      return mutationCase(
        g,
        'variable-errors',
        template,
        `${template.mutation}/input-array`,
        (input) => [input] as never,
      );
    },
    () => {
      const template = rng.pick(TEMPLATES);
      return mutationCase(g, 'variable-errors', template, `${template.mutation}/bsn-null`, (input) => ({
        ...input,
        bsn: null,
      }));
    },
    () =>
      mutationCase(g, 'variable-errors', FRESH_CONVERSATION, 'participants/string', (input) => ({
        ...input,
        participants: 'PATIENT',
      })),
  ];
  return roundRobin(count, makers);
};

/** Issue 11.4: values of the wrong type (a BSN as a number first), whose error must not repeat them. */
export const wrongTypes: Generator = (g, count) => {
  const { rng, target } = g;
  const read = (label: string, query: string, variables: Record<string, unknown>, secrets: string[]) =>
    graphqlPost({
      category: 'wrong-type',
      label,
      expect: REFUSED,
      token: target.tokens.gp,
      payload: { query, variables },
      secrets,
    });
  const fullWidth = (digits: string) =>
    [...digits].map((d) => String.fromCodePoint(0xff10 + Number(d))).join('');
  const elevenCheckFails = (bsn: string) => `${bsn.slice(0, 8)}${(Number(bsn[8]) + 1) % 10}`;
  const bsnVariants: [string, (bsn: string) => unknown, (bsn: string) => string[]][] = [
    ['number', (b) => Number(b), (b) => [b]],
    ['float', (b) => Number(b) + 0.5, (b) => [b]],
    ['boolean', () => true, (b) => [b]],
    ['array', (b) => [b], (b) => [b]],
    ['object', (b) => ({ bsn: b }), (b) => [b]],
    ['full-width-digits', (b) => fullWidth(b), (b) => [b, fullWidth(b)]],
    ['with-nul', (b) => `${b}\u0000`, (b) => [b]],
    ['ten-digits', (b) => `${b}0`, (b) => [b]],
    ['eight-digits', (b) => b.slice(1), (b) => [b.slice(1)]],
    ['eleven-check', (b) => elevenCheckFails(b), (b) => [elevenCheckFails(b)]],
  ];
  const HISTORY =
    'query H($bsn: BSN!, $first: Int) { pzpHistory(bsn: $bsn, first: $first) { edges { cursor } } }';
  const makers: (() => HostileCase)[] = [
    ...bsnVariants.map(([label, value, secrets]) => () => {
      const p = g.patient();
      return read(`pzp.bsn/${label}`, READ_PZP, { bsn: value(p.bsn) }, secrets(p.bsn));
    }),
    () => {
      const p = g.patient();
      return read('pzp.bsn/int-literal', `{ pzp(bsn: ${p.bsn}) { version } }`, {}, [p.bsn]);
    },
    () => {
      const p = g.patient();
      return read('pzp.bsn/float-literal', `{ pzp(bsn: ${p.bsn}.5) { version } }`, {}, [p.bsn]);
    },
    ...(
      [
        ['string', '10'],
        ['float', 1.5],
        ['overflow', 2 ** 40],
      ] as const
    ).map(([label, first]) => () => {
      const p = g.patient();
      return read(`pzpHistory.first/${label}`, HISTORY, { bsn: p.bsn, first }, [p.bsn]);
    }),
    () => {
      const p = g.patient();
      return read(
        'pzpAsOf.at/number',
        'query A($bsn: BSN!, $at: DateTime!) { pzpAsOf(bsn: $bsn, at: $at) { version } }',
        { bsn: p.bsn, at: 1_773_000_000 },
        [p.bsn, '1773000000'],
      );
    },
    () =>
      read(
        'reviewsDue.until/number',
        'query R($until: LocalDate!) { reviewsDue(until: $until) { edges { cursor } } }',
        { until: 20_261_201 },
        ['20261201'],
      ),
    // The same in every mutation: the BSN, the expected version, a date and a free text of the wrong type.
    () => {
      const template = rng.pick(TEMPLATES);
      const [label, to] = rng.pick<[string, (b: string) => unknown]>([
        ['number', (b) => Number(b)],
        ['array', (b) => [b]],
        ['object', (b) => ({ bsn: b })],
      ]);
      return mutationCase(g, 'wrong-type', template, `${template.mutation}.bsn/${label}`, (input) => ({
        ...input,
        bsn: to(String(input['bsn'])),
        ...(template.onSeeded
          ? {}
          : { patient: { ...(input['patient'] as object), bsn: to(String(input['bsn'])) } }),
      }));
    },
    () => {
      const template = rng.pick(TEMPLATES.filter((t) => t.onSeeded));
      const [label, to] = rng.pick<[string, (v: number) => unknown]>([
        ['string', (v) => String(v)],
        ['float', (v) => v + 0.5],
        ['overflow', () => 2 ** 31],
        ['unsafe', () => 2 ** 53 + 1],
      ]);
      return mutationCase(
        g,
        'wrong-type',
        template,
        `${template.mutation}.expectedVersion/${label}`,
        (input) => ({
          ...input,
          expectedVersion: to(Number(input['expectedVersion'])),
        }),
      );
    },
    () => {
      const template = rng.pick(TEMPLATES.filter((t) => t.dates.length > 0));
      const path = rng.pick(template.dates);
      const [label, to] = rng.pick<[string, (date: string) => unknown]>([
        ['number', (d) => Number(d.replaceAll('-', ''))],
        ['no-dashes', (d) => d.replaceAll('-', '')],
        ['day-first', (d) => d.split('-').reverse().join('-')],
        ['impossible', (d) => `${d.slice(0, 4)}-02-30`],
        ['with-time', (d) => `${d}T12:00:00`],
      ]);
      return mutationCase(g, 'wrong-type', template, `${fieldLabel(template, path)}/${label}`, (input) =>
        withValue(input, path, to(String(valueAt(input, path)))),
      );
    },
    () => {
      const template = rng.pick(TEMPLATES);
      const path = rng.pick(Object.keys(template.texts));
      const marker = g.marker();
      const [label, value, secret] = rng.pick<[string, unknown, string]>([
        ['number', 987_654_321, '987654321'],
        ['boolean', true, marker],
        ['array', [marker], marker],
        ['object', { text: marker }, marker],
      ]);
      return mutationCase(
        g,
        'wrong-type',
        template,
        `${fieldLabel(template, path)}/${label}`,
        (input) => withValue(input, path, value),
        [secret],
      );
    },
  ];
  return roundRobin(count, makers);
};

/** Enum values that do not exist: invented (with a marker), lower-case, padded, empty, of another type. */
export const invalidEnums: Generator = (g, count) => {
  const { rng, target } = g;
  const badValue = (original: unknown): [string, unknown, string[]] => {
    const marker = g.marker();
    return rng.pick<[string, unknown, string[]]>([
      ['invented', `X${marker.toUpperCase()}`, [`X${marker.toUpperCase()}`]],
      ['lower-case', String(original).toLowerCase(), []],
      ['padded', ` ${String(original)}`, []],
      ['with-nul', `${String(original)}\u0000`, []],
      ['empty', '', []],
      ['number', 1, []],
      ['boolean', true, []],
      ['list', [original], []],
    ]);
  };
  const PURPOSE =
    'query P($bsn: BSN!, $purpose: AccessPurpose) { pzp(bsn: $bsn, purpose: $purpose) { version } }';
  const read = (label: string, query: string, variables: Record<string, unknown>, secrets: string[]) =>
    graphqlPost({
      category: 'invalid-enum',
      label,
      expect: REFUSED,
      token: target.tokens.gp,
      payload: { query, variables },
      secrets,
    });
  const makers: (() => HostileCase)[] = [
    () => {
      const p = g.patient();
      const [label, value, secrets] = badValue('EMERGENCY');
      return read(`pzp.purpose/${label}`, PURPOSE, { bsn: p.bsn, purpose: value }, [p.bsn, ...secrets]);
    },
    () => {
      const p = g.patient();
      const invented = `X${g.marker().toUpperCase()}`;
      return read(
        'pzp.purpose/invented-literal',
        `{ pzp(bsn: "${p.bsn}", purpose: ${invented}) { version } }`,
        {},
        [p.bsn, invented],
      );
    },
    () => {
      const p = g.patient();
      return read(
        'pzp.purpose/string-literal',
        `{ pzp(bsn: "${p.bsn}", purpose: "EMERGENCY") { version } }`,
        {},
        [p.bsn],
      );
    },
    () => {
      const p = g.patient();
      return read(
        'pzp.purpose/lower-case-literal',
        `{ pzp(bsn: "${p.bsn}", purpose: emergency) { version } }`,
        {},
        [p.bsn],
      );
    },
    () => {
      const template = rng.pick(TEMPLATES.filter((t) => t.enums.length > 0));
      const path = rng.pick(template.enums);
      // The value an enum path holds does not depend on the patient.
      const clean = template.input({ patient: target.patients[0]!, freshBsn: '', today: target.today });
      const [label, value, secrets] = badValue(valueAt(clean, path));
      return mutationCase(
        g,
        'invalid-enum',
        template,
        `${fieldLabel(template, path)}/${label}`,
        (input) => withValue(input, path, value),
        secrets,
      );
    },
  ];
  // The mutations are most of the surface: half the cases.
  return roundRobin(count, [...makers, makers[4]!, makers[4]!, makers[4]!]);
};

/** Issue 11.5: controls, and nothing visible, in every free-text field of every mutation. */
export const freeText: Generator = (g, count) => {
  const { rng } = g;
  const fields = TEMPLATES.flatMap((template) =>
    Object.entries(template.texts).map(([path, required]) => ({ template, path, required })),
  );
  return Array.from({ length: count }, (_, i) => {
    const { template, path, required } = fields[i % fields.length]!;
    const kind = hostileTextKind(rng, required);
    const marker = g.marker();
    return mutationCase(
      g,
      'free-text',
      template,
      `${fieldLabel(template, path)}/${kind}`,
      (input) => withValue(input, path, hostileText(rng, kind, marker)),
      kind === 'control' ? [marker] : [],
    );
  });
};

/**
 * Issue 11.5: breaking the glass (the SEH doctor, no consent asked for the SEH) with a reason of
 * zero-width spaces, NULs, controls inside a real reason, or a short reason padded to length.
 */
export const breakGlass: Generator = (g, count) => {
  const { rng, target } = g;
  const reasons: [string, (marker: string) => string, boolean][] = [
    ['zero-width-spaces', () => '\u200b'.repeat(rng.int(10, 40)), false],
    ['nuls', () => '\u0000'.repeat(rng.int(10, 40)), false],
    [
      'invisible-mix',
      () => Array.from({ length: rng.int(10, 40) }, () => rng.pick(INVISIBLE)).join(''),
      false,
    ],
    ['controls', (m) => hostileText(rng, 'control-only', m).padEnd(12, rng.pick(CONTROL)), false],
    ['control-in-reason', (m) => hostileText(rng, 'control', m), true],
    [
      'short-padded',
      () =>
        `${'Acuut'.slice(0, rng.int(1, 5))}${Array.from({ length: rng.int(10, 30) }, () => rng.pick(INVISIBLE)).join('')}`,
      false,
    ],
  ];
  return Array.from({ length: count }, (_, i) => {
    const [label, reasonFor, marked] = reasons[i % reasons.length]!;
    const marker = g.marker();
    const reason = reasonFor(marker);
    const p = g.patient();
    const literal = i % 3 === 2;
    const secrets = [p.bsn, ...(marked ? [marker] : [])];
    const common = {
      category: 'break-glass' as const,
      expect: REFUSED,
      token: target.tokens['seh-doctor'],
      secrets,
    };
    if (!literal) {
      return graphqlPost({
        ...common,
        label: `${label}/variable`,
        payload: {
          query:
            'query Glass($bsn: BSN!, $reason: String) { pzp(bsn: $bsn, purpose: BREAK_THE_GLASS, breakGlassReason: $reason) { version } }',
          variables: { bsn: p.bsn, reason },
        },
      });
    }
    // In the document, as GraphQL \u escapes.
    const escaped = [...reason]
      .map((c) => (/[\w ]/.test(c) ? c : `\\u${c.codePointAt(0)!.toString(16).padStart(4, '0')}`))
      .join('');
    return rawPost({
      ...common,
      label: `${label}/literal`,
      body: JSON.stringify({
        query: `{ pzp(bsn: "${p.bsn}", purpose: BREAK_THE_GLASS, breakGlassReason: "${escaped}") { version } }`,
      }),
    });
  });
};
