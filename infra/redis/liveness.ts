import type { Redis } from 'ioredis';
import type { Logger } from '../logger.ts';
import { untraced } from '../telemetry/trace-context.ts';

/**
 * A half-open connection (the peer gone without a FIN) answers nothing and reports nothing: ioredis keeps
 * writing to it, each command failing only at the client's commandTimeout, until TCP gives up after
 * minutes of retransmissions (a subscriber, which sends nothing, hears nothing for hours). So the client
 * PINGs every `everyMs`, one PING at a time (valid in subscriber mode too). A PING that times out (the
 * client's commandTimeout) on the connection it was sent on, while ioredis still takes that connection
 * for ready, means the connection is dead: its socket is destroyed, which ioredis answers by connecting
 * (and subscribing) again. A Redis stalled for that long is taken for dead too; an error reply is an
 * answer and condemns nothing. A client without a commandTimeout is never judged. Returns a stop
 * function; the client's end stops it too.
 */
export function reconnectWhenSilent(
  client: Redis,
  options: { everyMs: number; logger?: Logger },
): () => void {
  let pinging = false;
  const onClose = () => {
    pinging = false;
  };
  const probe = () => {
    if (pinging || client.status !== 'ready') return;
    pinging = true;
    const sentOn = client.stream;
    // Untraced: a timer started inside a span would otherwise hang every PING below that span for good.
    untraced(() => client.ping()).then(
      () => {
        pinging = false;
      },
      (error: unknown) => {
        pinging = false;
        // Only silence condemns: an error reply (BUSY under a long script, LOADING, NOPERM) is an answer.
        if (!(error instanceof Error) || error.message !== 'Command timed out') return;
        // A connection being remade already, or one since replaced: nothing to destroy.
        if (client.status !== 'ready' || client.stream !== sentOn) return;
        options.logger?.warn('redis connection did not answer; reconnecting');
        sentOn.destroy();
      },
    );
  };
  const timer = setInterval(probe, options.everyMs);
  timer.unref();
  client.on('close', onClose);
  const stop = () => {
    clearInterval(timer);
    client.off('close', onClose);
    client.off('end', stop);
  };
  client.once('end', stop);
  return stop;
}
