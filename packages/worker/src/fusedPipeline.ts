/**
 * Runs a narrow chain (map, filter, flatMap, keyBy, mapValues) over its source as one generated
 * loop, instead of one generator per operator: per element, the chain costs a few calls that V8
 * inlines, not a generator resumption per operator. The loop is generated once per stage, so its
 * call sites see only that stage's functions and stay monomorphic. A range source is a counted
 * loop: its numbers are never boxed into records.
 *
 * It runs in chunks; between chunks the task can yield to the event loop or stop. A range runs in
 * slices of time rather than of records: the generated loop itself reads the clock every few
 * thousand numbers and returns after a few milliseconds. Called once per slice, not per chunk, the
 * loop stays a function of its own for V8 (inlined into the task's async loop, it first ran at
 * half speed: W1 took twice as long on a context's first job).
 */

import type { FunctionSpec } from './closure/functionSpec.js';
import { ErrorCode, FlintError } from './errors.js';
import { computePartition, type TaskRuntime } from './pipeline.js';
import type { InPlaceCombine, RecordSink } from './recordSink.js';
import type { PipelineNode } from './taskSpec.js';

const FUSABLE = new Set(['map', 'filter', 'flatMap', 'keyBy', 'mapValues']);
// Small enough that a slow user function still reaches a checkpoint every few seconds at worst.
const CHUNK = 1 << 12;
/** How long a range loop runs before it returns to let the task yield or stop. */
const RANGE_SLICE_MS = 10;
/** How many numbers a range loop runs between readings of the clock. */
const RANGE_CLOCK_STRIDE = 1 << 11;

interface ChainOp {
  readonly kind: 'map' | 'filter' | 'flatMap' | 'keyBy' | 'mapValues';
  readonly fn: FunctionSpec;
}
type Fn = (...args: never[]) => unknown;

/** A chain of fusable operators above a source node, top operator last. */
interface Chain {
  readonly ops: readonly ChainOp[];
  readonly source: PipelineNode;
}

/**
 * Generated loops. Each returns how many records reached the end of the chain in this chunk, or
 * -1 when the sink asked to stop; `runIterator` also reports in `state.done` the iterator's end.
 */
interface CompiledChain {
  /** Runs indices from `from` towards `to` for a slice of time; `state.next` is where it stopped. */
  readonly runRange: (
    start: number,
    step: number,
    /** Whether every number is a safe integer: then adding `step` gives exactly `start + i * step`. */
    integral: boolean,
    from: number,
    to: number,
    fns: readonly Fn[],
    sink: RecordSink<unknown>,
    helpers: Helpers,
    state: { next: number },
  ) => number;
  readonly runIterator: (
    iterator: Iterator<unknown>,
    budget: number,
    fns: readonly Fn[],
    sink: RecordSink<unknown>,
    helpers: Helpers,
    state: { done: boolean },
  ) => number;
}

interface Helpers {
  iterable(value: unknown, operator: string): Iterable<unknown>;
  pair(record: unknown): [unknown, unknown];
  now(): number;
}

/**
 * How the generated loop hands a record to its sink: a counting sink is inlined as a counter (a
 * call per record would double the loop's cost); a sink of pairs gets each pair's key and value;
 * a combining sink has values of keys with a number combiner merged in place by the loop itself,
 * which calls the stage's merge function directly (shared code calling a new function each stage
 * would not be inlined: the call and the map lookup were two thirds of W3's map task).
 */
type SinkKind = 'count' | 'combine' | 'pairs' | 'records';

function sinkKindOf(sink: RecordSink<unknown>): SinkKind {
  if (typeof sink.addCount === 'function') return 'count';
  if (sink.inPlaceCombine !== undefined && typeof sink.addPair === 'function') return 'combine';
  return typeof sink.addPair === 'function' ? 'pairs' : 'records';
}

const compiledChains = new WeakMap<PipelineNode, Map<SinkKind, CompiledChain>>();

