import type { VerifyReport } from './verify-history.ts';

/** The report for people: totals, findings by kind, then each finding kept (chain breaks first). */
export function formatVerifyReport(report: VerifyReport): string {
  const lines = [
    `audit verify: ${report.events} events, ${report.streams} streams, ${report.aggregates} aggregates folded in ${report.durationMs} ms`,
  ];
  for (const model of report.readModels)
    lines.push(
      `read model ${model.name} (generation ${model.generation}, at ${model.position ?? 'start'}): ${model.rows} rows, ${model.differences} differences`,
    );
  lines.push(`payment ledger: ${report.paymentLedger}`);
  if (report.total === 0) {
    lines.push('CLEAN: no findings');
    return lines.join('\n');
  }
  lines.push(`FINDINGS: ${report.total}`);
  for (const [kind, count] of Object.entries(report.counts)) lines.push(`  ${kind}: ${count}`);
  for (const f of report.findings)
    lines.push(
      `- [${f.kind}] ${f.stream ?? ''}${f.revision !== undefined ? `@${f.revision}` : ''}${f.eventId ? ` event ${f.eventId}` : ''}: ${f.message}`,
    );
  if (report.findings.length < report.total)
    lines.push(`(${report.total - report.findings.length} more not listed)`);
  return lines.join('\n');
}
