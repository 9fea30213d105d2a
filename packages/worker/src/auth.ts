/**
 * Mutual challenge-response authentication with a shared secret (HMAC-SHA256). The listener sends a
 * fresh nonce; the connecting side proves the secret over both nonces; the listener proves it back.
 * The secret never travels, and a recorded handshake is useless against a new nonce.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/** A fresh random nonce, as hex. */
export function createNonce(): string {
  return randomBytes(32).toString('hex');
}

/** A fresh random secret for one local context. */
export function createSecret(): string {
  return randomBytes(32).toString('base64url');
}

/** The connecting side's proof over the listener's nonce and its own. */
export function clientProof(secret: string, listenerNonce: string, clientNonce: string): string {
  return hmac(secret, `flint-client:${listenerNonce}:${clientNonce}`);
}

/** The listener's proof back, over the same nonces in the other order. */
export function listenerProof(secret: string, listenerNonce: string, clientNonce: string): string {
  return hmac(secret, `flint-listener:${clientNonce}:${listenerNonce}`);
}

/** Compares two proofs in constant time. */
export function proofsEqual(expected: string, actual: string): boolean {
  const a = Buffer.from(expected, 'utf8');
  const b = Buffer.from(actual, 'utf8');
  // Hash both so the comparison never leaks the length and always compares equal-length buffers.
  return timingSafeEqual(sha256(a), sha256(b));
}

function hmac(secret: string, message: string): string {
  return createHmac('sha256', secret).update(message).digest('hex');
}

function sha256(data: Buffer): Buffer {
  return createHmac('sha256', 'flint-compare').update(data).digest();
}
