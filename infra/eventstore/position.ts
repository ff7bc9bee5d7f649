/**
 * A position in the global log: a pair of bigints compared lexicographically.
 * PostgreSQL store: (transaction_id, global_position). EventStoreDB: (commit, prepare).
 * Opaque to everyone else; it round-trips through a string (`"<commit>.<prepare>"`), which is
 * also the X-Consistency-Token on the wire. Never `Number()` either half.
 */
export type Position = { readonly commit: bigint; readonly prepare: bigint };

export const START: Position = { commit: 0n, prepare: 0n };

export const comparePositions = (a: Position, b: Position): -1 | 0 | 1 =>
  a.commit < b.commit
    ? -1
    : a.commit > b.commit
      ? 1
      : a.prepare < b.prepare
        ? -1
        : a.prepare > b.prepare
          ? 1
          : 0;

export const positionToString = (p: Position): string => `${p.commit}.${p.prepare}`;

/** Parses a position string; returns undefined for anything that is not one (client input). */
export function parsePosition(text: string): Position | undefined {
  const match = /^(\d{1,20})\.(\d{1,20})$/.exec(text);
  if (!match) return undefined;
  return { commit: BigInt(match[1]!), prepare: BigInt(match[2]!) };
}

export const maxPosition = (a: Position, b: Position): Position => (comparePositions(a, b) >= 0 ? a : b);
