import type { RequestHandler } from 'express';
import { isId } from '../domain/shared/ids.ts';
import type { Authenticator } from '../infra/auth/authenticator.ts';
import { currentTraceparent } from '../infra/telemetry/index.ts';
import type { ProductViewEmitter } from '../projections/publisher/product-view-emitter.ts';

/**
 * Emits a ProductViewed to Kafka for each GET /products/{id} answered 200. Everything happens after the
 * response is sent: the request never waits for the token check or Kafka, and the emitter never throws
 * (views are best effort: buffered, dropped and counted when Kafka is down). A request with a bearer
 * token is attributed to its user; a missing or invalid token makes an anonymous view.
 */
export function emitProductViews(emitter: ProductViewEmitter, authenticator: Authenticator): RequestHandler {
  return (req, res, next) => {
    const productId = String(req.params.product_id);
    // The same path pattern matches /products/search: only product ids count.
    if (!isId('product', productId)) return next();
    // Captured now: by 'finish' the request's span is no longer the active context.
    const traceparent = currentTraceparent() ?? req.traceparent;
    const authorization = req.get('authorization');
    res.on('finish', () => {
      if (res.statusCode !== 200) return;
      const user = authorization
        ? authenticator(authorization).then(
            (auth) => auth.userId as string,
            () => null,
          )
        : Promise.resolve(null);
      void user.then((userId) =>
        emitter.emit({
          productId,
          userId,
          correlationId: req.requestId,
          ...(traceparent ? { traceparent } : {}),
        }),
      );
    });
    next();
  };
}