/** The loop for `chain` handing records to a sink of `kind`, compiled once per stage. */
function compiledChain(root: PipelineNode, chain: Chain, kind: SinkKind): CompiledChain {
  const byKind = compiledChains.get(root) ?? new Map<SinkKind, CompiledChain>();
  compiledChains.set(root, byKind);
  const { op } = chain.source;
  const rangeStep = op.kind === 'range' && Number.isSafeInteger(op.step) ? op.step : undefined;
  const compiled = byKind.get(kind) ?? compileChain(chain.ops, kind, rangeStep);
  byKind.set(kind, compiled);
  return compiled;
}

/** Stages' combining loops that have run on this worker, see NewKeysThroughSink. */
const ranChains = new WeakSet<CompiledChain>();

/**
 * Picks the loop for each slice or chunk of a stage's first combining run on this worker: the
 * stage's 'pairs' loop, every pair through the sink, for as long as most keys are new, then the
 * combining loop for good. The combining loop is thus first run, and optimized by V8, once it
 * merges known keys in place. Optimized while every key was still new (W3's first 100,000
 * numbers), it had no type feedback for the in-place merge and was deoptimized when the first
 * known key came, once per job. While keys are new the two loops do the same: hand pairs over.
 */
class NewKeysThroughSink {
  #combining = false;
  #keysBefore = 0;

  constructor(
    private readonly combine: InPlaceCombine,
    private readonly pairs: CompiledChain,
    private readonly combiningLoop: CompiledChain,
  ) {}

