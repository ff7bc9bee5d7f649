// Raw HTTP, not the generated client (test/api-client/, docs/api.md), on purpose: it runs the curl session
// README.md shows, as bash, so what a reader pastes is what is tested; /docs, /openapi.json and /metrics
// are outside the OpenAPI documents.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createTestDatabase, redisUrl as redisBase } from './support/isolation.ts';
import { repeatedKeys } from './support/json-keys.ts';
import { envOf, jsonValues, readme, shellBlocks } from './support/readme.ts';
import {
  childEnv,
  freePort,
  killGroup,
  type NpmProcess,
  npm,
  repoRoot,
  waitUntilUp,
} from './support/shop-process.ts';

/**
 * Issue 19: README.md, run as a newcomer would. The curl session and the demo catalog's commands are taken
 * out of README.md itself (so the README cannot drift from what the code does) and run with bash against
 * `npm start` (a child process) on a fresh database, its own Redis database and ports; the figures the
 * README promises are read from its prose and checked against the answers. The seed runs at a small size.
 * The same run's log lines (debug level, Kafka on) are checked: no line repeats a key.
 */
/** bin/start has no key prefix (its Redis keys are unprefixed): a database index of this file's own. */
const REDIS_DB = 12;
const redisUrl = `${redisBase}/${REDIS_DB}`;
const text = readme();
const work = mkdtempSync(join(tmpdir(), 'readme-walkthrough-'));
const startedAt = Date.now();

let database: Awaited<ReturnType<typeof createTestDatabase>>;
let ports: { command: number; query: number; health: number };
let shop: NpmProcess | undefined;
let env: Record<string, string>;

const flushRedis = async () => {
  const redis = new Redis(redisUrl);
  await redis.flushdb();
  redis.disconnect();
};

/** A README block with this run's ports and scratch folder in place of the defaults. */
const localised = (block: string) =>
  block
    .replaceAll('127.0.0.1:3001', `127.0.0.1:${ports.command}`)
    .replaceAll('127.0.0.1:3002', `127.0.0.1:${ports.query}`)
    .replaceAll('/tmp/', `${work}/`);

/** Runs a block with bash; its stdout as the JSON values it printed. */
function runBlock(block: string) {
  const result = spawnSync('bash', ['-c', localised(block)], {
    cwd: repoRoot,
    env: childEnv({}),
    encoding: 'utf8',
    timeout: 120_000,
  });
  expect(result.status, `${result.stdout}\n${result.stderr}`).toBe(0);
  return jsonValues(result.stdout) as Record<string, unknown>[];
}

const figure = (pattern: RegExp) => {
  const match = pattern.exec(text.replace(/\s+/g, ' '));
  if (!match) throw new Error(`README.md no longer says ${pattern}`);
  return match.slice(1).map(Number);
};

beforeAll(async () => {
  database = await createTestDatabase('readme');
  ports = { command: await freePort(), query: await freePort(), health: await freePort() };
  await flushRedis();
  const [startBlock] = shellBlocks(text, 'A first session with curl');
  env = {
    ...envOf(startBlock!.split('\n').find((line) => line.includes('npm start'))!),
    DATABASE_URL: database.url,
    REDIS_URL: redisUrl,
    COMMAND_API_PORT: String(ports.command),
    QUERY_API_PORT: String(ports.query),
    HEALTH_PORT: String(ports.health),
  };
  shop = npm(['start'], {
    ...env,
    LOG_LEVEL: 'debug',
    KAFKA_BROKERS: inject('kafkaBrokers'),
    KAFKA_TOPIC_PREFIX: `readme${randomBytes(3).toString('hex')}.`,
  });
  await waitUntilUp(
    shop,
    [ports.command, ports.query].map((p) => `http://127.0.0.1:${p}/health`),
  );
});

afterAll(async () => {
  killGroup(shop);
  await flushRedis();
  await database?.drop();
  rmSync(work, { recursive: true, force: true });
});

