import { SpanStatusCode, type Tracer } from '@opentelemetry/api';
import { DomainError } from '../../domain/shared/errors.ts';
import { VersionConflict } from '../../infra/eventstore/errors.ts';
import { describeError } from '../../infra/log-errors.ts';
import type { CommandOutcome, ShopMetrics } from '../../infra/telemetry/metrics.ts';
import { inSpan, shopTracer } from '../../infra/telemetry/trace-context.ts';
import { type CommandHandler, type CommandHandlerOptions, createCommandHandler } from './command-handler.ts';

export type TracedHandlerOptions = { metrics?: ShopMetrics; tracer?: Tracer };

type AnyDecider = Parameters<CommandHandler['handle']>[0]['decider'];

/** What became of a command, for `commands_total`. */
export function commandOutcome(error: unknown): CommandOutcome {
  if (error instanceof VersionConflict) return 'conflict';
  if (error instanceof DomainError) return 'rejected';
  return 'error';
}

/**
 * Decorates the command handler: one `command <Type>` span per command (stream, outcome, revision),
 * a child `decide` span per decision (a conflict retry decides again, so retries show as repeated
 * decide spans), `command_retries_total` (conflict retries, as the handler reports them: a decision
 * taken again because cached state refused is not one), and `commands_total` / `command_duration_seconds`.
 * The traced decider is memoised per decider so the handler's state cache (keyed by decider) still hits.
 */
export function instrumentCommandHandler(
  handler: CommandHandler,
  options: TracedHandlerOptions = {},
): CommandHandler {
  const tracer = options.tracer ?? shopTracer();
  const { metrics } = options;
  const traced = new WeakMap<object, AnyDecider>();

  const tracedDecider = (decider: AnyDecider): AnyDecider => {
    let wrapped = traced.get(decider);
    if (!wrapped) {
      wrapped = {
        initialState: decider.initialState,
        evolve: decider.evolve,
        decide: (command, state) =>
          tracer.startActiveSpan('decide', { attributes: { 'command.type': command.type } }, (span) => {
            try {
              const events = decider.decide(command, state);
              span.setAttribute('command.event_count', events.length);
              return events;
            } catch (error) {
              span.setStatus({ code: SpanStatusCode.ERROR, message: describeError(error) });
              if (error instanceof DomainError) span.setAttribute('error.code', error.code);
              throw error;
            } finally {
              span.end();
            }
          }),
      };
      traced.set(decider, wrapped);
    }
    return wrapped;
  };

  return {
    load: handler.load,
    track: (type, run, changed) => {
      const started = performance.now();
      return inSpan(tracer, `command ${type}`, { attributes: { 'command.type': type } }, async (span) => {
        try {
          const result = await handler.track(type, run, changed);
          const outcome: CommandOutcome = changed(result) ? 'ok' : 'noop';
          span.setAttribute('command.outcome', outcome);
          metrics?.recordCommand(type, outcome, (performance.now() - started) / 1000);
          return result;
        } catch (error) {
          const outcome = commandOutcome(error);
          span.setAttribute('command.outcome', outcome);
          metrics?.recordCommand(type, outcome, (performance.now() - started) / 1000);
          throw error;
        }
      });
    },
    handle: (request) => {
      const type = request.command.type;
      const started = performance.now();
      const seconds = () => (performance.now() - started) / 1000;
      return inSpan(
        tracer,
        `command ${type}`,
        { attributes: { 'command.type': type, 'eventstore.stream': request.stream } },
        async (span) => {
          let retries = 0;
          // The same request with the traced decider; its types are the caller's.
          const tracedRequest = {
            ...request,
            decider: tracedDecider(request.decider as unknown as AnyDecider),
            onConflictRetry: () => {
              retries += 1;
              request.onConflictRetry?.();
            },
          } as unknown as typeof request;
          try {
            const result = await handler.handle(tracedRequest);
            const outcome: CommandOutcome = result.events.length === 0 ? 'noop' : 'ok';
            span.setAttribute('command.outcome', outcome);
            if (result.revision !== undefined)
              span.setAttribute('eventstore.revision', String(result.revision));
            metrics?.recordCommand(type, outcome, seconds());
            return result as never;
          } catch (error) {
            const outcome = commandOutcome(error);
            span.setAttribute('command.outcome', outcome);
            metrics?.recordCommand(type, outcome, seconds());
            throw error;
          } finally {
            if (retries > 0) {
              span.setAttribute('command.retries', retries);
              metrics?.commandRetries.inc({ type }, retries);
            }
          }
        },
      );
    },
  };
}

/**
 * The command handler every role uses: createCommandHandler wrapped by instrumentCommandHandler, so each
 * command (routes, checkout, the process manager's) is traced and counted in `commands_total`.
 */
export function createMeteredCommandHandler(
  options: CommandHandlerOptions & { metrics: ShopMetrics; tracer?: Tracer },
): CommandHandler {
  const { metrics, tracer, ...handlerOptions } = options;
  return instrumentCommandHandler(createCommandHandler(handlerOptions), {
    metrics,
    ...(tracer ? { tracer } : {}),
  });
}
