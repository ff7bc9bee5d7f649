import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { configSchema, loadConfig, problemsForRoles, roles } from '../infra/config.ts';

/**
 * No Docker engine runs on our machines, so docker-compose.yml and the Dockerfile are checked here:
 * the services and their health checks, the roles, and every environment variable against the
 * config schema (a misspelt name would otherwise be silently ignored and fall back to a default).
 */
const root = resolve(import.meta.dirname, '..');
const compose = parse(readFileSync(resolve(root, 'docker-compose.yml'), 'utf8'), { merge: true }) as {
  services: Record<string, Service>;
  volumes: Record<string, unknown>;
};
const dockerfile = readFileSync(resolve(root, 'Dockerfile'), 'utf8');

type Service = {
  image?: string;
  build?: unknown;
  environment?: Record<string, string>;
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test: string[] };
  volumes?: string[];
  ports?: string[];
};

const stores = ['eventstore', 'postgres', 'redis', 'kafka'];
const infrastructure = [...stores, 'mailpit'];
// Read by the OpenTelemetry SDK itself (infra/telemetry/sdk.ts), not by our config schema.
const otelNames = /^OTEL_[A-Z_]+$/;
const secrets = { JWT_SECRET: 'x'.repeat(32), DATA_ENCRYPTION_KEY: '0'.repeat(64) };
// Each headless role's health port: not in infra/config.ts yet (see the last test).

/** `${NAME:-default}` → default, as compose does when NAME is unset. */
const interpolate = (value: string) => value.replace(/\$\{[A-Z_]+:-([^}]*)\}/g, '$1');
const environmentOf = (service: Service) =>
  Object.fromEntries(Object.entries(service.environment ?? {}).map(([k, v]) => [k, interpolate(String(v))]));

describe('docker-compose.yml', () => {
  it('runs EventStoreDB, PostgreSQL, Redis, Kafka, a mail catcher and each role as its own service', () => {
    expect(Object.keys(compose.services).sort()).toEqual([...infrastructure, ...roles].sort());
  });

  it('gives every service a health check', () => {
    for (const [name, service] of Object.entries(compose.services)) {
      expect(service.healthcheck?.test?.length, name).toBeGreaterThan(0);
    }
  });

  it('keeps the stores on volumes, runs EventStoreDB insecure and Kafka as apache/kafka:3.9.0 in KRaft mode', () => {
    for (const name of stores) expect(compose.services[name]!.volumes?.length, name).toBe(1);
    expect(compose.services.eventstore!.environment?.EVENTSTORE_INSECURE).toBe('true');
    expect(compose.services.kafka!.image).toBe('apache/kafka:3.9.0');
    expect(compose.services.kafka!.environment?.KAFKA_PROCESS_ROLES).toBe('broker,controller');
    for (const volume of Object.values(compose.services).flatMap((s) => s.volumes ?? [])) {
      expect(Object.keys(compose.volumes)).toContain(volume.split(':')[0]);
    }
  });

  it('builds every role from the one image and starts it only when the infrastructure is healthy', () => {
    for (const role of roles) {
      const service = compose.services[role]!;
      expect(service.image, role).toBe('eventsourced-shop:local');
      expect(service.build, role).toBe('.');
      for (const dependency of role === 'notifier' ? infrastructure : stores) {
        expect(service.depends_on?.[dependency]?.condition, `${role} → ${dependency}`).toBe(
          'service_healthy',
        );
      }
    }
  });

  it('gives each role service exactly its own role, and together they cover every role', () => {
    const picked = roles.map((role) => loadConfig({ ...environmentOf(compose.services[role]!) }).ROLES);
    expect(picked).toEqual(roles.map((role) => [role]));
  });

  it('uses only environment names the config schema knows, with values it accepts', () => {
    expect(problemsForRoles(loadConfig({ NODE_ENV: 'production', ...secrets }), ['notifier'])).toEqual([
      expect.stringContaining('SMTP_URL: required in production'),
    ]);
    const known = new Set(Object.keys(configSchema.shape));
    for (const role of roles) {
      const environment = environmentOf(compose.services[role]!);
      const unknown = Object.keys(environment).filter((name) => !known.has(name) && !otelNames.test(name));
      expect(unknown, role).toEqual([]);
      expect(() => loadConfig(environment), role).not.toThrow();
      // What bin/start asks of the role beyond that (the notifier: an SMTP server in production).
      expect(problemsForRoles(loadConfig(environment), [role]), role).toEqual([]);
    }
  });

  it('switches the event store to EventStoreDB and the roles to the compose network', () => {
    for (const role of roles) {
      const config = loadConfig(environmentOf(compose.services[role]!));
      expect(config.EVENTSTORE_CONNECTION_STRING, role).toMatch(/^esdb:\/\/eventstore:2113\?tls=false$/);
      expect(config.DATABASE_URL, role).toContain('@postgres:5432/');
      expect(config.REDIS_URL, role).toBe('redis://redis:6379');
      expect(config.KAFKA_BROKERS, role).toBe('kafka:9092');
      expect(config.HOST, role).toBe('0.0.0.0');
      expect(config.NODE_ENV, role).toBe('production');
    }
  });

  it('publishes each API on its configured port and checks /ready there', () => {
    const ports = { 'command-api': 'COMMAND_API_PORT', 'query-api': 'QUERY_API_PORT' } as const;
    for (const [role, variable] of Object.entries(ports)) {
      const service = compose.services[role]!;
      const port = String(loadConfig(environmentOf(service))[variable]);
      expect(service.ports, role).toEqual([`${port}:${port}`]);
      expect(service.healthcheck!.test.join(' '), role).toContain(`127.0.0.1:${port}/ready`);
    }
    for (const role of ['projections', 'process-manager', 'publisher', 'notifier']) {
      const service = compose.services[role]!;
      expect(service.healthcheck!.test.join(' '), role).toContain(
        `127.0.0.1:${service.environment?.HEALTH_PORT}/ready`,
      );
    }
  });
});

