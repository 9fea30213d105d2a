import { afterEach, describe, expect, it } from 'vitest';
import { encodeBlock, type FrameData, frameDataLength, recordsOf } from '../../src/recordFrames.js';
import { PeerBlockFetcher } from '../../src/shuffle/blockFetcher.js';
import { BlockServer } from '../../src/shuffle/blockServer.js';
import { useBlockManagers } from '../spillHelpers.js';

const SECRET = 's'.repeat(32);
const MiB = 2 ** 20;

describe('block server and fetcher', () => {
  const env = useBlockManagers();
  const closers: (() => unknown)[] = [];
  afterEach(async () => {
    for (const close of closers.splice(0).reverse()) await close();
  });

  it('serves a block from disk in pieces of whole frames that rebuild it exactly', async () => {
    const holder = env.blockManager(2 * MiB);
    const reader = env.blockManager(2 * MiB);
    const records = Array.from({ length: 60_000 }, (_, i) => [`k${i}`, `${i}-${'v'.repeat(50)}`]);
    const big = encodeBlock(records);
    const small = encodeBlock([['only', 1]]);
    holder.putMapOutput(7, 0, { kind: 'memory', blocks: [big, small] });
    holder.putMapOutput(7, 1, { kind: 'memory', blocks: [small, small] });
    // The big output did not fit in memory: it is on disk, the small one in memory.
    expect(holder.getShuffleBlock(7, 0, 0)?.every((piece) => !(piece instanceof Uint8Array))).toBe(
      true,
    );
    const server = await BlockServer.start(holder, SECRET, '127.0.0.1');
    closers.push(() => server.close());
    const fetcher = new PeerBlockFetcher(reader, 'ws://127.0.0.1:1', SECRET, 10_000);
    closers.push(() => fetcher.close());

    const pieces = new Map<number, FrameData[]>();
    await fetcher.fetch(server.address, 7, 0, [0, 1], (mapIndex, piece, isLocal) => {
      expect(isLocal).toBe(false);
      pieces.set(mapIndex, [...(pieces.get(mapIndex) ?? []), piece]);
    });
    const map0 = pieces.get(0) ?? [];
    expect(map0.length).toBeGreaterThan(1); // sent in pieces, not as one message
    expect(map0.reduce((sum, piece) => sum + frameDataLength(piece), 0)).toBe(big.byteLength);
    expect(map0.flatMap((piece) => [...recordsOf(piece)])).toEqual(records);
    expect((pieces.get(1) ?? []).flatMap((piece) => [...recordsOf(piece)])).toEqual([['only', 1]]);
  });

  it('reports a map output it does not hold as a fetch failure', async () => {
    const holder = env.blockManager(2 * MiB);
    const server = await BlockServer.start(holder, SECRET, '127.0.0.1');
    closers.push(() => server.close());
    const fetcher = new PeerBlockFetcher(env.blockManager(2 * MiB), 'ws://x:1', SECRET, 10_000);
    closers.push(() => fetcher.close());
    await expect(fetcher.fetch(server.address, 1, 0, [3], () => undefined)).rejects.toMatchObject({
      code: 'FLINT_FETCH_FAILED',
      mapIndex: 3,
    });
  });
});
