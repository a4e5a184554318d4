import { describe, expect, it } from 'vitest';
import type { Bsn } from './bsn.js';
import type { CommandInput } from './commands.js';
import { fold } from './evolve.js';
import type { Actor, Party } from './model.js';
import { activeRoles } from './plan.js';
import { currentView } from './view.js';
import { actors, asParty, bsns, organizations, patientParty } from './testing/fixtures.js';
import { command, given, idSequence } from './testing/decider-spec.js';
import { PlanRecorder } from './testing/recorder.js';

/**
 * Roles in PZP care (domain.md "Who is who"): one regiebehandelaar at a time, a change of
 * regiebehandelaar or a care transition asks for the plan to be discussed again, and only physicians
 * assign the regiebehandelaar.
 */

const bsn = bsns[2] as Bsn;
const NOW = '2026-03-02T14:00:00+01:00';
const gpAndPatient: Party[] = [patientParty, asParty(actors.gp)];

const practitioner = (a: Actor) => ({ id: a.id, name: a.name, profession: a.profession });

const assign = (
  assignmentId: string,
  holder: Actor,
  by: Actor,
  extra: Partial<CommandInput<'AssignRole'>> = {},
  now = NOW,
) =>
  command(
    'AssignRole',
    {
      assignmentId,
      role: 'REGIEBEHANDELAAR',
      practitioner: practitioner(holder),
      organization: holder.organization,
      from: '2026-03-02',
      ...extra,
    },
    by,
    now,
  );

/** Mevrouw Hendriks, at home, with her GP as regiebehandelaar. */
function planWithGpAsRegiebehandelaar(): PlanRecorder {
  const rec = new PlanRecorder(idSequence(3));
  rec.run(
    'RecordConversation',
    {
      conversationId: 'conv-1',
      patient: { bsn, name: 'Geertruida Hendriks', birthDate: '1935-08-17' },
      date: '2026-02-20',
      participants: gpAndPatient,
      treatmentDirectives: [{ treatment: { code: '89666000' }, decision: 'NIET' }],
    },
    actors.gp,
    '2026-02-20T10:00:00+01:00',
  );
  rec.run(
    'AssignRole',
    assign('regie-gp', actors.gp, actors.gp, { from: '2026-02-20' }).data as never,
    actors.gp,
    '2026-02-20T10:05:00+01:00',
  );
  return rec;
}

