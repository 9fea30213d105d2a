/**
 * A job's DAG as inline SVG, drawn like Spark's: one dashed box per stage, stages left to right in
 * dependency order, the stage's pipelined operators stacked inside its box, narrow dependencies as
 * solid arrows inside a box and shuffle dependencies as dashed arrows crossing from one stage's box
 * into the next. Each stage box links to its stage page and is reachable by keyboard.
 *
 * The layout is computed from the jobStart event alone (`stages` and `lineage`), so a finished job
 * draws the same in the history server as it did live.
 */

import type { LineageNodeInfo, StageInfo } from '../events.js';
import type { StageStatus } from './appStatusStore.js';
import { statusLabel } from './components.js';
import { html, type SafeHtml } from './html.js';

/** What {@link renderDagSvg} draws. */
export interface DagInput {
  readonly jobId: number;
  readonly stages: readonly StageInfo[];
  readonly lineage: readonly LineageNodeInfo[];
  /** The stage's status within this job. */
  readonly statusOf: (stageId: number) => StageStatus;
  /** The link to a stage's page. */
  readonly stageHref: (stageId: number) => string;
}

const NODE_W = 184;
const NODE_H = 60;
const NODE_GAP_X = 24;
const NODE_GAP_Y = 30;
const PAD = 16;
const HEADER = 44;
const STAGE_GAP_X = 96;
const STAGE_GAP_Y = 28;
const MARGIN = 12;
const NAME_CHARS = 24;

interface Box {
  readonly stage: StageInfo;
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
  readonly rows: readonly (readonly number[])[];
}

interface Point {
  readonly x: number;
  readonly y: number;
}

/** The SVG of a job's DAG, with a title and a text description for assistive technology. */
export function renderDagSvg(input: DagInput): SafeHtml {
  const nodes = new Map(input.lineage.map((node) => [node.id, node]));
  const stageIds = new Set(input.stages.map((stage) => stage.stageId));
  const depths = stageDepths(input.stages, stageIds);
  const columns = new Map<number, StageInfo[]>();
  for (const stage of input.stages) {
    const depth = depths.get(stage.stageId) ?? 0;
    const column = columns.get(depth) ?? [];
    column.push(stage);
    columns.set(depth, column);
  }

  const boxes: Box[] = [];
  const positions = new Map<string, Point>();
  let x = MARGIN;
  let height = 0;
  for (const depth of [...columns.keys()].sort((a, b) => a - b)) {
    const column = (columns.get(depth) ?? []).sort((a, b) => a.stageId - b.stageId);
    const laidOut = column.map((stage) => ({ stage, rows: stageRows(stage, nodes) }));
    const columnWidth = Math.max(...laidOut.map(({ rows }) => boxWidth(rows)));
    let y = MARGIN;
    for (const { stage, rows } of laidOut) {
      const box = { stage, x, y, width: columnWidth, height: boxHeight(rows), rows };
      boxes.push(box);
      rows.forEach((row, r) => {
        const rowWidth = row.length * NODE_W + (row.length - 1) * NODE_GAP_X;
        const startX = x + (columnWidth - rowWidth) / 2;
        row.forEach((nodeId, i) => {
          positions.set(nodeKey(stage.stageId, nodeId), {
            x: startX + i * (NODE_W + NODE_GAP_X),
            y: y + HEADER + r * (NODE_H + NODE_GAP_Y),
          });
        });
      });
      y += box.height + STAGE_GAP_Y;
    }
    height = Math.max(height, y - STAGE_GAP_Y + MARGIN);
    x += columnWidth + STAGE_GAP_X;
  }
  const width = Math.max(x - STAGE_GAP_X + MARGIN, 2 * MARGIN);
  height = Math.max(height, 2 * MARGIN);

  const edges = dagEdges(boxes, nodes, positions);
  const id = `dag-${input.jobId}`;
  const description = describeDag(input, boxes, nodes, edges);
  return html`<svg class="dag" xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" aria-labelledby="${id}-title" aria-describedby="${id}-desc">
<title id="${id}-title">DAG of job ${input.jobId}: ${boxes.length} stages</title>
<desc id="${id}-desc">${description}</desc>
<defs>
<marker id="${id}-arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path class="arrow" d="M0,0 L10,5 L0,10 z"/></marker>
<marker id="${id}-arrow-shuffle" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path class="arrow shuffle" d="M0,0 L10,5 L0,10 z"/></marker>
</defs>
${boxes.map((box) => renderStageBox(box, input, nodes, positions))}
${edges.map((edge) => renderEdge(edge, id))}
</svg>`;
}

