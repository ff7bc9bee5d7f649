import { describe, expect, it } from 'vitest';
import { createProgress } from './progress.ts';

describe('replay progress without a terminal', () => {
  it('prints plain lines with events, events/s and ETA, at most every interval, and a final line once', () => {
    const lines: string[] = [];
    const stream = {
      isTTY: false,
      write: (text: string) => lines.push(text),
    } as unknown as NodeJS.WriteStream;
    const progress = createProgress('replay catalog', stream, 60_000);
    progress.update(500, 0.25);
    progress.update(1000, 0.5);
    progress.stop();
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^replay catalog: 25\.0% 500 events \d+ ev\/s ETA \S+\n$/);
    expect(lines[1]).toMatch(/^replay catalog: 50\.0% 1000 events/);
    const once: string[] = [];
    const quiet = createProgress('x', { isTTY: false, write: (t: string) => once.push(t) } as never, 0);
    quiet.update(1, 1);
    quiet.stop();
    expect(once).toHaveLength(1);
  });
});
