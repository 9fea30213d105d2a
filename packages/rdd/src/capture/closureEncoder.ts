/**
 * Turns a user function and everything it uses into a {@link FunctionSpec}: its source, and for
 * each free name the value it has now (Spark's capture by value), copied as plain data; functions
 * it reaches are shipped the same way, recursively.
 *
 * Invariants:
 * - Every object and function is encoded once per capture, so shared references and cycles come
 *   out as shared references and cycles, across all the functions of the spec.
 * - Captured data is always a fresh copy: later changes by the user do not reach the spec, and no
 *   user object can be mistaken for a reference placeholder.
 * - Anything that cannot travel fails here with FLINT_CAPTURE, naming the variable and the fix.
 * - Explicit mode never touches the inspector.
 * - The debugger is turned on (the costly step, once per script) only to tell an import from a
 *   local value, or library code from the project's: for functions of other scripts,
 *   namespaces, objects of functions and values that cannot be copied. Plain data and
 *   primitives never need it.
 */
import { types } from 'node:util';
import { ErrorCode, FlintError, type FunctionSpec } from '@flint/worker';
import {
  type CaptureSubject,
  captureError,
  declareModuleFix,
  describeUncapturable,
  explicitEnvFix,
  notFound,
} from './captureError.js';
import {
  type FunctionSource,
  IMPORT_LOADER_NAME,
  readFunctionSource,
  type ShippableSource,
} from './functionSource.js';
import { globalPathOf, STANDARD_GLOBALS, wellKnownSymbolKey } from './globals.js';
import {
  type FunctionInspector,
  type FunctionInternals,
  type FunctionLocation,
  getFunctionInspector,
} from './inspector.js';
import { directoryOf, isLibraryUrl, moduleOrigin, packageNameOf } from './moduleOrigin.js';
import type { FreeVariableUse, ModuleLoad } from './scopeAnalysis.js';
import { type FunctionBindings, functionBindings } from './scriptBindings.js';
import { type LoaderReference, type Reference, SpecBuilder } from './specBuilder.js';
import {
  HELPER_SOURCES,
  LOADER_NAMES,
  REWRITTEN_IMPORT,
  REWRITTEN_IMPORT_META,
} from './toolHelpers.js';
import {
  copyBuiltin,
  hasFunctionMember,
  isCopyable,
  isNamespaceLike,
  isPrimitive,
  isVariableName,
  memberPath,
} from './valueKinds.js';

type FunctionReference = Extract<Reference, { kind: 'function' }>;
/** A function reference while the encoder fills it in. */
type FunctionDraft = { -readonly [K in keyof FunctionReference]: FunctionReference[K] } & {
  names: string[];
  values: unknown[];
  imports: string[];
};
type SharedVariableId = Extract<Reference, { kind: 'sharedVariable' }>['variable'];

/** What the encoder needs from `CaptureOptions`. */
export interface EncoderOptions {
  readonly env: Readonly<Record<string, unknown>> | undefined;
  readonly mode: 'auto' | 'explicit';
  readonly site: string;
  /** Declared module specifiers, each with the directory of the code that declared it. */
  readonly modules: ReadonlyMap<string, string | undefined>;
}

/** How a name resolves the same way every time for one function object. */
type StableResolution =
  | { readonly kind: 'global' }
  | { readonly kind: 'constant'; readonly value: unknown };

/** What never changes about one function object, kept across captures. */
interface FunctionFacts {
  readonly text: string;
  readonly source: FunctionSource;
  /** Names that resolve the same way every time: globals, and `const` primitives. */
  readonly stable: Map<string, StableResolution>;
}

/** One function being encoded, with what was learnt about its surroundings so far. */
interface Frame {
  readonly fn: object;
  readonly facts: FunctionFacts;
  /** Label of this function in messages about its variables; undefined for the root. */
  readonly owner: string | undefined;
  location: FunctionLocation | undefined;
  bindings?: FunctionBindings | null;
  /** The `file:` URL of its script's directory, null when it has none. */
  directory?: string | null;
}

