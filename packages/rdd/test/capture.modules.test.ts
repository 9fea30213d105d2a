import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { basename } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { compileFunction, ErrorCode } from '@flint/worker';
import * as acorn from 'acorn';
import { parse } from 'acorn';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import * as helpers from './fixtures/capture/helpers.js';
import { label, triple } from './fixtures/capture/helpers.js';
import {
  capture,
  overTheWire,
  roundTrip,
  roundTripWithModules,
} from './fixtures/capture/roundTrip.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const fixtures = path.join(here, 'fixtures', 'capture');

describe('imports, as vitest rewrites them', () => {
  test('the source of a function in this file shows vite’s rewrite', () => {
    const fn = (x: number) => triple(x);
    expect(fn.toString()).toMatch(/__vite_ssr_import_\d+__\.triple/);
  });

  test('a helper imported from a project file travels by source, with what it uses', () => {
    const fn = (x: number) => [triple(x), label(x), label(x * 10)];
    expect(roundTrip(fn)(2)).toEqual([6, 'S', 'L']);
    const spec = capture(fn);
    expect(spec.references.filter((ref) => ref.kind === 'module')).toEqual([]);
  });

  test('a namespace import of a project file ships only the members the function reads', () => {
    const fn = (x: number) => helpers.triple(x) + helpers.factor;
    expect(roundTrip(fn)(1)).toBe(6);
    const names = overTheWire(capture(fn)).references.flatMap((ref) =>
      ref.kind === 'function' ? [ref.source] : [],
    );
    expect(names.some((source) => source.includes('function label'))).toBe(false);
  });

  test('Node.js built-in modules travel as module references', async () => {
    const fn = (parts: string[]) => [parts.join(path.sep), basename(parts.join('/'))];
    const spec = capture(fn);
    // vite turns both imports into a namespace of node:path: one reference serves both.
    expect(spec.references.filter((ref) => ref.kind === 'module')).toEqual([
      { kind: 'module', specifier: 'node:path', interop: 'namespace', path: [] },
    ]);
    expect((await roundTripWithModules(fn))(['a', 'b'])).toEqual(['a/b', 'b']);
  });

  test('a package declared with sc.addModule travels as a module reference', async () => {
    const fn = (code: string) => parse(code, { ecmaVersion: 'latest' }).body.length;
    const declaredIn = pathToFileURL(`${path.dirname(here)}/`).href;
    const spec = capture(fn, { modules: new Map([['acorn', declaredIn]]) });
    // This file imports it, so it resolves from this file's directory, as it did here.
    expect(spec.references.find((ref) => ref.kind === 'module')).toMatchObject({
      specifier: 'acorn',
      from: pathToFileURL(`${here}/`).href,
    });
    const compiled = await roundTripWithModules(fn, { modules: new Map([['acorn', declaredIn]]) });
    expect(compiled('1; 2')).toBe(2);
  });

  test('an undeclared package’s import is detected: the workers import the file vite resolved', async () => {
    const fn = (code: string) => parse(code, { ecmaVersion: 'latest' }).body.length;
    const reference = capture(fn).references.find((ref) => ref.kind === 'module');
    expect(reference).toEqual({
      kind: 'module',
      specifier: expect.stringMatching(/^file:\/\/\/.*\/node_modules\/acorn\/dist\/acorn\.mjs$/),
      interop: 'namespace',
      path: [],
    });
    expect((await roundTripWithModules(fn))('1; 2')).toBe(2);
    expect((await roundTripWithModules(() => acorn.version))()).toBe(acorn.version);
  });

  test('a package the workers cannot find is a FLINT_CAPTURE error that says what to do', () => {
    let message = '';
    try {
      // @ts-expect-error a package that is not installed
      capture(async () => (await import('flint-no-such-package')).run());
    } catch (error) {
      expect((error as { code?: unknown }).code).toBe(ErrorCode.CAPTURE);
      message = (error as Error).message;
    }
    expect(message).toContain(
      `loads the package 'flint-no-such-package' with import() or require(), which cannot be found from ${here}/`,
    );
    expect(message).toContain('npm install flint-no-such-package');
    expect(message).toContain("sc.addModule('flint-no-such-package')");
  });

  test('package code given directly fails with what to do', () => {
    // acorn's own functions, given as they are: their source would drag acorn's internals along.
    capture(() => helpers.triple(1)); // any read of a script makes the loaded scripts known
    expect(() => capture(acorn.tokenizer)).toThrow(
      /function tokenizer of the package 'acorn'.*sc\.addModule\('acorn'\)/,
    );
    const tools = { tokenize: acorn.tokenizer };
    expect(() => capture(() => tools.tokenize)).toThrow(
      /`tools\.tokenize` is the function tokenizer of the package 'acorn'/,
    );
  });

  test('import() inside a function loads through the worker’s modules', async () => {
    const fn = async () => (await import('node:os')).EOL;
    expect(await (await roundTripWithModules(fn))()).toBe((await import('node:os')).EOL);
    const detected = async () => (await import('acorn')).version;
    const compiled = await roundTripWithModules(detected);
    expect(await compiled()).toBe((await import('acorn')).version);
    // vite wrote the file it resolved into the source: the workers load that same file.
    expect(capture(detected).references.find((ref) => ref.kind === 'function')).toMatchObject({
      imports: [expect.stringMatching(/^file:.*\/node_modules\/acorn\/dist\/acorn\.mjs$/)],
      from: pathToFileURL(`${here}/`).href,
    });
  });

  test("mode 'explicit' accepts an imported helper given in the env", () => {
    const fn = (x: number) => triple(x) + 1;
    expect(roundTrip(fn, { mode: 'explicit', env: { triple, factor: 10 } })(2)).toBe(21);
    expect(() => capture(fn, { mode: 'explicit' })).toThrow(/ds\.map\(fn, \{ triple \}\)/);
    // Explicit means explicit all the way down: what `triple` uses must be in the env too.
    expect(() => capture(fn, { mode: 'explicit', env: { triple } })).toThrow(
      /uses `factor`.*\(in `triple`\).*ds\.map\(fn, \{ factor \}\)/,
    );
  });
});

