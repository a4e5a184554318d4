import type { Rng } from '../../../scripts/lib/random.js';
import type { HostileCase } from './case.js';
import type { MutationTemplate, TemplateContext } from './mutations.js';
import type { HostileTarget, SeededPatient } from './target.js';
import { markerFor } from './text.js';

/** What every generator draws from: the seeded PRNG, the server's patients and tokens. */
export class GeneratorContext {
  private markers = 0;

  constructor(
    readonly rng: Rng,
    readonly target: HostileTarget,
  ) {}

  /** A marker string no other case uses. */
  marker(): string {
    return markerFor(++this.markers);
  }

  patient(): SeededPatient {
    return this.rng.pick(this.target.patients);
  }

  templateContext(): TemplateContext {
    return { patient: this.patient(), freshBsn: this.target.freshBsn(), today: this.target.today };
  }

  /** The BSNs a template's input names: secrets of the case. */
  bsnsOf(template: MutationTemplate, ctx: TemplateContext): string[] {
    return [template.onSeeded ? ctx.patient.bsn : ctx.freshBsn];
  }
}

export type Generator = (g: GeneratorContext, count: number) => HostileCase[];

/** `count` cases, each from one of `makers` in turn (so every variant is present in any count). */
export function roundRobin(count: number, makers: readonly (() => HostileCase)[]): HostileCase[] {
  return Array.from({ length: count }, (_, i) => makers[i % makers.length]!());
}

/** A read of one patient's plan version: the query most attacks wrap. */
export const READ_PZP = 'query Read($bsn: BSN!) { pzp(bsn: $bsn) { version } }';
