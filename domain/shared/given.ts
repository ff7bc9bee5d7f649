import type { Command, Decider, DomainEvent } from './decider.ts';
import { DomainError, type ErrorCode } from './errors.ts';

/**
 * given / when / then for deciders, so a test reads like the sentence it tests:
 *   given(stock)(stockReceived(5)).when(reserveStock('rsv_1', 3)).thenEvents([stockReserved(...)])
 * Used by tests only; pure, no I/O.
 */
export function given<C extends Command, E extends DomainEvent, S>(decider: Decider<C, E, S>) {
  return (...history: E[]) => ({
    when(command: C) {
      const run = () => decider.decide(command, history.reduce(decider.evolve, decider.initialState()));
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
    state: () => history.reduce(decider.evolve, decider.initialState()),
  });
}
