/**
 * Imports over real workers. A value a function uses that is an import travels as a module
 * reference when the workers can load the module (a Node.js built-in, a package found from the
 * importing file's directory, or a module declared with sc.addModule); each worker imports it
 * itself. Code compiled by esbuild (as tsup compiles it) travels with its helpers handled.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { createContext, type FlintContext, FlintError } from '@flint/rdd';
import fc from 'fast-check';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { buildCompiled, type CompiledJob } from './fixtures/buildCompiled.js';

let sc: FlintContext;
let buildDirectory = '';
let compiled: { esm: string; cjs: string };
let tasksStarted = 0;

beforeAll(async () => {
  buildDirectory = await mkdtemp(join(tmpdir(), 'flint-capture-modules-'));
  compiled = await buildCompiled(buildDirectory);
  sc = await createContext({ workers: 2, ui: false, progress: false });
  sc.addListener((event) => {
    if (event.type === 'taskStart') tasksStarted++;
  });
});

afterAll(async () => {
  await sc?.stop();
  if (buildDirectory !== '') await rm(buildDirectory, { recursive: true, force: true });
});

test('a Node.js built-in import travels as a module reference', async () => {
  const result = await sc
    .parallelize(['/data/a.csv', '/data/b.json'], 2)
    .map((path) => [basename(path), process.pid])
    .collect();
  expect(result.map(([name]) => name)).toEqual(['a.csv', 'b.json']);
  // Each worker ran it in its own process, with its own node:path.
  for (const [, pid] of result) expect(sc.workerPids).toContain(pid);
});

test('an installed package is detected: the workers import it themselves', async () => {
  // vitest resolved `fast-check` to a file under node_modules; the workers import that file.
  const samples = await sc
    .parallelize([1, 2], 2)
    .map((x) => fc.sample(fc.constant(x), 3))
    .collect();
  expect(samples).toEqual([
    [1, 1, 1],
    [2, 2, 2],
  ]);
});

test('a module declared with sc.addModule is loaded for import() inside the function', async () => {
  sc.addModule('fast-check');
  const results = await sc
    .parallelize([5, 6], 2)
    .mapPartitions(async function* (values) {
      const { sample, constant } = await import('fast-check');
      for (const value of values) yield sample(constant(value), 1)[0];
    })
    .collect();
  expect(results).toEqual([5, 6]);
});

test('a package the workers cannot find fails at the call, saying what to do', () => {
  const before = tasksStarted;
  let error: unknown;
  try {
    // msgpackr is a dependency of @flint/worker, not of this project: it does not resolve here.
    sc.range(0, 2).mapPartitions(async function* (values) {
      // @ts-expect-error not a dependency of this project, so it has no types here either
      const { pack } = await import('msgpackr');
      for (const value of values) yield pack(value).length;
    });
  } catch (caught) {
    error = caught;
  }
  expect(error).toBeInstanceOf(FlintError);
  expect((error as FlintError).code).toBe('FLINT_CAPTURE');
  expect((error as FlintError).message).toMatch(
    /loads the package 'msgpackr' with import\(\) or require\(\), which cannot be found from .*test\/capture\/, where the workers would resolve it\. Install it where the application runs \(npm install msgpackr\), or declare it.*sc\.addModule\('msgpackr'\)/,
  );
  expect(tasksStarted).toBe(before);
});

test('functions compiled by esbuild (keepNames, lowered class fields) run on the workers', async () => {
  // CommonJS through Node's own require, so the functions are esbuild's output untouched.
  const job = createRequire(import.meta.url)(compiled.cjs) as CompiledJob;
  expect(job.scaleAll.toString()).toContain('__name(');
  expect(job.tally.toString()).toContain('__publicField(');
  const ds = sc.parallelize([[1, 2, 3]], 1);
  expect(await ds.map(job.scaleAll).collect()).toEqual([[4, 8, 12]]);
  expect(await ds.map(job.tally).collect()).toEqual([6]);
  expect(await sc.parallelize(['/x/y.txt'], 1).map(job.describePath).collect()).toEqual([
    'y.txt: 4 cm',
  ]);
});
