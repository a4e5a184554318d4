import type { Actor, Party } from '../model.js';

/** Named personas for tests and demo data. Ids are fictitious UZI/AGB/URA numbers. */
export const organizations = {
  practice: { id: 'URA-01000001', name: 'Huisartsenpraktijk De Linde', type: 'HUISARTSENPRAKTIJK' },
  hap: { id: 'URA-02000002', name: 'Huisartsenpost Eindhoven', type: 'HAP' },
  hospital: { id: 'URA-03000003', name: 'Catharina Ziekenhuis', type: 'ZIEKENHUIS' },
  seh: { id: 'URA-03000004', name: 'SEH Catharina Ziekenhuis', type: 'SEH' },
  homeCare: { id: 'URA-04000005', name: 'Zorg Thuis Zuidoost', type: 'VVT' },
  nursingHome: { id: 'URA-04000006', name: 'Verpleeghuis De Akkers', type: 'VVT' },
  ambulance: { id: 'URA-05000007', name: 'Ambulancezorg Brabant-Zuidoost', type: 'AMBULANCE' },
  audit: { id: 'URA-09000009', name: 'Regionaal auditteam', type: 'AUDIT' },
} as const satisfies Record<string, Actor['organization']>;

export const actors = {
  gp: {
    id: 'UZI-100001',
    name: 'Dr. A. Jansen',
    profession: 'GENERAL_PRACTITIONER',
    organization: organizations.practice,
  },
  gpColleague: {
    id: 'UZI-100002',
    name: 'Dr. M. de Vries',
    profession: 'GENERAL_PRACTITIONER',
    organization: organizations.practice,
  },
  practiceNurse: {
    id: 'UZI-200001',
    name: 'S. Bakker',
    profession: 'PRACTICE_NURSE',
    organization: organizations.practice,
  },
  districtNurse: {
    id: 'UZI-200002',
    name: 'L. Visser',
    profession: 'DISTRICT_NURSE',
    organization: organizations.homeCare,
  },
  hapDoctor: {
    id: 'UZI-100003',
    name: 'Dr. P. Smit',
    profession: 'GENERAL_PRACTITIONER',
    organization: organizations.hap,
  },
  specialist: {
    id: 'UZI-100004',
    name: 'Dr. K. Mulder',
    profession: 'MEDICAL_SPECIALIST',
    organization: organizations.hospital,
  },
  sehDoctor: {
    id: 'UZI-100005',
    name: 'Dr. R. Bos',
    profession: 'EMERGENCY_PHYSICIAN',
    organization: organizations.seh,
  },
  elderlyCarePhysician: {
    id: 'UZI-100006',
    name: 'Dr. E. Meijer',
    profession: 'ELDERLY_CARE_PHYSICIAN',
    organization: organizations.nursingHome,
  },
  ambulanceNurse: {
    id: 'UZI-200003',
    name: 'T. de Boer',
    profession: 'AMBULANCE_NURSE',
    organization: organizations.ambulance,
  },
  auditor: { id: 'AUD-000001', name: 'J. Peters', profession: 'AUDITOR', organization: organizations.audit },
} as const satisfies Record<string, Actor>;

export const asParty = (actor: Actor): Party => ({
  kind: 'PROFESSIONAL',
  id: actor.id,
  name: actor.name,
  profession: actor.profession,
  organization: actor.organization,
});

export const patientParty: Party = { kind: 'PATIENT' };

/** Valid BSNs (11-check) used in tests; fictitious. */
export const bsns = ['111222333', '123456782', '999999990', '100000009'] as const;
