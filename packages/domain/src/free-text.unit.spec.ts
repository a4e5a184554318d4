import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { CommandSchemas, type CommandType } from './commands.js';
import type { DomainError } from './decide.js';
import { fold } from './evolve.js';
import { freeText, isFreeText, visibleLength } from './free-text.js';
import { Phone } from './model.js';
import { Bsn } from './bsn.js';
import { DestructionReference } from './destruction.js';
import { Instant, LocalDate } from './time.js';
import { parseEvent } from './upcast.js';
import type { PzpEvent } from './events.js';
import { actors, asParty, patientParty } from './testing/fixtures.js';
import { command, given, idSequence, recorded } from './testing/decider-spec.js';
import { decide } from './decide.js';

/** Free text at the boundary (issue 11, item 5): visible characters count, control characters never pass. */

const ZWSP = '\u200b';
const NOW = '2026-03-02T14:00:00+01:00';
const gpParties = [patientParty, asParty(actors.gp)];

const started: PzpEvent[] = recorded(
  actors.gp,
  NOW,
  decide(
    command(
      'RecordConversation',
      {
        conversationId: 'conv-1',
        patient: { bsn: '111222333', name: 'W. de Groot', birthDate: '1938-05-04' },
        date: '2026-03-02',
        participants: gpParties,
        treatmentDirectives: [{ treatment: { code: '89666000' }, decision: 'NIET' }],
        lifeWishes: [{ wishId: 'w-1', text: 'Thuis blijven' }],
        contactPersons: [{ contactId: 'c-1', name: 'Anna de Groot', role: '24', relationship: 'CHILD' }],
      },
      actors.gp,
      NOW,
    ),
    fold([]),
  ),
  idSequence(1),
);

const refused = (type: CommandType, data: unknown): DomainError =>
  given(started)
    .when(command(type, data as never, actors.gp, NOW))
    .thenThrows('INVALID');

describe('the free-text building block', () => {
  const text = freeText({ max: 50, min: 10, multiline: true });
  const name = freeText({ max: 50 });

  it('counts only visible characters: whitespace, format and other invisible characters do not count', () => {
    expect(visibleLength(ZWSP.repeat(10))).toBe(0);
    expect(visibleLength('\ufeff\u2060\u200c\u200d\u00ad\u2800\u3164 \u00a0\u3000\t\n')).toBe(0);
    expect(visibleLength('\u202eabc\u202c')).toBe(3); // bidi controls are format characters
    expect(visibleLength('\u0301'.repeat(10))).toBe(0); // combining marks without a base
    expect(visibleLength('e\u0301')).toBe(1);
    expect(visibleLength('😀 ok')).toBe(3); // code points, not UTF-16 units
    expect(text.safeParse(ZWSP.repeat(20)).success).toBe(false);
    expect(text.safeParse(`${ZWSP}abc${ZWSP.repeat(10)}defghij`).success).toBe(true);
    expect(name.safeParse(`${ZWSP}\ufeff`).success).toBe(false);
    expect(name.safeParse('  ').success).toBe(false);
  });

  it('refuses control characters (C0, DEL, C1) and lone surrogates; multi-line text keeps tab and line breaks', () => {
    for (const bad of ['\u0000', '\u0007', '\u001b[2J', '\u007f', '\u0085', '\u009b', '\ud800']) {
      expect(text.safeParse(`Een reden die lang genoeg is ${bad}`).success, JSON.stringify(bad)).toBe(false);
      expect(name.safeParse(`Anna${bad}`).success, JSON.stringify(bad)).toBe(false);
    }
    expect(text.safeParse('Regel een\r\nregel twee\tmet tab').success).toBe(true);
    expect(name.safeParse('Anna\nde Groot').success).toBe(false);
    expect(name.safeParse('Anna\tde Groot').success).toBe(false);
    expect(name.safeParse('Anna 😀').success).toBe(true); // a surrogate pair is one character
  });

  it('normalises to NFC and trims before it counts', () => {
    expect(name.parse('  Ame\u0301lie ')).toBe('Amélie');
    expect(name.parse('Ame\u0301lie')).toBe(name.parse('Amélie'));
    const max = freeText({ max: 6 });
    expect(max.safeParse('Ame\u0301lie').success).toBe(true); // 7 code units before NFC, 6 after
    expect(max.safeParse('Amélie!').success).toBe(false);
  });

  it('names the rule, never the value', () => {
    const secret = 'BSN 111222333';
    for (const value of [`${secret}\u0000`, `${secret}${'x'.repeat(60)}`, ZWSP.repeat(3)]) {
      const result = text.safeParse(value);
      expect(result.success).toBe(false);
      expect(JSON.stringify(result.error!.issues)).not.toContain('111222333');
      expect(JSON.stringify(result.error!.issues)).not.toContain(ZWSP);
    }
  });
});

