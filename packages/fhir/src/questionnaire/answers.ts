import { amsterdamDate, LocalDate } from '@pzp/domain';
import { z } from 'zod';

/**
 * A QuestionnaireResponse as it comes in, checked for shape before any answer is read: only the
 * answer types the national form uses, nested at most as deep as the form, bounded in size.
 */
const Coding = z.object({
  system: z.string().max(500).optional(),
  code: z.string().max(200).optional(),
  display: z.string().max(1000).optional(),
});

export interface FormAnswer {
  readonly valueCoding?: z.infer<typeof Coding> | undefined;
  readonly valueString?: string | undefined;
  readonly valueDateTime?: string | undefined;
  readonly valueDate?: string | undefined;
  readonly valueBoolean?: boolean | undefined;
  readonly valueInteger?: number | undefined;
  readonly item?: readonly FormItem[] | undefined;
}
export interface FormItem {
  readonly linkId: string;
  readonly text?: string | undefined;
  readonly answer?: readonly FormAnswer[] | undefined;
  readonly item?: readonly FormItem[] | undefined;
}

const Answer: z.ZodType<FormAnswer> = z.lazy(() =>
  z
    .object({
      valueCoding: Coding.optional(),
      valueString: z.string().max(8000).optional(),
      valueDateTime: z.string().max(40).optional(),
      valueDate: z.string().max(20).optional(),
      valueBoolean: z.boolean().optional(),
      valueInteger: z.number().int().optional(),
      item: z.array(Item).max(100).optional(),
    })
    .strict(),
);
const Item: z.ZodType<FormItem> = z.lazy(() =>
  z.object({
    linkId: z.string().min(1).max(100),
    text: z.string().max(2000).optional(),
    answer: z.array(Answer).max(20).optional(),
    item: z.array(Item).max(100).optional(),
  }),
);

export const FormResponse = z.object({
  resourceType: z.literal('QuestionnaireResponse'),
  id: z.string().max(64).optional(),
  questionnaire: z.string().max(500),
  status: z.enum(['in-progress', 'completed', 'amended', 'entered-in-error', 'stopped']),
  subject: z
    .object({
      reference: z.string().max(200).optional(),
      identifier: z
        .object({ system: z.string().max(200).optional(), value: z.string().max(50).optional() })
        .optional(),
    })
    .optional(),
  authored: z.string().max(40).optional(),
  item: z.array(Item).max(100).default([]),
});
export type FormResponse = z.infer<typeof FormResponse>;

/** A FHIR date or dateTime as the calendar date it was in Amsterdam; undefined when it is neither. */
export function formDate(value: string): string | undefined {
  if (/^\d{4}-\d{2}-\d{2}$/.test(value)) return LocalDate.safeParse(value).success ? value : undefined;
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(value)) return undefined;
  try {
    return amsterdamDate(value);
  } catch {
    return undefined;
  }
}

/** Every item with `linkId` under `items`, however deep (children of groups and of answers). */
export function findAll(items: readonly FormItem[] | undefined, linkId: string): FormItem[] {
  const found: FormItem[] = [];
  const visit = (list: readonly FormItem[] | undefined, depth: number) => {
    if (!list || depth > 12) return;
    for (const item of list) {
      if (item.linkId === linkId) found.push(item);
      visit(item.item, depth + 1);
      for (const a of item.answer ?? []) visit(a.item, depth + 1);
    }
  };
  visit(items, 0);
  return found;
}

/** Every linkId in the response, for the check against the form's. */
export function linkIds(items: readonly FormItem[]): string[] {
  const ids: string[] = [];
  const visit = (list: readonly FormItem[] | undefined) => {
    for (const item of list ?? []) {
      ids.push(item.linkId);
      visit(item.item);
      for (const a of item.answer ?? []) visit(a.item);
    }
  };
  visit(items);
  return ids;
}

