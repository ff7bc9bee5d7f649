/** A tiny counter registry rendered as Prometheus text; enough for parked events and HTTP counts. */
export type Metrics = {
  inc(name: string, labels?: Record<string, string>, by?: number): void;
  get(name: string, labels?: Record<string, string>): number;
  render(): string;
};

const labelText = (labels: Record<string, string> = {}) => {
  const entries = Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : 1));
  return entries.length === 0
    ? ''
    : `{${entries.map(([k, v]) => `${k}="${v.replace(/["\\\n]/g, '_')}"`).join(',')}}`;
};

/** The help text of every counter the runners count here; `render` writes it as `# HELP`. */
export const runnerCounterHelp: Record<string, string> = {
  projection_parked_events_total:
    'Events parked (dead-lettered) by a projection runner since this process started.',
  publisher_events_total:
    'Domain events the Kafka publisher has committed past (their integration events acknowledged by Kafka).',
};

export function createMetrics(): Metrics {
  const counters = new Map<string, Map<string, number>>();
  return {
    inc(name, labels, by = 1) {
      const series = counters.get(name) ?? new Map<string, number>();
      counters.set(name, series);
      const key = labelText(labels);
      series.set(key, (series.get(key) ?? 0) + by);
    },
    get: (name, labels) => counters.get(name)?.get(labelText(labels)) ?? 0,
    render() {
      const lines: string[] = [];
      for (const [name, series] of counters) {
        lines.push(`# HELP ${name} ${runnerCounterHelp[name] ?? name.replace(/_/g, ' ')}`);
        lines.push(`# TYPE ${name} counter`);
        for (const [labels, value] of series) lines.push(`${name}${labels} ${value}`);
      }
      return `${lines.join('\n')}\n`;
    },
  };
}