/** Columns: a stage sits one column right of its deepest parent stage in this job. */
function stageDepths(
  stages: readonly StageInfo[],
  stageIds: ReadonlySet<number>,
): Map<number, number> {
  const byId = new Map(stages.map((stage) => [stage.stageId, stage]));
  const depths = new Map<number, number>();
  const visiting = new Set<number>();
  const depthOf = (stageId: number): number => {
    const known = depths.get(stageId);
    if (known !== undefined) return known;
    // A cycle cannot come from the DAGScheduler; the guard only keeps a bad log from hanging us.
    if (visiting.has(stageId)) return 0;
    visiting.add(stageId);
    const parents = (byId.get(stageId)?.parentStageIds ?? []).filter((p) => stageIds.has(p));
    const depth = parents.length === 0 ? 0 : 1 + Math.max(...parents.map(depthOf));
    visiting.delete(stageId);
    depths.set(stageId, depth);
    return depth;
  };
  for (const stage of stages) depthOf(stage.stageId);
  return depths;
}

/** The stage's operators in rows: an operator sits one row below its deepest narrow parent. */
function stageRows(stage: StageInfo, nodes: ReadonlyMap<number, LineageNodeInfo>): number[][] {
  let members = stage.nodeIds.filter((nodeId) => nodes.has(nodeId));
  if (members.length === 0) {
    members = [...nodes.values()].filter((n) => n.stageId === stage.stageId).map((n) => n.id);
  }
  const inStage = new Set(members);
  const rowOf = new Map<number, number>();
  const visiting = new Set<number>();
  const row = (nodeId: number): number => {
    const known = rowOf.get(nodeId);
    if (known !== undefined) return known;
    if (visiting.has(nodeId)) return 0;
    visiting.add(nodeId);
    const narrowParents = (nodes.get(nodeId)?.parents ?? []).filter(
      (parent) => !parent.shuffle && inStage.has(parent.id),
    );
    const value =
      narrowParents.length === 0 ? 0 : 1 + Math.max(...narrowParents.map((p) => row(p.id)));
    visiting.delete(nodeId);
    rowOf.set(nodeId, value);
    return value;
  };
  const rows: number[][] = [];
  for (const nodeId of [...inStage].sort((a, b) => a - b)) {
    const r = row(nodeId);
    while (rows.length <= r) rows.push([]);
    rows[r]?.push(nodeId);
  }
  return rows.filter((r) => r.length > 0);
}

function boxWidth(rows: readonly (readonly number[])[]): number {
  const widest = Math.max(1, ...rows.map((row) => row.length));
  return 2 * PAD + widest * NODE_W + (widest - 1) * NODE_GAP_X;
}

function boxHeight(rows: readonly (readonly number[])[]): number {
  if (rows.length === 0) return HEADER + PAD;
  return HEADER + rows.length * NODE_H + (rows.length - 1) * NODE_GAP_Y + PAD;
}

interface Edge {
  readonly shuffle: boolean;
  readonly fromStage: number;
  readonly toStage: number;
  readonly fromNode: number;
  readonly toNode: number;
  readonly from: Point;
  readonly to: Point;
}

/**
 * Narrow edges join operators of one stage, bottom to top. A shuffle edge leaves its parent from
 * the parent stage's box (one of this stage's parent stages) and enters the child's box.
 */
function dagEdges(
  boxes: readonly Box[],
  nodes: ReadonlyMap<number, LineageNodeInfo>,
  positions: ReadonlyMap<string, Point>,
): Edge[] {
  const edges: Edge[] = [];
  for (const { stage, rows } of boxes) {
    const stageId = stage.stageId;
    for (const nodeId of rows.flat()) {
      const to = positions.get(nodeKey(stageId, nodeId));
      if (to === undefined) continue;
      for (const parent of nodes.get(nodeId)?.parents ?? []) {
        const local = positions.get(nodeKey(stage.stageId, parent.id));
        if (!parent.shuffle && local !== undefined) {
          edges.push({
            shuffle: false,
            fromStage: stageId,
            toStage: stageId,
            fromNode: parent.id,
            toNode: nodeId,
            from: { x: local.x + NODE_W / 2, y: local.y + NODE_H },
            to: { x: to.x + NODE_W / 2, y: to.y },
          });
          continue;
        }
        const sources = [...stage.parentStageIds, nodes.get(parent.id)?.stageId];
        const fromStage = sources.find(
          (candidate) => candidate !== undefined && positions.has(nodeKey(candidate, parent.id)),
        );
        if (fromStage === undefined) continue;
        const from = positions.get(nodeKey(fromStage, parent.id));
        if (from === undefined) continue;
        edges.push({
          shuffle: true,
          fromStage,
          toStage: stageId,
          fromNode: parent.id,
          toNode: nodeId,
          from: { x: from.x + NODE_W, y: from.y + NODE_H / 2 },
          to: { x: to.x, y: to.y + NODE_H / 2 },
        });
      }
    }
  }
  return edges;
}

