/**
 * A file that calls vi.mock: vitest then rewrites every import of the file into
 * `const __vi_import_0__ = await import(...)`, and functions read `__vi_import_0__.triple`.
 */
import * as os from 'node:os';
import { describe, expect, test, vi } from 'vitest';
import { label, triple } from './fixtures/capture/helpers.js';
import { capture, roundTrip, roundTripWithModules } from './fixtures/capture/roundTrip.js';

vi.mock('node:os', async (original) => ({ ...(await original<typeof import('node:os')>()) }));

describe('imports rewritten by vi.mock hoisting', () => {
  test('the source shows vitest’s rewrite', () => {
    const fn = (x: number) => triple(x);
    expect(fn.toString()).toMatch(/__vi_import_\d+__\.triple/);
  });

  test('project helpers travel by source, built-ins as module references', async () => {
    const fn = (x: number) => `${triple(x)}${label(x)}${os.EOL}`;
    const spec = capture(fn);
    expect(spec.references.filter((ref) => ref.kind === 'module')).toEqual([
      { kind: 'module', specifier: 'node:os', interop: 'namespace', path: [] },
    ]);
    expect((await roundTripWithModules(fn))(2)).toBe(`6S${os.EOL}`);
  });

  test("mode 'explicit' rebuilds the import from the env", () => {
    const fn = (x: number) => triple(x) * 2;
    expect(roundTrip(fn, { mode: 'explicit', env: { triple, factor: 3 } })(1)).toBe(6);
  });
});
