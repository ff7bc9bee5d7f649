import type { AllStreamResolvedEvent, AllStreamSubscription } from '@eventstore/db-client';

export type ClientItem =
  | { kind: 'event'; resolved: AllStreamResolvedEvent }
  | { kind: 'caught-up' }
  /** Everything received so far has been taken; the next item has to come over the network. */
  | { kind: 'idle' };

/**
 * Reads one client subscription in order, one item per pull, and puts the server's caught-up signal
 * where it belongs in the sequence.
 *
 * The client reports caught-up as a `caughtUp` event emitted while the stream is transforming the
 * server's messages, i.e. ahead of the events still waiting in its readable buffer. We note how many
 * events had been pushed at that moment (taken by us + still buffered) and yield `caught-up` right
 * after that many events. Pulling with `read()` keeps grpc-js's flow control as our backpressure.
 *
 * Ends when the subscription ends or `stopped()` says so; throws when it errors or closes without ending.
 */
export async function* readSubscription(
  subscription: AllStreamSubscription,
  stopped: () => boolean,
  onWake: (wake: () => void) => void,
): AsyncGenerator<ClientItem> {
  let taken = 0;
  const caughtUpAfter: number[] = [];
  let failure: Error | undefined;
  let ended = false;
  let wake: (() => void) | undefined;
  const poke = () => {
    const resolve = wake;
    wake = undefined;
    resolve?.();
  };
  onWake(poke);
  subscription.on('caughtUp', () => {
    caughtUpAfter.push(taken + subscription.readableLength);
    poke();
  });
  subscription.on('readable', poke);
  subscription.on('end', () => {
    ended = true;
    poke();
  });
  subscription.on('error', (error: Error) => {
    failure ??= error;
    poke();
  });
  subscription.on('close', () => {
    if (!subscription.readableEnded) failure ??= new Error('subscription closed without ending');
    poke();
  });
  while (!stopped()) {
    const due = caughtUpAfter[0];
    if (due !== undefined && due <= taken) {
      caughtUpAfter.shift();
      yield { kind: 'caught-up' };
      continue;
    }
    const resolved = subscription.read() as AllStreamResolvedEvent | null;
    if (resolved !== null) {
      taken++;
      yield { kind: 'event', resolved };
      continue;
    }
    // read() may have emitted caughtUp synchronously, for an event it has already handed over.
    if (caughtUpAfter[0] !== undefined && caughtUpAfter[0] <= taken) continue;
    if (failure) throw failure;
    if (ended) return;
    yield { kind: 'idle' };
    if (stopped()) return;
    if (subscription.readableLength > 0 || caughtUpAfter.length > 0 || failure || ended) continue;
    await new Promise<void>((resolve) => {
      wake = resolve;
    });
  }
}
