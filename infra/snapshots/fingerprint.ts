import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * A decider build's fingerprint: its declared version and the source of every non-test module in the
 * given folders (the aggregate's domain folder and domain/shared, which hold evolve and what it calls).
 * Any edit there changes it, so snapshots folded by older code are ignored and rebuilt: over-invalidating
 * costs one full fold per stream, under-invalidating would be a wrong state. Where the sources are not
 * readable (a bundled build), the functions' own text stands in, and the version must be bumped by hand.
 */
export function deciderFingerprint(options: {
  aggregate: string;
  version: number;
  sources: readonly URL[];
  decider: { evolve: unknown; decide: unknown; initialState: () => unknown };
}): string {
  const hash = createHash('sha256').update(`${options.aggregate}\0${options.version}\0`);
  try {
    for (const folder of options.sources) {
      const dir = fileURLToPath(folder);
      const names = readdirSync(dir)
        .filter((name) => name.endsWith('.ts') && !name.includes('.test.'))
        .sort();
      for (const name of names) hash.update(`${name}\0`).update(readFileSync(join(dir, name)));
    }
  } catch {
    const { decider } = options;
    hash.update(String(decider.evolve)).update(String(decider.decide));
    hash.update(JSON.stringify(decider.initialState()));
  }
  return hash.digest('hex').slice(0, 32);
}
