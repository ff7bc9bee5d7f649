import { execFile } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { Logger } from '../logger.ts';

const run = promisify(execFile);

/** Where the local broker keeps its jars, config, data, logs and pid file (all under `.broker/`, gitignored). */
export type BrokerLayout = {
  kafkaDir: string;
  brokerDir: string;
  libsDir: string;
  dataDir: string;
  logsDir: string;
  pidFile: string;
  lockDir: string;
  serverProperties: string;
  log4jProperties: string;
  fetchScript: string;
};

export type BrokerPorts = { brokerPort: number; controllerPort: number };

/** Chosen so as not to clash with anything else on our machines (9092 is left to other setups). */
export const defaultBrokerPorts: BrokerPorts = { brokerPort: 19092, controllerPort: 19093 };

export function brokerLayout(kafkaDir = dirname(fileURLToPath(import.meta.url))): BrokerLayout {
  const brokerDir = join(kafkaDir, '.broker');
  return {
    kafkaDir,
    brokerDir,
    libsDir: join(brokerDir, 'libs'),
    dataDir: join(brokerDir, 'data'),
    logsDir: join(brokerDir, 'logs'),
    pidFile: join(brokerDir, 'broker.pid'),
    lockDir: join(brokerDir, 'start.lock'),
    serverProperties: join(brokerDir, 'server.properties'),
    log4jProperties: join(kafkaDir, 'config', 'log4j.properties'),
    fetchScript: join(kafkaDir, 'scripts', 'fetch-broker.sh'),
  };
}

/** `KAFKA_BROKER_PORT` / `KAFKA_CONTROLLER_PORT` override the defaults (e.g. to run a second broker). */
export function brokerPortsFromEnv(env: NodeJS.ProcessEnv = process.env): BrokerPorts {
  const port = (name: string, fallback: number) => {
    const text = env[name];
    if (text === undefined || text === '') return fallback;
    const value = Number.parseInt(text, 10);
    if (!Number.isInteger(value) || value <= 0 || value > 65535)
      throw new Error(`${name}: not a port: ${text}`);
    return value;
  };
  return {
    brokerPort: port('KAFKA_BROKER_PORT', defaultBrokerPorts.brokerPort),
    controllerPort: port('KAFKA_CONTROLLER_PORT', defaultBrokerPorts.controllerPort),
  };
}

export const brokerAddress = (ports: BrokerPorts) => `127.0.0.1:${ports.brokerPort}`;

export function jarsPresent(layout: BrokerLayout): boolean {
  if (!existsSync(join(layout.libsDir, '.pom-sha256'))) return false;
  return readdirSync(layout.libsDir).some((name) => name.startsWith('kafka_2.13-') && name.endsWith('.jar'));
}

/** Runs scripts/fetch-broker.sh (idempotent: a no-op when the jars are there). Returns how long it took. */
export async function fetchJars(
  layout: BrokerLayout,
  logger: Logger,
): Promise<{ ms: number; skipped: boolean }> {
  if (jarsPresent(layout)) return { ms: 0, skipped: true };
  const started = performance.now();
  logger.info('fetching the Kafka broker jars from Maven Central (cached in ~/.m2)');
  try {
    await run(layout.fetchScript, [], { cwd: layout.kafkaDir, maxBuffer: 16 * 1024 * 1024 });
  } catch (error) {
    const { stdout = '', stderr = '' } = error as { stdout?: string; stderr?: string };
    throw new Error(`fetching the Kafka broker failed: ${stderr || stdout || (error as Error).message}`);
  }
  return { ms: Math.round(performance.now() - started), skipped: false };
}

export async function renderServerProperties(layout: BrokerLayout, ports: BrokerPorts): Promise<void> {
  const template = await readFile(join(layout.kafkaDir, 'config', 'server.properties.template'), 'utf8');
  const text = template
    .replaceAll('@BROKER_PORT@', String(ports.brokerPort))
    .replaceAll('@CONTROLLER_PORT@', String(ports.controllerPort))
    .replaceAll('@DATA_DIR@', layout.dataDir);
  await writeFile(layout.serverProperties, text);
}

/** The cluster id a formatted data dir already carries, so formatting again never disagrees with it. */
export async function clusterIdOfDataDir(layout: BrokerLayout): Promise<string | undefined> {
  const meta = join(layout.dataDir, 'meta.properties');
  if (!existsSync(meta)) return undefined;
  const line = (await readFile(meta, 'utf8')).split('\n').find((l) => l.startsWith('cluster.id='));
  return line?.slice('cluster.id='.length).trim() || undefined;
}

const toolJvm = ['-Xmx256m', '-XX:+UseSerialGC', '-XX:TieredStopAtLevel=1'];

async function storageTool(layout: BrokerLayout, args: string[]): Promise<string> {
  const classpath = join(layout.libsDir, '*');
  const log4j = `-Dlog4j.configuration=file:${layout.log4jProperties}`;
  const logsDir = `-Dkafka.logs.dir=${layout.logsDir}`;
  const { stdout } = await run('java', [
    ...toolJvm,
    log4j,
    logsDir,
    '-cp',
    classpath,
    'kafka.tools.StorageTool',
    ...args,
  ]);
  return stdout.trim();
}

/** Formats the KRaft data dir (a no-op when it is already formatted with the same cluster id). */
export async function formatDataDir(layout: BrokerLayout): Promise<string> {
  const clusterId = (await clusterIdOfDataDir(layout)) ?? (await storageTool(layout, ['random-uuid']));
  await storageTool(layout, ['format', '-t', clusterId, '-c', layout.serverProperties, '--ignore-formatted']);
  return clusterId;
}
