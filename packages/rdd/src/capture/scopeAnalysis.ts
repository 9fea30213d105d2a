/**
 * A small scope analyzer for ESTree programs parsed by acorn: which names each scope declares
 * (and how), which identifiers are references, and which references no scope of the program
 * declares (the free variables). Capture runs it on a function's own source to find what the
 * function uses, and on the whole script that defined the function to learn how each of those
 * names is declared there (`const`, an `import`, a `require()`...).
 *
 * Invariants: resolution happens after the whole walk, so hoisting needs no special order; a
 * `var` goes to the nearest function scope; a function's own name (of a named function
 * expression) is declared inside it; `arguments` is implicitly declared by every non-arrow
 * function.
 */
import type {
  AnyNode,
  CallExpression,
  Expression,
  Function as FunctionNode,
  ImportExpression,
  Pattern,
  Program,
  VariableDeclarator,
} from 'acorn';

/** How a name is declared. */
export type DeclarationKind =
  | 'var'
  | 'let'
  | 'const'
  | 'function'
  | 'class'
  | 'param'
  | 'catch'
  | 'import'
  | 'self'
  | 'implicit';

/** How a module-level binding was loaded: `import`, `require()`, vite's or vitest's rewrites. */
export interface ModuleLoad {
  readonly specifier: string;
  /** The export it names (`'default'`, `'chunk'`), or null for the whole namespace or module. */
  readonly imported: string | null;
  readonly interop: 'namespace' | 'require' | 'toESM' | 'importDefault';
}

/** One declared name. */
export interface Declaration {
  readonly kind: DeclarationKind;
  readonly scope: Scope;
  /** Set when the binding's initializer (or the import declaration) loads a module. */
  readonly moduleLoad?: ModuleLoad;
}

/** A lexical scope: the program, a function, a block, a class body, a catch clause. */
export interface Scope {
  readonly parent: Scope | null;
  readonly isFunction: boolean;
  readonly strict: boolean;
  readonly declarations: Map<string, Declaration>;
}

/** How a free name is used by the code that refers to it. */
export interface FreeVariableUse {
  /** Property names read as `name.prop` or `name['prop']`. */
  readonly members: Set<string>;
  /** True when some use is not such a member read (passed along, called, assigned...). */
  isWholeValueUsed: boolean;
  /** True while every use is a `typeof name` test, which never throws for a missing global. */
  isTypeofOnly: boolean;
}

/** A dynamic `import(...)` in the code: where its keyword is, and its literal specifier if any. */
export interface DynamicImport {
  readonly keywordStart: number;
  readonly specifier: string | null;
}

/** What {@link analyzeProgram} found. */
export interface ProgramAnalysis {
  readonly programScope: Scope;
  /** The scope of each function, by the offset where it ends (nested arrows may share one). */
  readonly functionScopes: Map<number, FunctionScopeEntry[]>;
  /** Names no scope of the program declares, with how they are used. */
  readonly freeVariables: Map<string, FreeVariableUse>;
  readonly dynamicImports: readonly DynamicImport[];
  /** Literal specifiers passed to `require()` or vite's dynamic import helper. */
  readonly requiredSpecifiers: readonly string[];
  readonly usesImportMeta: boolean;
  /** `this` appears outside every non-arrow function and class: it is the enclosing code's. */
  readonly usesOuterThis: boolean;
}

/** A function of the program: where its node starts, and its scope. */
export interface FunctionScopeEntry {
  readonly start: number;
  readonly scope: Scope;
}

/** Options of {@link analyzeProgram}. */
export interface AnalyzeOptions {
  /** Collect references and free variables (a function's analysis) or only declarations. */
  readonly collectReferences: boolean;
}

interface PendingReference {
  readonly name: string;
  readonly scope: Scope;
  readonly member: string | null;
  readonly isTypeof: boolean;
}

const REQUIRE_LIKE = new Set(['require', '__require', '__vite_ssr_dynamic_import__']);
const IMPORT_LIKE = new Set(['__vite_ssr_import__', '__vite_ssr_dynamic_import__']);
const INTEROP_WRAPPERS: Readonly<Record<string, ModuleLoad['interop']>> = {
  __toESM: 'toESM',
  __importStar: 'toESM',
  _interopRequireWildcard: 'toESM',
  __importDefault: 'importDefault',
  _interopRequireDefault: 'importDefault',
};

