import { Writable } from 'node:stream';
import { expect, it } from 'vitest';
import { createLogger } from '../logger.ts';
import { createKafka } from './client.ts';

// kafkajs's own log lines go through our logger (createKafka's logCreator); no broker is contacted.
it("writes kafkajs's failures with their message and namespace, without the stack kafkajs adds", () => {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      lines.push(...String(chunk).split('\n').filter(Boolean));
      done();
    },
  });
  const logger = createLogger({ name: 'shop', level: 'debug', destination });
  const kafka = createKafka({ brokers: ['127.0.0.1:1'], clientId: 'log-test', logger });
  const failure = new Error('Connection timeout');
  kafka.logger().namespace('Connection').error('Connection error: Connection timeout', {
    broker: '127.0.0.1:1',
    error: failure.message,
    stack: failure.stack,
  });
  expect(lines).toHaveLength(1);
  expect(lines[0]).not.toContain('client-log.unit.test.ts'); // the stack's frames
  expect(JSON.parse(lines[0]!)).toMatchObject({
    library: 'kafkajs',
    namespace: 'Connection',
    broker: '127.0.0.1:1',
    error: 'Connection timeout',
    msg: 'Connection error: Connection timeout',
  });
});