describe('one regiebehandelaar at a time', () => {
  it('the first regiebehandelaar is assigned without a review request', () => {
    const rec = new PlanRecorder(idSequence(4));
    rec.run(
      'RecordConversation',
      {
        conversationId: 'conv-1',
        patient: { bsn, name: 'Geertruida Hendriks', birthDate: '1935-08-17' },
        date: '2026-02-20',
        participants: gpAndPatient,
      },
      actors.gp,
      '2026-02-20T10:00:00+01:00',
    );
    given(rec.events)
      .when(assign('regie-gp', actors.gp, actors.gp))
      .then([
        {
          type: 'RoleAssigned',
          data: {
            assignmentId: 'regie-gp',
            role: 'REGIEBEHANDELAAR',
            practitioner: practitioner(actors.gp),
            organization: organizations.practice,
            from: '2026-03-02',
          },
        },
      ]);
  });

  it('assigning the elderly-care physician at admission ends the GP and requests a review', () => {
    given(planWithGpAsRegiebehandelaar().events)
      .when(
        assign('regie-so', actors.elderlyCarePhysician, actors.elderlyCarePhysician, {
          transition: 'NURSING_HOME_ADMISSION',
        }),
      )
      .then([
        {
          type: 'RoleEnded',
          data: {
            assignmentId: 'regie-gp',
            endedOn: '2026-03-02',
            reason: 'Overgedragen aan Dr. E. Meijer',
            transition: 'NURSING_HOME_ADMISSION',
            successorAssignmentId: 'regie-so',
          },
        },
        {
          type: 'RoleAssigned',
          data: {
            assignmentId: 'regie-so',
            role: 'REGIEBEHANDELAAR',
            practitioner: practitioner(actors.elderlyCarePhysician),
            organization: organizations.nursingHome,
            from: '2026-03-02',
            transition: 'NURSING_HOME_ADMISSION',
          },
        },
        { type: 'PlanReviewRequested', data: { reason: 'REGIEBEHANDELAAR_CHANGED', dueOn: '2026-03-02' } },
      ]);
  });

  it('after the handover exactly one regiebehandelaar is active and the view asks for a review', () => {
    const rec = planWithGpAsRegiebehandelaar();
    rec.run(
      'AssignRole',
      assign('regie-so', actors.elderlyCarePhysician, actors.elderlyCarePhysician).data as never,
      actors.elderlyCarePhysician,
      NOW,
    );
    expect(activeRoles(rec.state.plan, 'REGIEBEHANDELAAR').map((r) => r.assignmentId)).toEqual(['regie-so']);
    const view = currentView(rec.state.plan);
    expect(view.regiebehandelaar).toMatchObject({
      assignmentId: 'regie-so',
      practitioner: { name: 'Dr. E. Meijer' },
    });
    expect(view.warnings.map((w) => w.code)).toContain('REVIEW_REQUESTED');
    expect(view.reviewDueOn).toBe('2026-03-02');
    expect(rec.state.plan.roles['regie-gp']!.ended).toMatchObject({ successorAssignmentId: 'regie-so' });
  });

  it('a new conversation after the handover clears the review request', () => {
    const rec = planWithGpAsRegiebehandelaar();
    rec.run(
      'AssignRole',
      assign('regie-so', actors.elderlyCarePhysician, actors.elderlyCarePhysician).data as never,
      actors.elderlyCarePhysician,
      NOW,
    );
    rec.run(
      'RecordConversation',
      {
        conversationId: 'conv-2',
        date: '2026-03-02',
        participants: [patientParty, asParty(actors.elderlyCarePhysician)],
      },
      actors.elderlyCarePhysician,
      '2026-03-02T16:00:00+01:00',
    );
    expect(currentView(rec.state.plan).warnings.map((w) => w.code)).not.toContain('REVIEW_REQUESTED');
  });

  it('a supporting nurse role may have several holders; adding one ends no one', () => {
    const rec = planWithGpAsRegiebehandelaar();
    const supporting = (id: string, nurse: Actor) =>
      assign(id, nurse, actors.gp, { role: 'SUPPORTING_NURSE' });
    rec.run('AssignRole', supporting('sup-1', actors.districtNurse).data as never, actors.gp, NOW);
    given(rec.events)
      .when(supporting('sup-2', actors.practiceNurse))
      .then((events) => expect(events.map((e) => e.type)).toEqual(['RoleAssigned']));
  });

  it('a first assignment at a care transition asks for a review', () => {
    const rec = planWithGpAsRegiebehandelaar();
    given(rec.events)
      .when(
        assign('hoofd-spec', actors.specialist, actors.specialist, {
          role: 'HOOFDBEHANDELAAR',
          transition: 'HOSPITAL_ADMISSION',
        }),
      )
      .then((events) =>
        expect(events.at(-1)).toEqual({
          type: 'PlanReviewRequested',
          data: { reason: 'TRANSITION', dueOn: '2026-03-02' },
        }),
      );
  });

  it('the same practitioner cannot be assigned the role she already holds', () => {
    given(planWithGpAsRegiebehandelaar().events)
      .when(assign('regie-gp-2', actors.gp, actors.gp))
      .thenThrows('INVALID', ['practitioner']);
  });

  it('an assignment id cannot be reused', () => {
    given(planWithGpAsRegiebehandelaar().events)
      .when(assign('regie-gp', actors.elderlyCarePhysician, actors.elderlyCarePhysician))
      .thenThrows('INVALID', ['assignmentId']);
  });

  it('an assignment cannot start in the future (Amsterdam)', () => {
    given(planWithGpAsRegiebehandelaar().events)
      .when(
        assign('regie-so', actors.elderlyCarePhysician, actors.elderlyCarePhysician, { from: '2026-03-03' }),
      )
      .thenThrows('INVALID', ['from']);
  });

  // A backdated handover would end the previous holder before her own start (EndRole forbids that).
  it('a handover cannot be dated before the current holder started', () => {
    given(planWithGpAsRegiebehandelaar().events)
      .when(
        assign('regie-so', actors.elderlyCarePhysician, actors.elderlyCarePhysician, { from: '2026-01-01' }),
      )
      .thenThrows('INVALID', ['from']);
  });
});