/** Walks `program` and returns its scopes, declarations and (optionally) free variables. */
export function analyzeProgram(program: Program, options: AnalyzeOptions): ProgramAnalysis {
  return new Analyzer(options).run(program);
}

class Analyzer {
  private readonly functionScopes = new Map<number, FunctionScopeEntry[]>();
  private readonly references: PendingReference[] = [];
  private readonly dynamicImports: DynamicImport[] = [];
  private readonly requiredSpecifiers: string[] = [];
  private usesImportMeta = false;
  private usesOuterThis = false;
  /** How many non-arrow functions and class bodies enclose the node being visited. */
  private thisDepth = 0;

  constructor(private readonly options: AnalyzeOptions) {}

  run(program: Program): ProgramAnalysis {
    const strict = program.sourceType === 'module' || hasUseStrict(program.body);
    const scope = newScope(null, true, strict);
    for (const statement of program.body) this.visit(statement, scope);
    return {
      programScope: scope,
      functionScopes: this.functionScopes,
      freeVariables: this.resolveFreeVariables(),
      dynamicImports: this.dynamicImports,
      requiredSpecifiers: this.requiredSpecifiers,
      usesImportMeta: this.usesImportMeta,
      usesOuterThis: this.usesOuterThis,
    };
  }

  private resolveFreeVariables(): Map<string, FreeVariableUse> {
    const free = new Map<string, FreeVariableUse>();
    for (const ref of this.references) {
      if (lookup(ref.scope, ref.name) !== undefined) continue;
      let use = free.get(ref.name);
      if (use === undefined) {
        use = { members: new Set(), isWholeValueUsed: false, isTypeofOnly: true };
        free.set(ref.name, use);
      }
      if (!ref.isTypeof) use.isTypeofOnly = false;
      if (ref.member === null) use.isWholeValueUsed = true;
      else use.members.add(ref.member);
    }
    return free;
  }

  private reference(name: string, scope: Scope, member: string | null, isTypeof = false): void {
    if (this.options.collectReferences) this.references.push({ name, scope, member, isTypeof });
  }

