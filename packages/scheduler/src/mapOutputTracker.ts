/**
 * Spark's MapOutputTracker, on the driver: where each map output of each shuffle lives (which
 * worker, which block server) and how large each of its reduce blocks is. Reducers get these
 * locations with their stage; the data itself never passes through the driver.
 *
 * Invariant: an output is listed only while the driver believes its worker can serve it; a lost
 * worker's outputs, and every output at an address a reducer could not fetch from, are forgotten
 * at once, so the next attempt of a stage never points reducers at them.
 */
import type { ShuffleLocations } from '@flint/worker';
import type { MapOutputsInfo } from './events.js';

interface MapStatus {
  readonly workerId: string;
  readonly address: string;
  readonly sizes: readonly number[];
}

export class MapOutputTracker {
  readonly #shuffles = new Map<number, (MapStatus | undefined)[]>();

  registerShuffle(shuffleId: number, numMaps: number): void {
    if (!this.#shuffles.has(shuffleId))
      this.#shuffles.set(shuffleId, new Array(numMaps).fill(undefined));
  }

  registerMapOutput(shuffleId: number, mapIndex: number, status: MapStatus): void {
    const statuses = this.#shuffles.get(shuffleId);
    if (statuses) statuses[mapIndex] = status;
  }

  /** Map partitions whose output is not available (never computed, or lost with its worker). */
  missingMaps(shuffleId: number): number[] {
    const statuses = this.#shuffles.get(shuffleId) ?? [];
    const missing: number[] = [];
    statuses.forEach((status, index) => {
      if (!status) missing.push(index);
    });
    return missing;
  }

  isAvailable(shuffleId: number): boolean {
    const statuses = this.#shuffles.get(shuffleId);
    return statuses?.every((status) => status !== undefined) ?? false;
  }

  /** Locations for reducers; only valid once the shuffle is available. */
  locations(shuffleId: number): ShuffleLocations {
    const statuses = this.#shuffles.get(shuffleId) ?? [];
    return {
      addresses: statuses.map((status) => status?.address ?? ''),
      sizes: statuses.map((status) => status?.sizes ?? []),
    };
  }

  /** Forgets one map output, e.g. after a reducer could not fetch it. */
  removeMapOutput(shuffleId: number, mapIndex: number, address: string): void {
    const statuses = this.#shuffles.get(shuffleId);
    if (statuses?.[mapIndex]?.address === address) statuses[mapIndex] = undefined;
  }

  /** Forgets every map output a worker held (it was lost). Returns what was forgotten. */
  removeOutputsOnWorker(workerId: string): MapOutputsInfo[] {
    return this.#removeWhere((status) => status.workerId === workerId);
  }

  /** Forgets every output at a block server address (its worker is unreachable). */
  removeOutputsAtAddress(address: string): MapOutputsInfo[] {
    return this.#removeWhere((status) => status.address === address);
  }

  unregisterShuffle(shuffleId: number): void {
    this.#shuffles.delete(shuffleId);
  }

  #removeWhere(predicate: (status: MapStatus) => boolean): MapOutputsInfo[] {
    const removed: MapOutputsInfo[] = [];
    for (const [shuffleId, statuses] of this.#shuffles) {
      const mapIndices: number[] = [];
      statuses.forEach((status, index) => {
        if (!status || !predicate(status)) return;
        statuses[index] = undefined;
        mapIndices.push(index);
      });
      if (mapIndices.length > 0) removed.push({ shuffleId, mapIndices });
    }
    return removed;
  }
}