describe('who assigns roles', () => {
  it.each([
    ['practice nurse', actors.practiceNurse],
    ['district nurse', actors.districtNurse],
  ])('a %s may not assign the regiebehandelaar', (_label, nurse) => {
    given(planWithGpAsRegiebehandelaar().events)
      .when(assign('regie-so', actors.elderlyCarePhysician, nurse))
      .thenThrows('FORBIDDEN');
  });

  it('a physician may assign a nurse practitioner as regiebehandelaar (not physician-only)', () => {
    given(planWithGpAsRegiebehandelaar().events)
      .when(
        command(
          'AssignRole',
          {
            assignmentId: 'regie-vs',
            role: 'REGIEBEHANDELAAR',
            practitioner: { id: 'UZI-300001', name: 'M. Hoekstra', profession: 'NURSE_PRACTITIONER' },
            organization: organizations.homeCare,
            from: '2026-03-02',
          },
          actors.gp,
          NOW,
        ),
      )
      .then((events) =>
        expect(events.map((e) => e.type)).toEqual(['RoleEnded', 'RoleAssigned', 'PlanReviewRequested']),
      );
  });

  it('the hoofdbehandelaar must be a physician', () => {
    given(planWithGpAsRegiebehandelaar().events)
      .when(assign('hoofd-1', actors.districtNurse, actors.gp, { role: 'HOOFDBEHANDELAAR' }))
      .thenThrows('INVALID', ['practitioner', 'profession']);
  });

  it('a nurse may assign a supporting nurse', () => {
    given(planWithGpAsRegiebehandelaar().events)
      .when(assign('sup-1', actors.districtNurse, actors.districtNurse, { role: 'SUPPORTING_NURSE' }))
      .then((events) => expect(events.map((e) => e.type)).toEqual(['RoleAssigned']));
  });
});

describe('ending a role', () => {
  const endRole = (assignmentId: string, endedOn = '2026-03-02', by: Actor = actors.gp) =>
    command('EndRole', { assignmentId, endedOn, reason: 'Huisarts met pensioen' }, by, NOW);

  it('ends the regiebehandelaar; the view then warns there is none', () => {
    const rec = planWithGpAsRegiebehandelaar();
    given(rec.events)
      .when(endRole('regie-gp'))
      .then([
        {
          type: 'RoleEnded',
          data: { assignmentId: 'regie-gp', endedOn: '2026-03-02', reason: 'Huisarts met pensioen' },
        },
      ]);
    expect(currentView(rec.state.plan).warnings.map((w) => w.code)).not.toContain('NO_REGIEBEHANDELAAR');
    rec.run('EndRole', endRole('regie-gp').data as never, actors.gp, NOW);
    expect(currentView(fold(rec.events).plan).warnings.map((w) => w.code)).toContain('NO_REGIEBEHANDELAAR');
  });

  it('an unknown assignment is NOT_FOUND', () => {
    given(planWithGpAsRegiebehandelaar().events)
      .when(endRole('regie-unknown'))
      .thenThrows('NOT_FOUND', ['assignmentId']);
  });

  it('an assignment that has ended cannot end again', () => {
    const rec = planWithGpAsRegiebehandelaar();
    rec.run('EndRole', endRole('regie-gp').data as never, actors.gp, NOW);
    given(rec.events).when(endRole('regie-gp')).thenThrows('INVALID', ['assignmentId']);
  });

  it('a role handed over to a successor has ended', () => {
    const rec = planWithGpAsRegiebehandelaar();
    rec.run(
      'AssignRole',
      assign('regie-so', actors.elderlyCarePhysician, actors.elderlyCarePhysician).data as never,
      actors.elderlyCarePhysician,
      NOW,
    );
    given(rec.events).when(endRole('regie-gp')).thenThrows('INVALID', ['assignmentId']);
  });

  it('a role cannot end before it started', () => {
    given(planWithGpAsRegiebehandelaar().events)
      .when(endRole('regie-gp', '2026-02-19'))
      .thenThrows('INVALID', ['endedOn']);
  });

  it('only a physician ends the regiebehandelaar role', () => {
    given(planWithGpAsRegiebehandelaar().events)
      .when(endRole('regie-gp', '2026-03-02', actors.practiceNurse))
      .thenThrows('FORBIDDEN');
  });
});

