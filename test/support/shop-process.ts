import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';

export const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

export const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject()));
    });
  });

/**
 * Each API in the main process: `npm start` defaults to one worker process per core, each with PostgreSQL
 * pools of its own, more than the suite's connection budget allows a file (test/support/pg-budget.ts).
 * A test of the workers sets its own counts in `env`.
 */
export const singleProcessApis = { COMMAND_API_WORKERS: '1', QUERY_API_WORKERS: '1' } as const;

/** The environment a child gets: PATH and HOME from ours (npm needs them), one process per API, then `env`. */
export const childEnv = (env: Record<string, string>): NodeJS.ProcessEnv => ({
  PATH: process.env.PATH,
  HOME: process.env.HOME,
  ...singleProcessApis,
  ...env,
});

export type NpmProcess = {
  child: ChildProcess;
  /** Everything written so far to stdout and stderr. */
  output(): string;
  /** Resolves with npm's exit code (or the signal's name) once the whole process group has gone. */
  exited: Promise<number | string>;
  /** SIGTERM to the process group, as a terminal's Ctrl-C or a supervisor's stop does. */
  stop(): Promise<number | string>;
};

/** `npm <args>` in its own process group, in the repository, with `env` (see childEnv). */
export function npm(args: string[], env: Record<string, string>): NpmProcess {
  const child = spawn('npm', args, {
    cwd: repoRoot,
    env: childEnv(env),
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let output = '';
  child.stdout?.on('data', (chunk) => {
    output += chunk;
  });
  child.stderr?.on('data', (chunk) => {
    output += chunk;
  });
  const exited = new Promise<number | string>((resolve) =>
    child.once('close', (code, signal) => resolve(code ?? signal ?? -1)),
  );
  const signalGroup = (signal: NodeJS.Signals) => {
    try {
      if (child.pid) process.kill(-child.pid, signal);
    } catch {
      // already gone
    }
  };
  return {
    child,
    output: () => output,
    exited,
    stop: () => {
      signalGroup('SIGTERM');
      return exited;
    },
  };
}

/** Kills what is left of a process group (test teardown). */
export function killGroup(process_: NpmProcess | undefined) {
  try {
    if (process_?.child.pid) process.kill(-process_.child.pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

/** Waits until every URL answers 2xx, or the process ends, or the deadline passes. */
export async function waitUntilUp(running: NpmProcess, urls: string[], timeoutMs = 120_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const up = await Promise.all(
      urls.map((url) =>
        fetch(url).then(
          (r) => r.ok,
          () => false,
        ),
      ),
    );
    if (up.every(Boolean)) return;
    if (running.child.exitCode !== null || Date.now() > deadline)
      throw new Error(`npm start did not come up (exit ${running.child.exitCode}):\n${running.output()}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
