// `npm run kafka:stop`: stop the broker that `kafka:start` (or a test run) started from this checkout.
import { createLogger } from '../../logger.ts';
import { stopBroker } from '../broker-process.ts';

const logger = createLogger({ name: 'kafka', level: process.env.LOG_LEVEL ?? 'warn' });

try {
  const result = await stopBroker({ logger });
  if (!result.stopped) console.log('kafka: no broker of this checkout is running');
  else
    console.log(
      `kafka: broker stopped in ${(result.ms / 1000).toFixed(1)}s${result.forced ? ' (killed)' : ''}`,
    );
} catch (error) {
  console.error(`kafka: ${(error as Error).message}`);
  process.exitCode = 1;
}
