import type { Command, Decider, DomainEvent } from './decider.ts';
import { deepFreeze } from './deep-freeze.ts';
import { DomainError, type ErrorCode } from './errors.ts';

/**
 * given / when / then for deciders, so a test reads like the sentence it tests:
 *   given(stock)(stockReceived(5)).when(reserveStock('rsv_1', 3)).thenEvents([stockReserved(...)])
 * Used by tests only; pure, no I/O.
 */
export function given<C extends Command, E extends DomainEvent, S>(decider: Decider<C, E, S>) {
  // Every state frozen, as the command handler's cache holds them: an evolve or a decide that mutated
  // one throws here, not in production after its events were appended.
  const fold = (history: E[]) =>
    history.reduce(
      (state, event) => deepFreeze(decider.evolve(state, event)),
      deepFreeze(decider.initialState()),
    );
  return (...history: E[]) => ({
    when(command: C) {
      const run = () => decider.decide(command, fold(history));
      return {
        /** The events decided, compared by value. */
        thenEvents(expected: E[]) {
          const actual = run();
          if (JSON.stringify(actual) !== JSON.stringify(expected)) {
            throw new Error(
              `expected events\n${JSON.stringify(expected, null, 2)}\nbut got\n${JSON.stringify(actual, null, 2)}`,
            );
          }
          return actual;
        },
        /** The decision is a refusal with this API.md code. */
        thenThrows(code: ErrorCode) {
          try {
            const events = run();
            throw new Error(`expected ${code} but decided ${JSON.stringify(events)}`);
          } catch (error) {
            if (!(error instanceof DomainError)) throw error;
            if (error.code !== code)
              throw new Error(`expected ${code} but got ${error.code}: ${error.message}`);
            return error;
          }
        },
        /** The raw decision, for assertions of other shapes. */
        events: () => run(),
      };
    },
    state: () => fold(history),
  });
}