const SHARED_VARIABLE = Symbol.for('flint.sharedVariable');
const SKIP = Symbol('skip');
const MISSING = Symbol('missing');
const factsCache = new WeakMap<object, FunctionFacts>();
// Taken once, so code that replaces Function.prototype.toString later cannot change what ships.
const functionToString = Function.prototype.toString;

/** Encodes one function per instance: create one, call {@link ClosureEncoder.encodeRoot}. */
export class ClosureEncoder {
  private readonly spec = new SpecBuilder();
  private readonly internals = new Map<object, FunctionInternals>();
  private readonly inspector: FunctionInspector | null;
  private readsChangeable = false;

  constructor(private readonly options: EncoderOptions) {
    this.inspector = options.mode === 'auto' ? getFunctionInspector() : null;
  }

  /**
   * Whether the last capture read a value that may change before a job is submitted (a `let`,
   * an object, a function's variables, the env); false when it used only constants, globals,
   * compiler helpers and modules, so capturing again would give the same spec.
   */
  get isChangeable(): boolean {
    return this.readsChangeable;
  }

  /** The spec for `fn`, the function given to Flint. */
  encodeRoot(fn: (...args: never[]) => unknown): FunctionSpec {
    try {
      return this.spec.build(this.encodeFunction(fn, null, undefined, true));
    } finally {
      // One release per capture: releasing after every inspection costs more than it saves.
      if (this.internals.size > 0) this.inspector?.release();
    }
  }

  // Functions --------------------------------------------------------------------------------

  private encodeFunction(
    fn: object,
    subject: CaptureSubject | null,
    viaScriptId: string | undefined,
    isRoot = false,
  ): Reference {
    const known = this.spec.encoded(fn);
    if (known !== undefined) return known as Reference;
    const facts = factsFor(fn);
    const source = this.shippableSource(fn, facts.source, subject);
    if (source === undefined) return this.encodeNative(fn, subject);
    const names: string[] = [];
    const values: unknown[] = [];
    const ref: FunctionDraft = {
      kind: 'function',
      source: source.source,
      form: source.form,
      strict: true,
      names,
      values,
      imports: [],
    };
    this.spec.addReference(fn, ref);
    const env = isRoot ? this.options.env : undefined;
    const frame: Frame = {
      fn,
      facts,
      owner: isRoot ? undefined : `\`${subject?.path ?? 'a helper'}\``,
      location: this.needsScopes(facts, source, env) ? this.inspect(fn).location : undefined,
    };
    // A function from another script than the one that led to it may be library code. The root
    // is checked only against scripts already known: reading the list is the costly step.
    if (frame.location !== undefined && (isRoot || frame.location.scriptId !== viaScriptId)) {
      this.rejectLibraryFunction(fn, frame.location, subject, isRoot);
    }
    for (const name of Object.keys(env ?? {})) {
      names.push(this.checkEnvKey(name));
      values.push(this.encodeEnvValue(name));
    }
    const missing: string[] = [];
    for (const [name, use] of source.freeVariables) {
      if (env !== undefined && Object.hasOwn(env, name)) continue;
      const value = this.resolveName(frame, name, use);
      if (value === MISSING) missing.push(name);
      else if (value !== SKIP) {
        names.push(name);
        values.push(value);
      }
    }
    if (missing.length > 0) throw this.missingFromEnv(missing, frame);
    if (source.usesDynamicImport && !names.includes(IMPORT_LOADER_NAME)) {
      names.push(IMPORT_LOADER_NAME);
      values.push(this.loaderFor('import', frame));
    }
    const imports = this.loadedModules(source, frame);
    if (imports.length > 0) {
      ref.imports.push(...imports);
      // The same place the function's loaders resolve from, so the worker finds what it loaded.
      const from = this.importsFrom(frame);
      if (from !== undefined) ref.from = from;
    }
    ref.strict = this.isStrict(frame, source);
    return ref;
  }

