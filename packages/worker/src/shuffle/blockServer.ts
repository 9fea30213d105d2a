/**
 * Serves this worker's shuffle blocks to reducers on other workers, over its own authenticated
 * WebSocket endpoint, so shuffle data never passes through the driver. A block is sent in pieces
 * of whole frames (read from disk piece by piece when it is there), each sent only once the
 * previous one left, so serving a large block never holds it, or a message of its size, in memory.
 */
import { WebSocket, type WebSocketServer } from 'ws';
import type { BlockManager } from '../blockManager.js';
import { acceptPeer, closeForViolation, frameBytes, send } from '../connection.js';
import {
  decodeMessage,
  encodeMessage,
  type FetchBlocksMessage,
  MAX_PEER_REQUEST_BYTES,
  type Message,
} from '../protocol.js';
import { type FrameData, frameChunks, isFileSegment, readFrameChunks } from '../recordFrames.js';
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
            let message: ReturnType<typeof decodeMessage>;
            try {
              message = decodeMessage(frameBytes(data));
              if (message.type !== 'fetchBlocks') throw new Error(`unexpected '${message.type}'`);
            } catch {
              closeForViolation(socket);
              return;
            }
            serveBlocks(socket, blockManager, message).catch(() => socket.terminate());
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

/**
 * Bytes of frames per message: a large block never becomes one large message, which would
 * make both sides hold it whole (and leave the codec's buffer that large).
 */
const PIECE_BYTES = 1024 * 1024;

async function serveBlocks(
  socket: WebSocket,
  blockManager: BlockManager,
  request: FetchBlocksMessage,
): Promise<void> {
  const { requestId } = request;
  for (const mapIndex of request.mapIndices) {
    const pieces = blockManager.getShuffleBlock(request.shuffleId, mapIndex, request.reduceId);
    if (!pieces) {
      const reason = 'this worker holds no such map output';
      send(socket, { type: 'blocksMissing', requestId, mapIndex, reason });
      continue;
    }
    try {
      for (const piece of pieces) await sendPiece(socket, requestId, mapIndex, piece);
    } catch (error) {
      if (socket.readyState !== WebSocket.OPEN) return;
      // The file went away (the shuffle was removed meanwhile) or cannot be read.
      const reason = `its block could not be read: ${(error as Error).message}`.slice(0, 1000);
      send(socket, { type: 'blocksMissing', requestId, mapIndex, reason });
      return;
    }
  }
  send(socket, { type: 'blocksEnd', requestId });
}

async function sendPiece(
  socket: WebSocket,
  requestId: number,
  mapIndex: number,
  piece: FrameData,
): Promise<void> {
  if (!isFileSegment(piece) && piece.byteLength <= PIECE_BYTES) {
    send(socket, { type: 'blockData', requestId, mapIndex, data: piece });
    return;
  }
  const chunks = isFileSegment(piece)
    ? readFrameChunks(piece, PIECE_BYTES)
    : frameChunks(piece, PIECE_BYTES);
  for (const data of chunks)
    await sendAndWait(socket, { type: 'blockData', requestId, mapIndex, data });
}

/** Sends a message and resolves once it was handed to the network (backpressure). */
function sendAndWait(socket: WebSocket, message: Message): Promise<void> {
  return new Promise((resolve, reject) => {
    if (socket.readyState !== WebSocket.OPEN) {
      reject(new Error('the connection closed'));
      return;
    }
    socket.send(encodeMessage(message), (error) => (error ? reject(error) : resolve()));
  });
}
