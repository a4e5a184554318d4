import type { CommandInput, CommandType } from '../commands.js';
import { decide } from '../decide.js';
import { envelope } from '../envelope.js';
import type { PzpEvent } from '../events.js';
import { evolve, initialState, type PlanState } from '../evolve.js';
import type { Actor } from '../model.js';

/**
 * Plays commands for one patient through decide -> envelope -> evolve, as the command handler
 * does, keeping the stream in memory. For scenario tests and generated data.
 */
export class PlanRecorder {
  state: PlanState = initialState;
  readonly events: PzpEvent[] = [];

  constructor(private readonly newId: () => string) {}

  run<T extends CommandType>(type: T, data: CommandInput<T>, actor: Actor, now: string): PzpEvent[] {
    const decided = decide({ type, data, metadata: { actor, now } } as never, this.state);
    const events = envelope(decided, {
      actor,
      now,
      sourceSystem: 'test',
      correlationId: this.newId(),
      causationId: type,
      newId: this.newId,
    });
    for (const e of events) this.state = evolve(this.state, e);
    this.events.push(...events);
    return events;
  }
}