describe('contact persons and sharing consent', () => {
  function planWithContact(): PlanRecorder {
    const rec = planWithGpAsRegiebehandelaar();
    rec.run(
      'DesignateContactPerson',
      {
        contactId: 'contact-kees',
        name: 'Kees Hendriks',
        role: '01',
        relationship: 'CHILD',
        phone: '+31 6 23456789',
      },
      actors.gp,
      NOW,
    );
    return rec;
  }
  const remove = (contactId: string) =>
    command(
      'RemoveContactPerson',
      { contactId, reason: 'Zoon is naar het buitenland verhuisd' },
      actors.gp,
      NOW,
    );

  it('removes a current contact person', () => {
    const rec = planWithContact();
    given(rec.events)
      .when(remove('contact-kees'))
      .then([
        {
          type: 'ContactPersonRemoved',
          data: { contactId: 'contact-kees', reason: 'Zoon is naar het buitenland verhuisd' },
        },
      ]);
    rec.run('RemoveContactPerson', remove('contact-kees').data as never, actors.gp, NOW);
    expect(currentView(rec.state.plan).contactPersons).toEqual([]);
  });

  it('an unknown contact person is NOT_FOUND', () => {
    given(planWithContact().events).when(remove('contact-unknown')).thenThrows('NOT_FOUND', ['contactId']);
  });

  it('a removed contact person cannot be removed again', () => {
    const rec = planWithContact();
    rec.run('RemoveContactPerson', remove('contact-kees').data as never, actors.gp, NOW);
    given(rec.events).when(remove('contact-kees')).thenThrows('INVALID', ['contactId']);
  });

  it('a phone number must look like one', () => {
    given(planWithContact().events)
      .when(
        command(
          'DesignateContactPerson',
          {
            contactId: 'c-2',
            name: 'Ria Hendriks',
            role: '23',
            relationship: 'SIBLING',
            phone: 'bel de buren',
          },
          actors.gp,
          NOW,
        ),
      )
      .thenThrows('INVALID', ['phone']);
  });

  it('granted consent can be withdrawn; unknown or refused consent cannot', () => {
    const rec = planWithContact();
    const withdraw = (organizationType: 'HAP' | 'SEH') =>
      command('WithdrawSharingConsent', { organizationType, withdrawnOn: '2026-03-02' }, actors.gp, NOW);
    given(rec.events).when(withdraw('HAP')).thenThrows('NOT_FOUND', ['organizationType']);
    rec.run(
      'RecordSharingConsent',
      { organizationType: 'HAP', decision: 'GRANTED', recordedOn: '2026-03-02' },
      actors.gp,
      NOW,
    );
    rec.run(
      'RecordSharingConsent',
      { organizationType: 'SEH', decision: 'REFUSED', recordedOn: '2026-03-02' },
      actors.gp,
      NOW,
    );
    given(rec.events)
      .when(withdraw('HAP'))
      .then((events) => expect(events.map((e) => e.type)).toEqual(['SharingConsentWithdrawn']));
    given(rec.events).when(withdraw('SEH')).thenThrows('INVALID', ['organizationType']);
  });
});
