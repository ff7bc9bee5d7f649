import { createAuthenticator } from '../infra/auth/authenticator.ts';
import { createSessions } from '../infra/auth/sessions.ts';
import { createTokenService } from '../infra/auth/tokens.ts';
import type { ReadSideForTest } from '../projections/test-support.ts';
import { startTestServer } from '../test/support/http.ts';
import { createQueryApi, type QueryApiDeps } from './app.ts';

const SECRET = 'query-api-test-secret-0123456789abcdef';

/** The query API over a test read side, listening on a free port, with a token minter for each role. */
export async function startQueryApiForTest(side: ReadSideForTest, overrides: Partial<QueryApiDeps> = {}) {
  const clock = () => new Date();
  const tokens = createTokenService({
    keys: { algorithm: 'HS256', signingKey: SECRET, verificationKey: SECRET },
    clock,
  });
  const sessions = createSessions({ redis: side.redis, clock, refreshTtlSeconds: 3600 });
  const api = await createQueryApi({
    db: side.db,
    redis: side.redis,
    authenticator: createAuthenticator({ tokens, sessions }),
    logger: side.logger,
    consistencyWaitMs: 2_000,
    metrics: side.metrics,
    checkpointRefreshMs: 500,
    ...overrides,
  });
  const http = await startTestServer(api.app);
  return {
    http,
    api,
    token: (role: 'customer' | 'admin' | 'auditor', userId = `usr_${role}`) =>
      tokens.issuePair({ userId, role }).accessToken,
    async close() {
      await http.close();
      await api.close();
    },
  };
}
