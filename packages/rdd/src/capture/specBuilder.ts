/**
 * The {@link FunctionSpec} being built by one capture: what each original object or function
 * became (`memo`), the references, and the containers of captured data that hold a reference
 * and so need patching on the worker. References that stand for a name rather than an object
 * (a global, a module export, a compiler helper, a loader) are created once per spec.
 */
import type { FunctionSpec } from '@flint/worker';
import { HELPER_SOURCES } from './toolHelpers.js';

/** A reference of the spec, as `@flint/worker` defines them. */
export type Reference = FunctionSpec['root'];
/** The worker's stand-in for `import()` or `require`, with the specifiers it maps. */
export type LoaderReference = Extract<Reference, { kind: 'loader' }> & {
  aliases: Record<string, string>;
};
type ModuleInterop = Extract<Reference, { kind: 'module' }>['interop'];

// FUNCTION_SPEC_VERSION of @flint/worker's closure module, which its public entry does not export.
const FUNCTION_SPEC_VERSION = 1;

/** Collects one spec's references and patches. */
export class SpecBuilder {
  private readonly memo = new Map<unknown, unknown>();
  private readonly references: Reference[] = [];
  private readonly referenceSet = new Set<unknown>();
  private readonly patches = new Set<object>();
  private readonly named = new Map<string, Reference>();

  /** What `original` was encoded as, if it was. */
  encoded(original: unknown): unknown {
    return this.memo.get(original);
  }

  /** Records that `original` is encoded as `copy` (set before its contents, for cycles). */
  remember(original: unknown, copy: unknown): void {
    this.memo.set(original, copy);
  }

  /** Records `ref` as what `original` is encoded as. */
  addReference(original: unknown, ref: Reference): void {
    this.memo.set(original, ref);
    this.push(ref);
  }

  /** Notes that `container` holds `encoded` directly, which matters when it is a reference. */
  holds(container: object, encoded: unknown): void {
    if (this.referenceSet.has(encoded)) this.patches.add(container);
  }

  /** Sets a property of a copied object, even one named `__proto__`, and notes a reference. */
  setProperty(container: Record<string, unknown>, key: string, encoded: unknown): void {
    Object.defineProperty(container, key, {
      value: encoded,
      enumerable: true,
      writable: true,
      configurable: true,
    });
    this.holds(container, encoded);
  }

  /** A built-in of the global scope, by its path from `globalThis`. */
  globalReference(path: readonly string[]): Reference {
    return this.namedReference(`global:${path.join('.')}`, () => ({ kind: 'global', path }));
  }

  /**
   * A module's export (or the module itself when `path` is empty), loaded by the workers, which
   * resolve `specifier` from the directory `from`.
   */
  moduleReference(
    specifier: string,
    interop: ModuleInterop,
    path: readonly string[],
    from: string | undefined,
  ): Reference {
    return this.namedReference(
      `module:${interop}:${specifier}:${path.join('.')}:${from ?? ''}`,
      () => ({
        kind: 'module',
        specifier,
        interop,
        path,
        ...(from === undefined ? {} : { from }),
      }),
    );
  }

  /** `Symbol.for(key)`, or the well-known `Symbol[key]`. */
  symbolReference(registry: 'for' | 'wellKnown', key: string): Reference {
    return this.namedReference(`symbol:${registry}:${key}`, () => ({
      kind: 'symbol',
      registry,
      key,
    }));
  }

  /**
   * The worker's `import()` or `require`, resolving what was not loaded beforehand from `from`;
   * its aliases grow as functions need them.
   */
  loaderReference(loader: 'import' | 'require', from: string | undefined): LoaderReference {
    return this.namedReference(`loader:${loader}:${from ?? ''}`, () => ({
      kind: 'loader',
      loader,
      aliases: {},
      ...(from === undefined ? {} : { from }),
    })) as LoaderReference;
  }

  /** Flint's copy of a compiler helper (`__name`...), shipped like any function. */
  helperReference(name: string): Reference {
    const key = `helper:${name}`;
    const existing = this.named.get(key);
    if (existing !== undefined) return existing;
    const helper = HELPER_SOURCES[name];
    if (helper === undefined || 'global' in helper) {
      return this.namedReference(key, () => ({ kind: 'global', path: helper?.global ?? [name] }));
    }
    const names: string[] = [];
    const values: unknown[] = [];
    const ref = this.namedReference(key, () => ({
      kind: 'function',
      source: helper.source,
      form: 'expression',
      strict: true,
      names,
      values,
      imports: [],
    }));
    for (const [used, target] of Object.entries(helper.uses)) {
      names.push(used);
      values.push(
        'helper' in target
          ? this.helperReference(target.helper)
          : this.globalReference(target.global),
      );
    }
    return ref;
  }

  /** The finished spec, whose function is `root`. */
  build(root: Reference): FunctionSpec {
    return {
      version: FUNCTION_SPEC_VERSION,
      root,
      references: this.references,
      patches: [...this.patches],
    };
  }

  private namedReference(key: string, create: () => Reference): Reference {
    let ref = this.named.get(key);
    if (ref === undefined) {
      ref = create();
      this.named.set(key, ref);
      this.push(ref);
    }
    return ref;
  }

  private push(ref: Reference): void {
    this.references.push(ref);
    this.referenceSet.add(ref);
  }
}
