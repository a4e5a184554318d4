import { describe, expect, it } from 'vitest';
import { isValidBsn } from './bsn.js';
import { fold } from './evolve.js';
import { pseudonymFor, streamNameFor } from './pseudonym.js';
import { addMonths } from './time.js';
import { currentView, viewOf } from './view.js';
import { parseEvent, EventSchemaError } from './upcast.js';
import type { Bsn } from './bsn.js';
import type { CommandInput, CommandType } from './commands.js';
import type { Actor } from './model.js';
import type { PzpEvent } from './events.js';
import { actors, asParty, patientParty } from './testing/fixtures.js';
import { command, given, idSequence, recorded } from './testing/decider-spec.js';
import { decide } from './decide.js';

/** Rules of the PZP decider as given / when / then (domain.md). */

const bsn = '111222333' as Bsn;
const GP_NOW = '2026-03-02T14:00:00+01:00';
const gpParties = [patientParty, asParty(actors.gp)];

/** Events a command leads to in a state, enveloped as if recorded. */
function play(history: PzpEvent[], type: CommandType, data: unknown, actor: Actor, now: string): PzpEvent[] {
  const events = decide(command(type, data as never, actor, now), fold(history));
  return recorded(actor, now, events, idSequence(history.length + 100));
}

const firstConversation = (extra: Partial<CommandInput<'RecordConversation'>> = {}) =>
  play(
    [],
    'RecordConversation',
    {
      conversationId: 'conv-1',
      patient: { bsn, name: 'W. de Groot', birthDate: '1938-05-04' },
      date: '2026-03-02',
      participants: gpParties,
      treatmentDirectives: [{ treatment: { code: '89666000' }, decision: 'NIET' }],
      ...extra,
    },
    actors.gp,
    GP_NOW,
  );

const set = (data: Partial<CommandInput<'SetTreatmentDirective'>>, actor: Actor = actors.gp, now = GP_NOW) =>
  command(
    'SetTreatmentDirective',
    {
      treatment: { code: '305351004' },
      decision: 'NIET',
      decidedOn: '2026-03-02',
      parties: gpParties,
      ...data,
    } as never,
    actor,
    now,
  );

describe('treatment directives', () => {
  it('ANDERS requires a specification of the conditions', () => {
    given(firstConversation())
      .when(set({ decision: 'ANDERS' }))
      .thenThrows('INVALID', ['specification']);
    given(firstConversation())
      .when(set({ decision: 'ANDERS', specification: 'Alleen bij een reversibele oorzaak' }))
      .then((events) =>
        expect(events[0]).toMatchObject({ type: 'TreatmentDirectiveSet', data: { decision: 'ANDERS' } }),
      );
  });

  it('an agreement needs two parties, a professional among them, and the patient or their representative', () => {
    given(firstConversation())
      .when(set({ parties: [patientParty] }))
      .thenThrows('INVALID', ['parties']);
    given(firstConversation())
      .when(set({ parties: [patientParty, { kind: 'RELATIVE', name: 'Anna', relationship: 'CHILD' }] }))
      .thenThrows('INVALID', ['parties']);
    given(firstConversation())
      .when(set({ parties: [asParty(actors.gp), asParty(actors.districtNurse)] }))
      .thenThrows('INVALID', ['parties']);
    given(firstConversation())
      .when(set({}))
      .then((events) => expect(events).toHaveLength(1));
  });

  it('a limit agreed with a nurse is provisional until a physician confirms it; only physicians confirm', () => {
    const history = firstConversation();
    const nurseSet = play(
      history,
      'SetTreatmentDirective',
      set({}).data,
      actors.districtNurse,
      '2026-03-04T10:00:00+01:00',
    );
    const afterNurse = currentView(fold([...history, ...nurseSet]).plan);
    expect(afterNurse.treatmentDirectives.find((d) => d.key === '305351004')).toMatchObject({
      status: 'PROVISIONAL',
    });
    expect(afterNurse.warnings.map((w) => w.code)).toContain('PROVISIONAL');

    const confirm = (actor: Actor) =>
      command(
        'ConfirmTreatmentDirective',
        { treatment: { code: '305351004' }, confirmedOn: '2026-03-05' },
        actor,
        '2026-03-05T09:00:00+01:00',
      );
    given(history, nurseSet).when(confirm(actors.practiceNurse)).thenThrows('FORBIDDEN');
    const confirmed = given(history, nurseSet)
      .when(confirm(actors.gp))
      .then((events) => expect(events[0]!.type).toBe('TreatmentDirectiveConfirmed'));
    const view = currentView(
      fold([...history, ...nurseSet, ...recorded(actors.gp, '2026-03-05T09:00:00+01:00', confirmed)]).plan,
    );
    expect(view.treatmentDirectives.find((d) => d.key === '305351004')).toMatchObject({
      status: 'CONFIRMED',
    });
    // A physician's own limit is confirmed at once.
    given(history)
      .when(set({}))
      .then((events) => expect(events[0]!.data).toMatchObject({ decision: 'NIET' }));
  });

  it('cannot withdraw, confirm or revise what does not exist or has ended', () => {
    const history = firstConversation();
    const withdraw = command(
      'WithdrawTreatmentDirective',
      { treatment: { code: '305351004' }, endedOn: '2026-03-02', reason: 'Nooit afgesproken' },
      actors.gp,
      GP_NOW,
    );
    given(history).when(withdraw).thenThrows('NOT_FOUND');
    const withdrawCpr = command(
      'WithdrawTreatmentDirective',
      {
        treatment: { code: '89666000' },
        endedOn: '2026-03-02',
        reason: 'Patiënt wil toch gereanimeerd worden',
      },
      actors.gp,
      GP_NOW,
    );
    const ended = recorded(
      actors.gp,
      GP_NOW,
      given(history)
        .when(withdrawCpr)
        .then(() => undefined),
    );
    // Ended is not current: ending it again is refused.
    given(history, ended).when(withdrawCpr).thenThrows('INVALID');
    expect(currentView(fold([...history, ...ended]).plan).treatmentDirectives[0]).toMatchObject({
      status: 'NO_AGREEMENT_RECORDED',
      decision: null,
    });
  });

  it('no plan yet: every command but a first conversation is refused', () => {
    given().when(set({})).thenThrows('NOT_FOUND');
  });
});

