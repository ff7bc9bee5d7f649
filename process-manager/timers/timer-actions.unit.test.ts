import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace';
import { afterAll, beforeEach, expect, it } from 'vitest';
import type { WorkflowDeps } from '../../application/checkout/workflow-deps.ts';
import { startTelemetry } from '../../infra/telemetry/sdk.ts';
import { formatTraceparent } from '../../infra/telemetry/trace-context.ts';
import { createTimerActions } from './timer-actions.ts';

const exporter = new InMemorySpanExporter();
const processor = new SimpleSpanProcessor({ exporter });
const telemetry = startTelemetry({ env: {}, spanProcessors: [processor], instrumentations: [] });
afterAll(() => telemetry.shutdown());
beforeEach(() => exporter.reset());
const spans = async (name: string) => {
  await processor.forceFlush();
  return exporter.getFinishedSpans().filter((s) => s.name === name);
};
const cause = (n: number) => `00-${'b'.repeat(32)}-${n.toString(16).padStart(16, '0')}-01`;

it('a timer firing runs in a span linked to the traceparent its payload carries', async () => {
  const action = createTimerActions({} as WorkflowDeps);
  const outcome = await action({
    kind: 'unknown-kind' as never,
    key: 'k1',
    due_at: new Date(0),
    payload: { traceparent: cause(7) },
    attempts: 0,
  });
  expect(outcome).toEqual({ done: true });
  const [span] = await spans('timer unknown-kind');
  expect(span?.links.map((l) => formatTraceparent(l.context))).toEqual([cause(7)]);
  expect(span?.attributes).toMatchObject({ 'timer.id': 'k1' });
});
