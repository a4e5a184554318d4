import { expect } from 'vitest';
import type { CommandInput, CommandType, PzpCommand } from '../commands.js';
import { decide, DomainError, type DomainErrorCode } from '../decide.js';
import { envelope } from '../envelope.js';
import type { NewPzpEvent, PzpEvent } from '../events.js';
import { fold, type PlanState } from '../evolve.js';
import type { Actor } from '../model.js';

/** Deterministic UUID-shaped ids: 00000000-0000-4000-8000-000000000001, ... */
export function idSequence(prefix = 0): () => string {
  let n = 0;
  return () => `${String(prefix).padStart(8, '0')}-0000-4000-8000-${String(++n).padStart(12, '0')}`;
}

/** Events recorded earlier by `actor` at `now`, for the given part of a spec. */
export function recorded(
  actor: Actor,
  now: string,
  events: NewPzpEvent[],
  newId = idSequence(9),
): PzpEvent[] {
  return envelope(events, {
    actor,
    now,
    sourceSystem: 'test',
    correlationId: 'test',
    causationId: 'test',
    newId,
  });
}

export function command<T extends CommandType>(
  type: T,
  data: CommandInput<T>,
  actor: Actor,
  now: string,
): PzpCommand {
  return { type, data, metadata: { actor, now } } as PzpCommand;
}

/**
 * given(events).when(command).then(expectedEvents) / .thenThrows(code, path?)
 * in the style of Emmett's DeciderSpecification.
 */
export function given(...history: PzpEvent[][]) {
  const state: PlanState = fold(history.flat());
  return {
    state,
    when(cmd: PzpCommand) {
      const run = () => decide(cmd, state);
      return {
        then(expected: NewPzpEvent[] | ((events: NewPzpEvent[]) => void)) {
          const events = run();
          if (typeof expected === 'function') expected(events);
          else expect(events).toEqual(expected);
          return events;
        },
        thenThrows(code: DomainErrorCode, path?: readonly (string | number)[]) {
          let error: unknown;
          try {
            run();
          } catch (e) {
            error = e;
          }
          expect(error, 'expected decide() to reject the command').toBeInstanceOf(DomainError);
          expect((error as DomainError).code).toBe(code);
          if (path) expect((error as DomainError).path).toEqual(path);
          return error as DomainError;
        },
      };
    },
  };
}