interface CompiledFixture {
  scaleAll: (values: number[]) => number[];
  tally: (values: number[]) => number;
  baseName: (path: string) => string;
}

let directory = '';

beforeAll(async () => {
  directory = await mkdtemp(path.join(tmpdir(), 'flint-capture-'));
  for (const format of ['esm', 'cjs'] as const) {
    await build({
      entryPoints: [path.join(fixtures, 'compiledSource.ts')],
      outfile: path.join(directory, format === 'esm' ? 'compiled.mjs' : 'compiled.cjs'),
      bundle: true,
      format,
      platform: 'node',
      target: 'es2020',
      keepNames: true,
      logLevel: 'silent',
    });
  }
});

afterAll(async () => {
  if (directory !== '') await rm(directory, { recursive: true, force: true });
});

describe('code compiled by esbuild (tsup, tsx)', () => {
  test.each(['esm', 'cjs'] as const)(
    '%s output: esbuild’s __name and __publicField helpers travel',
    async (format) => {
      const compiled = await loadCompiled(format);
      expect(compiled.scaleAll.toString()).toContain('__name(');
      expect(compiled.tally.toString()).toContain('__publicField(');
      expect(roundTrip(compiled.scaleAll)([1, 2])).toEqual([4, 8]);
      expect(roundTrip(compiled.tally)([1, 2, 3])).toBe(6);
      expect((await roundTripWithModules(compiled.baseName))('/a/b.txt')).toBe('b.txt');
    },
  );

  test.each(['esm', 'cjs'] as const)(
    "%s output: the helpers need no env under mode 'explicit'",
    async (format) => {
      const compiled = await loadCompiled(format);
      expect(roundTrip(compiled.tally, { mode: 'explicit' })([4, 5])).toBe(9);
      expect(roundTrip(compiled.scaleAll, { mode: 'explicit', env: { factor: 10 } })([1])).toEqual([
        10,
      ]);
    },
  );

  test('CommonJS output: a require() of a built-in travels as a module reference', () => {
    const spec = capture(requireCompiled().baseName);
    expect(spec.references.find((ref) => ref.kind === 'module')).toEqual({
      kind: 'module',
      specifier: 'node:path',
      interop: 'require',
      path: [],
    });
  });
});

/** The esbuild output: CommonJS through Node's own require(), ES modules through vite. */
async function loadCompiled(format: 'esm' | 'cjs'): Promise<CompiledFixture> {
  if (format === 'cjs') return requireCompiled();
  return (await import(
    /* @vite-ignore */ pathToFileURL(path.join(directory, 'compiled.mjs')).href
  )) as CompiledFixture;
}

function requireCompiled(): CompiledFixture {
  return createRequire(import.meta.url)(path.join(directory, 'compiled.cjs')) as CompiledFixture;
}

describe('code run natively by Node.js, and by tsx', () => {
  test('functions of natively loaded ES modules (tsx-transformed and esbuild-built), with their imports', async () => {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--conditions=@flint/source', '--import', 'tsx', path.join(fixtures, 'tsxScenario.ts')],
      {
        cwd: path.resolve(here, '..'),
        timeout: 60_000,
        env: { ...process.env, FLINT_COMPILED_FIXTURE: path.join(directory, 'compiled.mjs') },
      },
    );
    expect(JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}')).toEqual({
      helper: 16,
      builtin: `a${path.sep}b`,
      declared: 'Program',
      detected: 2,
      missing: expect.stringContaining("sc.addModule('flint-no-such-package')"),
      compiledScale: [4, 8],
      compiledTally: 6,
      compiledBaseName: 'b.txt',
      compiledModule: {
        kind: 'module',
        specifier: 'node:path',
        interop: 'namespace',
        path: ['basename'],
      },
    });
  });
});

test('compileFunction rejects nothing a capture produced for these modules', () => {
  const spec = overTheWire(capture((x: number) => helpers.label(x)));
  expect((compileFunction(spec) as (x: number) => string)(50)).toBe('L');
});