  /** The function's source if it can be shipped; undefined for native code; else an error. */
  private shippableSource(
    fn: object,
    source: FunctionSource,
    subject: CaptureSubject | null,
  ): ShippableSource | undefined {
    if (types.isProxy(fn)) {
      throw this.error(subject, 'is a Proxy around a function', 'Capture the function it wraps.');
    }
    switch (source.form) {
      case 'native':
        return undefined;
      case 'class':
        throw this.error(
          subject,
          'is a class, and classes do not travel',
          "Define the class inside the function, or export it from a module declared with sc.addModule('name') and import it there.",
        );
      case 'invalid':
        throw this.error(
          subject,
          `has source Flint cannot parse (${source.message})`,
          'Functions that use private class members (#field) or `super` cannot travel: write a plain function.',
        );
      default:
        if (source.usesOuterThis) {
          throw this.error(
            subject,
            'uses `this` of the code around it (an arrow function in a method, say), which does not travel',
            'Copy what it needs into a const first, as Spark advises: const factor = this.factor; ds.map((x) => x * factor).',
          );
        }
        if (source.usesImportMeta) {
          throw this.error(
            subject,
            'uses import.meta, which means nothing on a worker',
            'Read what you need outside the function (const url = import.meta.url) and use that.',
          );
        }
        return source;
    }
  }

  /** A built-in global (`String`, `Math.sqrt`), or a bound function rebuilt from its parts. */
  private encodeNative(fn: object, subject: CaptureSubject | null): Reference {
    const path = globalPathOf(fn);
    if (path !== undefined) return this.spec.globalReference(path);
    const bound = this.inspector === null ? undefined : this.inspect(fn).bound;
    if (bound === undefined) {
      const name = String((fn as { name?: unknown }).name ?? '');
      throw this.error(
        subject,
        this.inspector === null && name.startsWith('bound ')
          ? 'is a bound function, whose target explicit capture cannot read'
          : `is a native function (${name || 'anonymous'}) that is not a global built-in`,
        'Wrap it in an arrow function that calls it, e.g. (x) => f(x), and capture what that uses.',
      );
    }
    const ref = {
      kind: 'bound' as const,
      target: undefined as unknown as Reference,
      thisArg: undefined as unknown,
      args: [] as unknown[],
    };
    this.spec.addReference(fn, ref);
    const label = subject?.path ?? 'the bound function';
    ref.target = this.encodeValue(bound.target, { path: `${label} (its target)` }) as Reference;
    ref.thisArg = this.encodeValue(bound.thisArg, { path: `${label} (its bound this)` });
    for (const [index, arg] of bound.args.entries()) {
      ref.args.push(this.encodeValue(arg, { path: `${label} (bound argument ${index})` }));
    }
    return ref;
  }

  /** Whether any free name of a function must be looked up in its scopes. */
  private needsScopes(
    facts: FunctionFacts,
    source: ShippableSource,
    env: EncoderOptions['env'],
  ): boolean {
    if (this.inspector === null) return false;
    for (const name of source.freeVariables.keys()) {
      if (env !== undefined && Object.hasOwn(env, name)) continue;
      if (!facts.stable.has(name) && !isToolName(name)) return true;
    }
    return false;
  }

  private inspect(fn: object): FunctionInternals {
    let internals = this.internals.get(fn);
    if (internals === undefined) {
      internals = (this.inspector as FunctionInspector).inspectFunction(fn);
      this.internals.set(fn, internals);
    }
    return internals;
  }

  /** Package and Node.js code does not travel by source: it would drag its internals along. */
  private rejectLibraryFunction(
    fn: object,
    location: FunctionLocation,
    subject: CaptureSubject | null,
    knownOnly: boolean,
  ): void {
    const url = this.inspector?.scriptUrl(location.scriptId, knownOnly);
    if (url === undefined || !isLibraryUrl(url)) return;
    const name = String((fn as { name?: unknown }).name ?? '') || 'anonymous';
    if (url.startsWith('node:')) {
      throw this.error(
        subject,
        `is the function ${name} of Node.js's '${url.slice('node:'.length)}' module, which does not travel by source`,
        `Use the module's import directly inside the function (import { ${name} } from '${url}'): Node.js modules are loaded by every worker.`,
      );
    }
    const packagePath = url.slice(url.lastIndexOf('/node_modules/') + '/node_modules/'.length);
    const packageName = packageNameOf(packagePath);
    throw this.error(
      subject,
      `is the function ${name} of the package '${packageName}', and package code does not travel by source`,
      `Declare the package with sc.addModule('${packageName}') and use its import directly inside the function.`,
    );
  }

