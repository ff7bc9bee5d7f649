import { type ChildProcess, fork } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * A bench's child process that runs as `npm start` runs: TypeScript through tsx, and OpenTelemetry loaded
 * before anything else (infra/telemetry/register.ts). Its log lines (JSON, at the production default
 * level, info) go to `$TMPDIR/bench-<name>.log`, as a deployment's go to its collector, so the bench pays
 * for writing them and its own output stays readable; stderr and the IPC channel as usual. One file per
 * child kind, overwritten by the next run: the newest run's lines, no pile-up. With `profile`,
 * BENCH_CPU_PROF=<dir> adds a V8 CPU profile of the child, written there when it exits (open it in Chrome
 * DevTools).
 */
export function forkProduction(
  file: string,
  options: { name: string; env: NodeJS.ProcessEnv; profile?: boolean; cwd?: string },
): { child: ChildProcess; logPath: string } {
  const profileDir = process.env.BENCH_CPU_PROF;
  const logPath = join(tmpdir(), `bench-${options.name}.log`);
  const log = openSync(logPath, 'w');
  try {
    const child = fork(file, [], {
      env: options.env,
      ...(options.cwd ? { cwd: options.cwd } : {}),
      execArgv: [
        '--import',
        'tsx',
        '--import',
        fileURLToPath(new URL('../infra/telemetry/register.ts', import.meta.url)),
        ...(options.profile && profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : []),
      ],
      stdio: ['ignore', log, 'inherit', 'ipc'],
    });
    return { child, logPath };
  } finally {
    // The child holds its own copy of the descriptor from the moment it is spawned.
    closeSync(log);
  }
}
