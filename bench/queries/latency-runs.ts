import { summarise } from '../commands/latency.ts';

/** Runs `once()` `times` times one after another and summarises the latencies (ms). */
export async function timeSequential(times: number, once: (i: number) => Promise<unknown>) {
  const samples: number[] = [];
  for (let i = 0; i < times; i += 1) {
    const started = performance.now();
    await once(i);
    samples.push(performance.now() - started);
  }
  return summarise(samples);
}
