// `npm run keys -- check | rotate | encrypt-legacy` (docs/privacy.md). Exit codes: 0 done, 1 refused, 2 usage.
import { runKeysCommand } from '../infra/privacy/keys-command.ts';

process.exitCode = await runKeysCommand(process.argv.slice(2), process.env, {
  out: (text) => process.stdout.write(`${text}\n`),
  err: (text) => process.stderr.write(`${text}\n`),
});
