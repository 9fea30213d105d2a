/**
 * An application's link to a master (Spark's StandaloneAppClient): it registers the driver's
 * endpoint, learns how many cores it was granted, and holds the registration for as long as the
 * application runs: closing the link is how the master learns the application ended and frees its
 * executors. If the master goes away (restart, network cut), the client reconnects with backoff
 * and re-registers under the same id, so the master re-adopts the executors still running.
 */
import {
  closeForViolation,
  connectToListener,
  ErrorCode,
  FlintError,
  onClusterMessages,
  sendClusterMessage,
  type TlsOptions,
} from '@flint/worker';
import type { WebSocket } from 'ws';

/** How to attach to a master. */
export interface MasterClientOptions {
  readonly masterUrl: string;
  readonly secret: string;
  readonly tls?: TlsOptions;
  /** The application's name on the master's status page. */
  readonly name: string;
  /** The driver endpoint executors join; reachable from the workers. */
  readonly driverUrl: string;
  /** At most this many cores (executors). */
  readonly maxCores?: number;
  /** Each executor's memory limit in bytes; the worker's share when absent. */
  readonly memoryPerExecutor?: number;
}

const MIN_BACKOFF_MS = 250;
const MAX_BACKOFF_MS = 10_000;

export class MasterClient {
  readonly #options: MasterClientOptions;
  readonly #grantListeners = new Set<(cores: number) => void>();
  #socket: WebSocket | undefined;
  #appId: string | undefined;
  #grantedCores = 0;
  #closed = false;
  #backoffMs = MIN_BACKOFF_MS;
  #reconnectTimer: NodeJS.Timeout | undefined;
  #reconnectPending = false;

  private constructor(options: MasterClientOptions) {
    this.#options = options;
  }

  /**
   * Registers the application.
   * @throws FlintError when the master cannot be reached or refuses the application.
   */
  static async connect(options: MasterClientOptions): Promise<MasterClient> {
    const client = new MasterClient(options);
    await client.#register();
    return client;
  }

  /** The id the master gave this application, e.g. `app-20261205120000-0000`. */
  get appId(): string {
    return this.#appId ?? '';
  }

  /** Cores (executors) the master granted this application, as it last said. */
  get grantedCores(): number {
    return this.#grantedCores;
  }

  /** Calls `listener` whenever the master says how many cores this application holds. */
  onGranted(listener: (cores: number) => void): () => void {
    this.#grantListeners.add(listener);
    return () => this.#grantListeners.delete(listener);
  }

  /** Ends the registration: the master stops this application's executors. */
  close(): void {
    this.#closed = true;
    clearTimeout(this.#reconnectTimer);
    this.#socket?.close(1000, 'the application ended');
  }

  async #register(): Promise<void> {
    const { masterUrl, secret, tls, name, driverUrl, maxCores, memoryPerExecutor } = this.#options;
    const { socket } = await connectToListener(
      masterUrl,
      secret,
      'application',
      {},
      tls === undefined ? {} : { tls },
    );
    if (this.#closed) {
      socket.close();
      return;
    }
    const registered = new Promise<void>((resolve, reject) => {
      onClusterMessages(socket, (message) => {
        if (message.type === 'applicationRegistered') {
          this.#appId = message.appId;
          this.#backoffMs = MIN_BACKOFF_MS;
          resolve();
        } else if (message.type === 'executorsGranted') {
          this.#grantedCores = message.cores;
          for (const listener of this.#grantListeners) listener(message.cores);
        } else closeForViolation(socket, `a master may not send '${message.type}' to a driver`);
      });
      socket.once('close', () => {
        reject(
          new FlintError(
            ErrorCode.CONTEXT,
            `The master at ${masterUrl} closed the connection before registering this application.`,
          ),
        );
        if (this.#socket === socket) this.#socket = undefined;
        // Only a registered application reconnects; a first attempt reports its failure instead.
        if (this.#appId !== undefined) this.#scheduleReconnect();
      });
    });
    socket.on('error', () => undefined); // 'close' follows
    this.#socket = socket;
    sendClusterMessage(socket, {
      type: 'registerApplication',
      ...(this.#appId === undefined ? {} : { appId: this.#appId }),
      name,
      driverUrl,
      ...(maxCores === undefined ? {} : { maxCores }),
      ...(memoryPerExecutor === undefined ? {} : { memoryPerExecutor }),
    });
    await registered;
  }

  /** Plans one reconnect attempt; a close and a failed attempt may both ask, once is enough. */
  #scheduleReconnect(): void {
    if (this.#closed || this.#reconnectPending) return;
    this.#reconnectPending = true;
    const delay = this.#backoffMs;
    this.#backoffMs = Math.min(this.#backoffMs * 2, MAX_BACKOFF_MS);
    this.#reconnectTimer = setTimeout(() => {
      this.#reconnectPending = false;
      this.#register().catch(() => this.#scheduleReconnect());
    }, delay);
    this.#reconnectTimer.unref();
  }
}
