import { Kafka, logLevel, Partitioners } from 'kafkajs';

/** True when a broker at `address` answers admin.describeCluster() with at least one broker. */
export async function brokerAnswers(address: string, timeoutMs = 2000): Promise<boolean> {
  // A fresh client per probe: kafkajs keeps connection state, and a probe must not retry on its own.
  const kafka = new Kafka({
    clientId: 'readiness-probe',
    brokers: [address],
    logLevel: logLevel.NOTHING,
    connectionTimeout: Math.min(timeoutMs, 1000),
    requestTimeout: timeoutMs,
    retry: { retries: 0 },
  });
  const admin = kafka.admin({ retry: { retries: 0 } });
  try {
    await admin.connect();
    const cluster = await admin.describeCluster();
    return cluster.brokers.length > 0;
  } catch {
    return false;
  } finally {
    await admin.disconnect().catch(() => {});
  }
}

export type WaitOptions = {
  timeoutMs: number;
  /** Stop waiting early when the process we wait for has died. */
  stillStarting?: () => boolean;
  intervalMs?: number;
};

/** Polls the broker until it answers; throws on timeout or when `stillStarting` turns false. */
export async function waitForBroker(address: string, options: WaitOptions): Promise<void> {
  const deadline = Date.now() + options.timeoutMs;
  const interval = options.intervalMs ?? 250;
  for (;;) {
    if (await brokerAnswers(address)) return;
    if (options.stillStarting && !options.stillStarting()) {
      throw new Error(`the broker process exited before ${address} answered`);
    }
    if (Date.now() > deadline) throw new Error(`${address} did not answer within ${options.timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, interval));
  }
}

/**
 * A fresh cluster creates its coordinators' internal topics on first use, and kafkajs logs and retries
 * through "coordinator is loading" meanwhile. Doing that once here means the first test does not pay for it.
 */
export async function warmUp(address: string): Promise<void> {
  const kafka = new Kafka({ clientId: 'warm-up', brokers: [address], logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  const producer = kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    createPartitioner: Partitioners.DefaultPartitioner,
  });
  try {
    await admin.connect();
    await admin.describeGroups(['warm-up']); // FindCoordinator creates __consumer_offsets
    await producer.connect(); // InitProducerId, served once the producer-id manager is ready
  } finally {
    await producer.disconnect().catch(() => {});
    await admin.disconnect().catch(() => {});
  }
}
