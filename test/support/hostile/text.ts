import type { Rng } from '../../../scripts/lib/random.js';

/**
 * Hostile free text. Only characters no reading of issue 11 could let through: C0 controls other
 * than tab, line feed and carriage return (a note may hold line breaks), and, for fields that need
 * text, values with no visible character at all.
 */
export const CONTROL = ['\u0000', '\u0001', '\u0007', '\u0008', '\u001b'] as const;
/** Further controls (DEL, C1) mixed in beside a C0 one, never relied on alone. */
const MORE_CONTROL = ['\u007f', '\u0080', '\u009b'] as const;
/** Invisible: format characters (zero-width, joiners, BOM, soft hyphen, bidi) and blank spaces. */
export const INVISIBLE = [
  '\u200b',
  '\u200c',
  '\u200d',
  '\u2060',
  '\ufeff',
  '\u00ad',
  '\u202e',
  '\u2066',
  '\u00a0',
  '\u2002',
  '\u3000',
  ' ',
] as const;

export type HostileTextKind = 'control' | 'control-only' | 'invisible-only';

/** A marker that is this request's own: a message that contains it echoed the request. */
export const markerFor = (n: number) => `qz${n.toString(36)}hostilemark`;

function sprinkle(rng: Rng, text: string, chars: readonly string[], count: number): string {
  let out = text;
  for (let i = 0; i < count; i++) {
    const at = rng.int(0, out.length);
    out = out.slice(0, at) + rng.pick(chars) + out.slice(at);
  }
  return out;
}

/**
 * - control: readable text (with the marker) and at least one C0 control inside it;
 * - control-only: nothing but controls (the "ten NUL characters");
 * - invisible-only: nothing a reader sees (the "ten zero-width spaces"); only for fields
 *   that need text, since an optional note of blanks might be read as no note.
 */
export function hostileText(rng: Rng, kind: HostileTextKind, marker: string): string {
  switch (kind) {
    case 'control': {
      // The marker stays whole, so an echo of the value is found; the controls go around it.
      const before = sprinkle(rng, 'Afspraak ', CONTROL, rng.int(1, 3));
      const after = sprinkle(rng, ' besproken', [...MORE_CONTROL, ...INVISIBLE], rng.int(0, 3));
      return `${before}${marker}${after}`;
    }
    case 'control-only':
      return rng.chance(0.5)
        ? rng.pick(CONTROL).repeat(rng.int(1, 12))
        : sprinkle(rng, rng.pick(CONTROL), [...CONTROL, ...MORE_CONTROL], rng.int(1, 11));
    case 'invisible-only':
      return rng.chance(0.5)
        ? rng.pick(INVISIBLE).repeat(rng.int(1, 40))
        : Array.from({ length: rng.int(1, 40) }, () => rng.pick(INVISIBLE)).join('');
  }
}

export function hostileTextKind(rng: Rng, required: boolean): HostileTextKind {
  return required
    ? rng.weighted<HostileTextKind>([
        ['control', 2],
        ['control-only', 1],
        ['invisible-only', 2],
      ])
    : rng.weighted<HostileTextKind>([
        ['control', 2],
        ['control-only', 1],
      ]);
}
