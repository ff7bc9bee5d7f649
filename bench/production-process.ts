import { openSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The Node flags of a bench's child process that runs as `npm start` runs: TypeScript through tsx, and
 * OpenTelemetry loaded before anything else (infra/telemetry/register.ts). With `profile`,
 * BENCH_CPU_PROF=<dir> adds a V8 CPU profile of the child, written there when it exits (open it in
 * Chrome DevTools).
 */
export function productionExecArgv(options: { profile?: boolean } = {}): string[] {
  const profileDir = process.env.BENCH_CPU_PROF;
  return [
    '--import',
    'tsx',
    '--import',
    fileURLToPath(new URL('../infra/telemetry/register.ts', import.meta.url)),
    ...(options.profile && profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : []),
  ];
}

/**
 * The stdio of such a child: its log lines (JSON, at the production default level, info) go to a file, as
 * a deployment's go to its collector, so the bench pays for writing them and its own output stays
 * readable; stderr and the IPC channel as usual. Returns the file's path for the bench to name.
 */
export function productionStdio(name: string): {
  stdio: ['ignore', number, 'inherit', 'ipc'];
  logPath: string;
} {
  // One file per child kind, overwritten by the next run: the newest run's lines, no pile-up.
  const logPath = join(tmpdir(), `bench-${name}.log`);
  return { stdio: ['ignore', openSync(logPath, 'w'), 'inherit', 'ipc'], logPath };
}
