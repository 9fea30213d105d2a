import { sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, expect, test } from 'vitest';
import {
  compileFunction,
  FUNCTION_SPEC_VERSION,
  type FunctionSpec,
  importModule,
  ModuleLoader,
  moduleKey,
  type Reference,
  requiredModules,
} from '../src/closure/index.js';
import { ErrorCode } from '../src/errors.js';

// acorn is a dependency of @flint/rdd, not of this package: it resolves from one, not the other.
const rddDirectory = new URL('../../rdd/', import.meta.url).href;
const workerDirectory = new URL('../', import.meta.url).href;

function moduleSpec(specifier: string, from?: string): FunctionSpec {
  const module: Reference = {
    kind: 'module',
    specifier,
    interop: 'namespace',
    path: ['version'],
    ...(from === undefined ? {} : { from }),
  };
  const root: Reference = {
    kind: 'function',
    source: '() => version',
    form: 'expression',
    strict: true,
    names: ['version'],
    values: [module],
    imports: [],
  };
  return { version: FUNCTION_SPEC_VERSION, root, references: [root, module], patches: [] };
}

describe('moduleKey and requiredModules', () => {
  test('a built-in is one module wherever it is resolved from', () => {
    expect(moduleKey('node:path', rddDirectory)).toBe('node:path');
    expect(moduleKey('acorn', undefined)).toBe('acorn');
    expect(moduleKey('acorn', rddDirectory)).not.toBe(moduleKey('acorn', workerDirectory));
  });

  test('lists each (specifier, directory) once, with the function’s own imports', () => {
    const spec = moduleSpec('acorn', rddDirectory);
    const withImports: FunctionSpec = {
      ...spec,
      references: [
        ...spec.references,
        {
          ...(spec.root as Extract<Reference, { kind: 'function' }>),
          imports: ['acorn', 'node:os'],
          from: rddDirectory,
        },
      ],
    };
    expect(requiredModules(withImports)).toEqual([
      { specifier: 'acorn', from: rddDirectory },
      { specifier: 'node:os', from: rddDirectory },
    ]);
  });
});

describe('importModule', () => {
  test('resolves a bare specifier from the directory it is given', async () => {
    const acorn = (await importModule('acorn', rddDirectory)) as { version: string };
    expect(acorn.version).toMatch(/^\d+\.\d+\.\d+$/);
  });

  test('a module that does not resolve from there is FLINT_CAPTURE, with where it looked', async () => {
    await expect(importModule('acorn', workerDirectory)).rejects.toMatchObject({
      code: ErrorCode.CAPTURE,
      message: expect.stringContaining(
        `the module 'acorn', which this worker could not load from ${workerDirectory}`,
      ),
    });
  });

  test('a directory this host does not have falls back to the working directory', async () => {
    const cwd = pathToFileURL(process.cwd() + sep).href;
    await expect(
      importModule('flint-no-such-package', 'file:///flint/no/such/directory/'),
    ).rejects.toMatchObject({ message: expect.stringContaining(`could not load from ${cwd}`) });
  });

  test('only file: URLs name a directory', async () => {
    await expect(importModule('acorn', 'https://example.com/')).rejects.toMatchObject({
      code: ErrorCode.PROTOCOL,
    });
  });
});

describe('ModuleLoader', () => {
  test('loads what the function specs inside a stage use, once, before compiling', async () => {
    const spec = moduleSpec('acorn', rddDirectory);
    const stage = {
      root: { op: { kind: 'map', fn: spec }, parents: [] },
      output: { kind: 'result' },
    };
    const loader = new ModuleLoader();
    const ready = loader.prepare(stage);
    expect(loader.prepare(stage)).toBe(ready);
    await ready;
    expect([...loader.modules.keys()]).toEqual([moduleKey('acorn', rddDirectory)]);
    const fn = compileFunction(spec, { modules: loader.modules }) as () => string;
    expect(fn()).toMatch(/^\d+\.\d+\.\d+$/);
  });

  test('a failed load is tried again by the next task', async () => {
    const loader = new ModuleLoader();
    const stage = { fn: moduleSpec('acorn', workerDirectory) };
    const first = loader.prepare(stage);
    await expect(first).rejects.toMatchObject({ code: ErrorCode.CAPTURE });
    expect(loader.prepare(stage)).not.toBe(first);
    await expect(loader.prepare(stage)).rejects.toMatchObject({ code: ErrorCode.CAPTURE });
    expect(fileURLToPath(workerDirectory)).toContain('worker');
  });
});
