/**
 * Named development personas for minted tokens (`pnpm mint-token <persona>`), the same people as
 * the test fixtures. All ids are fictitious.
 *
 * Not re-exported from `./index.js`: `@pzp/domain/testing` also loads vitest (decider specs), which
 * the server must not import at run time. Import this module directly where personas are needed
 * (the mint-token script; `mintToken({ persona })` loads it on demand).
 */
import { PROFESSIONS, type Actor } from '@pzp/domain';
import { actors } from '@pzp/domain/fixtures';

export const PERSONAS = {
  gp: actors.gp,
  'gp-colleague': actors.gpColleague,
  'practice-nurse': actors.practiceNurse,
  'hap-doctor': actors.hapDoctor,
  'seh-doctor': actors.sehDoctor,
  'vvt-nurse': actors.districtNurse,
  /** Specialist ouderengeneeskunde in a nursing home. */
  so: actors.elderlyCarePhysician,
  'ambulance-nurse': actors.ambulanceNurse,
  specialist: actors.specialist,
  auditor: actors.auditor,
} as const satisfies Record<string, Actor>;

export type PersonaName = keyof typeof PERSONAS;
export const PERSONA_NAMES = Object.keys(PERSONAS) as PersonaName[];

export const isPersonaName = (name: string): name is PersonaName => Object.hasOwn(PERSONAS, name);

/** The actor of a persona; throws for an unknown name. */
export function personaActor(name: string): Actor {
  if (!isPersonaName(name)) {
    throw new Error(`Unknown persona '${name}'; known: ${PERSONA_NAMES.join(', ')}`);
  }
  return PERSONAS[name];
}

/** One line per persona: name, profession, organisation (for usage messages). */
export function describePersonas(): string[] {
  const width = Math.max(...PERSONA_NAMES.map((n) => n.length));
  return PERSONA_NAMES.map((name) => {
    const actor: Actor = PERSONAS[name];
    return `${name.padEnd(width)}  ${actor.name}, ${PROFESSIONS[actor.profession].label}, ${actor.organization.name} (${actor.organization.type})`;
  });
}