  private visit(node: AnyNode | null | undefined, scope: Scope): void {
    if (node === null || node === undefined) return;
    switch (node.type) {
      case 'Identifier':
        this.reference(node.name, scope, null);
        return;
      case 'FunctionDeclaration':
        if (node.id) {
          declare(scope, node.id.name, { kind: 'function', scope });
          // Annex B: in sloppy code a function declared in a block is also visible function-wide.
          if (!scope.strict && !scope.isFunction) {
            const functionScope = nearestFunctionScope(scope);
            declare(functionScope, node.id.name, { kind: 'function', scope: functionScope });
          }
        }
        this.visitFunction(node, scope);
        return;
      case 'FunctionExpression':
      case 'ArrowFunctionExpression':
        this.visitFunction(node, scope);
        return;
      case 'ClassDeclaration':
      case 'ClassExpression': {
        if (node.type === 'ClassDeclaration' && node.id) {
          declare(scope, node.id.name, { kind: 'class', scope });
        }
        this.visit(node.superClass, scope);
        const classScope = newScope(scope, false, true);
        this.thisDepth++;
        if (node.type === 'ClassExpression' && node.id) {
          declare(classScope, node.id.name, { kind: 'self', scope: classScope });
        }
        for (const member of node.body.body) {
          if (member.type === 'StaticBlock') {
            const blockScope = newScope(classScope, true, true);
            for (const statement of member.body) this.visit(statement, blockScope);
            continue;
          }
          if (member.computed) this.visit(member.key, classScope);
          if (member.type === 'MethodDefinition') {
            this.visitFunction(member.value, classScope);
          } else {
            this.visit(member.value, newScope(classScope, true, true));
          }
        }
        this.thisDepth--;
        return;
      }
      case 'VariableDeclaration': {
        const kind = node.kind === 'var' ? 'var' : node.kind === 'let' ? 'let' : 'const';
        const target = kind === 'var' ? nearestFunctionScope(scope) : scope;
        for (const declarator of node.declarations) {
          const moduleLoad = moduleLoadOf(declarator);
          if (declarator.id.type === 'Identifier') {
            declare(target, declarator.id.name, {
              kind,
              scope: target,
              ...(moduleLoad ? { moduleLoad } : {}),
            });
          } else {
            this.declarePattern(declarator.id, target, kind, scope);
          }
          this.visit(declarator.init, scope);
        }
        return;
      }
      case 'BlockStatement': {
        const blockScope = newScope(scope, false, scope.strict);
        for (const statement of node.body) this.visit(statement, blockScope);
        return;
      }
      case 'ForStatement':
      case 'ForInStatement':
      case 'ForOfStatement': {
        const loopScope = newScope(scope, false, scope.strict);
        if (node.type === 'ForStatement') {
          this.visit(node.init, loopScope);
          this.visit(node.test, loopScope);
          this.visit(node.update, loopScope);
        } else {
          if (node.left.type === 'VariableDeclaration') this.visit(node.left, loopScope);
          else this.visitAssignmentTarget(node.left, loopScope);
          this.visit(node.right, loopScope);
        }
        this.visit(node.body, loopScope);
        return;
      }
      case 'SwitchStatement': {
        this.visit(node.discriminant, scope);
        const casesScope = newScope(scope, false, scope.strict);
        for (const switchCase of node.cases) {
          this.visit(switchCase.test, casesScope);
          for (const statement of switchCase.consequent) this.visit(statement, casesScope);
        }
        return;
      }
      case 'CatchClause': {
        const catchScope = newScope(scope, false, scope.strict);
        if (node.param) this.declarePattern(node.param, catchScope, 'catch', catchScope);
        this.visit(node.body, catchScope);
        return;
      }
      case 'ImportDeclaration': {
        const specifier = String(node.source.value);
        for (const item of node.specifiers) {
          const imported =
            item.type === 'ImportNamespaceSpecifier'
              ? null
              : item.type === 'ImportDefaultSpecifier'
                ? 'default'
                : item.imported.type === 'Identifier'
                  ? item.imported.name
                  : String(item.imported.value);
          declare(scope, item.local.name, {
            kind: 'import',
            scope,
            moduleLoad: { specifier, imported, interop: 'namespace' },
          });
        }
        return;
      }
      case 'ExportNamedDeclaration':
        // `export { a as b }` only names local bindings; a declaration is visited as usual.
        this.visit(node.declaration, scope);
        return;
      case 'ExportDefaultDeclaration':
        this.visit(node.declaration, scope);
        return;
      case 'ExportAllDeclaration':
        return;
      case 'MemberExpression': {
        if (node.object.type === 'Identifier') {
          this.reference(node.object.name, scope, memberName(node.property, node.computed));
        } else {
          this.visit(node.object, scope);
        }
        if (node.computed) this.visit(node.property, scope);
        return;
      }
      case 'Property':
        if (node.computed) this.visit(node.key, scope);
        if (node.kind !== 'init' || node.method) {
          this.visitFunction(node.value as FunctionNode, scope);
        } else {
          this.visit(node.value, scope);
        }
        return;
      case 'LabeledStatement':
        this.visit(node.body, scope);
        return;
      case 'BreakStatement':
      case 'ContinueStatement':
        return;
      case 'MetaProperty':
        if (node.meta.name === 'import') this.usesImportMeta = true;
        return;
      case 'UnaryExpression':
        if (node.operator === 'typeof' && node.argument.type === 'Identifier') {
          this.reference(node.argument.name, scope, null, true);
        } else {
          this.visit(node.argument, scope);
        }
        return;
      case 'AssignmentExpression':
        this.visitAssignmentTarget(node.left, scope);
        this.visit(node.right, scope);
        return;
      case 'ImportExpression':
        this.dynamicImports.push({
          keywordStart: node.start,
          specifier: literalString(node.source),
        });
        this.visit(node.source, scope);
        this.visit((node as ImportExpression & { options?: Expression | null }).options, scope);
        return;
      case 'ThisExpression':
        if (this.thisDepth === 0) this.usesOuterThis = true;
        return;
      case 'CallExpression':
        this.noteRequire(node);
        this.visitChildren(node, scope);
        return;
      default:
        this.visitChildren(node, scope);
    }
  }

