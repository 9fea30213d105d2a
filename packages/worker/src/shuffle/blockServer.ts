/**
 * Serves this worker's shuffle blocks to reducers on other workers, over its own authenticated
 * WebSocket endpoint, so shuffle data never passes through the driver.
 */
import type { AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';
import type { BlockManager } from '../blockManager.js';
import { acceptPeer, frameBytes, send } from '../connection.js';
import { decodeMessage, MAX_FRAME_BYTES } from '../protocol.js';

export class BlockServer {
  readonly #server: WebSocketServer;
  readonly address: string;

  private constructor(server: WebSocketServer, address: string) {
    this.#server = server;
    this.address = address;
  }

  /** Listens on `host`, on a free port; `advertiseHost` is the name other workers use. */
  static async start(blockManager: BlockManager, secret: string, host: string, advertiseHost = host): Promise<BlockServer> {
    const server = new WebSocketServer({ host, port: 0, maxPayload: 1024 * 1024, perMessageDeflate: false });
    await new Promise<void>((resolve, reject) => {
      server.once('listening', resolve);
      server.once('error', reject);
    });
    server.on('connection', (socket) => {
      acceptPeer(socket, secret, () => ({}))
        .then(() => {
          socket.on('message', (data) => {
            try {
              const message = decodeMessage(frameBytes(data));
              if (message.type !== 'fetchBlocks') throw new Error(`unexpected '${message.type}'`);
              for (const mapIndex of message.mapIndices) {
                const block = blockManager.getShuffleBlock(message.shuffleId, mapIndex, message.reduceId);
                if (block) send(socket, { type: 'blockData', requestId: message.requestId, mapIndex, data: block });
                else {
                  const reason = 'this worker holds no such map output';
                  send(socket, { type: 'blocksMissing', requestId: message.requestId, mapIndex, reason });
                }
              }
              send(socket, { type: 'blocksEnd', requestId: message.requestId });
            } catch {
              socket.close(1008, 'protocol violation');
            }
          });
        })
        .catch(() => {
          // acceptPeer already closed the socket with its reason.
        });
    });
    const { port } = server.address() as AddressInfo;
    return new BlockServer(server, `ws://${advertiseHost}:${port}`);
  }

  close(): Promise<void> {
    for (const client of this.#server.clients) client.terminate();
    return new Promise((resolve) => this.#server.close(() => resolve()));
  }
}

export const MAX_BLOCK_FRAME_BYTES = MAX_FRAME_BYTES;
