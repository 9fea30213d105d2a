/**
 * Fetches shuffle blocks from other workers' block servers, one pooled connection per peer, and
 * reads this worker's own blocks straight from its block manager.
 *
 * Every way a fetch can go wrong ends in a FetchFailedError naming the map output, so the driver
 * can recompute it: the peer refuses or drops the connection, says it has no such block, or goes
 * silent (a hung worker keeps its socket open) for longer than the network timeout.
 */
import { WebSocket } from 'ws';
import type { BlockManager } from '../blockManager.js';
import { connectToListener, frameBytes, send } from '../connection.js';
import { decodeMessage } from '../protocol.js';
import type { TlsOptions } from '../security/tls.js';
import { FetchFailedError } from './fetchFailedError.js';
import type { BlockFetcher, BlockPieceSink } from './shuffleReader.js';

interface PendingRequest {
  readonly address: string;
  /** Map outputs of which a piece arrived. */
  readonly received: Set<number>;
  readonly onPiece: BlockPieceSink;
  readonly shuffleId: number;
  readonly mapIndices: readonly number[];
  /** Restarted by every frame of the answer: only silence times out, not a large answer. */
  readonly timer: NodeJS.Timeout;
  resolve(): void;
  reject(error: Error): void;
}

/** A pooled connection to one peer; `socket` is set once the handshake is done. */
interface Connection {
  readonly ready: Promise<WebSocket>;
  socket?: WebSocket;
}

export class PeerBlockFetcher implements BlockFetcher {
  readonly #connections = new Map<string, Connection>();
  readonly #pending = new Map<number, PendingRequest>();
  #nextRequestId = 1;

  constructor(
    private readonly blockManager: BlockManager,
    private readonly ownAddress: string,
    private readonly secret: string,
    /** How long a peer may stay silent (connecting, or answering) before the fetch fails. */
    private readonly timeoutMs = 60_000,
    /** The CA to verify `wss://` peers with. */
    private readonly tls?: TlsOptions,
  ) {}

