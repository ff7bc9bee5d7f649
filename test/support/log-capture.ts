import { Writable } from 'node:stream';
import { createLogger, type Logger } from '../../infra/logger.ts';

/** The production logger (createLogger) at debug, its lines kept as JSON text, one entry per line. */
export function captureLogs(): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      lines.push(...String(chunk).split('\n').filter(Boolean));
      done();
    },
  });
  return { logger: createLogger({ name: 'shop', level: 'debug', destination }), lines };
}
