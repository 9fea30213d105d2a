/**
 * `createContext({ capture: 'explicit' })`: nothing is captured automatically and the inspector
 * is never used; a function sees its env object, globals, compiler helpers and declared modules.
 * A name it uses that is none of these fails at the transformation call with the call to write.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createContext, type FlintContext, FlintError } from '@flint/rdd';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { buildCompiled, type CompiledJob } from './fixtures/buildCompiled.js';
import { withUnit } from './fixtures/projectHelpers.js';

let sc: FlintContext;
let buildDirectory = '';
let job: CompiledJob;
let tasksStarted = 0;

beforeAll(async () => {
  buildDirectory = await mkdtemp(join(tmpdir(), 'flint-capture-explicit-'));
  job = createRequire(import.meta.url)((await buildCompiled(buildDirectory)).cjs) as CompiledJob;
  sc = await createContext({ workers: 2, ui: false, progress: false, capture: 'explicit' });
  sc.addListener((event) => {
    if (event.type === 'taskStart') tasksStarted++;
  });
});

afterAll(async () => {
  await sc?.stop();
  if (buildDirectory !== '') await rm(buildDirectory, { recursive: true, force: true });
});

test('the env object and globals are in scope', async () => {
  const k = 3;
  const names = new Map([[1, 'one']]);
  const result = await sc
    .parallelize([1, 2], 2)
    .map((x) => `${names.get(x) ?? '?'}:${Math.max(x * k, 0)}`, { k, names })
    .collect();
  expect(result).toEqual(['one:3', '?:6']);
});

test('a name missing from the env fails at the call with the env to pass, before any task', () => {
  const k = 3;
  const offset = 1;
  const before = tasksStarted;
  let error: unknown;
  try {
    sc.range(0, 4).map((x) => x * k + offset);
  } catch (caught) {
    error = caught;
  }
  expect(error).toBeInstanceOf(FlintError);
  expect((error as FlintError).code).toBe('FLINT_CAPTURE');
  expect((error as FlintError).message).toContain('uses `k`, `offset`, which are neither');
  expect((error as FlintError).message).toContain('ds.map(fn, { k, offset })');
  expect(tasksStarted).toBe(before);
});

test('a helper in the env gets what it uses from the env too', async () => {
  // vitest rewrote the import: the env gives `withUnit`, and `unit`, which withUnit reads.
  const result = await sc
    .parallelize([7], 1)
    .map((x) => withUnit(x), { withUnit, unit: 'mm' })
    .collect();
  expect(result).toEqual(['7 mm']);
});

test('compiler helpers need no env: esbuild’s __name and __publicField travel by themselves', async () => {
  const ds = sc.parallelize([[1, 2, 3]], 1);
  expect(await ds.map(job.tally).collect()).toEqual([6]);
  expect(await ds.map(job.scaleAll, { factor: 10 }).collect()).toEqual([[10, 20, 30]]);
});

test('a declared module is loaded for import() inside the function', async () => {
  sc.addModule('fast-check');
  const result = await sc
    .parallelize([4], 1)
    .mapPartitions(async function* (values) {
      const { sample, constant } = await import('fast-check');
      for (const value of values) yield sample(constant(value), 2);
    })
    .collect();
  expect(result).toEqual([[4, 4]]);
});
