import { describe, expect, it } from 'vitest';
import type { Bsn } from './bsn.js';
import type { PzpEvent } from './events.js';
import { evolve, initialState } from './evolve.js';
import { describeChange, diffPlans, summarize, type ChangeEntry } from './history.js';
import type { Party } from './model.js';
import { actors, asParty, bsns, patientParty } from './testing/fixtures.js';
import { idSequence } from './testing/decider-spec.js';
import { PlanRecorder } from './testing/recorder.js';

/**
 * The auditor's history (domain.md, persona 4): every change with who, when, what before and after,
 * and why. A correction keeps the corrected change in the history and shows what it took away.
 */

const bsn = bsns[1] as Bsn;
const gpAndPatient: Party[] = [patientParty, asParty(actors.gp)];

/** The history rows of a stream, as the projection builds them: one per event. */
function historyOf(events: readonly PzpEvent[]): ChangeEntry[] {
  let state = initialState;
  return events.map((event) => {
    const after = evolve(state, event);
    const entry = describeChange(state, event, after);
    state = after;
    return entry;
  });
}

function plan(): PlanRecorder {
  const rec = new PlanRecorder(idSequence(11));
  rec.run(
    'RecordConversation',
    {
      conversationId: 'conv-1',
      patient: { bsn, name: 'Johannes van den Berg', birthDate: '1941-11-23' },
      date: '2026-03-02',
      participants: gpAndPatient,
      treatmentDirectives: [{ treatment: { code: '89666000' }, decision: 'NIET' }],
    },
    actors.gp,
    '2026-03-02T14:00:00+01:00',
  );
  return rec;
}

describe('history rows', () => {
  it('one row per event, with who, when and the conversation it came from', () => {
    const rec = plan();
    const rows = historyOf(rec.events);
    expect(rows.map((r) => [r.type, r.summary])).toEqual([
      ['PatientIdentified', 'Patient identified'],
      ['ConversationRecorded', 'PZP conversation of 2026-03-02 recorded'],
      ['RegisteredGpPracticeSet', 'Registered GP practice set: Huisartsenpraktijk De Linde'],
      [
        'TreatmentDirectiveSet',
        'Treatment directive set: Cardiopulmonale resuscitatie (CPR) (89666000) NIET',
      ],
    ]);
    expect(rows[3]).toMatchObject({
      changeId: rec.events[3]!.metadata.eventId,
      recordedAt: '2026-03-02T13:00:00.000Z',
      recordedBy: actors.gp,
      conversationId: 'conv-1',
    });
    expect(rows[3]!.changes).toEqual([
      {
        section: 'treatmentDirectives',
        key: '89666000',
        before: null,
        after: expect.objectContaining({ decision: 'NIET', status: 'CONFIRMED' }),
      },
    ]);
  });

  it('a revision shows the directive before and after, conditions included', () => {
    const rec = plan();
    rec.run(
      'SetTreatmentDirective',
      {
        treatment: { code: '89666000' },
        decision: 'ANDERS',
        specification: 'Alleen bij een hartritmestoornis tijdens een ziekenhuisbehandeling',
        decidedOn: '2026-03-03',
        parties: [patientParty, asParty(actors.gpColleague)],
      },
      actors.gpColleague,
      '2026-03-03T10:00:00+01:00',
    );
    const row = historyOf(rec.events).at(-1)!;
    expect(row.summary).toBe(
      'Treatment directive revised: Cardiopulmonale resuscitatie (CPR) (89666000) ANDERS (only under conditions: Alleen bij een hartritmestoornis tijdens een ziekenhuisbehandeling)',
    );
    expect(row.recordedBy).toEqual(actors.gpColleague);
    expect(row.changes).toEqual([
      {
        section: 'treatmentDirectives',
        key: '89666000',
        before: expect.objectContaining({ decision: 'NIET', status: 'CONFIRMED' }),
        after: expect.objectContaining({ decision: 'ANDERS', status: 'CONFIRMED' }),
      },
    ]);
  });

  it("a nurse's revision of a confirmed limit is a pending proposal, conditions included", () => {
    const rec = plan();
    rec.run(
      'SetTreatmentDirective',
      {
        treatment: { code: '89666000' },
        decision: 'ANDERS',
        specification: 'Alleen bij een hartritmestoornis tijdens een ziekenhuisbehandeling',
        decidedOn: '2026-03-03',
        parties: [patientParty, asParty(actors.districtNurse)],
      },
      actors.districtNurse,
      '2026-03-03T10:00:00+01:00',
    );
    const row = historyOf(rec.events).at(-1)!;
    expect(row.summary).toBe(
      "Revision proposed, pending a physician's confirmation: Cardiopulmonale resuscitatie (CPR) (89666000) ANDERS (only under conditions: Alleen bij een hartritmestoornis tijdens een ziekenhuisbehandeling) (provisional)",
    );
    expect(row.changes).toEqual([
      {
        section: 'treatmentDirectives',
        key: '89666000',
        before: expect.objectContaining({ decision: 'NIET', status: 'CONFIRMED' }),
        after: expect.objectContaining({
          decision: 'NIET',
          status: 'CONFIRMED',
          pendingRevision: expect.objectContaining({ decision: 'ANDERS' }),
        }),
      },
    ]);
  });

  it('an ending carries its reason', () => {
    const rec = plan();
    rec.run(
      'WithdrawTreatmentDirective',
      {
        treatment: { code: '89666000' },
        endedOn: '2026-03-03',
        reason: 'Patiënt wil toch gereanimeerd worden',
      },
      actors.gp,
      '2026-03-03T10:00:00+01:00',
    );
    expect(historyOf(rec.events).at(-1)).toMatchObject({
      summary: 'Treatment directive ended: Cardiopulmonale resuscitatie (CPR) (89666000)',
      reason: 'Patiënt wil toch gereanimeerd worden',
    });
  });

  it('a review request after a change of regiebehandelaar names why', () => {
    const rec = plan();
    const assign = (assignmentId: string, who: typeof actors.gp | typeof actors.elderlyCarePhysician) =>
      rec.run(
        'AssignRole',
        {
          assignmentId,
          role: 'REGIEBEHANDELAAR',
          practitioner: { id: who.id, name: who.name, profession: who.profession },
          organization: who.organization,
          from: '2026-03-02',
        },
        who,
        '2026-03-02T15:00:00+01:00',
      );
    assign('regie-gp', actors.gp);
    assign('regie-so', actors.elderlyCarePhysician);
    const rows = historyOf(rec.events).slice(-3);
    expect(rows.map((r) => [r.summary, r.reason])).toEqual([
      ['Role ended', 'Overgedragen aan Dr. E. Meijer'],
      ['REGIEBEHANDELAAR assigned to Dr. E. Meijer', undefined],
      ['Plan review requested (REGIEBEHANDELAAR_CHANGED)', 'REGIEBEHANDELAAR_CHANGED'],
    ]);
  });
});

