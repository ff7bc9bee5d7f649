import { parseArgs } from 'node:util';
import { StreamNotFound } from '../../infra/eventstore/errors.ts';
import { positionToString } from '../../infra/eventstore/position.ts';
import { aggregateTypes, isAggregateId, isAggregateType } from './aggregates.ts';
import { type CliContext, openCliContext } from './cli-context.ts';
import type { ProgressSink } from './progress.ts';
import { isSecretEvent, isSecretStream } from './secrets.ts';
import { type AsOf, RevisionNotReached, stateAsOf } from './time-travel.ts';
import { formatVerifyReport } from './verify/format-report.ts';
import { verifyHistory } from './verify/verify-history.ts';

/** Exit codes a scheduler can act on. */
export const EXIT = { clean: 0, findings: 1, failed: 2 } as const;

export const USAGE = `usage: npm run audit -- <command>
  stream <stream_name> [--from-revision N] [--limit N]   a stream's events in order (JSON lines)
  state <type> <id> [--as-of <ISO time|revision>]       the state folded up to that point (${aggregateTypes.join(', ')})
  verify [--json] [--grace-seconds N]                    chains, folds, invariants, read models
exit codes: 0 clean / found, 1 findings (verify) or nothing there (stream, state), 2 could not run`;

export type AuditIo = {
  out: (text: string) => void;
  err: (text: string) => void;
  /** verify's progress (a bar on a terminal: application/audit/progress.ts); lines on `err` when absent. */
  progress?: (label: string) => ProgressSink;
};

/** Plain lines, one per 10,000 events: for callers without a progress sink (tests, embedding). */
const lineProgress = (io: AuditIo): ProgressSink => {
  let shown = 0;
  return {
    update(events) {
      if (events - shown >= 10_000) {
        shown = events;
        io.err(`verify: ${events} events read`);
      }
    },
    stop: () => undefined,
  };
};

/** `bin/audit`: returns the exit code. Every invocation is recorded in the audit-access log first. */
export async function runAudit(
  argv: readonly string[],
  env: NodeJS.ProcessEnv,
  io: AuditIo,
  open: (env: NodeJS.ProcessEnv) => Promise<CliContext> = openCliContext,
): Promise<number> {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (error) {
    io.err(`${(error as Error).message}\n${USAGE}`);
    return EXIT.failed;
  }
  const { values, positionals } = parsed;
  const [command, ...rest] = positionals;
  if (!command || !['stream', 'state', 'verify'].includes(command)) {
    io.err(USAGE);
    return EXIT.failed;
  }
  let context: CliContext | undefined;
  try {
    context = await open(env);
    await context.recordAccess(`audit ${command}`, { args: positionals, ...values });
    if (command === 'stream') return await stream(context, rest, values, io);
    if (command === 'state') return await state(context, rest, values, io);
    const progress = io.progress?.('verify') ?? lineProgress(io);
    const report = await verifyHistory({
      store: context.store,
      decrypt: context.decrypt,
      db: context.db,
      graceMs: Number(values['grace-seconds'] ?? '60') * 1000,
      onProgress: (events, fraction) => progress.update(events, fraction),
    }).finally(() => progress.stop());
    io.out(values.json ? JSON.stringify(report, null, 2) : formatVerifyReport(report));
    return report.total === 0 ? EXIT.clean : EXIT.findings;
  } catch (error) {
    io.err(`audit ${command} could not run: ${(error as Error).message}`);
    return EXIT.failed;
  } finally {
    await context?.close().catch(() => undefined);
  }
}

function parse(argv: readonly string[]) {
  return parseArgs({
    args: [...argv],
    allowPositionals: true,
    options: {
      'from-revision': { type: 'string' },
      limit: { type: 'string' },
      'as-of': { type: 'string' },
      json: { type: 'boolean', default: false },
      'grace-seconds': { type: 'string' },
    },
  });
}

type Values = ReturnType<typeof parse>['values'];

async function stream(context: CliContext, args: string[], values: Values, io: AuditIo): Promise<number> {
  const [name] = args;
  if (!name) throw new Error('stream needs a stream name');
  if (isSecretStream(name)) {
    io.err(`stream ${name} not found`);
    return EXIT.findings;
  }
  let from = BigInt(values['from-revision'] ?? '0');
  const limit = values.limit ? BigInt(values.limit) : undefined;
  let printed = 0n;
  try {
    for (;;) {
      const page = await context.reader.readStream(name, { fromRevision: from, maxCount: 500 });
      for (const event of page) {
        if (limit !== undefined && printed >= limit) return EXIT.clean;
        printed += 1n;
        if (isSecretEvent(event)) continue;
        io.out(
          JSON.stringify({
            event_id: event.id,
            type: event.type,
            revision: event.revision.toString(),
            position: positionToString(event.position),
            recorded_at: event.recordedAt.toISOString(),
            data: event.data,
            metadata: event.metadata,
          }),
        );
      }
      if (page.length < 500) return EXIT.clean;
      from = page.at(-1)!.revision + 1n;
    }
  } catch (error) {
    if (!(error instanceof StreamNotFound)) throw error;
    io.err(`stream ${name} not found`);
    return EXIT.findings;
  }
}

async function state(context: CliContext, args: string[], values: Values, io: AuditIo): Promise<number> {
  const [type, id] = args;
  if (!type || !isAggregateType(type)) throw new Error(`state needs a type: ${aggregateTypes.join(', ')}`);
  if (!id || !isAggregateId(type, id)) throw new Error(`state needs a ${type} id`);
  const asOfText = values['as-of'];
  let asOf: AsOf = { kind: 'now' };
  if (asOfText !== undefined) {
    if (/^\d{1,19}$/.test(asOfText)) asOf = { kind: 'revision', revision: BigInt(asOfText) };
    else if (!Number.isNaN(Date.parse(asOfText)) && /T/.test(asOfText))
      asOf = { kind: 'time', at: new Date(asOfText) };
    else throw new Error('--as-of must be an ISO time (2026-01-15T10:00:00Z) or a revision');
  }
  try {
    io.out(JSON.stringify(await stateAsOf(context.reader, type, id, asOf), null, 2));
    return EXIT.clean;
  } catch (error) {
    if (error instanceof StreamNotFound || error instanceof RevisionNotReached) {
      io.err(error.message);
      return EXIT.findings;
    }
    throw error;
  }
}
