/**
 * Serves this worker's shuffle blocks to reducers on other workers, over its own authenticated
 * WebSocket endpoint, so shuffle data never passes through the driver.
 */
import type { WebSocketServer } from 'ws';
import type { BlockManager } from '../blockManager.js';
import { acceptPeer, closeForViolation, frameBytes, send } from '../connection.js';
import { decodeMessage, MAX_PEER_REQUEST_BYTES } from '../protocol.js';
import { listen } from '../security/listen.js';
import type { TlsOptions } from '../security/tls.js';

export class BlockServer {
  readonly #server: WebSocketServer;
  readonly address: string;

  private constructor(server: WebSocketServer, address: string) {
    this.#server = server;
    this.address = address;
  }

  /**
   * Listens on `host`, on a free port; `advertiseHost` is the name other workers use. Only peers
   * that prove the secret are served; with a certificate and key in `tls`, over `wss://`.
   */
  static async start(
    blockManager: BlockManager,
    secret: string,
    host: string,
    advertiseHost = host,
    tls?: TlsOptions,
  ): Promise<BlockServer> {
    const { server, url } = await listen({
      secret,
      roles: ['peer'],
      maxPayload: MAX_PEER_REQUEST_BYTES,
      host,
      advertiseHost,
      what: 'The block server',
      ...(tls === undefined ? {} : { tls }),
    });
    server.on('connection', (socket) => {
      acceptPeer(socket, secret, () => ({}))
        .then(() => {
          socket.on('message', (data) => {
            try {
              const message = decodeMessage(frameBytes(data));
              if (message.type !== 'fetchBlocks') throw new Error(`unexpected '${message.type}'`);
              for (const mapIndex of message.mapIndices) {
                const block = blockManager.getShuffleBlock(
                  message.shuffleId,
                  mapIndex,
                  message.reduceId,
                );
                if (block)
                  send(socket, {
                    type: 'blockData',
                    requestId: message.requestId,
                    mapIndex,
                    data: block,
                  });
                else {
                  const reason = 'this worker holds no such map output';
                  send(socket, {
                    type: 'blocksMissing',
                    requestId: message.requestId,
                    mapIndex,
                    reason,
                  });
                }
              }
              send(socket, { type: 'blocksEnd', requestId: message.requestId });
            } catch {
              closeForViolation(socket);
            }
          });
        })
        .catch(() => {
          // acceptPeer already closed the socket with its reason.
        });
    });
    return new BlockServer(server, url);
  }

  close(): Promise<void> {
    for (const client of this.#server.clients) client.terminate();
    return new Promise((resolve) => this.#server.close(() => resolve()));
  }
}
