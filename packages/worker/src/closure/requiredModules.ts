/** Which modules a worker must load before it can compile a {@link FunctionSpec}. */
import type { FunctionSpec } from './functionSpec.js';

/**
 * The module specifiers `spec` uses, each once: modules its functions reference, and those they
 * load with `import()` or `require()` by a literal specifier. A worker `import()`s each of them
 * and passes the namespaces to `compileFunction` as `context.modules`.
 */
export function requiredModules(spec: FunctionSpec): string[] {
  const specifiers = new Set<string>();
  for (const ref of spec.references) {
    if (ref.kind === 'module') specifiers.add(ref.specifier);
    else if (ref.kind === 'function')
      for (const specifier of ref.imports) specifiers.add(specifier);
  }
  return [...specifiers];
}