  /**
   * Fetches one reduce partition's blocks of `mapIndices` from the worker at `address`. A block
   * may arrive in several pieces (whole frames each), handed to `onPiece` in order.
   */
  async fetch(
    address: string,
    shuffleId: number,
    reduceId: number,
    mapIndices: readonly number[],
    onPiece: BlockPieceSink,
  ): Promise<void> {
    if (address === this.ownAddress) {
      this.#fetchLocal(shuffleId, reduceId, mapIndices, onPiece);
      return;
    }
    const firstMap = mapIndices[0] ?? 0;
    if (address === '')
      throw new FetchFailedError(shuffleId, firstMap, address, 'its location is unknown');
    const connection = this.#connection(address);
    let socket: WebSocket;
    try {
      socket = await connection.ready;
    } catch (error) {
      if (this.#connections.get(address) === connection) this.#connections.delete(address);
      throw new FetchFailedError(shuffleId, firstMap, address, (error as Error).message);
    }
    if (socket.readyState !== WebSocket.OPEN) {
      this.#forget(address, socket);
      throw new FetchFailedError(shuffleId, firstMap, address, 'the connection closed');
    }
    const requestId = this.#nextRequestId++;
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        const silence = `no answer within ${this.timeoutMs / 1000} s`;
        this.#fail(requestId, new FetchFailedError(shuffleId, firstMap, address, silence));
        // The peer is hung or unreachable: the next request must not wait on this connection.
        this.#drop(address, socket);
      }, this.timeoutMs);
      timer.unref();
      this.#pending.set(requestId, {
        address,
        received: new Set(),
        onPiece,
        shuffleId,
        mapIndices,
        timer,
        resolve,
        reject,
      });
      send(socket, { type: 'fetchBlocks', requestId, shuffleId, reduceId, mapIndices });
    });
  }

  /** Closes every peer connection; pending fetches fail. */
  close(): void {
    for (const connection of this.#connections.values()) {
      connection.ready.then((socket) => socket.terminate()).catch(() => undefined);
    }
    this.#connections.clear();
  }

  #fetchLocal(
    shuffleId: number,
    reduceId: number,
    mapIndices: readonly number[],
    onPiece: BlockPieceSink,
  ): void {
    for (const mapIndex of mapIndices) {
      const pieces = this.blockManager.getShuffleBlock(shuffleId, mapIndex, reduceId);
      if (!pieces)
        throw new FetchFailedError(shuffleId, mapIndex, this.ownAddress, 'the block is gone');
      for (const piece of pieces) onPiece(mapIndex, piece, true);
    }
  }

  #connection(address: string): Connection {
    let connection = this.#connections.get(address);
    if (!connection) {
      const ready = new Promise<WebSocket>((resolve, reject) => {
        let timedOut = false;
        const timer = setTimeout(() => {
          timedOut = true;
          reject(new Error(`it did not answer within ${this.timeoutMs / 1000} s`));
        }, this.timeoutMs);
        timer.unref();
        connectToListener(address, this.secret, 'peer', {}, this.tls ? { tls: this.tls } : {}).then(
          ({ socket }) => {
            clearTimeout(timer);
            if (timedOut) {
              socket.terminate();
              return;
            }
            socket.on('message', (data) => this.#onMessage(address, socket, frameBytes(data)));
            socket.on('close', () => this.#onClose(address, socket));
            socket.on('error', () => undefined); // 'close' follows and fails the pending requests
            created.socket = socket;
            resolve(socket);
          },
          (error: Error) => {
            clearTimeout(timer);
            reject(error);
          },
        );
      });
      const created: Connection = { ready };
      connection = created;
      this.#connections.set(address, connection);
    }
    return connection;
  }

  #onMessage(address: string, socket: WebSocket, frame: Uint8Array): void {
    let message: ReturnType<typeof decodeMessage>;
    try {
      message = decodeMessage(frame);
    } catch {
      this.#drop(address, socket);
      return;
    }
    if (
      message.type !== 'blockData' &&
      message.type !== 'blocksEnd' &&
      message.type !== 'blocksMissing'
    )
      return;
    const request = this.#pending.get(message.requestId);
    if (!request) return;
    if (message.type === 'blockData') {
      request.received.add(message.mapIndex);
      request.timer.refresh();
      try {
        request.onPiece(message.mapIndex, message.data, false);
      } catch (error) {
        // The piece could not be kept (the local disk is full): the task fails with that reason.
        clearTimeout(request.timer);
        this.#pending.delete(message.requestId);
        request.reject(error as Error);
      }
    } else if (message.type === 'blocksMissing') {
      this.#fail(
        message.requestId,
        new FetchFailedError(request.shuffleId, message.mapIndex, address, message.reason),
      );
    } else {
      clearTimeout(request.timer);
      this.#pending.delete(message.requestId);
      request.resolve();
    }
  }

  #onClose(address: string, socket: WebSocket): void {
    this.#forget(address, socket);
    for (const [id, request] of this.#pending) {
      if (request.address !== address) continue;
      const missing = request.mapIndices.find((mapIndex) => !request.received.has(mapIndex)) ?? 0;
      this.#fail(
        id,
        new FetchFailedError(request.shuffleId, missing, address, 'the connection closed'),
      );
    }
  }

  #fail(requestId: number, error: FetchFailedError): void {
    const request = this.#pending.get(requestId);
    if (!request) return;
    clearTimeout(request.timer);
    this.#pending.delete(requestId);
    request.reject(error);
  }

  /** Terminates a connection; its 'close' fails the requests still waiting on it. */
  #drop(address: string, socket: WebSocket): void {
    this.#forget(address, socket);
    socket.terminate();
  }

  /** Stops pooling `socket` for `address` (a newer connection may have replaced it already). */
  #forget(address: string, socket: WebSocket): void {
    if (this.#connections.get(address)?.socket === socket) this.#connections.delete(address);
  }
}
