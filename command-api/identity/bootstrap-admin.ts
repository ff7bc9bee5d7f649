import { emailSchema } from '../../domain/identity/email.ts';
import { userStreamName } from '../../domain/identity/events.ts';
import { passwordSchema } from '../../domain/identity/password-policy.ts';
import { user } from '../../domain/identity/user.ts';
import { DomainError, ErrorCode } from '../../domain/shared/errors.ts';
import type { IdKind } from '../../domain/shared/ids.ts';
import type { Logger } from '../../infra/logger.ts';
import { lookUpCredentials } from './credentials-lookup.ts';
import { type RegistrationDeps, registerUser } from './register-user.ts';

export type BootstrapAdminDeps = RegistrationDeps & { logger: Logger; ids: (kind: IdKind) => string };

/**
 * Creates the first admin from BOOTSTRAP_ADMIN_EMAIL / BOOTSTRAP_ADMIN_PASSWORD, once: when the email
 * is already registered nothing happens (several instances may start at once; the email claim lets
 * one win). An existing account is never promoted: whoever registered that email first would
 * otherwise become admin without knowing the configured password.
 */
export async function bootstrapAdmin(
  deps: BootstrapAdminDeps,
  credentials: { email: string; password: string },
): Promise<{ userId: string; created: boolean }> {
  const email = emailSchema.safeParse(credentials.email);
  if (!email.success) throw new Error('BOOTSTRAP_ADMIN_EMAIL is not a valid email address');
  const password = passwordSchema.safeParse(credentials.password);
  if (!password.success)
    throw new Error(
      `BOOTSTRAP_ADMIN_PASSWORD does not meet the password policy: ${password.error.issues.map((i) => i.message).join(', ')}`,
    );

  const existing = async () => {
    const found = await lookUpCredentials(deps.handler, deps.store, email.data);
    if (!found) return undefined;
    const { state } = await deps.handler.load(user, userStreamName(found.userId));
    if (state.status === 'registered' && state.role !== 'admin')
      deps.logger.warn(
        { user_id: found.userId },
        'bootstrap admin email belongs to a non-admin user; not promoting it',
      );
    return { userId: found.userId, created: false };
  };

  const already = await existing();
  if (already) return already;
  const userId = deps.ids('user');
  try {
    await registerUser(
      deps,
      {
        userId,
        email: email.data,
        firstName: 'Admin',
        lastName: 'Bootstrap',
        role: 'admin',
        password: password.data,
      },
      { correlation_id: `bootstrap-admin-${userId}`, user_id: 'system' },
    );
  } catch (error) {
    // Another instance claimed the email first.
    if (error instanceof DomainError && error.code === ErrorCode.AlreadyExists) {
      const other = await existing();
      if (other) return other;
    }
    throw error;
  }
  deps.logger.info({ user_id: userId }, 'bootstrap admin created');
  return { userId, created: true };
}
