/**
 * How the names a function uses are declared in the script that defined it. The inspector gives
 * the values of a function's variables but not their declarations; the script's running source
 * (after tsx's, vite's or any loader's transform) does. Parsing it tells, for each free name,
 * whether it is a `const`, an `import` (and of which specifier), a `require()`, vite's
 * `__vite_ssr_import_0__`..., and whether the function is strict code.
 *
 * Invariant: a script is fetched and analysed at most once per process (scripts never change);
 * a script that cannot be read or parsed is remembered as unknown and capture falls back on the
 * values alone.
 */
import { type Options, type Program, parse } from 'acorn';
import type { FunctionInspector, FunctionLocation } from './inspector.js';
import {
  analyzeProgram,
  type Declaration,
  findFunctionScope,
  lookup,
  type ProgramAnalysis,
} from './scopeAnalysis.js';

/** A function's place in its script: resolves the names it uses to their declarations. */
export interface FunctionBindings {
  readonly strict: boolean;
  declarationOf(name: string): Declaration | undefined;
}

interface ScriptInfo {
  readonly source: string;
  readonly analysis: ProgramAnalysis;
  readonly lineStarts: number[];
}

const scripts = new Map<string, ScriptInfo | null>();

/**
 * The bindings around the function whose text is `text` and which V8 says starts at `location`,
 * or undefined when its script cannot be read or the function cannot be found in it.
 * @param cachedOnly do not fetch a script that has not been fetched yet
 */
export function functionBindings(
  inspector: FunctionInspector,
  location: FunctionLocation,
  text: string,
  cachedOnly = false,
): FunctionBindings | undefined {
  if (cachedOnly && !scripts.has(location.scriptId)) return undefined;
  const script = scriptInfo(inspector, location.scriptId);
  if (script === null) return undefined;
  const textStart = findTextStart(script, location, text);
  if (textStart === undefined) return undefined;
  const scope = findFunctionScope(script.analysis, textStart, text.length);
  if (scope === undefined) return undefined;
  return { strict: scope.strict, declarationOf: (name) => lookup(scope, name) };
}

function scriptInfo(inspector: FunctionInspector, scriptId: string): ScriptInfo | null {
  let info = scripts.get(scriptId);
  if (info === undefined) {
    const source = inspector.scriptSource(scriptId);
    const program = source === undefined ? undefined : parseScript(source);
    info =
      source === undefined || program === undefined
        ? null
        : {
            source,
            analysis: analyzeProgram(program, { collectReferences: false }),
            lineStarts: lineStartsOf(source),
          };
    scripts.set(scriptId, info);
  }
  return info;
}

/** Parses a module, else a script (CommonJS bodies may `return` at top level). */
function parseScript(source: string): Program | undefined {
  const common: Options = { ecmaVersion: 'latest', allowHashBang: true };
  for (const options of [
    { ...common, sourceType: 'module', allowAwaitOutsideFunction: true },
    { ...common, sourceType: 'script', allowReturnOutsideFunction: true },
  ] satisfies Options[]) {
    try {
      return parse(source, options);
    } catch {
      // Not this kind of source; the next options may parse it.
    }
  }
  return undefined;
}

/**
 * Where the function's text starts in the script. V8 reports the start of an arrow function but
 * the opening parenthesis of the parameters for every other function, so the text is matched at
 * each of its own parentheses until it lines up with the script.
 */
function findTextStart(
  script: ScriptInfo,
  location: FunctionLocation,
  text: string,
): number | undefined {
  const lineStart = script.lineStarts[location.lineNumber];
  if (lineStart === undefined) return undefined;
  const reported = lineStart + location.columnNumber;
  for (let index = 0; index !== -1 && index < text.length; index = text.indexOf('(', index + 1)) {
    if (script.source.startsWith(text, reported - index)) return reported - index;
  }
  return undefined;
}

function lineStartsOf(source: string): number[] {
  const starts = [0];
  for (let index = source.indexOf('\n'); index !== -1; index = source.indexOf('\n', index + 1)) {
    starts.push(index + 1);
  }
  return starts;
}
