import { spawn } from 'node:child_process';
import { closeSync, existsSync, openSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { join } from 'node:path';
import type { Logger } from '../logger.ts';
import {
  type BrokerLayout,
  type BrokerPorts,
  brokerAddress,
  brokerLayout,
  defaultBrokerPorts,
  fetchJars,
  formatDataDir,
  renderServerProperties,
} from './broker-files.ts';
import { brokerAnswers, waitForBroker, warmUp } from './readiness.ts';
import { pidAlive, withStartLock } from './start-lock.ts';

export type BrokerOptions = {
  logger: Logger;
  layout?: BrokerLayout;
  ports?: BrokerPorts;
  /** How long the broker may take to answer after launch (default 90 s; 2 busy cores can be slow). */
  readyTimeoutMs?: number;
};

export type EnsureResult = { address: string; reused: boolean; fetchMs: number; startMs: number };

const brokerJvm = [
  '-Xms512m',
  '-Xmx512m',
  '-XX:+UseG1GC',
  '-XX:MaxGCPauseMillis=20',
  '-Djava.awt.headless=true',
];

/**
 * Makes sure a broker answers on the configured port: reuses one that answers (ours or anyone's),
 * otherwise fetches the jars if needed, formats and starts ours as a daemon that outlives this process.
 */
export async function ensureBroker(options: BrokerOptions): Promise<EnsureResult> {
  const { logger } = options;
  const layout = options.layout ?? brokerLayout();
  const ports = options.ports ?? defaultBrokerPorts;
  const timeoutMs = options.readyTimeoutMs ?? 90_000;
  const address = brokerAddress(ports);
  const reused = { address, reused: true, fetchMs: 0, startMs: 0 };
  if (await brokerAnswers(address)) return reused;

  await mkdir(layout.brokerDir, { recursive: true });
  return withStartLock(layout.lockDir, timeoutMs * 2, async () => {
    if (await brokerAnswers(address)) return reused; // someone else started it while we waited
    const fetched = await fetchJars(layout, logger);
    const started = performance.now();

    const running = await ourLivePid(layout);
    if (running !== undefined) {
      const port = await renderedBrokerPort(layout);
      if (port !== undefined && port !== ports.brokerPort) {
        // One data dir hosts one broker: never restart it under someone else's feet for a port change.
        throw new Error(
          `this checkout's broker (pid ${running}) runs on port ${port}; npm run kafka:stop first`,
        );
      }
      // Our broker from an earlier start, still coming up (or hung): give it the usual time.
      try {
        await waitForBroker(address, { timeoutMs, stillStarting: () => pidAlive(running) });
        return reused;
      } catch (error) {
        logger.warn({ err: error, pid: running }, 'kafka: our earlier broker never answered; restarting it');
        await terminate(running, 30_000);
      }
    }
    if ((await portTaken(ports.brokerPort)) || (await portTaken(ports.controllerPort))) {
      // Not ours (no live pid of ours), maybe another checkout's broker still starting.
      await waitForBroker(address, { timeoutMs: Math.min(timeoutMs, 20_000) }).catch(() => {
        throw new Error(
          `kafka: port ${ports.brokerPort} or ${ports.controllerPort} is taken by something that does not answer as a Kafka broker`,
        );
      });
      return reused;
    }

    try {
      await launchAndWait(layout, ports, timeoutMs, logger);
    } catch (error) {
      // Tests need no data across runs, so a data dir the broker cannot start on (left by a killed run,
      // another version, another node id) is wiped rather than repaired.
      logger.warn({ err: error }, 'kafka: broker did not start; wiping its data dir and trying once more');
      await stopBroker({ logger, layout });
      await rm(layout.dataDir, { recursive: true, force: true });
      await launchAndWait(layout, ports, timeoutMs, logger);
    }
    await warmUp(address).catch((error: unknown) => logger.warn({ err: error }, 'kafka: warm-up failed'));
    return { address, reused: false, fetchMs: fetched.ms, startMs: Math.round(performance.now() - started) };
  });
}

async function launchAndWait(layout: BrokerLayout, ports: BrokerPorts, timeoutMs: number, logger: Logger) {
  await mkdir(layout.dataDir, { recursive: true });
  await mkdir(layout.logsDir, { recursive: true });
  await renderServerProperties(layout, ports);
  const clusterId = await formatDataDir(layout);
  const out = openSync(join(layout.logsDir, 'broker.out'), 'a');
  const child = spawn(
    'java',
    [
      ...brokerJvm,
      `-Dlog4j.configuration=file:${layout.log4jProperties}`,
      `-Dkafka.logs.dir=${layout.logsDir}`,
      '-cp',
      join(layout.libsDir, '*'),
      'kafka.Kafka',
      layout.serverProperties,
    ],
    // detached: its own session, so neither Ctrl-C nor vitest's exit takes the broker down with it.
    { detached: true, stdio: ['ignore', out, out], cwd: layout.brokerDir },
  );
  closeSync(out);
  let exited = false;
  child.on('exit', () => {
    exited = true;
  });
  child.unref();
  const pid = child.pid;
  if (pid === undefined) throw new Error('kafka: could not spawn java');
  await writeFile(layout.pidFile, String(pid));
  logger.debug({ pid, clusterId, address: brokerAddress(ports) }, 'kafka: broker launched');
  try {
    await waitForBroker(brokerAddress(ports), { timeoutMs, stillStarting: () => !exited && pidAlive(pid) });
  } catch (error) {
    throw new Error(`${(error as Error).message}; last log lines:\n${await logTail(layout)}`);
  }
}

/** The broker's own last words, for an error message that says why it did not come up. */
async function logTail(layout: BrokerLayout, lines = 15): Promise<string> {
  const texts = await Promise.all(
    ['server.log', 'broker.out'].map((name) => readFile(join(layout.logsDir, name), 'utf8').catch(() => '')),
  );
  return texts
    .flatMap((text) => text.trimEnd().split('\n').slice(-lines))
    .filter(Boolean)
    .join('\n');
}

async function renderedBrokerPort(layout: BrokerLayout): Promise<number | undefined> {
  const text = await readFile(layout.serverProperties, 'utf8').catch(() => '');
  const match = /^listeners=PLAINTEXT:\/\/[^:]+:(\d+)/m.exec(text);
  return match?.[1] === undefined ? undefined : Number.parseInt(match[1], 10);
}

/** The pid in our pid file, if it is alive and really our broker (pids get reused). */
async function ourLivePid(layout: BrokerLayout): Promise<number | undefined> {
  const text = await readFile(layout.pidFile, 'utf8').catch(() => undefined);
  const pid = text === undefined ? Number.NaN : Number.parseInt(text, 10);
  if (!Number.isInteger(pid) || !pidAlive(pid)) return undefined;
  const cmdline = `/proc/${pid}/cmdline`;
  if (!existsSync(cmdline)) return pid; // no procfs: trust the pid file
  const args = (await readFile(cmdline, 'utf8').catch(() => '')).split('\0');
  return args.includes('kafka.Kafka') && args.includes(layout.serverProperties) ? pid : undefined;
}

async function terminate(pid: number, graceMs: number): Promise<{ forced: boolean }> {
  const gone = async (ms: number) => {
    const deadline = Date.now() + ms;
    while (Date.now() < deadline) {
      if (!pidAlive(pid)) return true;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    return !pidAlive(pid);
  };
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    return { forced: false };
  }
  if (await gone(graceMs)) return { forced: false };
  process.kill(pid, 'SIGKILL');
  await gone(5000);
  return { forced: true };
}

export type StopResult = { stopped: boolean; forced: boolean; ms: number };

/** Stops our broker: SIGTERM (controlled shutdown), then SIGKILL after `graceMs`. Leaves others' alone. */
export async function stopBroker(options: {
  logger: Logger;
  layout?: BrokerLayout;
  graceMs?: number;
}): Promise<StopResult> {
  const layout = options.layout ?? brokerLayout();
  const started = performance.now();
  const pid = await ourLivePid(layout);
  if (pid === undefined) {
    await rm(layout.pidFile, { force: true });
    return { stopped: false, forced: false, ms: 0 };
  }
  const { forced } = await terminate(pid, options.graceMs ?? 30_000);
  await rm(layout.pidFile, { force: true });
  if (forced) options.logger.warn({ pid }, 'kafka: broker ignored SIGTERM; killed');
  return { stopped: true, forced, ms: Math.round(performance.now() - started) };
}

function portTaken(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.setTimeout(1000);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('timeout', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