/** Every string a command carries, with its path, walking the zod schema. */
function stringLeaves(schema: z.ZodType, path: string[] = []): { path: string; schema: z.ZodType }[] {
  const def = (schema as unknown as { _zod: { def: Record<string, unknown> & { type: string } } })._zod.def;
  const inner = (s: unknown, step?: string) => stringLeaves(s as z.ZodType, step ? [...path, step] : path);
  switch (def.type) {
    case 'string':
      return [{ path: path.join('.'), schema }];
    case 'object':
      return Object.entries(def['shape'] as Record<string, z.ZodType>).flatMap(([k, v]) => inner(v, k));
    case 'array':
      return inner(def['element'], '*');
    case 'optional':
    case 'nullable':
    case 'default':
    case 'prefault':
    case 'readonly':
      return inner(def['innerType']);
    case 'pipe':
      return [...inner(def['in']), ...inner(def['out'])];
    case 'union':
      return (def['options'] as z.ZodType[]).flatMap((o) => inner(o));
    case 'enum':
    case 'boolean':
    case 'number':
    case 'literal':
    case 'transform':
      return [];
    default:
      throw new Error(`Unexpected schema type ${def.type} at ${path.join('.')}`);
  }
}

describe('every free-text field of every command', () => {
  /** Strings with a fixed format: no free text, so no room for control or invisible characters. */
  const formats: readonly z.ZodType[] = [LocalDate, Instant, Bsn, Phone, DestructionReference];
  const isFormat = (s: z.ZodType) =>
    formats.includes(s) ||
    (s as unknown as { _zod: { def: { format?: string } } })._zod.def.format === 'email';

  it('uses the free-text building block', () => {
    const leaves = Object.entries(CommandSchemas).flatMap(([type, schema]) =>
      stringLeaves(schema).map((l) => ({ ...l, path: `${type}.${l.path}` })),
    );
    expect(leaves.length).toBeGreaterThan(50);
    expect(leaves.filter((l) => !isFreeText(l.schema) && !isFormat(l.schema)).map((l) => l.path)).toEqual([]);
  });

  it('refuses a reason of ten zero-width spaces or NUL characters, naming the field', () => {
    const reasons: [CommandType, Record<string, unknown>][] = [
      ['VoidRecord', { voidedOn: '2026-03-02' }],
      ['WithdrawLifeWish', { wishId: 'w-1' }],
      ['RemoveContactPerson', { contactId: 'c-1' }],
      ['WithdrawTreatmentDirective', { treatment: { code: '89666000' }, endedOn: '2026-03-02' }],
      ['MarkEnteredInError', { changeId: started[1]!.metadata.eventId }],
    ];
    for (const [type, data] of reasons) {
      for (const reason of [ZWSP.repeat(10), '\u0000'.repeat(10), ` ${ZWSP} \ufeff `]) {
        const error = refused(type, { ...data, reason });
        expect(error.path, type).toEqual(['reason']);
      }
    }
  });

  it('refuses control characters in names, wishes, notes and conditions, with the path of the field', () => {
    const nul = 'Anna\u0000';
    expect(refused('RecordLifeWish', { wishId: 'w-2', text: `Thuis${'\u0007'}` }).path).toEqual(['text']);
    expect(
      refused('DesignateContactPerson', {
        contactId: 'c-2',
        name: nul,
        role: '23',
        relationship: 'CHILD',
      }).path,
    ).toEqual(['name']);
    expect(
      refused('SetTreatmentDirective', {
        treatment: { code: '89666000' },
        decision: 'ANDERS',
        specification: ZWSP.repeat(12),
        decidedOn: '2026-03-02',
        parties: gpParties,
      }).path,
    ).toEqual(['specification']);
    expect(
      refused('SetTreatmentDirective', {
        treatment: { code: 'OTH', text: `Dialyse\u009b` },
        decision: 'NIET',
        decidedOn: '2026-03-02',
        parties: [patientParty, { kind: 'RELATIVE', name: 'Anna\nde Groot', relationship: 'CHILD' }],
      }).path,
    ).toEqual(['treatment', 'text']);
    expect(
      refused('SetTreatmentDirective', {
        treatment: { code: '89666000' },
        decision: 'NIET',
        decidedOn: '2026-03-02',
        parties: [...gpParties, { kind: 'RELATIVE', name: 'Anna\nde Groot', relationship: 'CHILD' }],
      }).path,
    ).toEqual(['parties', 2, 'name']);
    expect(refused('RecordOtherInformation', { text: '\u001b[31mrood' }).path).toEqual(['text']);
    expect(
      refused('RecordConversation', {
        conversationId: 'conv-2',
        date: '2026-03-02',
        participants: gpParties,
        summary: 'Goed gesprek\u0000',
      }).path,
    ).toEqual(['summary']);
  });

  it('keeps line breaks in multi-line text and stores it normalised', () => {
    const [event] = given(started)
      .when(
        command(
          'RecordLifeWish',
          { wishId: 'w-3', text: ' Thuis blijven,\r\nbij de tuin van Ame\u0301lie ' },
          actors.gp,
          NOW,
        ),
      )
      .then(() => undefined);
    expect(event!.data).toMatchObject({ text: 'Thuis blijven,\r\nbij de tuin van Amélie' });
  });

  it('still reads stored events written before these rules', () => {
    const [old] = recorded(actors.gp, NOW, [
      { type: 'RecordVoided', data: { reason: 'Verkeerde patiënt', voidedOn: '2026-03-02' } },
    ]);
    const stored = {
      type: old!.type,
      data: { ...old!.data, reason: `${ZWSP}\u0000` },
      metadata: old!.metadata,
    };
    expect(parseEvent(stored).data).toEqual({ reason: `${ZWSP}\u0000`, voidedOn: '2026-03-02' });
  });
});