function renderStageBox(
  box: Box,
  input: DagInput,
  nodes: ReadonlyMap<number, LineageNodeInfo>,
  positions: ReadonlyMap<string, Point>,
): SafeHtml {
  const { stage } = box;
  const status = input.statusOf(stage.stageId);
  const label = `Stage ${stage.stageId}`;
  const nodeMarkup = box.rows.flat().map((nodeId) => {
    const node = nodes.get(nodeId);
    const at = positions.get(nodeKey(stage.stageId, nodeId));
    if (node === undefined || at === undefined) return '';
    const partitions = `${node.numPartitions} partition${node.numPartitions === 1 ? '' : 's'}`;
    const { operator, callSite } = splitName(node.name);
    return html`<g class="node${node.cached ? ' cached' : ''}" data-node-id="${node.id}"><title>${node.name} #${node.id}, ${partitions}${node.cached ? ', cached' : ''}</title><rect x="${at.x}" y="${at.y}" width="${NODE_W}" height="${NODE_H}" rx="6"/><text class="name" x="${at.x + 10}" y="${at.y + 18}">${truncate(operator, NAME_CHARS)}</text><text class="sub" x="${at.x + 10}" y="${at.y + 34}">${truncateStart(callSite, NAME_CHARS + 4)}</text><text class="sub" x="${at.x + 10}" y="${at.y + 50}">#${node.id} · ${partitions}</text></g>`;
  });
  return html`<a href="${input.stageHref(stage.stageId)}" aria-label="${label}, ${stage.kind}, ${statusLabel(status)}: open the stage"><g class="stage st-${status}" data-stage-id="${stage.stageId}" data-kind="${stage.kind}"><rect class="box" x="${box.x}" y="${box.y}" width="${box.width}" height="${box.height}" rx="8"/><text class="stage-label" x="${box.x + PAD}" y="${box.y + 20}">${label}</text><text class="stage-status" x="${box.x + PAD}" y="${box.y + 36}">${stage.kind} · ${statusLabel(status)}</text>${nodeMarkup}</g></a>`;
}

function renderEdge(edge: Edge, id: string): SafeHtml {
  const { from, to } = edge;
  const d = edge.shuffle
    ? `M${from.x},${from.y} C${from.x + STAGE_GAP_X / 2},${from.y} ${to.x - STAGE_GAP_X / 2},${to.y} ${to.x - 2},${to.y}`
    : `M${from.x},${from.y} C${from.x},${from.y + NODE_GAP_Y / 2} ${to.x},${to.y - NODE_GAP_Y / 2} ${to.x},${to.y - 2}`;
  const marker = edge.shuffle ? `${id}-arrow-shuffle` : `${id}-arrow`;
  return html`<path class="edge${edge.shuffle ? ' shuffle' : ''}" data-from-stage="${edge.fromStage}" data-to-stage="${edge.toStage}" data-from-node="${edge.fromNode}" data-to-node="${edge.toNode}" d="${d}" marker-end="url(#${marker})"/>`;
}

/** The DAG in words: each stage with its operators, then each shuffle. */
function describeDag(
  input: DagInput,
  boxes: readonly Box[],
  nodes: ReadonlyMap<number, LineageNodeInfo>,
  edges: readonly Edge[],
): string {
  const name = (nodeId: number): string => `${nodes.get(nodeId)?.name ?? 'node'} #${nodeId}`;
  const stageText = boxes.map(({ stage, rows }) => {
    const operators = rows.flat().map(name).join(', ');
    return `Stage ${stage.stageId} (${stage.kind}, ${statusLabel(input.statusOf(stage.stageId))}): ${operators}.`;
  });
  const shuffleText = edges
    .filter((edge) => edge.shuffle)
    .map(
      (edge) =>
        `Shuffle from ${name(edge.fromNode)} in stage ${edge.fromStage} to ${name(edge.toNode)} in stage ${edge.toStage}.`,
    );
  return [...stageText, ...shuffleText].join(' ');
}

/** The scheduler names nodes `operator (callSite)`; the two go on separate lines. */
function splitName(name: string): { operator: string; callSite: string } {
  const match = /^(.*?) \((.+)\)$/.exec(name);
  return match === null
    ? { operator: name, callSite: '' }
    : { operator: match[1] ?? name, callSite: match[2] ?? '' };
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** Cuts a call site's directory rather than its file name and line, which matter more. */
function truncateStart(text: string, max: number): string {
  return text.length <= max ? text : `…${text.slice(text.length - max + 1)}`;
}

function nodeKey(stageId: number, nodeId: number): string {
  return `${stageId}:${nodeId}`;
}