  private isStrict(frame: Frame, source: ShippableSource): boolean {
    if (source.hasStrictDirective) return true;
    if (source.requiresSloppy) return false;
    // Only sloppy ordinary functions own `caller` and `arguments` properties.
    if (Object.hasOwn(frame.fn, 'caller')) return false;
    // Without its script's word, strict: ES modules (and TypeScript compiled to them) are.
    return this.bindingsOf(frame, false)?.strict ?? true;
  }

  /** The declarations around the frame's function; `fetch` reads its script if not yet read. */
  private bindingsOf(frame: Frame, fetch: boolean): FunctionBindings | undefined {
    if (frame.bindings === undefined || (frame.bindings === null && fetch)) {
      if (this.inspector === null || frame.location === undefined) return undefined;
      const bindings = functionBindings(this.inspector, frame.location, frame.facts.text, !fetch);
      frame.bindings = bindings ?? (fetch ? null : undefined);
    }
    return frame.bindings ?? undefined;
  }

  // Names ------------------------------------------------------------------------------------

  /** The value a free name travels as, SKIP when the worker has it, MISSING in explicit mode. */
  private resolveName(frame: Frame, name: string, use: FreeVariableUse): unknown {
    const subject: CaptureSubject = { path: name, ...(frame.owner ? { owner: frame.owner } : {}) };
    if (name === 'arguments') {
      throw this.error(
        subject,
        'is the `arguments` of an enclosing function, which does not travel',
        'Give the function its own parameters (...args).',
      );
    }
    const env = this.options.env;
    if (this.options.mode === 'explicit' && env !== undefined && Object.hasOwn(env, name)) {
      return this.encodeEnvValue(name);
    }
    const tool = this.resolveToolName(frame, name, use, subject);
    if (tool !== MISSING) return tool;
    if (this.inspector === null) return this.resolveWithoutInspector(name, use, subject);
    const stable = frame.facts.stable.get(name);
    if (stable?.kind === 'constant') return this.encodeValue(stable.value, subject);
    if (stable?.kind === 'global') return this.resolveGlobal(name, use, subject);
    const scope = this.inspect(frame.fn).scopes.find((item) => Object.hasOwn(item.variables, name));
    if (scope === undefined) {
      frame.facts.stable.set(name, { kind: 'global' });
      return this.resolveGlobal(name, use, subject);
    }
    const value = scope.variables[name];
    if (isPrimitive(value)) {
      // Constants are learnt only from a script already read: reading one costs far more than
      // reading the value again.
      const declaration = this.bindingsOf(frame, false)?.declarationOf(name);
      if (declaration?.kind === 'const' && value !== undefined) {
        frame.facts.stable.set(name, { kind: 'constant', value });
      } else {
        this.readsChangeable = true;
      }
      return this.encodeValue(value, subject);
    }
    if (this.mayBeImported(name, value, frame.location)) {
      const load = this.bindingsOf(frame, true)?.declarationOf(name)?.moduleLoad;
      if (load !== undefined || REWRITTEN_IMPORT.test(name) || isNamespaceLike(value)) {
        return this.moduleValue(name, value, load, use, subject, frame);
      }
    }
    this.readsChangeable = true;
    return this.encodeValue(value, subject, frame.location?.scriptId);
  }

  /**
   * Whether a value found in scope could be an import, which needs the script's declarations:
   * a function from another script, a namespace, vite's import names, an object of functions
   * (what `require()` returns), or a value that cannot be copied (a declared module may provide
   * it). Plain data travels by value either way, so it never costs a read of the script.
   */
  private mayBeImported(
    name: string,
    value: unknown,
    location: FunctionLocation | undefined,
  ): boolean {
    if (REWRITTEN_IMPORT.test(name) || isNamespaceLike(value)) return true;
    if (typeof value === 'function') {
      if (this.spec.encoded(value) !== undefined || globalPathOf(value) !== undefined) return false;
      if (types.isProxy(value)) return true;
      if (factsFor(value).source.form === 'native') return false;
      return this.inspect(value).location?.scriptId !== location?.scriptId;
    }
    if (typeof value !== 'object' || value === null) return false;
    return !isCopyable(value) || hasFunctionMember(value);
  }