describe('entered-in-error in the history', () => {
  function corrected() {
    const rec = plan();
    const [wrong] = rec.run(
      'RecordLifeWish',
      { wishId: 'wish-x', text: 'Wens die bij een andere patiënt hoort' },
      actors.districtNurse,
      '2026-03-03T10:00:00+01:00',
    );
    rec.run(
      'MarkEnteredInError',
      { changeId: wrong!.metadata.eventId, reason: 'Bij de verkeerde patiënt vastgelegd' },
      actors.districtNurse,
      '2026-03-03T10:05:00+01:00',
    );
    return { rec, wrong: wrong! };
  }

  it('the corrected change keeps its own row', () => {
    const { rec, wrong } = corrected();
    const rows = historyOf(rec.events);
    expect(rows).toHaveLength(rec.events.length);
    expect(rows.find((r) => r.changeId === wrong.metadata.eventId)).toMatchObject({
      type: 'LifeWishRecorded',
      changes: [{ section: 'lifeWishes', key: 'wish-x', before: null }],
    });
  });

  it('the correction row shows what it took away, and why', () => {
    const { rec } = corrected();
    expect(historyOf(rec.events).at(-1)).toEqual({
      changeId: rec.events.at(-1)!.metadata.eventId,
      type: 'ChangeMarkedEnteredInError',
      recordedAt: '2026-03-03T09:05:00.000Z',
      recordedBy: actors.districtNurse,
      conversationId: undefined,
      summary: 'Earlier change marked entered-in-error (LifeWishRecorded)',
      reason: 'Bij de verkeerde patiënt vastgelegd',
      changes: [
        {
          section: 'lifeWishes',
          key: 'wish-x',
          before: expect.objectContaining({ text: 'Wens die bij een andere patiënt hoort' }),
          after: null,
        },
      ],
    });
  });

  it('a corrected conversation shows as removed', () => {
    const rec = plan();
    const [second] = rec.run(
      'RecordConversation',
      { conversationId: 'conv-2', date: '2026-03-03', participants: gpAndPatient },
      actors.gp,
      '2026-03-03T10:00:00+01:00',
    );
    rec.run(
      'MarkEnteredInError',
      { changeId: second!.metadata.eventId, reason: 'Dubbel ingevoerd' },
      actors.gp,
      '2026-03-03T10:05:00+01:00',
    );
    const changes = historyOf(rec.events).at(-1)!.changes;
    expect(changes).toContainEqual({
      section: 'conversations',
      key: 'conv-2',
      before: expect.objectContaining({ date: '2026-03-03' }),
      after: null,
    });
    expect(changes).toContainEqual({ section: 'lastDiscussedOn', before: '2026-03-03', after: '2026-03-02' });
  });
});

describe('diffPlans and summarize', () => {
  it('a plan compared with itself has no changes', () => {
    const { plan: p } = plan().state;
    expect(diffPlans(p, p)).toEqual([]);
  });

  it('summarizes every kind of item it is given', () => {
    const rec = plan();
    const events = rec.run(
      'RecordConversation',
      {
        conversationId: 'conv-2',
        date: '2026-03-02',
        participants: gpAndPatient,
        treatmentDirectives: [{ treatment: { code: 'OTH', text: 'Sondevoeding' }, decision: 'NIET' }],
        medicalPolicyGoal: { goal: '713148004' },
        preferredPlaceOfDeath: { place: { code: '284546000' } },
        capacity: { hasCapacity: true },
        sharingConsents: [{ organizationType: 'HAP', decision: 'GRANTED' }],
      },
      actors.gp,
      '2026-03-02T15:00:00+01:00',
    );
    expect(events.map(summarize)).toEqual([
      'PZP conversation of 2026-03-02 recorded',
      'Treatment directive set: Sondevoeding NIET',
      'Medical policy goal set: 713148004',
      'Preferred place of death set: 284546000',
      'Capacity assessed: has capacity',
      'Sharing consent GRANTED for HAP',
    ]);
  });
});