describe('Dockerfile', () => {
  const stages = [...dockerfile.matchAll(/^FROM\s+(\S+)(?:\s+AS\s+(\S+))?/gim)];

  it('is multi-stage on node:24-slim', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    for (const stage of stages) expect(stage[1]).toBe('node:24-slim');
  });

  it('installs from the lockfile, production dependencies only in the image', () => {
    expect(dockerfile).toMatch(/RUN npm ci --omit=dev/);
    expect(dockerfile).toMatch(/COPY --from=deps \/app\/node_modules/);
  });

  it('applies patches/ in both installs (their scripts are off), patch-package among the production dependencies', () => {
    const manifest = JSON.parse(readFileSync(resolve(root, 'package.json'), 'utf8'));
    expect(manifest.scripts.postinstall).toMatch(/^patch-package\b/);
    // A production install (--omit=dev) runs the postinstall too: patch-package must be there.
    expect(manifest.dependencies['patch-package']).toBeDefined();
    const installs = [...dockerfile.matchAll(/^RUN npm ci .*$/gm)].map((m) => m[0]);
    expect(installs).toHaveLength(2);
    for (const install of installs)
      expect(install).toMatch(/--ignore-scripts .*&& npx patch-package --error-on-fail$/);
    expect(dockerfile.match(/^COPY patches \.\/patches$/gm)).toHaveLength(2);
  });

  it('has what its start command needs among the production dependencies', () => {
    const manifest = JSON.parse(readFileSync(resolve(root, 'package.json'), 'utf8'));
    for (const name of ['tsx', '@opentelemetry/sdk-node', 'import-in-the-middle']) {
      expect(manifest.dependencies[name], name).toBeDefined();
    }
  });

  it('starts OpenTelemetry before anything else and runs as an unprivileged user', () => {
    const cmd = /^CMD\s+(\[.*\])$/m.exec(dockerfile)?.[1];
    expect(JSON.parse(cmd ?? '[]')).toEqual([
      'node',
      '--import',
      'tsx',
      '--import',
      './infra/telemetry/register.ts',
      'bin/start.ts',
    ]);
    expect(dockerfile).toMatch(/^USER node$/m);
  });

  it('copies every source folder the roles import', () => {
    for (const folder of [
      'domain',
      'infra',
      'command-api',
      'query-api',
      'projections',
      'process-manager',
      'bin',
    ]) {
      expect(dockerfile).toContain(`COPY --from=check /app/${folder} ./${folder}`);
    }
  });
});