/** A problem with one answer of the form: the linkId it is about and what is wrong, in words. */
export interface FormIssue {
  readonly linkId: string;
  readonly message: string;
}

/**
 * Reads answers under a part of the form and collects what is wrong with them, so that a bad form
 * is answered with every offending linkId at once, not only the first.
 */
export class FormReader {
  constructor(
    private readonly items: readonly FormItem[] | undefined,
    /** Shared by the readers of a form's parts: their issues are the form's. */
    readonly issues: FormIssue[] = [],
  ) {}

  /** A reader of one item's children (a group instance). */
  within(item: FormItem): FormReader {
    return new FormReader(
      [...(item.item ?? []), ...(item.answer ?? []).flatMap((a) => a.item ?? [])],
      this.issues,
    );
  }

  all(linkId: string): FormItem[] {
    return findAll(this.items, linkId);
  }

  has(linkId: string): boolean {
    return this.all(linkId).some((i) => (i.answer?.length ?? 0) > 0 || (i.item?.length ?? 0) > 0);
  }

  problem(linkId: string, message: string): undefined {
    this.issues.push({ linkId, message });
    return undefined;
  }

  /** The one answer of a question that takes one; more than one is an issue. */
  private single(linkId: string): FormAnswer | undefined {
    const answers = this.all(linkId).flatMap((i) => i.answer ?? []);
    if (answers.length > 1) return this.problem(linkId, 'Takes one answer, got several');
    return answers[0];
  }

  string(linkId: string): string | undefined {
    const a = this.single(linkId);
    if (!a) return undefined;
    if (a.valueString === undefined) return this.problem(linkId, 'Expects a text answer (valueString)');
    const text = a.valueString.trim();
    return text === '' ? undefined : text;
  }

  /** A coded answer, as the key of `options` it matches by code (and system, when both give one). */
  coded<K extends string>(
    linkId: string,
    options: Readonly<
      Record<K, { readonly system?: string | undefined; readonly code?: string | undefined }>
    >,
    aliases: Readonly<Record<string, K>> = {},
  ): K | undefined {
    const a = this.single(linkId);
    if (!a) return undefined;
    const c = a.valueCoding;
    if (!c?.code) return this.problem(linkId, 'Expects a coded answer (valueCoding) from the form');
    for (const [key, option] of Object.entries(options) as [K, { system?: string; code?: string }][]) {
      if (option.code === c.code && (!option.system || !c.system || option.system === c.system)) return key;
    }
    if (c.code in aliases) return aliases[c.code];
    return this.problem(linkId, 'Not one of the form\u2019s answer options');
  }

  /** Every coded answer of a repeating question, each by code, with a reader of its nested items. */
  codes(linkId: string): { code: string; system?: string | undefined; nested: FormReader }[] {
    return this.all(linkId)
      .flatMap((i) => i.answer ?? [])
      .flatMap((a) =>
        a.valueCoding?.code
          ? [
              {
                code: a.valueCoding.code,
                system: a.valueCoding.system,
                nested: new FormReader(a.item, this.issues),
              },
            ]
          : [],
      );
  }

  /** A dateTime (or date) answer as its calendar date in Amsterdam. */
  dateTime(linkId: string): string | undefined {
    const a = this.single(linkId);
    if (!a) return undefined;
    const raw = a.valueDateTime ?? a.valueDate;
    if (raw === undefined) return this.problem(linkId, 'Expects a date or dateTime answer');
    return formDate(raw) ?? this.problem(linkId, 'Not a valid date or dateTime');
  }

  /** A name in the form's three parts (Voornamen, Voorvoegsels, Achternaam), as one string. */
  name(link: {
    readonly given: string;
    readonly prefix: string;
    readonly family: string;
  }): string | undefined {
    const parts = [this.string(link.given), this.string(link.prefix), this.string(link.family)].filter(
      (p): p is string => p !== undefined,
    );
    return parts.length > 0 ? parts.join(' ') : undefined;
  }
}
