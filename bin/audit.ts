// `npm run audit -- stream <name> | state <type> <id> [--as-of <time|revision>] | verify [--json]`
// Exit codes: 0 clean, 1 findings (or nothing found), 2 could not run. See docs/audit.md.
import { runAudit } from '../infra/audit/audit-command.ts';

const code = await runAudit(process.argv.slice(2), process.env, {
  out: (text) => process.stdout.write(`${text}\n`),
  err: (text) => process.stderr.write(`${text}\n`),
});
process.exitCode = code;