describe('dates are judged in Europe/Amsterdam', () => {
  // 00:30 on 10 March in Amsterdam is still 9 March in UTC.
  const justAfterMidnight = '2026-03-09T23:30:00Z';
  it('accepts a decision dated today at 00:30 local time and refuses tomorrow', () => {
    given(firstConversation())
      .when(set({ decidedOn: '2026-03-10' }, actors.gp, justAfterMidnight))
      .then((e) => expect(e).toHaveLength(1));
    given(firstConversation())
      .when(set({ decidedOn: '2026-03-11' }, actors.gp, justAfterMidnight))
      .thenThrows('INVALID', ['decidedOn']);
  });
  it('uses summer time after the DST change (00:30 CEST on 30 March = 22:30 UTC the day before)', () => {
    given(firstConversation())
      .when(set({ decidedOn: '2026-03-30' }, actors.gp, '2026-03-29T22:30:00Z'))
      .then((e) => expect(e).toHaveLength(1));
    given(firstConversation())
      .when(set({ decidedOn: '2026-03-31' }, actors.gp, '2026-03-29T22:30:00Z'))
      .thenThrows('INVALID');
  });
  it('refuses a conversation dated in the future', () => {
    expect(() => firstConversation({ date: '2026-03-03' })).toThrow(/future/);
  });
  it('review due dates use calendar arithmetic', () => {
    expect(addMonths('2024-02-29', 12)).toBe('2025-02-28');
    expect(addMonths('2026-01-31', 1)).toBe('2026-02-28');
    const view = currentView(fold(firstConversation({ reviewAfterMonths: 6 })).plan);
    expect(view.reviewDueOn).toBe('2026-09-02');
    expect(
      viewOf(fold(firstConversation({ reviewAfterMonths: 6 })), '2026-09-03').warnings.map((w) => w.code),
    ).toContain('REVIEW_OVERDUE');
    expect(
      viewOf(fold(firstConversation({ reviewAfterMonths: 6 })), '2026-09-02').warnings.map((w) => w.code),
    ).not.toContain('REVIEW_OVERDUE');
  });
});

describe('roles', () => {
  const assign = (id: string, actor: Actor, by: Actor = actor, transition?: string) =>
    command(
      'AssignRole',
      {
        assignmentId: id,
        role: 'REGIEBEHANDELAAR',
        practitioner: actor,
        organization: actor.organization,
        from: '2026-03-02',
        transition,
      } as never,
      by,
      GP_NOW,
    );
  it('one regiebehandelaar at a time: a new one ends the old and asks for a review', () => {
    const history = firstConversation();
    const first = recorded(
      actors.gp,
      GP_NOW,
      given(history)
        .when(assign('r1', actors.gp))
        .then(() => undefined),
    );
    given(history, first)
      .when(assign('r2', actors.elderlyCarePhysician))
      .then((events) => {
        expect(events.map((e) => e.type)).toEqual(['RoleEnded', 'RoleAssigned', 'PlanReviewRequested']);
        expect(events[0]!.data).toMatchObject({ assignmentId: 'r1', successorAssignmentId: 'r2' });
      });
  });
  it('only a physician assigns the regiebehandelaar', () => {
    given(firstConversation())
      .when(assign('r1', actors.gp, actors.practiceNurse))
      .thenThrows('FORBIDDEN');
  });
  it('cannot end a role that does not exist', () => {
    given(firstConversation())
      .when(
        command(
          'EndRole',
          { assignmentId: 'nope', endedOn: '2026-03-02', reason: 'Verhuisd' },
          actors.gp,
          GP_NOW,
        ),
      )
      .thenThrows('NOT_FOUND');
  });
  it('auditors change nothing', () => {
    given(firstConversation()).when(set({}, actors.auditor)).thenThrows('FORBIDDEN');
  });
});

