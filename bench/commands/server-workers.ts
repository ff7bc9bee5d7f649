// The command API on several processes, as `npm start` runs it with COMMAND_API_WORKERS above 1
// (bin/api-workers.ts): a node:cluster primary forks BENCH_WORKERS copies of server.ts, one at a time
// (each runs the start-up work, such as the bootstrap admin, after the previous one listens), and the
// workers share one port, the primary handing out connections in turn. To run.ts it speaks server.ts's
// protocol: the port once every worker listens, on 'cpu' the CPU time and round trips summed over the
// workers and itself, on 'stop' (or SIGTERM) each worker stopped.
import cluster, { type Worker } from 'node:cluster';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';

type Trips = { postgres: number; redis: number; statements: Record<string, number> };
type Stats = { cpu: NodeJS.CpuUsage; trips: Trips };

const count = Number(process.env.BENCH_WORKERS ?? 2);
cluster.setupPrimary({
  exec: fileURLToPath(new URL('./server.ts', import.meta.url)),
  execArgv: process.execArgv,
});
const workers: Worker[] = [];
let port: number | undefined;
for (let i = 0; i < count; i++) {
  const worker = cluster.fork();
  const [message] = (await Promise.race([
    once(worker, 'message'),
    once(worker, 'exit').then(([code]) => Promise.reject(new Error(`bench worker exited with ${code}`))),
  ])) as [{ port: number }];
  if (port !== undefined && message.port !== port) throw new Error('the workers do not share one port');
  port = message.port;
  workers.push(worker);
}

const statsOf = async (worker: Worker): Promise<Stats> => {
  const reply = once(worker, 'message');
  worker.send('cpu');
  return (await reply)[0] as Stats;
};
const sum = (all: Stats[]): Stats => {
  const own = process.cpuUsage();
  const total: Stats = {
    cpu: { user: own.user, system: own.system },
    trips: { postgres: 0, redis: 0, statements: {} },
  };
  for (const { cpu, trips } of all) {
    total.cpu.user += cpu.user;
    total.cpu.system += cpu.system;
    total.trips.postgres += trips.postgres;
    total.trips.redis += trips.redis;
    for (const [statement, n] of Object.entries(trips.statements))
      total.trips.statements[statement] = (total.trips.statements[statement] ?? 0) + n;
  }
  return total;
};
const stop = async () => {
  await Promise.all(
    workers.map(async (worker) => {
      const exited = once(worker, 'exit');
      worker.send('stop');
      await exited;
    }),
  );
  process.exit(0);
};
process.on('message', async (message) => {
  if (message === 'stop') void stop();
  if (message === 'cpu') process.send?.(sum(await Promise.all(workers.map(statsOf))));
});
process.on('SIGTERM', () => void stop());
process.send?.({ port });
