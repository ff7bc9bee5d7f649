import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { redisUrl } from './isolation.ts';

/**
 * Redis MONITOR for tests that count a request's round trips. `commandsDuring(run)` returns the commands
 * that named a key under `prefix` while `run` ran, one per round trip the code made: a script's own calls
 * are reported apart (source "lua") and not counted. MONITOR reports in the order Redis ran the commands,
 * but late: the window opens and closes on two marked PINGs sent through `client`, so nothing run before
 * it (a previous request's late write) or after it is counted. `settleMs` waits for work a response
 * leaves behind (a kept idempotent response is written after it was sent).
 */
export async function redisMonitor(client: Redis, prefix: string) {
  const monitor = await new Redis(redisUrl).monitor();
  async function commandsDuring(run: () => Promise<void>, settleMs = 0): Promise<string[]> {
    const [begin, end] = [`begin-${randomUUID()}`, `end-${randomUUID()}`];
    const seen: string[] = [];
    let recording = false;
    let closed!: () => void;
    const ended = new Promise<void>((resolve) => {
      closed = resolve;
    });
    const onMonitor = (_time: string, args: string[], source: string) => {
      const marker = args[0]?.toLowerCase() === 'ping' ? args[1] : undefined;
      if (marker === begin) recording = true;
      else if (marker === end) closed();
      else if (recording && source !== 'lua' && args.some((arg) => arg.startsWith(prefix)))
        seen.push(args[0]!.toLowerCase());
    };
    monitor.on('monitor', onMonitor);
    try {
      await client.ping(begin);
      await run();
      if (settleMs > 0) await sleep(settleMs);
      await client.ping(end);
      await ended;
    } finally {
      monitor.off('monitor', onMonitor);
    }
    return seen;
  }
  return { commandsDuring, close: () => monitor.disconnect() };
}