  /** The loop for the next slice or chunk. */
  next(): CompiledChain {
    if (this.#combining) return this.combiningLoop;
    this.#keysBefore = this.combine.keyCount();
    return this.pairs;
  }

  /** After a slice or chunk that handed `reached` records on. */
  ran(reached: number): void {
    if (this.#combining || 2 * (this.combine.keyCount() - this.#keysBefore) >= reached) return;
    this.#combining = true;
    ranChains.add(this.combiningLoop);
  }
}

/**
 * Runs partition `partition` of `root` into `sink` as a fused loop. Returns the number of records
 * that reached the sink's input, or undefined when `root` is not a fusable chain (the caller then
 * pulls records one by one). `checkpoint` runs between chunks: it may yield, or throw to stop.
 */
export async function runFused(
  root: PipelineNode,
  partition: number,
  runtime: TaskRuntime,
  sink: RecordSink<unknown>,
  checkpoint: () => Promise<void> | undefined,
): Promise<number | undefined> {
  const chain = fusableChain(root);
  if (!chain) return undefined;
  const kind = sinkKindOf(sink);
  const counting = kind === 'count';
  const compiled = compiledChain(root, chain, kind);
  const loops =
    kind === 'combine' && !ranChains.has(compiled)
      ? new NewKeysThroughSink(
          sink.inPlaceCombine as InPlaceCombine,
          compiledChain(root, chain, 'pairs'),
          compiled,
        )
      : { next: () => compiled, ran: () => undefined };
  const fns = chain.ops.map((op) => runtime.fn(op.fn));
  let read = 0;
  const { source } = chain;
  if (source.op.kind === 'range' && !source.cache) {
    const { start, step, count, numPartitions } = source.op;
    const from = Math.floor((partition * count) / numPartitions);
    const to = Math.floor(((partition + 1) * count) / numPartitions);
    const state = { next: from };
    const integral = [start, step, start + count * step].every(Number.isSafeInteger);
    for (let i = from; i < to; i = state.next) {
      const reached = loops
        .next()
        .runRange(start, step, integral, i, to, fns, sink, helpers, state);
      if (reached < 0) break;
      loops.ran(reached);
      if (counting) sink.addCount?.(reached);
      read += state.next - i;
      await checkpoint();
    }
    return read;
  }
  const records = computePartition(source, partition, runtime);
  if (typeof (records as Partial<Iterable<unknown>>)[Symbol.iterator] !== 'function')
    return undefined;
  const iterator = records[Symbol.iterator]();
  const state = { done: false };
  for (;;) {
    const reached = loops.next().runIterator(iterator, CHUNK, fns, sink, helpers, state);
    if (reached < 0) {
      iterator.return?.();
      break;
    }
    loops.ran(reached);
    if (counting) sink.addCount?.(reached);
    read += reached;
    if (state.done) break;
    await checkpoint();
  }
  return read;
}

/** The chain of fusable operators at the top of `root`, if it is worth fusing. */
function fusableChain(root: PipelineNode): Chain | undefined {
  const ops: ChainOp[] = [];
  let node = root;
  while (FUSABLE.has(node.op.kind) && !node.cache && node.parents.length === 1) {
    ops.unshift(node.op as unknown as ChainOp);
    node = node.parents[0] as PipelineNode;
  }
  if (ops.length === 0 && node.op.kind !== 'range') return undefined;
  return { ops, source: node };
}

/** Generates the loop body for the chain: each operator's code wraps the rest of the chain. */
function chainBody(ops: readonly ChainOp[], index: number, value: string, kind: SinkKind): string {
  if (index === ops.length) return `reached++; ${handOver(value, kind)}`;
  const op = ops[index] as ChainOp;
  const fn = `f${index}`;
  const next = `v${index + 1}`;
  const rest = (v: string) => chainBody(ops, index + 1, v, kind);
  switch (op.kind) {
    case 'map':
      return `{ const ${next} = ${fn}(${value}); ${rest(next)} }`;
    case 'filter':
      return `if (${fn}(${value})) { ${rest(value)} }`;
    case 'flatMap':
      return `for (const ${next} of helpers.iterable(${fn}(${value}), 'flatMap')) { ${rest(next)} }`;
    case 'keyBy':
      return `{ const ${next} = [${fn}(${value}), ${value}]; ${rest(next)} }`;
    case 'mapValues':
      return `{ const p = helpers.pair(${value}); const ${next} = [p[0], ${fn}(p[1])]; ${rest(next)} }`;
    default:
      throw new FlintError(ErrorCode.PROTOCOL, `Operator '${String(op.kind)}' cannot be fused.`);
  }
}

/** Numbers each compiled chain, see compileChain. */
let chainsCompiled = 0;

/** The code that gives the record `value` to the sink, returning -1 when the sink says stop. */
function handOver(value: string, kind: SinkKind): string {
  switch (kind) {
    case 'count':
      return '';
    case 'records':
      return `if (sink.add(${value}) === false) return -1;`;
    case 'pairs':
      // Anything but a pair goes through add(), which names the operation in its error.
      return `if ((Array.isArray(${value}) && ${value}.length === 2 ? sink.addPair(${value}[0], ${value}[1]) : sink.add(${value})) === false) return -1;`;
    case 'combine':
      // A key whose combiner is a number, in either layout of the map: merged here. Anything
      // else goes to the sink, after which the map's storage may have moved (a new key grew it,
      // a spill emptied it), so it is read again.
      return `if (Array.isArray(${value}) && ${value}.length === 2) {
          const key = ${value}[0];
          let slot;
          if (typeof key === 'number' && key < present.length && present[key] === 1) {
            const merged = merge(numbers[key], ${value}[1]);
            if (typeof merged === 'number') numbers[key] = merged;
            else { combine.replaceCombiner(key, merged); ${READ_SLOTS} }
          } else if ((typeof key === 'string'
              ? stringSlots !== undefined && (slot = stringSlots.slotOf(key)) >= 0
              : keySlots !== undefined && (slot = keySlots.get(key)) !== undefined)
              && typeof values[slot] === 'number') {
            const merged = merge(values[slot], ${value}[1]);
            if (typeof merged === 'number') values[slot] = merged;
            else { combine.replaceCombiner(key, merged); ${READ_SLOTS} }
          } else { if (sink.addPair(key, ${value}[1]) === false) return -1; ${READ_SLOTS} }
        } else { if (sink.add(${value}) === false) return -1; ${READ_SLOTS} }`;
  }
}

/** Reads the sink's map storage (again); with NO_SLOTS, nothing is merged in place. */
const READ_SLOTS = `slots = combine.slots();
  present = slots.present; numbers = slots.numbers;
  stringSlots = slots.stringSlots; keySlots = slots.primitiveSlots; values = slots.values;`;

/** The locals of a 'combine' loop: the sink's merge function and its map's storage. */
const SLOT_LOCALS = `const combine = sink.inPlaceCombine; const merge = combine.mergeValue;
  let slots, present, numbers, stringSlots, keySlots, values;
  ${READ_SLOTS}`;

/**
 * The range loop's branch for numbers that are all safe integers, or '' when the step is not one
 * (then no number of the range is): it runs `v0` alone, with the step written in as a constant,
 * so V8 treats `v0` as an integer counter (W1's loop over 5e8 numbers: 575 ms stepping the index
 * and the number, 525 ms the number alone with the step a variable, 480 ms with a constant).
 */
function integralRangeLoop(rangeStep: number | undefined, body: string): string {
  if (rangeStep === undefined) return '';
  const step = `(${rangeStep})`;
  return `if (integral) {
       let v0 = start + i * ${step};
       while (i < to) {
         const end = to - i > ${RANGE_CLOCK_STRIDE} ? i + ${RANGE_CLOCK_STRIDE} : to;
         const stop = start + end * ${step};
         for (; v0 ${rangeStep > 0 ? '<' : '>'} stop; v0 += ${step}) { ${body} }
         i = end;
         state.next = i;
         if (helpers.now() >= deadline) break;
       }
     } else `;
}

/**
 * Compiles the loops of a chain. `rangeStep` is the step of the chain's range source when it is a
 * safe integer (the range loop is then specialised to it), else undefined.
 */
function compileChain(
  ops: readonly ChainOp[],
  kind: SinkKind,
  rangeStep: number | undefined,
): CompiledChain {
  const names = ops.map((_, i) => `f${i}`);
  // A unique source per stage: V8 shares what it learnt among functions of the same source, and
  // once a later stage's functions made its calls polymorphic, the loop ran 25% slower.
  const unpack = `/* chain ${chainsCompiled++} */ ${names.length > 0 ? `const [${names.join(', ')}] = fns;` : ''}
    ${kind === 'combine' ? SLOT_LOCALS : ''}`;
  const body = chainBody(ops, 0, 'v0', kind);
  // `state.next` is stored after every stride, not once after the loop: a store that first runs
  // after V8 optimized the loop mid-run has no type feedback, and the loop was deoptimized there.
  const runRange = new Function(
    'start, step, integral, from, to, fns, sink, helpers, state',
    `'use strict'; ${unpack} let reached = 0;
     const deadline = helpers.now() + ${RANGE_SLICE_MS};
     let i = from;
     ${integralRangeLoop(rangeStep, body)}{
       while (i < to) {
         const end = to - i > ${RANGE_CLOCK_STRIDE} ? i + ${RANGE_CLOCK_STRIDE} : to;
         for (; i < end; i++) { const v0 = start + i * step; ${body} }
         state.next = i;
         if (helpers.now() >= deadline) break;
       }
     }
     return reached;`,
  ) as CompiledChain['runRange'];
  const runIterator = new Function(
    'iterator, budget, fns, sink, helpers, state',
    `'use strict'; ${unpack} let reached = 0;
     for (let k = 0; k < budget; k++) {
       const r = iterator.next();
       if (r.done) { state.done = true; return reached; }
       const v0 = r.value;
       ${body}
     }
     return reached;`,
  ) as CompiledChain['runIterator'];
  return { runRange, runIterator };
}

const helpers: Helpers = {
  iterable(value, operator) {
    if (value != null && typeof (value as Iterable<unknown>)[Symbol.iterator] === 'function') {
      return value as Iterable<unknown>;
    }
    throw new FlintError(
      ErrorCode.ARGUMENT,
      `The function given to ${operator}() must return an iterable (an array or a generator), but it returned ${value === null ? 'null' : typeof value}.`,
    );
  },
  now: () => performance.now(),
  pair(record) {
    if (!Array.isArray(record) || record.length !== 2) {
      throw new TypeError(
        `mapValues() works on [key, value] pairs, but got ${typeof record}. Map each element to a 2-element array first.`,
      );
    }
    return record as [unknown, unknown];
  },
};
