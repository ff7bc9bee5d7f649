import type { Kafka, Producer, TopicMessages } from 'kafkajs';
import { backoffMs, sleep } from '../../application/projection-runner/failures.ts';
import { createIdempotentProducer } from '../../infra/kafka/client.ts';
import { errorKind } from '../../infra/log-errors.ts';
import type { Logger } from '../../infra/logger.ts';

export type BrokerState = 'connecting' | 'connected' | 'unavailable' | 'closed';

export type SinkStatus = {
  broker: BrokerState;
  /** Failed attempts in a row (0 once a send went through). */
  failures: number;
  /** The last failure's kind (errorKind: /ready shows it to anyone); the log line has the rest. */
  lastError: string | undefined;
  /** When the current broker state began (ms since epoch). */
  since: number;
};

/** A send failure caused by the messages themselves (too large, corrupt): retrying cannot help, so it is parked. */
export class PoisonBatch extends Error {
  constructor(cause: unknown) {
    super(`Kafka refused the messages: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.name = 'PoisonBatch';
  }
}

const poisonTypes = new Set([
  'MESSAGE_TOO_LARGE',
  'RECORD_LIST_TOO_LARGE',
  'INVALID_RECORD',
  'CORRUPT_MESSAGE',
  'INVALID_REQUIRED_ACKS',
]);

const errorType = (error: unknown): string | undefined => {
  for (let e: unknown = error; e && typeof e === 'object'; ) {
    const type = (e as { type?: unknown }).type;
    if (typeof type === 'string') return type;
    e = (e as { originalError?: unknown; cause?: unknown }).originalError ?? (e as { cause?: unknown }).cause;
  }
  return undefined;
};

const aborted = () => Object.assign(new Error('publisher stopping'), { name: 'AbortError' });

/** Settles with `promise`, or rejects with an AbortError as soon as `signal` aborts (the promise is left to settle). */
function raceAbort<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) {
    promise.catch(() => {});
    return Promise.reject(aborted());
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(aborted());
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

export type KafkaSink = {
  /**
   * Resolves once Kafka acknowledged every message (acks = all). A broker that is down or refuses is
   * retried with backoff for as long as it takes; only `signal` (thrown as an AbortError) or a poison
   * batch ends the wait early.
   */
  send(batch: TopicMessages[], signal: AbortSignal): Promise<void>;
  status(): SinkStatus;
  close(): Promise<void>;
};

export type SinkOptions = {
  kafka: Kafka;
  logger: Logger;
  backoff?: { baseMs?: number; maxMs?: number };
};

export function createKafkaSink(options: SinkOptions): KafkaSink {
  const { kafka, logger } = options;
  const baseMs = options.backoff?.baseMs ?? 200;
  const maxMs = options.backoff?.maxMs ?? 5_000;
  let producer: Producer | undefined;
  let connecting: Promise<Producer> | undefined;
  let status: SinkStatus = { broker: 'connecting', failures: 0, lastError: undefined, since: Date.now() };
  const setBroker = (broker: BrokerState) => {
    if (status.broker !== broker) status = { ...status, broker, since: Date.now() };
  };

  const connect = () => {
    connecting ??= (async () => {
      const fresh = createIdempotentProducer(kafka, { allowAutoTopicCreation: false });
      try {
        await fresh.connect();
        producer = fresh;
        return fresh;
      } catch (error) {
        await fresh.disconnect().catch(() => {});
        throw error;
      } finally {
        connecting = undefined;
      }
    })();
    return connecting;
  };

  // After a failed send the producer's sequence numbers may disagree with the broker's, so it is dropped
  // and a new one (a new producer id) resends the whole batch: duplicates are possible, loss and
  // reordering are not (the batch is resent in order, and a partial first copy only precedes it).
  const discard = async () => {
    const old = producer;
    producer = undefined;
    await old?.disconnect().catch(() => {});
  };

  return {
    async send(batch, signal) {
      for (;;) {
        if (signal.aborted) throw aborted();
        try {
          const ready = producer ?? (await raceAbort(connect(), signal));
          await raceAbort(ready.sendBatch({ topicMessages: batch, acks: -1 }), signal);
          if (status.failures > 0) logger.info({ failures: status.failures }, 'Kafka reachable again');
          status = { ...status, failures: 0, lastError: undefined };
          setBroker('connected');
          return;
        } catch (error) {
          if (signal.aborted) throw aborted();
          const type = errorType(error);
          if (type && poisonTypes.has(type)) throw new PoisonBatch(error);
          const failures = status.failures + 1;
          status = { ...status, failures, lastError: errorKind(error) };
          setBroker('unavailable');
          const wait = backoffMs(failures, baseMs, maxMs);
          // First failure and then every tenth, so a long outage does not flood the log.
          if (failures === 1 || failures % 10 === 0) {
            logger.warn({ err: error, failures, retryInMs: wait }, 'Kafka send failed; retrying');
          }
          await discard();
          await sleep(wait, signal);
        }
      }
    },
    status: () => status,
    async close() {
      setBroker('closed');
      await connecting?.catch(() => {});
      await discard();
    },
  };
}
