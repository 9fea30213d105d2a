import { describe, expect, it } from 'vitest';
import { clientProof, createNonce, listenerProof, proofsEqual } from '../src/auth.js';
import { encodeValue } from '../src/codec.js';
import { decodeMessage, encodeMessage, PROTOCOL_VERSION } from '../src/protocol.js';

describe('the protocol', () => {
  it('round-trips a message', () => {
    const message = { type: 'killTask', taskId: 7 } as const;
    expect(decodeMessage(encodeMessage(message))).toEqual(message);
  });

  it('refuses unknown types, malformed fields and garbage with FLINT_PROTOCOL', () => {
    expect(() => decodeMessage(encodeValue({ type: 'launchMissiles' }))).toThrow(/unknown type/);
    expect(() => decodeMessage(encodeValue({ type: 'killTask', taskId: 'seven' }))).toThrow(
      /malformed 'killTask'/,
    );
    expect(() => decodeMessage(encodeValue({ type: '__proto__' }))).toThrow(/unknown type/);
    expect(() => decodeMessage(encodeValue([1, 2, 3]))).toThrow(/unknown type/);
    expect(() => decodeMessage(new Uint8Array([1, 2, 3, 4, 5]))).toThrow(
      expect.objectContaining({ code: 'FLINT_PROTOCOL' }),
    );
  });
});

describe('challenge-response authentication', () => {
  it('accepts a proof made with the secret, and nothing else', () => {
    const listenerNonce = createNonce();
    const clientNonce = createNonce();
    const proof = clientProof('s3cret', listenerNonce, clientNonce);
    expect(proofsEqual(clientProof('s3cret', listenerNonce, clientNonce), proof)).toBe(true);
    expect(proofsEqual(clientProof('wrong', listenerNonce, clientNonce), proof)).toBe(false);
    // A replayed proof is useless against a fresh listener nonce.
    expect(proofsEqual(clientProof('s3cret', createNonce(), clientNonce), proof)).toBe(false);
    // The two directions never produce the same proof.
    expect(listenerProof('s3cret', listenerNonce, clientNonce)).not.toBe(proof);
    expect(PROTOCOL_VERSION).toBeGreaterThan(0);
  });
});
