// `npm run audit -- stream <name> | state <type> <id> [--as-of <time|revision>] | verify [--json]`
// Exit codes: 0 clean, 1 findings (or nothing found), 2 could not run. See docs/audit.md.
import { runAudit } from '../application/audit/audit-command.ts';
import { createProgress } from '../application/audit/progress.ts';

const code = await runAudit(process.argv.slice(2), process.env, {
  out: (text) => process.stdout.write(`${text}\n`),
  err: (text) => process.stderr.write(`${text}\n`),
  // A bar on a terminal, a line every 2 s otherwise (with %, events/s and ETA), on stderr beside the report.
  progress: (label) => createProgress(label, process.stderr),
});
process.exitCode = code;