  private visitFunction(node: FunctionNode, scope: Scope): void {
    const body = node.body;
    const strict = scope.strict || (body.type === 'BlockStatement' && hasUseStrict(body.body));
    const functionScope = newScope(scope, true, strict);
    const isArrow = node.type === 'ArrowFunctionExpression';
    if (!isArrow) {
      declare(functionScope, 'arguments', { kind: 'implicit', scope: functionScope });
      if (node.type === 'FunctionExpression' && node.id) {
        declare(functionScope, node.id.name, { kind: 'self', scope: functionScope });
      }
    }
    const entries = this.functionScopes.get(node.end);
    if (entries === undefined) {
      this.functionScopes.set(node.end, [{ start: node.start, scope: functionScope }]);
    } else {
      entries.push({ start: node.start, scope: functionScope });
    }
    // A non-arrow function has its own `this`, in its parameters' defaults as in its body.
    if (!isArrow) this.thisDepth++;
    for (const param of node.params) {
      this.declarePattern(param, functionScope, 'param', functionScope);
    }
    if (body.type === 'BlockStatement') {
      // The body's top-level declarations share the function's scope (no separate block scope).
      for (const statement of body.body) this.visit(statement, functionScope);
    } else {
      this.visit(body, functionScope);
    }
    if (!isArrow) this.thisDepth--;
  }

  /** Declares the names a binding pattern introduces; defaults and computed keys are references. */
  private declarePattern(
    pattern: Pattern,
    target: Scope,
    kind: DeclarationKind,
    scope: Scope,
  ): void {
    switch (pattern.type) {
      case 'Identifier':
        declare(target, pattern.name, { kind, scope: target });
        return;
      case 'ObjectPattern':
        for (const property of pattern.properties) {
          if (property.type === 'RestElement') {
            this.declarePattern(property.argument, target, kind, scope);
          } else {
            if (property.computed) this.visit(property.key, scope);
            this.declarePattern(property.value, target, kind, scope);
          }
        }
        return;
      case 'ArrayPattern':
        for (const element of pattern.elements) {
          if (element) this.declarePattern(element, target, kind, scope);
        }
        return;
      case 'RestElement':
        this.declarePattern(pattern.argument, target, kind, scope);
        return;
      case 'AssignmentPattern':
        this.declarePattern(pattern.left, target, kind, scope);
        this.visit(pattern.right, scope);
        return;
      case 'MemberExpression':
        this.visit(pattern, scope);
        return;
      default:
        pattern satisfies never;
    }
  }

  /** An assignment's target: its identifiers are references (to variables being written). */
  private visitAssignmentTarget(pattern: Pattern, scope: Scope): void {
    switch (pattern.type) {
      case 'Identifier':
        this.reference(pattern.name, scope, null);
        return;
      case 'ObjectPattern':
        for (const property of pattern.properties) {
          if (property.type === 'RestElement') {
            this.visitAssignmentTarget(property.argument, scope);
          } else {
            if (property.computed) this.visit(property.key, scope);
            this.visitAssignmentTarget(property.value, scope);
          }
        }
        return;
      case 'ArrayPattern':
        for (const element of pattern.elements) {
          if (element) this.visitAssignmentTarget(element, scope);
        }
        return;
      case 'RestElement':
        this.visitAssignmentTarget(pattern.argument, scope);
        return;
      case 'AssignmentPattern':
        this.visitAssignmentTarget(pattern.left, scope);
        this.visit(pattern.right, scope);
        return;
      case 'MemberExpression':
        this.visit(pattern, scope);
        return;
      default:
        pattern satisfies never;
    }
  }

  private noteRequire(node: CallExpression): void {
    if (node.callee.type !== 'Identifier' || !REQUIRE_LIKE.has(node.callee.name)) return;
    const specifier = literalString(node.arguments[0]);
    if (specifier !== null) this.requiredSpecifiers.push(specifier);
  }

