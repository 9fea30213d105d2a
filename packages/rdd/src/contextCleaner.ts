/**
 * Spark's ContextCleaner: once no dataset can reach a shuffle, a cached dataset or a broadcast
 * any more, the workers' copies are freed, so a long-running driver does not fill its workers'
 * memory and disks with data nothing can read. JavaScript's garbage collector tells when that is:
 * the shuffle dependency, the cached dataset's lineage node, or the Broadcast handle is registered
 * with a FinalizationRegistry, and every dataset built on top holds it through its lineage (a
 * function that reads a broadcast holds its handle). The scheduler holds no lineage of an ended
 * job, so only the user's references count.
 *
 * As in Spark, cleaning follows the garbage collector: it happens some time after the last
 * reference is dropped, or never if the process never needs to collect. `unpersist()` frees a
 * cached dataset at once.
 */

/** What the cleaner does, once something can no longer be reached. */
export interface CleanupActions {
  removeShuffle(shuffleId: number): void;
  unpersist(nodeId: number): void;
  removeBroadcast(broadcastId: number): void;
}

type Cleanup =
  | { readonly kind: 'shuffle'; readonly id: number }
  | { readonly kind: 'cache'; readonly id: number }
  | { readonly kind: 'broadcast'; readonly id: number };

export class ContextCleaner {
  readonly #registry = new FinalizationRegistry<Cleanup>((cleanup) => this.#clean(cleanup));
  /** Cached nodes registered already (cache() may be called more than once). */
  readonly #cachedNodes = new WeakSet<object>();
  #stopped = false;

  constructor(private readonly actions: CleanupActions) {}

  /** Frees shuffle `shuffleId` once `dependency` is garbage collected. */
  trackShuffle(dependency: object, shuffleId: number): void {
    this.#registry.register(dependency, { kind: 'shuffle', id: shuffleId });
  }

  /** Frees the cached partitions of node `nodeId` once `node` is garbage collected. */
  trackCache(node: object, nodeId: number): void {
    if (this.#cachedNodes.has(node)) return;
    this.#cachedNodes.add(node);
    this.#registry.register(node, { kind: 'cache', id: nodeId });
  }

  /** Frees broadcast `broadcastId` once its handle is garbage collected. */
  trackBroadcast(handle: object, broadcastId: number): void {
    this.#registry.register(handle, { kind: 'broadcast', id: broadcastId });
  }

  /** After the context stopped its workers are gone, and with them everything to clean. */
  stop(): void {
    this.#stopped = true;
  }

  #clean(cleanup: Cleanup): void {
    if (this.#stopped) return;
    switch (cleanup.kind) {
      case 'shuffle':
        this.actions.removeShuffle(cleanup.id);
        break;
      case 'cache':
        this.actions.unpersist(cleanup.id);
        break;
      case 'broadcast':
        this.actions.removeBroadcast(cleanup.id);
        break;
    }
  }
}
