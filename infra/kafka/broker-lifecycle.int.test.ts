import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createLogger } from '../logger.ts';
import { type BrokerLayout, type BrokerPorts, brokerAddress, brokerLayout } from './broker-files.ts';
import { ensureBroker, stopBroker } from './broker-process.ts';
import { brokerAnswers } from './readiness.ts';
import { pidAlive } from './start-lock.ts';

// The start/stop machinery on a second, private broker (own data dir and free ports), so the shared
// test broker is never disturbed: concurrent starts, a killed run, a data dir it cannot start on.
const logger = createLogger({ name: 'broker-lifecycle-test', level: 'error' });
let layout: BrokerLayout;
let ports: BrokerPorts;

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

beforeAll(async () => {
  const shared = brokerLayout(); // the jars and config templates are shared; everything else is ours
  const brokerDir = await mkdtemp(join(tmpdir(), 'kafka-lifecycle-'));
  layout = {
    ...shared,
    brokerDir,
    dataDir: join(brokerDir, 'data'),
    logsDir: join(brokerDir, 'logs'),
    pidFile: join(brokerDir, 'broker.pid'),
    lockDir: join(brokerDir, 'start.lock'),
    serverProperties: join(brokerDir, 'server.properties'),
  };
  ports = { brokerPort: await freePort(), controllerPort: await freePort() };
});

afterAll(async () => {
  await stopBroker({ logger, layout, graceMs: 10_000 });
  await rm(layout.brokerDir, { recursive: true, force: true });
});

const pidOf = async () => Number.parseInt(await readFile(layout.pidFile, 'utf8'), 10);

it('starts one broker for two concurrent callers, and reuses it afterwards', async () => {
  const results = await Promise.all([
    ensureBroker({ logger, layout, ports }),
    ensureBroker({ logger, layout, ports }),
  ]);
  expect(results.map((r) => r.reused).sort()).toEqual([false, true]);
  expect(await brokerAnswers(brokerAddress(ports))).toBe(true);
  expect((await ensureBroker({ logger, layout, ports })).reused).toBe(true);
});

it('starts again after a killed run left its pid file and a data dir it cannot use', async () => {
  const killed = await pidOf();
  process.kill(killed, 'SIGKILL');
  while (pidAlive(killed)) await new Promise((resolve) => setTimeout(resolve, 50));
  // A data dir from "another node": the broker refuses it, so it must be wiped and formatted again.
  const meta = join(layout.dataDir, 'meta.properties');
  await writeFile(meta, (await readFile(meta, 'utf8')).replace(/^node\.id=1$/m, 'node.id=7'));

  const result = await ensureBroker({ logger, layout, ports });
  expect(result.reused).toBe(false);
  expect(await pidOf()).not.toBe(killed);
  expect(await brokerAnswers(brokerAddress(ports))).toBe(true);
  expect(await readFile(meta, 'utf8')).toMatch(/^node\.id=1$/m);
});

it('stops with SIGTERM (no kill needed), and stopping again is a no-op', async () => {
  const pid = await pidOf();
  const stopped = await stopBroker({ logger, layout });
  expect(stopped).toMatchObject({ stopped: true, forced: false });
  expect(pidAlive(pid)).toBe(false);
  expect(await brokerAnswers(brokerAddress(ports))).toBe(false);
  expect(await stopBroker({ logger, layout })).toMatchObject({ stopped: false });
});
