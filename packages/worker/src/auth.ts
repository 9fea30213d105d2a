/**
 * Mutual challenge-response authentication with a shared secret (HMAC-SHA256).
 *
 * The listener sends a fresh nonce; the connecting side answers with its own fresh nonce and an
 * HMAC over a transcript naming the protocol version, its role and both nonces; the listener checks
 * it in constant time and proves the secret back over the same transcript plus the client's proof
 * and what it tells the peer (its worker id).
 *
 * Invariants: the secret never travels and is never part of a message or an error; each proof is
 * bound to its direction (a listener's proof is never a valid client proof, so nothing can be
 * reflected), to the role (a `peer` proof does not let a worker join a driver), and to both nonces
 * (a recorded handshake is useless against a new challenge).
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { PeerRole } from './protocol.js';

/** Bytes of randomness in a nonce and in a generated secret. */
const RANDOM_BYTES = 32;

/** The shortest secret Flint accepts: a guessable secret authenticates nobody. */
export const MIN_SECRET_LENGTH = 16;

/** Domain-separation labels: each proof says which message and which version it belongs to. */
const CLIENT_LABEL = 'flint/2 hello';
const LISTENER_LABEL = 'flint/2 welcome';

/** A fresh random nonce: 32 bytes as 64 lowercase hex digits. */
export function createNonce(): string {
  return randomBytes(RANDOM_BYTES).toString('hex');
}

/** A fresh random secret, e.g. for one local context (43 URL-safe characters). */
export function createSecret(): string {
  return randomBytes(RANDOM_BYTES).toString('base64url');
}

/** What a connecting side proves: it holds the secret, for this role, in this exchange. */
export interface ClientTranscript {
  readonly role: PeerRole;
  readonly listenerNonce: string;
  readonly clientNonce: string;
}

/** What the listener proves back: the same exchange, the client's proof, and what it answered. */
export interface ListenerTranscript extends ClientTranscript {
  readonly clientProof: string;
  readonly workerId: string | undefined;
}

/** The connecting side's proof. */
export function clientProof(secret: string, t: ClientTranscript): string {
  return hmac(secret, [CLIENT_LABEL, t.role, t.listenerNonce, t.clientNonce]);
}

/** The listener's proof back. */
export function listenerProof(secret: string, t: ListenerTranscript): string {
  return hmac(secret, [
    LISTENER_LABEL,
    t.role,
    t.listenerNonce,
    t.clientNonce,
    t.clientProof,
    t.workerId ?? '',
  ]);
}

/**
 * Compares two proofs in constant time. Both are hashed first, so the comparison always runs over
 * two equal-length digests and leaks neither the length nor a prefix of the expected proof.
 */
export function proofsEqual(expected: string, actual: string): boolean {
  const key = randomBytes(16);
  const digest = (value: string) => createHmac('sha256', key).update(value, 'utf8').digest();
  return timingSafeEqual(digest(expected), digest(actual));
}

/**
 * Fields are joined with a NUL, which none of them can contain (roles and labels are fixed words,
 * nonces and proofs hex, worker ids come from the listener), so two transcripts never collide.
 */
function hmac(secret: string, fields: readonly string[]): string {
  return createHmac('sha256', secret).update(fields.join('\0'), 'utf8').digest('hex');
}
