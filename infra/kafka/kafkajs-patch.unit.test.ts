import { createRequire } from 'node:module';
import { expect, it } from 'vitest';

// patches/kafkajs+2.2.4.patch (applied by patch-package on install): kafkajs 2.2.4 re-armed a 1 ms timer
// on every connection after each answered request, forever, whether or not anything waited (about 3 % of a
// core per idle producer here; Node 24 warns of the negative delay). These fail if the patch is not applied.
type Queue = {
  pending: unknown[];
  throttledUntil: number;
  throttleCheckTimeoutId: NodeJS.Timeout | null;
  checkPendingRequests(): void;
  scheduleCheckPendingRequests(): void;
  destroy(): void;
};
const require = createRequire(import.meta.url);
const RequestQueue = require('kafkajs/src/network/requestQueue/index.js') as new (
  options: Record<string, unknown>,
) => Queue;
const silent = { debug() {}, info() {}, warn() {}, error() {} };
const queue = () =>
  new RequestQueue({
    maxInFlightRequests: 1,
    requestTimeout: 30_000,
    enforceRequestTimeout: true,
    clientId: 'patch-check',
    broker: '127.0.0.1:1',
    logger: silent,
  });

it('arms no timer once an answered request leaves nothing pending', () => {
  const q = queue();
  q.checkPendingRequests(); // what an answered request calls
  expect(q.throttleCheckTimeoutId).toBeNull();
  q.destroy();
});

it('still schedules a check for a request that waits out a throttle', () => {
  const q = queue();
  q.throttledUntil = Date.now() + 60_000;
  q.pending.push({});
  q.scheduleCheckPendingRequests();
  expect(q.throttleCheckTimeoutId).not.toBeNull();
  q.destroy();
});