  /** Names compilers and vite put into function bodies; MISSING when `name` is not one. */
  private resolveToolName(
    frame: Frame,
    name: string,
    use: FreeVariableUse,
    subject: CaptureSubject,
  ): unknown {
    if (Object.hasOwn(HELPER_SOURCES, name)) return this.spec.helperReference(name);
    const loader = LOADER_NAMES[name];
    if (loader !== undefined) return this.loaderFor(loader, frame);
    if (name === REWRITTEN_IMPORT_META) {
      throw this.error(
        { ...subject, path: 'import.meta' },
        'is used, and means nothing on a worker',
        'Read what you need outside the function (const url = import.meta.url) and use that.',
      );
    }
    if (this.options.mode === 'explicit' && REWRITTEN_IMPORT.test(name)) {
      return this.rewrittenImportFromEnv(name, use, subject);
    }
    return MISSING;
  }

  /**
   * Under vite, `import { f } from './m'` makes the source say `__vite_ssr_import_0__.f`; with
   * explicit capture the env names `f`, so the module object is rebuilt from the env.
   */
  private rewrittenImportFromEnv(
    name: string,
    use: FreeVariableUse,
    subject: CaptureSubject,
  ): unknown {
    const env = this.options.env ?? {};
    const missing = [...use.members].filter((member) => !Object.hasOwn(env, member));
    if (use.isWholeValueUsed || missing.length > 0) {
      const names = missing.length > 0 ? missing : [...use.members];
      throw this.error(
        { ...subject, path: names.join(', ') },
        `is imported from another module (vite rewrote it as \`${name}.${names[0] ?? ''}\`) and is not in the env object`,
        explicitEnvFix(this.options.site, names),
      );
    }
    const copy: Record<string, unknown> = {};
    for (const member of use.members) {
      this.spec.setProperty(copy, member, this.encodeEnvValue(member));
    }
    return copy;
  }

  private resolveGlobal(name: string, use: FreeVariableUse, subject: CaptureSubject): unknown {
    if (STANDARD_GLOBALS.has(name)) return SKIP;
    if (name in globalThis) {
      // Something this process put on globalThis: the workers do not have it, so it is copied.
      this.readsChangeable = true;
      return this.encodeValue((globalThis as Record<string, unknown>)[name], subject);
    }
    if (use.isTypeofOnly) return SKIP;
    throw this.error(
      subject,
      'is not defined where the function was written (it is not a variable in scope nor a global)',
      `Define it before calling the transformation, or pass it in the env object: (fn, { ${name} }).`,
    );
  }

  /** Explicit mode, or automatic mode in a Node.js without an inspector. */
  private resolveWithoutInspector(
    name: string,
    use: FreeVariableUse,
    subject: CaptureSubject,
  ): unknown {
    if (STANDARD_GLOBALS.has(name)) return SKIP;
    if (use.isTypeofOnly && !(name in globalThis)) return SKIP;
    if (this.options.mode === 'explicit') return MISSING;
    throw this.error(
      subject,
      'cannot be captured automatically: this Node.js has no node:inspector, which automatic capture reads closures with',
      explicitEnvFix(this.options.site, [name]).replace(
        "With capture: 'explicit' nothing is captured automatically. ",
        '',
      ),
    );
  }

