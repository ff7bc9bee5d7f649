/**
 * The `--import` module that starts OpenTelemetry before any other module is evaluated:
 *   node --import tsx --import ./infra/telemetry/register.ts bin/start.ts
 * Our code is ESM, so the libraries it imports (http, pg, ioredis, kafkajs, @grpc/grpc-js) are
 * patched through import-in-the-middle's loader hook; the hook is told to intercept only the modules
 * an instrumentation asked for, so everything else loads untouched.
 */
import { register } from 'node:module';
import { createAddHookMessageChannel } from 'import-in-the-middle';
import { startTelemetry } from './sdk.ts';
import { publishTelemetry } from './shutdown.ts';

const { registerOptions, waitForAllMessagesAcknowledged } = createAddHookMessageChannel();
register('import-in-the-middle/hook.mjs', import.meta.url, registerOptions);

const telemetry = startTelemetry();
await waitForAllMessagesAcknowledged();

// bin/start awaits shutdownTelemetry() (shutdown.ts) after its own graceful stop; beforeExit covers
// a process that simply runs out of work. No signal handler here: adding one would stop Node's
// default exit on SIGTERM for a role that has none of its own.
publishTelemetry(telemetry);
process.once('beforeExit', () => void telemetry.shutdown().catch(() => {}));
