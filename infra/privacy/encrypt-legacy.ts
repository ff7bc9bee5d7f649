import type { Config } from '../config.ts';
import type { Logger } from '../logger.ts';
import type { Key } from './master-key.ts';

/** Filled in by the migration step (see docs/privacy.md). */
export async function encryptLegacyPersonalData(_options: {
  config: Config;
  masterKey: Key;
  logger: Logger;
}) {
  return { streams: 0, events: 0 };
}
