/**
 * Checks a presented secret in constant time. Both sides are first hashed with HMAC-SHA-256 under
 * a random key, so `timingSafeEqual` always compares two 32-byte digests and neither the secret's
 * length nor its content leaks through timing. The secret itself is never logged or echoed.
 */

import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/** `true` for the right secret. Without a configured secret every candidate is refused. */
export type SecretCheck = (candidate: string | undefined) => boolean;

/** The check for `secret`; an undefined or empty secret refuses everything. */
export function createSecretCheck(secret: string | undefined): SecretCheck {
  if (secret === undefined || secret === '') return () => false;
  const key = randomBytes(32);
  const digest = (value: string): Buffer =>
    createHmac('sha256', key).update(value, 'utf8').digest();
  const expected = digest(secret);
  return (candidate) => candidate !== undefined && timingSafeEqual(digest(candidate), expected);
}

/** The token of an `Authorization: Bearer <token>` header, if there is one. */
export function bearerToken(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header);
  return match?.[1];
}
