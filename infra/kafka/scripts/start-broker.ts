// `npm run kafka:start`: fetch the jars if needed, then start (or reuse) the local KRaft broker.
import { createLogger } from '../../logger.ts';
import { brokerPortsFromEnv } from '../broker-files.ts';
import { ensureBroker } from '../broker-process.ts';

const logger = createLogger({ name: 'kafka', level: process.env.LOG_LEVEL ?? 'warn' });
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)}s`;

try {
  const result = await ensureBroker({ logger, ports: brokerPortsFromEnv() });
  if (result.reused) {
    console.log(`kafka: broker already answering at ${result.address}`);
  } else {
    const fetch = result.fetchMs > 0 ? `jars fetched in ${seconds(result.fetchMs)}, ` : '';
    console.log(`kafka: broker started at ${result.address} (${fetch}started in ${seconds(result.startMs)})`);
  }
} catch (error) {
  console.error(`kafka: ${(error as Error).message}`);
  process.exitCode = 1;
}
