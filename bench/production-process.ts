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
