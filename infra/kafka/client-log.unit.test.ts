import { expect, it } from 'vitest';
import { captureLogs } from '../../test/support/log-capture.ts';
import { createKafka } from './client.ts';

// kafkajs's own log lines go through our logger (createKafka's logCreator); no broker is contacted.
it("writes kafkajs's failures with their message and namespace, without the stack kafkajs adds", () => {
  const { logger, lines } = captureLogs();
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