  private missingFromEnv(missing: readonly string[], frame: Frame): Error {
    const one = missing.length === 1;
    return this.error(
      null,
      `uses ${missing.map((name) => `\`${name}\``).join(', ')}, which ${one ? 'is' : 'are'} ` +
        `neither in its env object nor ${one ? 'a global' : 'globals'}` +
        (frame.owner === undefined ? '' : ` (in ${frame.owner})`),
      explicitEnvFix(this.options.site, missing),
    );
  }

  private checkEnvKey(name: string): string {
    if (isVariableName(name)) return name;
    throw new FlintError(
      ErrorCode.ARGUMENT,
      `The env given with ${this.options.site} has the key ${JSON.stringify(name)}, which is not ` +
        'a valid variable name. Its keys become variables of the function on the workers.',
    );
  }

  private encodeEnvValue(name: string): unknown {
    this.readsChangeable = true;
    return this.encodeValue(this.options.env?.[name], { path: name });
  }

  // Modules ----------------------------------------------------------------------------------

  /** A value bound by an import (or a `require()`): a module reference, or a copy. */
  private moduleValue(
    name: string,
    value: unknown,
    load: ModuleLoad | undefined,
    use: FreeVariableUse,
    subject: CaptureSubject,
    frame: Frame,
  ): unknown {
    const origin =
      load === undefined
        ? undefined
        : moduleOrigin(load.specifier, this.options.modules, () =>
            this.applicationDirectory(frame),
          );
    if (load !== undefined && origin?.kind === 'loadable') {
      const path = load.imported === null ? [] : [load.imported];
      return this.spec.moduleReference(origin.specifier, load.interop, path, origin.from);
    }
    if (origin?.kind === 'undeclared') {
      const path = REWRITTEN_IMPORT.test(name) ? [...use.members].join(', ') || name : name;
      throw this.error(
        { ...subject, path },
        `is imported from the package '${origin.packageName}', ${notFound(origin.searched)}`,
        declareModuleFix(origin.packageName, origin.searched),
      );
    }
    // A project file (or a module of unknown origin): its values travel by value.
    this.readsChangeable = true;
    return isNamespaceLike(value) && (load === undefined || load.imported === null)
      ? this.copyNamespace(value, use, subject)
      : this.encodeValue(value, subject);
  }

  /**
   * A project module's namespace, copied by value: only the members the function reads
   * (`helpers.triple`), or every export when the namespace itself is used.
   */
  private copyNamespace(namespace: object, use: FreeVariableUse, subject: CaptureSubject): unknown {
    let copy = this.spec.encoded(namespace) as Record<string, unknown> | undefined;
    if (copy === undefined) {
      copy = {};
      this.spec.remember(namespace, copy);
    }
    const members = use.isWholeValueUsed ? Object.keys(namespace) : [...use.members];
    // vite's `__vite_ssr_import_0__.triple` is `triple` in the user's source.
    const prefix = REWRITTEN_IMPORT.test(subject.path) ? '' : `${subject.path}.`;
    for (const member of members) {
      if (Object.hasOwn(copy, member)) continue;
      const memberSubject = { ...subject, path: prefix + member };
      let value: unknown;
      try {
        value = (namespace as Record<string, unknown>)[member];
      } catch (error) {
        throw this.error(
          memberSubject,
          `could not be read from its module (${(error as Error).message})`,
          'Make sure the module has finished loading before the transformation is called.',
        );
      }
      this.spec.setProperty(copy, member, this.encodeValue(value, memberSubject));
    }
    return copy;
  }

  /**
   * Specifiers the function loads itself, each as the workers know it; each must be one they can
   * load. vite writes a dependency as a resolved path: the loaders map it back to the declaration.
   */
  private loadedModules(source: ShippableSource, frame: Frame): string[] {
    const loadable: string[] = [];
    for (const specifier of source.loadedSpecifiers) {
      const origin = moduleOrigin(specifier, this.options.modules, () =>
        this.applicationDirectory(frame),
      );
      if (origin.kind === 'loadable') {
        loadable.push(origin.specifier);
        if (origin.specifier !== specifier) {
          this.loaderFor('import', frame).aliases[specifier] = origin.specifier;
          this.loaderFor('require', frame).aliases[specifier] = origin.specifier;
        }
        continue;
      }
      const undeclared = origin.kind === 'undeclared';
      throw this.error(
        null,
        `loads ${undeclared ? `the package '${origin.packageName}'` : `'${specifier}'`} with ` +
          `import() or require()${frame.owner === undefined ? '' : ` (in ${frame.owner})`}, ` +
          (undeclared ? notFound(origin.searched) : 'a module the workers do not load'),
        undeclared
          ? declareModuleFix(origin.packageName, origin.searched)
          : declareModuleFix(specifier),
      );
    }
    return loadable;
  }

  /** The worker's `import()` or `require` for the frame's function, resolving from its place. */
  private loaderFor(loader: 'import' | 'require', frame: Frame): LoaderReference {
    return this.spec.loaderReference(loader, this.importsFrom(frame));
  }

  /**
   * Where the function's own `import()` and `require()` resolve on the workers: its script's
   * directory, as on the driver, else where the first module it loads was declared.
   */
  private importsFrom(frame: Frame): string | undefined {
    const directory = this.applicationDirectory(frame);
    if (directory !== undefined) return directory;
    const source = frame.facts.source;
    for (const specifier of 'loadedSpecifiers' in source ? source.loadedSpecifiers : []) {
      const declaredIn = this.options.modules.get(specifier);
      if (declaredIn !== undefined) return declaredIn;
    }
    return undefined;
  }

  /** The `file:` URL of the directory of the script that defined the frame's function. */
  private applicationDirectory(frame: Frame): string | undefined {
    if (frame.directory === undefined) {
      frame.directory = null;
      if (this.inspector !== null) {
        frame.location ??= this.inspect(frame.fn).location;
        const url =
          frame.location === undefined
            ? undefined
            : this.inspector.scriptUrl(frame.location.scriptId);
        frame.directory = (url === undefined ? undefined : directoryOf(url)) ?? null;
      }
    }
    return frame.directory ?? undefined;
  }

  // Values -----------------------------------------------------------------------------------

  /** The value as it travels: a primitive, a fresh copy of plain data, or a reference. */
  private encodeValue(value: unknown, subject: CaptureSubject, viaScriptId?: string): unknown {
    switch (typeof value) {
      case 'undefined':
      case 'boolean':
      case 'number':
      case 'string':
      case 'bigint':
        return value;
      case 'symbol':
        return this.encodeSymbol(value, subject);
      case 'function':
      case 'object': {
        if (value === null) return null;
        const known = this.spec.encoded(value);
        if (known !== undefined) return known;
        if (types.isProxy(value)) {
          // vitest hands out Node.js built-ins and packages as namespaces wrapped in a Proxy.
          if (isProxiedNamespace(value)) throw this.namespaceError(subject);
          throw this.error(
            subject,
            'is a Proxy, whose behaviour cannot be copied',
            'Capture the object it wraps instead.',
          );
        }
        const shared = this.sharedVariableOf(value, subject);
        if (shared !== undefined) {
          const ref = { kind: 'sharedVariable' as const, variable: shared };
          this.spec.addReference(value, ref);
          return ref;
        }
        return typeof value === 'function'
          ? this.encodeFunction(value, subject, viaScriptId)
          : this.encodeObject(value, subject, viaScriptId);
      }
      default:
        throw this.error(subject, `is of an unknown type (${typeof value})`, 'Capture plain data.');
    }
  }

  private encodeObject(value: object, subject: CaptureSubject, viaScriptId?: string): unknown {
    const prototype: unknown = Object.getPrototypeOf(value);
    // Items are encoded with the script the object was found in: a function in an object
    // defined next to the capturing function needs no check of where it comes from.
    const item = (container: object, raw: unknown, path: string): unknown => {
      const encoded = this.encodeValue(raw, { ...subject, path }, viaScriptId);
      this.spec.holds(container, encoded);
      return encoded;
    };
    if (Array.isArray(value) && prototype === Array.prototype) {
      const copy: unknown[] = new Array(value.length);
      this.spec.remember(value, copy);
      for (let index = 0; index < value.length; index++) {
        const raw: unknown = value[index];
        copy[index] =
          isPrimitive(raw) && typeof raw !== 'symbol'
            ? raw
            : item(copy, raw, `${subject.path}[${index}]`);
      }
      return copy;
    }
    if (prototype === Object.prototype || prototype === null) {
      if (isNamespaceLike(value)) throw this.namespaceError(subject);
      const copy: Record<string, unknown> = {};
      this.spec.remember(value, copy);
      for (const key of Object.keys(value)) {
        const raw = (value as Record<string, unknown>)[key];
        this.spec.setProperty(copy, key, item(copy, raw, memberPath(subject.path, key)));
      }
      return copy;
    }
    if (prototype === Map.prototype) {
      const copy = new Map<unknown, unknown>();
      this.spec.remember(value, copy);
      for (const [key, raw] of value as Map<unknown, unknown>) {
        const label = typeof key === 'string' ? JSON.stringify(key) : String(key);
        const encodedKey = item(copy, key, `${subject.path} (a Map key)`);
        copy.set(encodedKey, item(copy, raw, `${subject.path}.get(${label})`));
      }
      return copy;
    }
    if (prototype === Set.prototype) {
      const copy = new Set<unknown>();
      this.spec.remember(value, copy);
      for (const raw of value as Set<unknown>) {
        copy.add(item(copy, raw, `${subject.path} (a Set member)`));
      }
      return copy;
    }
    const copy = copyBuiltin(value, prototype);
    if (copy === undefined) {
      const { what, fix } = describeUncapturable(value);
      throw this.error(subject, what, fix);
    }
    this.spec.remember(value, copy);
    return copy;
  }

  /** A module namespace reached as a value, not through the import that binds it. */
  private namespaceError(subject: CaptureSubject): Error {
    return this.error(
      subject,
      'is a module namespace (import * as …), which travels only as the import itself, not inside a value',
      "Use the import directly in the function (import * as files from 'node:fs'; ds.map((x) => files.existsSync(x))): Node.js built-ins and installed packages then travel as module references, and the exports of a project file by value.",
    );
  }

  private encodeSymbol(value: symbol, subject: CaptureSubject): unknown {
    const registered = Symbol.keyFor(value);
    if (registered !== undefined) return this.spec.symbolReference('for', registered);
    const wellKnown = wellKnownSymbolKey(value);
    if (wellKnown !== undefined) return this.spec.symbolReference('wellKnown', wellKnown);
    throw this.error(
      subject,
      `is a unique Symbol (${value.toString()}), which cannot be recreated in another process`,
      'Use a string, or Symbol.for(key), which every process shares.',
    );
  }

  /** A broadcast handle or accumulator, recognised by the method it has under the shared key. */
  private sharedVariableOf(value: object, subject: CaptureSubject): SharedVariableId | undefined {
    const method = (value as Record<symbol, unknown>)[SHARED_VARIABLE];
    if (typeof method !== 'function') return undefined;
    const id = method.call(value) as { kind?: unknown; id?: unknown } | null;
    if (
      typeof id !== 'object' ||
      id === null ||
      (id.kind !== 'broadcast' && id.kind !== 'accumulator') ||
      typeof id.id !== 'number'
    ) {
      throw this.error(
        subject,
        "answers Symbol.for('flint.sharedVariable') with something other than { kind, id }",
        'Capture broadcast handles and accumulators as Flint creates them.',
      );
    }
    return { kind: id.kind, id: id.id };
  }

  private error(subject: CaptureSubject | null, what: string, fix: string): Error {
    return captureError(this.options.site, subject, what, fix);
  }
}

function factsFor(fn: object): FunctionFacts {
  let facts = factsCache.get(fn);
  if (facts === undefined) {
    const text = functionToString.call(fn);
    facts = { text, source: readFunctionSource(text), stable: new Map() };
    factsCache.set(fn, facts);
  }
  return facts;
}

/** Whether a Proxy wraps a module namespace; a Proxy that throws when asked is not one. */
function isProxiedNamespace(value: object): boolean {
  try {
    return isNamespaceLike(value);
  } catch {
    return false;
  }
}

function isToolName(name: string): boolean {
  return Object.hasOwn(HELPER_SOURCES, name) || Object.hasOwn(LOADER_NAMES, name);
}