describe('README.md, run as written', () => {
  it('the first curl session gives the promised order, refund and stock figures', () => {
    expect(envOf("BOOTSTRAP_ADMIN_EMAIL=a@b.c X='q r' npm start")).toEqual({
      BOOTSTRAP_ADMIN_EMAIL: 'a@b.c',
      X: 'q r',
    });
    const [, session] = shellBlocks(text, 'A first session with curl');
    const [subtotal, tax, total] = figure(/subtotal ([\d.]+), tax ([\d.]+), total ([\d.]+)/);
    const [onHandAfterOrder] = figure(/stock shows `on_hand: (\d+)`/);
    const [refund] = figure(/`refund_amount: ([\d.]+)`/);
    const [onHandAfterCancel] = figure(/back to `on_hand: (\d+)`/);

    // The stock figures are what the read model shows once it has caught up: right after a command a read
    // may come a moment early. So the session (unchanged) gets a read that waits for the promised figure
    // before the cancellation and at the end; the session's own reads must show one of the two figures.
    const settled = (onHand: number) =>
      `for _ in $(seq 1 100); do S=$(curl -s $Q/inventory/$PRODUCT -H "authorization: Bearer $ADMIN"); ` +
      `case "$S" in *'"on_hand":${onHand},'*) break;; esac; sleep 0.2; done; echo "$S"\n`;
    const cancelAt = session!.indexOf('# the customer cancels');
    expect(cancelAt).toBeGreaterThan(0);
    const script =
      session!.slice(0, cancelAt) +
      settled(onHandAfterOrder!) +
      session!.slice(cancelAt) +
      settled(onHandAfterCancel!);
    const [registered, cart, orders, search, stockAfterOrder, settledAfterOrder, ...rest] = runBlock(script);
    const [cancelled, stockAfterCancel, settledAfterCancel] = rest;
    expect(registered).toMatchObject({ email: 'ann@example.com' });
    expect(cart).toMatchObject({ items: [expect.objectContaining({ quantity: 2 })] });
    // The order as placed (the session keeps POST /orders' body in order.json), and read back.
    const placed = JSON.parse(readFileSync(join(work, 'order.json'), 'utf8'));
    expect(placed).toMatchObject({ status: 'confirmed', subtotal, tax, total });
    expect(orders!.orders).toEqual([
      expect.objectContaining({ order_id: placed.order_id, status: 'confirmed', total }),
    ]);
    expect(search!.results).toEqual([expect.objectContaining({ name: 'Wireless Headphones' })]);
    expect(settledAfterOrder).toMatchObject({ on_hand: onHandAfterOrder, reserved: 0 });
    expect([onHandAfterOrder, onHandAfterCancel]).toContain(stockAfterOrder!.on_hand);
    expect(cancelled).toMatchObject({
      status: 'cancelled',
      refund_status: 'refunded',
      refund_amount: refund,
    });
    expect(settledAfterCancel).toMatchObject({ on_hand: onHandAfterCancel, reserved: 0 });
    expect([onHandAfterOrder, onHandAfterCancel]).toContain(stockAfterCancel!.on_hand);
  });

  it('the verification and order mails are .eml files under var/mail, as the README says', async () => {
    expect(text).toContain('`var/mail/` by default');
    const mailDir = join(repoRoot, 'var/mail');
    // This run's mail to Ann (the folder is shared by runs: only files written since this file started).
    const kinds = () =>
      readdirSync(mailDir)
        .filter((name) => name.endsWith('.eml') && statSync(join(mailDir, name)).mtimeMs >= startedAt - 1_000)
        .filter((name) => /^To: ann@example\.com/m.test(readFileSync(join(mailDir, name), 'utf8')))
        .map((name) => /-(verify_email|order_confirmed)-/.exec(name)?.[1])
        .filter(Boolean);
    let found: (string | undefined)[] = [];
    for (let i = 0; i < 300 && !(found.includes('verify_email') && found.includes('order_confirmed')); i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      found = kinds();
    }
    expect(found).toEqual(expect.arrayContaining(['verify_email', 'order_confirmed']));
  });

  it('the tiered, discounted order gives the promised steps and figures', () => {
    const [session] = shellBlocks(text, 'A tiered, discounted order');
    const [subtotal, discount, tax, total] = figure(
      /subtotal ([\d.]+), discount ([\d.]+), tax ([\d.]+), total ([\d.]+)/,
    );
    const [base, quantity, tier] = figure(/`base` (\d+\.\d\d) → `quantity` (\d+\.\d\d) → `tier` (\d+\.\d\d)/);
    const outputs = runBlock(session!);
    const quote = outputs.find((o) => 'steps' in o && 'quantity' in o)!;
    expect((quote.steps as { unit_price: number }[]).map((step) => step.unit_price)).toEqual([
      base,
      quantity,
      tier,
    ]);
    const carts = outputs.filter((o) => 'items' in o && 'cart_id' in o);
    expect(carts.at(-1)).toMatchObject({
      coupon: 'WELCOME-10',
      discount,
      items: [expect.objectContaining({ list_price: base, unit_price: tier, quantity: 2 })],
    });
    const placed = outputs.find((o) => 'order_id' in o && 'status' in o)!;
    expect(placed).toMatchObject({
      status: 'confirmed',
      subtotal,
      discount,
      tax,
      total,
      coupon: 'WELCOME-10',
    });
    expect((placed.items as { steps: unknown[] }[])[0]!.steps).toHaveLength(3);
  });

  it('both APIs serve the docs the README points to', async () => {
    for (const port of [ports.command, ports.query]) {
      const page = await fetch(`http://127.0.0.1:${port}/docs`);
      expect(page.status).toBe(200);
      expect(await page.text()).toContain('swagger-ui');
      const document = (await (await fetch(`http://127.0.0.1:${port}/openapi.json`)).json()) as {
        openapi: string;
      };
      expect(document.openapi).toMatch(/^3\./);
    }
    expect(text).toContain('/openapi.json');
    expect(text).toContain('/docs');
  });

  it('the seed (small) reports every phase and waits for the read models; the demo commands answer', async () => {
    const [seedBlock, demo] = shellBlocks(text, 'A demo catalog');
    const quick = seedBlock!.split('\n').find((line) => line.includes('--products'))!;
    const args = quick.replace(/#.*/, '').trim().split(/\s+/).slice(1); // after `npm`
    const small = args.map((arg, i) =>
      args[i - 1] === '--products' ? '40' : args[i - 1] === '--users' ? '8' : arg,
    );
    const seed = npm(small, { DATABASE_URL: database.url, REDIS_URL: redisUrl });
    const code = await seed.exited;
    const out = seed.output();
    expect(code, out).toBe(0);
    for (const phase of [/^products: \d+\/40 /m, /^users: \d+\/8 /m, /^orders: \d+\/8 shoppers/m])
      expect(out).toMatch(phase);
    expect(out).toMatch(/^projections: all \d+ caught up in [\d.]+ s; the read models are ready$/m);
    const report = JSON.parse(out.trim().split('\n').at(-1)!) as { demoCustomer: { email: string } };
    expect(demo).toContain(report.demoCustomer.email); // the shopper the README logs in as

    const [listing, search, categories, product, together, cart, personalized, popular] = runBlock(demo!);
    const listed = listing!.products as { category: string }[];
    expect(listed.length).toBeGreaterThan(0);
    expect(new Set(listed.map((p) => p.category))).toEqual(new Set(['Audio']));
    expect((search!.results as unknown[]).length).toBeGreaterThan(0);
    // One spelling of each category: the curl session's product and the seed's share "Audio".
    const names = (categories!.categories as { name: string }[]).map((c) => c.name);
    expect(new Set(names.map((n) => n.toLowerCase())).size).toBe(names.length);
    expect(names).toContain('Audio');
    expect(product).toHaveProperty('product_id');
    expect(together).not.toHaveProperty('error');
    expect((cart!.items as unknown[]).length).toBeGreaterThan(0);
    expect(personalized).not.toHaveProperty('error');
    expect(popular).not.toHaveProperty('error');
  }, 240_000);

  it('serves metrics with help text, no gauge named *_total', async () => {
    const metrics = await (await fetch(`http://127.0.0.1:${ports.query}/metrics`)).text();
    const types = [...metrics.matchAll(/^# TYPE (\S+) (\S+)$/gm)].map((m) => ({ name: m[1]!, type: m[2]! }));
    expect(types.length).toBeGreaterThan(20);
    const helped = new Set([...metrics.matchAll(/^# HELP (\S+) \S/gm)].map((m) => m[1]));
    expect(types.filter((t) => !helped.has(t.name)).map((t) => t.name)).toEqual([]);
    expect(types.filter((t) => t.type === 'gauge' && t.name.endsWith('_total'))).toEqual([]);
  });

  it('stops cleanly, and no log line of the whole run repeats a key; API lines say their service', async () => {
    await shop!.stop();
    const lines = shop!
      .output()
      .split('\n')
      .filter((line) => line.startsWith('{'));
    expect(lines.at(-1)).toContain('"msg":"stopped"');
    expect(lines.length).toBeGreaterThan(50);
    expect(lines.some((line) => line.includes('"library":"kafkajs"'))).toBe(true); // Kafka was in the run
    const repeated = lines.filter((line) => repeatedKeys(line).length > 0);
    expect(repeated).toEqual([]);
    const requests = lines.map((line) => JSON.parse(line)).filter((line) => line.msg === 'request');
    expect(new Set(requests.map((line) => line.service))).toEqual(new Set(['command-api', 'query-api']));
    expect(
      lines.filter((line) => line.includes('may invalidate EoS') && !line.includes('"level":20')),
    ).toEqual([]);
  });
});