  private visitChildren(node: AnyNode, scope: Scope): void {
    for (const value of Object.values(node)) {
      if (Array.isArray(value)) {
        for (const item of value) if (isNode(item)) this.visit(item, scope);
      } else if (isNode(value)) {
        this.visit(value, scope);
      }
    }
  }
}

/**
 * The scope of the function whose text (as `Function#toString` gives it) starts at `textStart`
 * and is `textLength` long. A method's node starts after its key, and nested arrows can end at
 * the same offset, so the match is the node ending there that starts first at or after the text.
 */
export function findFunctionScope(
  analysis: ProgramAnalysis,
  textStart: number,
  textLength: number,
): Scope | undefined {
  let best: FunctionScopeEntry | undefined;
  for (const entry of analysis.functionScopes.get(textStart + textLength) ?? []) {
    if (entry.start >= textStart && (best === undefined || entry.start < best.start)) best = entry;
  }
  return best?.scope;
}

/** The declaration `name` resolves to from `scope`, if any scope up the chain declares it. */
export function lookup(scope: Scope, name: string): Declaration | undefined {
  for (let current: Scope | null = scope; current !== null; current = current.parent) {
    const declaration = current.declarations.get(name);
    if (declaration !== undefined) return declaration;
  }
  return undefined;
}

function newScope(parent: Scope | null, isFunction: boolean, strict: boolean): Scope {
  return { parent, isFunction, strict, declarations: new Map() };
}

function declare(scope: Scope, name: string, declaration: Declaration): void {
  // The first declaration wins: a `var` re-declaring a parameter or an import keeps what it was.
  if (!scope.declarations.has(name)) scope.declarations.set(name, declaration);
}

function nearestFunctionScope(scope: Scope): Scope {
  let current = scope;
  while (!current.isFunction && current.parent !== null) current = current.parent;
  return current;
}

function hasUseStrict(body: readonly AnyNode[]): boolean {
  for (const statement of body) {
    if (statement.type !== 'ExpressionStatement' || statement.directive === undefined) return false;
    if (statement.directive === 'use strict') return true;
  }
  return false;
}

function memberName(property: AnyNode, computed: boolean): string | null {
  if (!computed) return property.type === 'Identifier' ? property.name : null;
  return literalString(property);
}

function literalString(node: AnyNode | null | undefined): string | null {
  return node?.type === 'Literal' && typeof node.value === 'string' ? node.value : null;
}

/**
 * Recognises an initializer that loads a module: `await import('x')`, `require('x')`,
 * `await __vite_ssr_import__('x')`, and those wrapped in a bundler's interop helper
 * (`__toESM(require('x'))`, `__importDefault(require('x'))`, ...).
 */
function moduleLoadOf(declarator: VariableDeclarator): ModuleLoad | undefined {
  let init: AnyNode | null | undefined = declarator.init;
  let interop: ModuleLoad['interop'] | undefined;
  if (init?.type === 'CallExpression' && init.callee.type === 'Identifier') {
    const wrapper = INTEROP_WRAPPERS[init.callee.name];
    if (wrapper !== undefined) {
      interop = wrapper;
      init = init.arguments[0];
    }
  }
  if (init?.type === 'AwaitExpression') init = init.argument;
  if (init?.type === 'ImportExpression') {
    const specifier = literalString(init.source);
    return specifier === null ? undefined : { specifier, imported: null, interop: 'namespace' };
  }
  if (init?.type !== 'CallExpression' || init.callee.type !== 'Identifier') return undefined;
  const specifier = literalString(init.arguments[0]);
  if (specifier === null) return undefined;
  if (IMPORT_LIKE.has(init.callee.name)) {
    return { specifier, imported: null, interop: interop ?? 'namespace' };
  }
  if (init.callee.name === 'require' || init.callee.name === '__require') {
    return { specifier, imported: null, interop: interop ?? 'require' };
  }
  return undefined;
}

function isNode(value: unknown): value is AnyNode {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { type?: unknown }).type === 'string'
  );
}
