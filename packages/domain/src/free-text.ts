import { z } from 'zod';

/**
 * Free text as people type it, at the boundary (commands, the break-the-glass reason): one
 * building block so every field applies the same rules.
 *
 * - NFC-normalised, so the same words are stored as the same code points whatever the keyboard
 *   or the system that sent them (and a length limit means the same thing for all).
 * - No control characters (C0, DEL, C1) and no lone surrogates: they are never text, they break
 *   logs and terminals, and a NUL truncates the value in many downstream systems. Multi-line
 *   fields allow tab, line feed and carriage return.
 * - A minimum length counts only visible characters: whitespace, format characters (U+200B
 *   ZERO WIDTH SPACE, U+FEFF, U+2060, bidi controls ...), other default-ignorable characters
 *   and combining marks on their own do not make a reason "say something".
 *
 * Messages name the rule, never the value (it may be a name or a BSN pasted in the wrong field).
 * Stored events keep their own, older schemas: this applies to what comes in, not to what was
 * written before these rules existed.
 */

export interface FreeTextOptions {
  /** The longest value, in UTF-16 code units after normalising and trimming (as zod counts). */
  readonly max: number;
  /** The fewest visible characters (see {@link visibleLength}); 1 unless given. */
  readonly min?: number;
  /** Whether tab, line feed and carriage return are allowed (notes, reasons), or not (names, ids). */
  readonly multiline?: boolean;
}

/** Cc is exactly C0 (U+0000-U+001F), DEL and C1 (U+0080-U+009F). */
const CONTROL_SINGLE_LINE = /\p{Cc}/u;
const CONTROL_MULTI_LINE = /(?![\t\n\r])\p{Cc}/u;
const LONE_SURROGATE = /\p{Cs}/u;
/**
 * What takes no visible room: whitespace, format characters, default-ignorables (fillers,
 * variation selectors), combining marks without a base, controls, and the blank Braille pattern
 * (drawn as nothing, but neither whitespace nor ignorable).
 */
const INVISIBLE = /[\p{White_Space}\p{Cf}\p{Default_Ignorable_Code_Point}\p{M}\p{Cc}\u2800]/gu;

/** Whether the text holds a character that is not text (a control character or a lone surrogate). */
export function hasControlCharacters(text: string, multiline: boolean): boolean {
  return (multiline ? CONTROL_MULTI_LINE : CONTROL_SINGLE_LINE).test(text) || LONE_SURROGATE.test(text);
}

/** The number of visible characters (code points) in `text`. */
export function visibleLength(text: string): number {
  let n = 0;
  for (const _ of text.replace(INVISIBLE, '')) n++;
  return n;
}

const freeTextSchemas = new WeakSet<z.ZodType>();

/** Whether `schema` was made by {@link freeText} (lets tests prove every text field uses it). */
export const isFreeText = (schema: z.ZodType): boolean => freeTextSchemas.has(schema);

/** A free-text string schema: normalised, trimmed, bounded, without control characters. */
export function freeText({ max, min = 1, multiline = false }: FreeTextOptions): z.ZodString {
  const schema = z
    .string()
    .normalize('NFC')
    .trim()
    .max(max, `At most ${max} characters`)
    .refine((s) => !hasControlCharacters(s, multiline), {
      message: multiline
        ? 'Contains a control character (only tab, line feed and carriage return are allowed in text)'
        : 'Contains a control character (tabs and line breaks are not allowed here either)',
      abort: true,
    })
    .refine((s) => visibleLength(s) >= min, {
      message:
        min === 1
          ? 'Must contain visible characters (whitespace and invisible characters do not count)'
          : `Must contain at least ${min} visible characters (whitespace and invisible characters do not count)`,
    });
  freeTextSchemas.add(schema);
  return schema;
}
