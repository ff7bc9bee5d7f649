import { createPrivateKey, createPublicKey, randomBytes } from 'node:crypto';
import type { Logger } from '../logger.ts';

export type JwtAlgorithm = 'HS256' | 'RS256' | 'ES256';

/** The one algorithm tokens are signed and verified with, and its keys. */
export type JwtKeys = {
  algorithm: JwtAlgorithm;
  signingKey: string;
  verificationKey: string;
};

type KeyConfig = {
  NODE_ENV: string;
  JWT_SECRET?: string | undefined;
  JWT_PRIVATE_KEY?: string | undefined;
  JWT_PUBLIC_KEY?: string | undefined;
};

// Keys in environment variables often arrive with literal "\n" instead of newlines.
const pem = (text: string) => text.replace(/\\n/g, '\n').trim();

/**
 * Picks the algorithm from the configuration and pins it: HS256 with JWT_SECRET, RS256 or ES256
 * (P-256) with a key pair, chosen by the key's type. Without either, outside production, a random
 * secret is generated with a warning (tokens then die with the process). Resolve once per process
 * and hand the result to both APIs, so that a token from one is valid on the other.
 */
export function resolveJwtKeys(config: KeyConfig, logger?: Logger): JwtKeys {
  if (config.JWT_PRIVATE_KEY && config.JWT_PUBLIC_KEY) {
    const privateKey = pem(config.JWT_PRIVATE_KEY);
    const publicKey = pem(config.JWT_PUBLIC_KEY);
    const key = createPrivateKey(privateKey);
    const pub = createPublicKey(publicKey);
    if (key.asymmetricKeyType !== pub.asymmetricKeyType)
      throw new Error('JWT_PRIVATE_KEY and JWT_PUBLIC_KEY are of different types');
    if (key.asymmetricKeyType === 'rsa') {
      if ((key.asymmetricKeyDetails?.modulusLength ?? 0) < 2048)
        throw new Error('JWT RSA keys must be at least 2048 bits');
      return { algorithm: 'RS256', signingKey: privateKey, verificationKey: publicKey };
    }
    if (key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1')
      return { algorithm: 'ES256', signingKey: privateKey, verificationKey: publicKey };
    throw new Error('JWT key pair must be RSA (RS256) or EC P-256 (ES256)');
  }
  if (config.JWT_PRIVATE_KEY || config.JWT_PUBLIC_KEY)
    throw new Error('JWT_PRIVATE_KEY and JWT_PUBLIC_KEY must be set together');
  if (config.JWT_SECRET) {
    if (config.JWT_SECRET.length < 32) throw new Error('JWT_SECRET must be at least 32 characters');
    return { algorithm: 'HS256', signingKey: config.JWT_SECRET, verificationKey: config.JWT_SECRET };
  }
  if (config.NODE_ENV === 'production')
    throw new Error('JWT_SECRET or JWT_PRIVATE_KEY/JWT_PUBLIC_KEY is required');
  logger?.warn(
    'no JWT_SECRET or JWT key pair configured: using a random development secret; tokens will not survive a restart',
  );
  const secret = randomBytes(48).toString('base64url');
  return { algorithm: 'HS256', signingKey: secret, verificationKey: secret };
}
