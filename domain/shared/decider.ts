/** A domain event as the domain sees it: a PascalCase past-tense type and its data (with `schema_version`). */
export type DomainEvent<Type extends string = string, Data = Record<string, unknown>> = {
  type: Type;
  data: Data;
};

/** A command: an intent with its data. Time (`now`, ISO string) and new ids arrive inside the data. */
export type Command<Type extends string = string, Data = Record<string, unknown>> = {
  type: Type;
  data: Data;
};

/**
 * A decider is three pure functions. `decide` validates and throws a DomainError to refuse;
 * `evolve` never throws (an event is a fact).
 */
export type Decider<C extends Command, E extends DomainEvent, S> = {
  decide: (command: C, state: S) => E[];
  evolve: (state: S, event: E) => S;
  initialState: () => S;
};

/** Folds events over a decider's initial state. */
export const fold = <C extends Command, E extends DomainEvent, S>(
  decider: Decider<C, E, S>,
  events: readonly E[],
): S => events.reduce(decider.evolve, decider.initialState());

/** Exhaustiveness guard for switch statements over commands and events. */
export const unreachable = (value: never): never => {
  throw new Error(`unreachable: ${JSON.stringify(value)}`);
};
