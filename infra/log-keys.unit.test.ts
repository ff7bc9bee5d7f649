import { describe, expect, it } from 'vitest';
import { repeatedKeys } from '../test/support/json-keys.ts';
import { captureLogs } from '../test/support/log-capture.ts';

// Issue 19: a key bound by a parent and repeated by a child or a call appears once per line.
describe('repeatedKeys (the test scanner)', () => {
  it('finds a key twice in one object, at any depth, and not across objects or inside strings', () => {
    expect(repeatedKeys('{"a":1,"b":{"a":2},"a":3}')).toEqual(['a']);
    expect(repeatedKeys('{"x":{"k":1,"k":2},"y":[{"k":1},{"k":2}]}')).toEqual(['k']);
    expect(repeatedKeys('{"msg":"\\"a\\":1,\\"a\\":2","a":[1,"a"]}')).toEqual([]);
  });
});

describe('a logger from createLogger', () => {
  it('writes a key repeated with the same value once', () => {
    const { logger, lines } = captureLogs();
    const runner = logger.child({ role: 'projections' }).child({ projection: 'catalog' });
    runner.info({ projection: 'catalog', generation: 1 }, 'projection caught up');
    runner.child({ projection: 'catalog' }).info('again');
    expect(lines.map(repeatedKeys)).toEqual([[], []]);
    expect(JSON.parse(lines[0]!)).toMatchObject({
      projection: 'catalog',
      generation: 1,
      role: 'projections',
    });
  });

  it('keeps a repeated key with another value under <key>_inner, so no value is lost', () => {
    const { logger, lines } = captureLogs();
    const client = logger.child({ component: 'kafka-publisher' }).child({ component: 'kafkajs' });
    client.warn({ component: 'kafkajs', namespace: 'Producer' }, 'from the client');
    client.child({ component: 'other' }).info('deeper');
    expect(lines.map(repeatedKeys)).toEqual([[], []]);
    expect(JSON.parse(lines[0]!)).toMatchObject({ component: 'kafka-publisher', component_inner: 'kafkajs' });
    expect(JSON.parse(lines[1]!)).toMatchObject({ component_inner2: 'other' });
  });

  it("writes pino's own pid once when a child binds it again (an API worker's logger)", () => {
    const { logger, lines } = captureLogs();
    logger.child({ worker: 'command-api', pid: process.pid }).info('up');
    expect(repeatedKeys(lines[0]!)).toEqual([]);
    expect(JSON.parse(lines[0]!)).toMatchObject({ pid: process.pid, worker: 'command-api' });
  });

  it('keeps one err, through its serializer, when a child and a call both give one', () => {
    const { logger, lines } = captureLogs();
    logger.child({ err: new Error('bound') }).warn({ err: new Error('called') }, 'two errors');
    expect(repeatedKeys(lines[0]!)).toEqual([]);
    const line = JSON.parse(lines[0]!);
    expect(line).not.toHaveProperty('err_inner');
    expect(line.err).not.toHaveProperty('stack');
  });

  it('follows bindings added later with setBindings', () => {
    const { logger, lines } = captureLogs();
    const child = logger.child({ phase: 'start' });
    child.info({ phase: 'start' }, 'before');
    child.setBindings({ step: 1 });
    child.info({ step: 1 }, 'after');
    expect(lines.map(repeatedKeys)).toEqual([[], []]);
  });

  it('leaves errors, messages and format arguments as they were', () => {
    const { logger, lines } = captureLogs();
    logger.child({ user_id: 'usr_1' }).error({ err: new Error('boom'), user_id: 'usr_1' }, 'failed %s', 'x');
    const line = JSON.parse(lines[0]!);
    expect(line).toMatchObject({ user_id: 'usr_1', msg: 'failed x', err: { message: 'boom' } });
    expect(repeatedKeys(lines[0]!)).toEqual([]);
  });
});

describe('a key the logger redacts', () => {
  // A copy under `<key>_inner` would escape the redaction paths, which name the key itself.
  it('is never kept under another name: a call repeating a bound secret leaves only the censor', () => {
    const { logger, lines } = captureLogs();
    const bound = logger.child({ token: 'bound-secret' });
    bound.info({ token: 'call-secret' }, 'another value');
    bound.info({ token: 'bound-secret' }, 'the same value');
    logger.child({ password: 'parent-secret' }).child({ password: 'child-secret' }).info('nested');
    expect(lines).toHaveLength(3);
    for (const line of lines) {
      expect(line).not.toMatch(/secret/);
      expect(repeatedKeys(line)).toEqual([]);
    }
    expect(JSON.parse(lines[0]!)).toMatchObject({ token: '[redacted]' });
    expect(JSON.parse(lines[2]!)).toMatchObject({ password: '[redacted]' });
  });

  it('stays redacted inside a repeated object', () => {
    const { logger, lines } = captureLogs();
    const request = (authorization: string) => ({ headers: { authorization }, method: 'GET' });
    logger.child({ req: request('Bearer bound-secret') }).warn({ req: request('Bearer call-secret') }, 'x');
    expect(lines[0]).not.toMatch(/secret/);
    expect(repeatedKeys(lines[0]!)).toEqual([]);
  });

  it('does not hold back a key redaction leaves alone', () => {
    const { logger, lines } = captureLogs();
    logger.child({ user_id: 'usr_1' }).info({ user_id: 'usr_2' }, 'two users');
    expect(JSON.parse(lines[0]!)).toMatchObject({ user_id: 'usr_1', user_id_inner: 'usr_2' });
  });
});
