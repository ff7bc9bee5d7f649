import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { expect, it } from 'vitest';
import type { AppendRequest } from './append.ts';
import { GroupCommit } from './group-commit.ts';

// The batching alone, over a `write` that answers after a millisecond (PostgreSQL's part is tested in
// group-commit.int.test.ts): what goes into each batch.
const request = (n: number): AppendRequest => ({
  stream: `s-${n}`,
  events: [{ id: randomUUID(), type: 'Happened', data: {} }],
  expected: 'no_stream',
});

function recordingCommit() {
  const batches: number[] = [];
  const commit = new GroupCommit({
    async write(requests) {
      batches.push(requests.length);
      await sleep(1);
      return requests.map((_, i) => ({
        nextExpectedRevision: 0n,
        position: { commit: BigInt(batches.length), prepare: BigInt(i) },
      }));
    },
  });
  return { batches, commit };
}

it('appends made in one turn go in one batch, also the next appends of the callers a batch answered', async () => {
  const { batches, commit } = recordingCommit();
  // Each caller appends again as soon as it has its answer, through a few awaits (the store's layers).
  const caller = async (id: number) => {
    for (let round = 0; round < 5; round++) {
      await commit.append(request(id * 10 + round));
      for (let hop = 0; hop < 3; hop++) await Promise.resolve();
    }
  };
  await Promise.all(Array.from({ length: 16 }, (_, id) => caller(id)));
  expect(batches).toEqual([16, 16, 16, 16, 16]);
});

it('a lone append is written at the end of its turn, with no timer', async () => {
  const { batches, commit } = recordingCommit();
  const answered = commit.append(request(1));
  expect(batches).toEqual([]);
  await new Promise((resolve) => setImmediate(resolve)); // the turn is over: written, not waiting for more
  expect(batches).toEqual([1]);
  expect((await answered).nextExpectedRevision).toBe(0n);
});

it('settles once every append made so far has its answer, and a write that throws fails only its batch', async () => {
  let calls = 0;
  const commit = new GroupCommit({
    write(requests) {
      calls += 1;
      if (calls === 1) throw new Error('refused at once');
      return Promise.resolve(
        requests.map(() => ({ nextExpectedRevision: 0n, position: { commit: 1n, prepare: 1n } })),
      );
    },
  });
  const first = commit.append(request(1)).then(
    () => 'answered',
    (error: Error) => error.message,
  );
  await commit.settled();
  expect(await first).toBe('refused at once');
  const second = commit.append(request(2));
  let answered = false;
  void second.then(() => {
    answered = true;
  });
  await commit.settled(); // made in this turn, still to be written when settled() is asked
  expect(answered).toBe(true);
});
