import { describe, expect, it } from 'vitest';
import { createMetrics, streamCategory } from './metrics.ts';

const seriesValue = (text: string, series: string) => {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
};

describe('the metrics registry', () => {
  it('exposes every metric issue 9 lists, in Prometheus text', async () => {
    const text = await createMetrics().render();
    for (const name of [
      'http_requests_total',
      'http_request_duration_seconds',
      'commands_total',
      'command_duration_seconds',
      'command_retries_total',
      'eventstore_append_duration_seconds',
      'eventstore_version_conflicts_total',
      'projection_lag_events',
      'projection_lag_seconds',
      'projection_parked_events',
      'reservations_total',
      'kafka_publish_lag_events',
      'kafka_publish_lag_seconds',
      'kafka_dropped_messages_total',
      'process_manager_timer_backlog',
      // Node runtime metrics from prom-client's default collectors
      'process_cpu_seconds_total',
      'nodejs_eventloop_lag_seconds',
      'nodejs_heap_size_used_bytes',
    ]) {
      expect(text, name).toContain(`# TYPE ${name} `);
    }
  });

  it('records what the roles report', async () => {
    const metrics = createMetrics({ runtime: false, labels: { service: 'test' } });
    metrics.recordCommand('AddItemToCart', 'ok', 0.01);
    metrics.recordCommand('AddItemToCart', 'ok');
    metrics.recordCommand('AddItemToCart', 'rejected');
    metrics.recordRetry('ReserveStock');
    metrics.versionConflict('stock');
    metrics.appendLatency('cart', 0.002);
    metrics.projectionLag('catalog', 42, 1.5);
    metrics.parkedEvents('catalog', 2);
    metrics.reservation('reserved', 3);
    metrics.reservation('expired');
    metrics.kafkaPublishLag(7, 0.25);
    metrics.kafkaDrop('user-events', 4);
    metrics.timers(1, 9);
    const text = await metrics.render();
    expect(seriesValue(text, 'commands_total{type="AddItemToCart",outcome="ok",service="test"}')).toBe(2);
    expect(seriesValue(text, 'commands_total{type="AddItemToCart",outcome="rejected",service="test"}')).toBe(
      1,
    );
    expect(seriesValue(text, 'command_duration_seconds_count{service="test",type="AddItemToCart"}')).toBe(1);
    expect(seriesValue(text, 'command_retries_total{type="ReserveStock",service="test"}')).toBe(1);
    expect(seriesValue(text, 'eventstore_version_conflicts_total{category="stock",service="test"}')).toBe(1);
    expect(
      seriesValue(
        text,
        'eventstore_append_duration_seconds_count{service="test",category="cart",result="ok"}',
      ),
    ).toBe(1);
    expect(seriesValue(text, 'projection_lag_events{projection="catalog",service="test"}')).toBe(42);
    expect(seriesValue(text, 'projection_lag_seconds{projection="catalog",service="test"}')).toBe(1.5);
    expect(seriesValue(text, 'projection_parked_events{projection="catalog",service="test"}')).toBe(2);
    expect(seriesValue(text, 'reservations_total{outcome="reserved",service="test"}')).toBe(3);
    expect(seriesValue(text, 'reservations_total{outcome="expired",service="test"}')).toBe(1);
    expect(seriesValue(text, 'kafka_publish_lag_events{service="test"}')).toBe(7);
    expect(seriesValue(text, 'kafka_publish_lag_seconds{service="test"}')).toBe(0.25);
    expect(seriesValue(text, 'kafka_dropped_messages_total{topic="user-events",service="test"}')).toBe(4);
    expect(seriesValue(text, 'process_manager_timer_backlog{state="due",service="test"}')).toBe(1);
    expect(seriesValue(text, 'process_manager_timer_backlog{state="pending",service="test"}')).toBe(9);
    expect(text).not.toContain('nodejs_eventloop_lag_seconds');
  });

  it('keeps registries apart: two in one process do not share series', async () => {
    const a = createMetrics({ runtime: false });
    const b = createMetrics({ runtime: false });
    a.reservation('committed');
    expect(seriesValue(await a.render(), 'reservations_total{outcome="committed"}')).toBe(1);
    expect(seriesValue(await b.render(), 'reservations_total{outcome="committed"}')).toBeUndefined();
  });

  it('labels by stream category, never by stream name', () => {
    expect(streamCategory('cart-usr_1')).toBe('cart');
    expect(streamCategory('user_email-a@b.c')).toBe('user_email');
    expect(streamCategory('plain')).toBe('plain');
  });
});