describe('capacity and representatives', () => {
  it('a patient without capacity must have a representative', () => {
    expect(() => firstConversation({ capacity: { hasCapacity: false } })).toThrow(/representative/);
    const withRepresentative = firstConversation({
      capacity: { hasCapacity: false },
      contactPersons: [
        {
          contactId: 'c1',
          name: 'Anna de Groot',
          role: '24',
          relationship: 'CHILD',
          phone: '+31 6 12345678',
        },
      ],
    });
    const view = currentView(fold(withRepresentative).plan);
    expect(view.representatives.map((r) => r.name)).toEqual(['Anna de Groot']);
    expect(view.warnings.map((w) => w.code)).not.toContain('NO_CAPACITY_WITHOUT_REPRESENTATIVE');
  });
});

describe('entered in error', () => {
  it('removes the change from the current state but not from the stream', () => {
    const history = firstConversation();
    const wrong = play(
      history,
      'SetTreatmentDirective',
      set({ treatment: { code: '116762002' } }).data,
      actors.gp,
      GP_NOW,
    );
    const changeId = wrong[0]!.metadata.eventId;
    const mark = play(
      [...history, ...wrong],
      'MarkEnteredInError',
      { changeId, reason: 'Verkeerde patiënt' },
      actors.gp,
      GP_NOW,
    );
    const all = [...history, ...wrong, ...mark];
    const view = currentView(fold(all).plan);
    expect(view.treatmentDirectives.find((d) => d.key === '116762002')).toMatchObject({
      status: 'NO_AGREEMENT_RECORDED',
    });
    expect(view.corrections).toEqual([expect.objectContaining({ changeId, reason: 'Verkeerde patiënt' })]);
    expect(fold(all).version).toBe(all.length - 1);
    given(all)
      .when(command('MarkEnteredInError', { changeId: 'no-such-change', reason: 'x' }, actors.gp, GP_NOW))
      .thenThrows('NOT_FOUND');
  });
});

describe('BSN and pseudonyms', () => {
  it.each(['111222333', '123456782', '999999990'])('%s passes the 11-check', (v) =>
    expect(isValidBsn(v)).toBe(true),
  );
  it.each(['123456789', '12345678', '1234567890', '12345678a', '000000000'])('%s fails', (v) =>
    expect(isValidBsn(v)).toBe(false),
  );
  it('the stream name is a keyed hash, never the BSN', () => {
    const secret = 'a-secret-of-at-least-thirty-two-chars!';
    const name = streamNameFor(pseudonymFor(bsn, secret));
    expect(name).toMatch(/^pzp-[0-9a-f]{64}$/);
    expect(name).not.toContain(bsn);
    expect(pseudonymFor(bsn, secret)).toBe(pseudonymFor(bsn, secret));
    expect(pseudonymFor(bsn, `${secret}x`)).not.toBe(pseudonymFor(bsn, secret));
    expect(() => pseudonymFor(bsn, 'short')).toThrow();
  });
});

describe('stored events', () => {
  it('parses v1 events, rejects unknown types and malformed bodies, and upcasts older versions', () => {
    const [first] = firstConversation();
    expect(parseEvent(first!)).toEqual(first);
    expect(() => parseEvent({ ...first!, type: 'Nonsense' })).toThrow(EventSchemaError);
    expect(() => parseEvent({ ...first!, data: { bsn: 'x' } })).toThrow(EventSchemaError);
    // Suppose v2 renamed `name`: a stored v1 body with the old field is upcast by a registered step.
    const old = {
      ...first!,
      data: { ...first!.data, fullName: 'W. de Groot' },
      metadata: { ...first!.metadata, schemaVersion: 1 },
    };
    delete (old.data as Record<string, unknown>).name;
    const upcasters = {
      PatientIdentified: {
        1: (d: unknown) => {
          const { fullName, ...rest } = d as { fullName: string };
          return { ...rest, name: fullName };
        },
      },
    };
    expect(parseEvent(old, upcasters, 2).data).toEqual(first!.data);
    expect(parseEvent(old, upcasters, 2).metadata.schemaVersion).toBe(2);
    expect(() => parseEvent(old, {}, 2)).toThrow(EventSchemaError);
    expect(() =>
      parseEvent({ ...first!, metadata: { ...first!.metadata, schemaVersion: 3 } }, upcasters, 2),
    ).toThrow(/newer/);
  });
});
