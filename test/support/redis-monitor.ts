import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { createConnection } from 'node:net';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Redis } from 'ioredis';
import { redisUrl } from './isolation.ts';

type MonitorLine = { args: string[]; source: string };

/**
 * One MONITOR line (`+<time> [<db> <client address or "lua">] "<command>" "<arg>" …`) as its arguments and
 * source; undefined for anything else (the `+OK` that starts the stream).
 */
function parseMonitorLine(line: string): MonitorLine | undefined {
  const head = /^\+\d+\.\d+ \[\d+ ([^\]]+)\] /.exec(line);
  if (!head) return undefined;
  const args = [...line.slice(head[0].length).matchAll(/"((?:[^"\\]|\\.)*)"/g)].map((m) =>
    m[1]!.replace(/\\(.)/g, '$1'),
  );
  return { args, source: head[1]! };
}

/**
 * Redis MONITOR for tests that count a request's round trips. `commandsDuring(run)` returns the commands
 * that named a key under `prefix` while `run` ran, one per round trip the code made: a script's own calls
 * are reported apart (source "lua") and not counted. MONITOR reports in the order Redis ran the commands,
 * but late: the window opens and closes on two marked PINGs sent through `client`, so nothing run before
 * it (a previous request's late write) or after it is counted. `settleMs` waits for work a response
 * leaves behind (a kept idempotent response is written after it was sent).
 *
 * The stream is read from a plain socket, not ioredis's `monitor()`: that one throws "Command queue state
 * error" from its socket handler (an uncaught exception) when the first monitored command arrives in the
 * same packet as MONITOR's `+OK`, which other test files' Redis traffic makes likely.
 */
export async function redisMonitor(client: Redis, prefix: string) {
  const url = new URL(redisUrl);
  const socket = createConnection({ host: url.hostname, port: Number(url.port || 6379) });
  await once(socket, 'connect');
  if (url.password) socket.write(`AUTH ${decodeURIComponent(url.password)}\r\n`);
  socket.write('MONITOR\r\n');
  const lines = createInterface({ input: socket, crlfDelay: Number.POSITIVE_INFINITY });
  const listeners = new Set<(line: MonitorLine) => void>();
  let started!: () => void;
  const monitoring = new Promise<void>((resolve) => {
    started = resolve;
  });
  let oks = url.password ? 2 : 1; // AUTH's, then MONITOR's
  lines.on('line', (text) => {
    if (text === '+OK' && --oks === 0) started();
    const line = parseMonitorLine(text);
    if (line) for (const listener of listeners) listener(line);
  });
  socket.on('error', () => {}); // a test's own assertions report a monitor that stopped seeing commands
  await monitoring;

  async function commandsDuring(run: () => Promise<void>, settleMs = 0): Promise<string[]> {
    const [begin, end] = [`begin-${randomUUID()}`, `end-${randomUUID()}`];
    const seen: string[] = [];
    let recording = false;
    let closed!: () => void;
    const ended = new Promise<void>((resolve) => {
      closed = resolve;
    });
    const onLine = ({ args, source }: MonitorLine) => {
      const marker = args[0]?.toLowerCase() === 'ping' ? args[1] : undefined;
      if (marker === begin) recording = true;
      else if (marker === end) closed();
      else if (recording && source !== 'lua' && args.some((arg) => arg.startsWith(prefix)))
        seen.push(args[0]!.toLowerCase());
    };
    listeners.add(onLine);
    try {
      await client.ping(begin);
      await run();
      if (settleMs > 0) await sleep(settleMs);
      await client.ping(end);
      await ended;
    } finally {
      listeners.delete(onLine);
    }
    return seen;
  }
  return {
    commandsDuring,
    close: () => {
      lines.close();
      socket.destroy();
    },
  };
}
