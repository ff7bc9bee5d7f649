import { describe, expect, it } from 'vitest';
import { readAhead, readsAhead } from './read-ahead.ts';

async function* numbers(n: number, pulled: number[], failAt?: number) {
  for (let i = 0; i < n; i += 1) {
    if (i === failAt) throw new Error(`failed at ${i}`);
    pulled.push(i);
    yield i;
  }
}

const tick = () => new Promise((resolve) => setTimeout(resolve, 0));

describe('readAhead', () => {
  it('keeps order and reads up to `depth` items ahead of the consumer', async () => {
    const pulled: number[] = [];
    const { items, buffered } = readAhead(numbers(10, pulled), 3);
    const seen: number[] = [];
    for await (const item of items) {
      seen.push(item);
      if (item === 0) {
        await tick();
        // The consumer holds item 0; the source has already been read three further.
        expect(pulled).toEqual([0, 1, 2, 3]);
        expect(buffered()).toBe(3);
      }
    }
    expect(seen).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(buffered()).toBe(0);
  });

  it('surfaces an error after the items before it', async () => {
    const seen: number[] = [];
    const run = async () => {
      for await (const item of readAhead(numbers(10, [], 4), 8).items) seen.push(item);
    };
    await expect(run()).rejects.toThrow('failed at 4');
    expect(seen).toEqual([0, 1, 2, 3]);
  });

  it('stops reading when the consumer stops early', async () => {
    const pulled: number[] = [];
    for await (const item of readAhead(numbers(1000, pulled), 2).items) if (item === 5) break;
    await tick();
    await tick();
    expect(pulled.length).toBeLessThanOrEqual(9);
  });

  it('takes a source that reads ahead on its own as it is: no second queue pulls from it', async () => {
    const pulled: number[] = [];
    const source = Object.assign(numbers(5, pulled), { [readsAhead]: () => 7 });
    const { items, buffered } = readAhead(source, 3);
    await tick();
    // A plain source would have been read three ahead by now (the test above).
    expect(pulled).toEqual([]);
    expect(buffered()).toBe(7);
    const seen: number[] = [];
    for await (const item of items) seen.push(item);
    expect(seen).toEqual([0, 1, 2, 3, 4]);
  });
});
