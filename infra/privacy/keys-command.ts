import pg from 'pg';
import { pino } from 'pino';
import { ConfigError, loadConfig } from '../config.ts';
import { rotateMasterKey } from './key-rotation.ts';
import { MasterKeyError, parseMasterKey, resolveMasterKey } from './master-key.ts';
import { openPersonalData } from './personal-data.ts';

type Io = { out: (text: string) => void; err: (text: string) => void };

const USAGE = `usage: npm run keys -- <command>
  check            prove DATA_ENCRYPTION_KEY opens this database's key store
  rotate           rewrap every data key from DATA_ENCRYPTION_KEY to DATA_ENCRYPTION_KEY_NEW
                   (events are not rewritten); then restart every process with the new key
  encrypt-legacy   write plain personal data of events from before encryption forward, encrypted`;

/** The key-management commands; the master keys come from the environment, never from arguments. */
export async function runKeysCommand(args: string[], env: NodeJS.ProcessEnv, io: Io): Promise<number> {
  const [command] = args;
  if (!command || !['check', 'rotate', 'encrypt-legacy'].includes(command)) {
    io.err(USAGE);
    return 2;
  }
  try {
    const config = loadConfig(env);
    const logger = pino({ name: 'keys', level: env.LOG_LEVEL ?? 'warn' }, pino.destination(2));
    const masterKey = resolveMasterKey(config, logger);
    if (command === 'check') {
      const personalData = await openPersonalData({ connectionString: config.DATABASE_URL, masterKey });
      await personalData.close();
      io.out('DATA_ENCRYPTION_KEY opens the key store');
      return 0;
    }
    if (command === 'rotate') {
      if (!env.DATA_ENCRYPTION_KEY_NEW) {
        io.err('set DATA_ENCRYPTION_KEY_NEW to the new master key (32 bytes, hex or base64)');
        return 2;
      }
      const newKey = parseMasterKey(env.DATA_ENCRYPTION_KEY_NEW, 'DATA_ENCRYPTION_KEY_NEW');
      const pool = new pg.Pool({
        connectionString: config.DATABASE_URL,
        max: 1,
        application_name: 'keys-cli',
      });
      try {
        const { rewrapped } = await rotateMasterKey(pool, masterKey, newKey);
        io.out(
          `rotated: ${rewrapped} data keys rewrapped; restart every process with the new DATA_ENCRYPTION_KEY`,
        );
      } finally {
        await pool.end();
      }
      return 0;
    }
    const { encryptLegacyPersonalData } = await import('./encrypt-legacy.ts');
    const report = await encryptLegacyPersonalData({ config, masterKey, logger });
    io.out(JSON.stringify(report));
    return 0;
  } catch (error) {
    if (error instanceof MasterKeyError || error instanceof ConfigError) {
      io.err(error.message);
      return 1;
    }
    throw error;
  }
}
