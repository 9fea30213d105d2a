/**
 * Spark's stages. A ShuffleMapStage computes a shuffle's map outputs; a ResultStage computes an
 * action's per-partition results. A stage pipelines every narrow dependency from its final node
 * back to shuffle boundaries; each attempt of a stage gets its own key, so workers never mix the
 * specs of two attempts.
 */
import type { LineageNode, ShuffleDependency } from './lineage.js';

interface StageBase {
  readonly id: number;
  /** The last dataset computed in this stage. */
  readonly node: LineageNode;
  readonly parents: readonly ShuffleMapStage[];
  readonly numPartitions: number;
  /** Active jobs that need this stage. */
  readonly jobIds: Set<number>;
  /** Attempts so far; the next attempt is numbered this. */
  attempts: number;
  /** Consecutive attempts that ended in a fetch failure. */
  fetchFailures: number;
}

export interface ShuffleMapStage extends StageBase {
  readonly kind: 'ShuffleMapStage';
  readonly shuffle: ShuffleDependency;
}

export interface ResultStage extends StageBase {
  readonly kind: 'ResultStage';
  readonly jobId: number;
}

export type Stage = ShuffleMapStage | ResultStage;

/** The stage attempt's key, unique within an application. */
export function stageKey(stage: Stage, attempt: number): string {
  return `${stage.id}.${attempt}`;
}

/** Nodes computed in a stage (its pipeline), from the final node back to its shuffle reads. */
export function nodesInStage(node: LineageNode): LineageNode[] {
  const nodes: LineageNode[] = [];
  const seen = new Set<number>();
  const visit = (current: LineageNode) => {
    if (seen.has(current.id)) return;
    seen.add(current.id);
    for (const dependency of current.dependencies)
      if (dependency.kind === 'narrow') visit(dependency.parent);
    nodes.push(current);
  };
  visit(node);
  return nodes;
}

/** The shuffle dependencies a stage reads directly (its parent stages' shuffles). */
export function shuffleDependenciesOf(node: LineageNode): ShuffleDependency[] {
  const found = new Map<number, ShuffleDependency>();
  for (const current of nodesInStage(node)) {
    for (const dependency of current.dependencies) {
      if (dependency.kind === 'shuffle') found.set(dependency.shuffleId, dependency);
    }
  }
  return [...found.values()];
}
