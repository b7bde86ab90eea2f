import { CNode, field, fieldAll, MAX_SYNTAX_DEPTH, TOO_DEEP } from '../syntax/cst';
import type { SourceFile } from '../syntax/sourceFile';
import { evalPreprocCondition, PreprocConfig, splitMacroArguments } from '../syntax/preproc';
import { Trace, TraceStep } from './trace';
import {
  CObject,
  commonType,
  FALSE,
  int,
  IntType,
  ModelObject,
  NULL,
  PlainObject,
  StructLayout,
  StructObject,
  Ref,
  show,
  T,
  toBigInt,
  TRUE,
  truthy,
  TYPEDEFS,
  Value,
  VOID,
} from './values';

/** A C function the interpreter can execute: its lowered definition and where it lives. */
export interface CFunction {
  readonly name: string;
  readonly file: SourceFile;
  readonly def: CNode;
  /** Added to 0-based rows to get the 1-based line shown in traces (hunk-only images shift lines). */
  readonly lineBase: number;
  /** Path shown in traces (the kernel tree path, or the patch document for hunk-only code). */
  readonly displayPath: string;
}

/** The C code available to a simulation: a kernel tree, a patched image, or rebuilt hunks. */
export interface CodeImage {
  /** An executable definition of `name`, or undefined when the image has no C for it. */
  lookupFunction(name: string): CFunction | undefined;
  /** An object-like `#define` from the image's .c files (`DIO_MAX_BLOCKS`). */
  lookupMacro(name: string): string | undefined;
  /** A file-scope initialised struct (`ext4_iomap_ops`) as field → identifier text. */
  lookupGlobal(name: string): Record<string, string> | undefined;
  readonly config: PreprocConfig;
  /**
   * A `static inline` function of the headers the image's files include. Runs as C when
   * neither a builtin, a boundary model, the image's own C nor a model answers for the name.
   */
  lookupHeaderFunction?(name: string): CFunction | undefined;
  /** A `#define` of those headers (function-like when `params` is set), at the same precedence. */
  lookupHeaderMacro?(name: string): CMacro | undefined;
  /** The expansion of `m` with the call's argument texts, as a function whose body is `return (expansion);` or the statement. */
  expandHeaderMacro?(m: CMacro, args: readonly string[]): CFunction | undefined;
  /** The tree's definition of `struct name` (kernel/structs.ts), for struct objects the C creates. */
  lookupStruct?(name: string): StructLayout | undefined;
}

/** A preprocessor macro as the interpreter needs to know it (kernel/headerCode.ts has the rest). */
export interface CMacro {
  readonly name: string;
  /** Parameter names; undefined for an object-like macro. */
  readonly params?: readonly string[];
  /** Tree-relative path of the header and 1-based line of the `#define`. */
  readonly path: string;
  readonly line: number;
  /** The replacement list (what a run that expanded it depends on, with path and line). */
  readonly body: string;
}

/** How the host (the kernel model) treats a callee name. */
export type HostKind =
  /** A macro or header inline implemented in TS; wins over everything. */
  | 'builtin'
  /** Modelled in TS even when its C is in the image (extent tree, jbd2, …). */
  | 'boundary'
  /** Modelled in TS; used only when the image has no C for it. */
  | 'model'
  /** Modelled in TS; used only when neither the image nor its headers have C for it. */
  | 'fallback';

/**
 * The kernel model as the interpreter sees it. Builtins receive the unevaluated argument
 * nodes (some take type names or tokens: `min_t(loff_t, …)`, `test_opt(sb, DELALLOC)`);
 * models receive evaluated arguments.
 */
export interface Host {
  kind(name: string): HostKind | undefined;
  builtin(name: string, args: readonly CNode[], it: Interpreter): Value;
  model(name: string, args: Value[], it: Interpreter, site: CNode): Value;
  /** Value of a free identifier (constant, enum, global object), or undefined. */
  constant(name: string): Value | undefined;
  /** Name of errno `n` (positive) for traces. */
  errnoName(n: bigint): string | undefined;
  /**
   * Probes on interpreted C, like kprobes on the real kernel: called when a C function of
   * the image is entered and when it returns. The substrate records what the kernel's own
   * tracepoints would show (the DIO's mappings, ->end_io, the submission's end) without
   * deciding anything. Optional.
   */
  enter?(name: string, args: readonly Value[], it: Interpreter): void;
  exit?(name: string, ret: Value, it: Interpreter): void;
}

/** Thrown when the simulation cannot finish within its bounds; the outcome says "inconclusive". */
export class Inconclusive extends Error {
  constructor(readonly reason: string, readonly where?: string) {
    super(reason);
  }
}

/** Bounds on one simulation. */
export interface Limits {
  /** Total statements + expressions evaluated. */
  steps: number;
  /** Iterations of one loop, or backward jumps to one label, within one call. */
  loopIterations: number;
  /** Nested interpreted calls. */
  callDepth: number;
  /**
   * Statements and expressions being evaluated inside one another, across calls. Deeply
   * nested C (thousands of braces or parentheses) ends `inconclusive` here, well before
   * the JavaScript stack would overflow (the default stack holds several times this).
   */
  nesting: number;
}

/**
 * The default bounds. Every scenario of the default matrix takes under 2,000 steps on the
 * 6.1 and 6.12 trees (measured), so 50,000 leaves 25× headroom while a runaway edit (an
 * unclosed `{{{` in inode.c) ends in well under a second per scenario, not seconds.
 */
export const DEFAULT_LIMITS: Limits = { steps: 50_000, loopIterations: 1_000, callDepth: 48, nesting: 1_000 };

type Completion =
  | undefined
  | { k: 'return'; v: Value }
  | { k: 'goto'; label: string }
  | { k: 'break' }
  | { k: 'continue' };

interface Slot {
  v: Value;
  t?: IntType;
  /** The struct tag of a `struct X` or `struct X *` variable (what kmalloc(sizeof(*p)) allocates). */
  ctype?: string;
}

/** One activation: the function, its scopes, and loop/goto counters. */
interface Frame {
  fn: CFunction;
  /**
   * Enclosing taken `if` conditions, innermost last. Never mutated (an `if` replaces the
   * array and puts the old one back), so steps share it instead of copying.
   */
  guards: readonly string[];
  /** Innermost last; a block's scope is `EMPTY_SCOPE` until it declares something. */
  scopes: Map<string, Slot>[];
  /** Times each label was jumped back to (the loop bound for `goto`), once one was. */
  backJumps?: Map<string, number>;
  retType?: IntType;
  /**
   * Set in header code (a header inline or a macro expansion), to its name: there,
   * anything the interpreter cannot evaluate (an unknown identifier, a field the model
   * does not hold, a callee with no C and no model, `sizeof`) is "cannot tell" — the run
   * ends inconclusive with that reason — instead of a placeholder 0.
   */
  strict?: string;
  /** This frame's file's entry of `Interpreter.linesRun`, once a line has run. */
  lines?: LineSet;
}

/**
 * Executes ext4 functions from their tree-sitter AST over the kernel model (`Host`).
 *
 * Call resolution (issue 2, issue 11): a builtin (macro/inline) first; then a model
 * "boundary" function; then the C in the image, interpreted; then a TS model; then the C
 * of the headers the image's files include — a function-like `#define` expanded at the
 * call and evaluated in the caller's scope, or a `static inline` function; otherwise the
 * call is not guessed silently — it returns 0 and an unknown is recorded (inside header
 * code: the run ends "cannot tell").
 */
export class Interpreter {
  readonly assumptions: string[] = [];
  /** The subset of `assumptions` that are unknowns (see `unknown()`). */
  readonly unknowns: string[] = [];
  private stepsLeft: number;
  private readonly frames: Frame[] = [];
  /** Values seen while evaluating the current condition, by sub-expression text (formatted only when the steps are read: Trace.addWatched()). */
  private watch: Watched | null = null;
  /** A condition is being evaluated for the trace: `note()` makes `watch` on its first value. */
  private watching = false;
  /** Names of the interpreted functions entered, in order, for "which code ran". */
  readonly entered = new Set<string>();
  /** (file, 1-based line) pairs of statements executed, for hunk attribution. */
  readonly linesRun = new Map<string, LineSet>();
  /** Macros being expanded (C11 6.10.3.4: a macro's name is not expanded again inside its own expansion). */
  private expanding = new Set<string>();

  constructor(
    readonly image: CodeImage,
    readonly host: Host,
    readonly trace: Trace,
    readonly limits: Limits = DEFAULT_LIMITS,
  ) {
    this.stepsLeft = limits.steps;
    this.maxNesting = limits.nesting ?? DEFAULT_LIMITS.nesting;
  }

  /** Record an assumption once (the outcome lists what the model could not decide from C). */
  assume(text: string): void {
    if (!this.assumptions.includes(text)) this.assumptions.push(text);
    this.trace.add({ kind: 'assumption', fn: this.currentFn(), file: 'model', line: 0, text });
  }

  /**
   * Record that the run went past something neither the tree's C nor the substrate can
   * answer (a callee with no C and no model, an undeclared identifier, C the interpreter
   * does not execute) and carried on with a placeholder. The run's outcome is then not
   * behaviour: the review reports the scenario as "cannot tell" on this side and draws no
   * change and no finding from it (ARCHITECTURE.md "Invariants": an unknown is never a
   * result). Also listed as an assumption, for the trace and hovers.
   */
  unknown(text: string): void {
    if (!this.unknowns.includes(text)) this.unknowns.push(text);
    this.assume(text);
  }

  currentFn(): string {
    return this.frames.length ? this.frames[this.frames.length - 1].fn.name : '(host)';
  }

  /** The C location of a node in the current function, as `path:line`. */
  where(n: CNode): { file: string; line: number } {
    const f = this.frames[this.frames.length - 1];
    return f ? { file: f.fn.displayPath, line: n.row + f.fn.lineBase } : { file: 'model', line: 0 };
  }

  /** Source text of a node of the current function. */
  textOf(n: CNode): string {
    let t = NODE_TEXT.get(n);
    if (t !== undefined) return t;
    const f = this.frames[this.frames.length - 1];
    if (!f) return n.type;
    t = f.fn.file.text.slice(n.start, n.end).replace(/\s+/g, ' ');
    NODE_TEXT.set(n, t);
    return t;
  }

  /** The parameters and return type of a definition, read once per definition (SIGNATURES). */
  private signature(fn: CFunction): Signature {
    let sig = SIGNATURES.get(fn.def);
    if (sig) return sig;
    const decl = field(fn.def, 'declarator');
    const fdecl = findFunctionDeclarator(decl);
    const params = fdecl ? fieldAll(fdecl, 'parameters')[0]?.children ?? [] : [];
    const out: { name?: string; t?: IntType; ctype?: string }[] = [];
    for (const p of params) {
      if (p.type !== 'parameter_declaration') continue;
      const d = field(p, 'declarator');
      out.push({ name: d ? innermostName(d) : undefined, t: declaredIntType(field(p, 'type'), d, undefined), ctype: structTag(field(p, 'type')) });
    }
    sig = {
      strict: `${fn.name}()`,
      retType: declaredIntType(field(fn.def, 'type'), decl, fdecl),
      params: out,
      named: params.filter((p) => p.type === 'parameter_declaration' && fn.file.text.slice(p.start, p.end).trim() !== 'void').length,
      variadic: params.some((p) => p.type === 'variadic_parameter'),
    };
    SIGNATURES.set(fn.def, sig);
    return sig;
  }

  showValue(v: Value): string {
    return show(v, this.errnoName);
  }

  private readonly errnoName = (n: bigint): string | undefined => this.host.errnoName(n);

  /**
   * Call `name` with already-evaluated arguments, resolving it the documented way.
   * @throws Inconclusive when a bound is exceeded.
   */
  call(name: string, args: Value[], site?: CNode): Value {
    const kind = this.host.kind(name);
    if (kind === 'boundary' && site) return this.host.model(name, args, this, site);
    const fn = kind === 'boundary' ? undefined : this.image.lookupFunction(name);
    if (fn) return this.invoke(fn, args);
    if (kind === 'fallback') {
      const own = this.image.lookupHeaderFunction?.(name);
      if (own) return this.invoke(own, args, true);
    }
    if (kind === 'model' || kind === 'boundary' || kind === 'fallback') return this.host.model(name, args, this, site ?? PSEUDO_SITE);
    const inline = this.image.lookupHeaderFunction?.(name);
    if (inline) return this.invoke(inline, args, true);
    this.cannotTell(site, `${name}() has no C and no model`);
    this.unknown(`${name}(): no C and no model; assumed to return 0 with no side effects`);
    return int(0, T.long);
  }

  /**
   * In header code (`Frame.strict`), what cannot be evaluated ends the run: throws
   * `Inconclusive("cannot tell …")`. Elsewhere returns, and the caller records its
   * unknown as before.
   */
  private cannotTell(n: CNode | undefined, what: string): void {
    const f = this.frames[this.frames.length - 1];
    if (!f?.strict) return;
    const w = n && n !== PSEUDO_SITE ? this.where(n) : { file: f.fn.displayPath, line: f.fn.def.row + f.fn.lineBase };
    throw new Inconclusive(`cannot tell what ${f.strict} gives: ${what}`, `${w.file}:${w.line}`);
  }

  /**
   * Execute an interpreted function with evaluated arguments. `header`: it is a header's
   * `static inline` (see `Frame.strict`).
   */
  invoke(fn: CFunction, args: Value[], header = false): Value {
    if (this.frames.length >= this.limits.callDepth) {
      throw new Inconclusive(`call depth over ${this.limits.callDepth} at ${fn.name}()`, fn.name);
    }
    this.entered.add(fn.name);
    const sig = this.signature(fn);
    // Every property set, in one order: frames then share one hidden class.
    const frame: Frame = { fn, guards: NO_GUARDS, scopes: [new Map()], backJumps: undefined, retType: sig.retType, strict: header ? sig.strict : undefined, lines: undefined };
    // A call with more or fewer arguments than the definition has parameters does not
    // build against this tree (a patch written for another signature, e.g. 6.12's
    // 4-argument ext4_handle_inode_extension() called in 6.1): not behaviour.
    if (!sig.variadic && sig.named !== args.length) {
      this.unknown(`${fn.name}() takes ${sig.named} argument${sig.named === 1 ? '' : 's'} in this tree, called with ${args.length}: the call does not build against it`);
    }
    let i = 0;
    for (const p of sig.params) {
      const a = args[i++] ?? int(0);
      if (p.name) frame.scopes[0].set(p.name, { v: p.t ? convert(a, p.t) : a, t: p.t, ctype: p.ctype });
    }
    const savedWatch = this.watch;
    const savedWatching = this.watching;
    this.watch = null;
    this.watching = false;
    const savedExpanding = this.expanding;
    if (savedExpanding.size) this.expanding = new Set();
    const caller = this.frames[this.frames.length - 1];
    this.trace.addCall({
      kind: 'call',
      fn: fn.name,
      file: fn.displayPath,
      line: fn.def.row + fn.lineBase,
      ...(caller && caller.guards.length ? { guards: caller.guards as string[] } : {}),
    }, fn.name, args);
    this.frames.push(frame);
    this.trace.depth++;
    const probed = !header && !!this.host.enter;
    if (probed) this.host.enter!(fn.name, args, this);
    try {
      const body = field(fn.def, 'body');
      let c = body ? this.execBlock(body, 0, false) : undefined;
      while (c && c.k === 'goto') c = this.resumeAt(frame, body!, c.label);
      const v = c && c.k === 'return' ? c.v : VOID;
      const ret = frame.retType && v.k === 'int' ? convert(v, frame.retType) : v;
      if (probed) this.host.exit?.(fn.name, ret, this);
      return ret;
    } finally {
      this.trace.depth--;
      this.frames.pop();
      this.watch = savedWatch;
      this.watching = savedWatching;
      this.expanding = savedExpanding;
    }
  }

  /**
   * Expand header macro `m` at call (or identifier) `n` and evaluate the expansion in the
   * caller's scope: the expansion's frame shares the caller's scopes and guards, and its
   * steps are placed at the `#define`'s line. A statement macro (`do { … } while (0)`)
   * gives no value; one that would return or jump out of its caller is "cannot tell".
   */
  private expandMacro(m: CMacro, n: CNode): Value {
    const caller = this.frame();
    let site = MACRO_SITES.get(n);
    if (!site || site.m !== m) {
      const argsNode = m.params ? field(n, 'arguments') : undefined;
      const args = argsNode ? splitMacroArguments(caller.fn.file.text.slice(argsNode.start + 1, argsNode.end - 1)) : [];
      const shown = m.params ? `${m.name}(${args.map((a) => a.trim().replace(/\s+/g, ' ')).join(', ')})` : m.name;
      MACRO_SITES.set(n, (site = { m, exp: this.image.expandHeaderMacro?.(m, args), shown }));
    }
    const { exp, shown } = site;
    if (!exp) {
      const w = this.where(n);
      throw new Inconclusive(`cannot tell what ${shown} gives: macro ${m.name} (${m.path}:${m.line}) does not expand to C the interpreter parses with these arguments`, `${w.file}:${w.line}`);
    }
    if (this.frames.length >= this.limits.callDepth) throw new Inconclusive(`call depth over ${this.limits.callDepth} at ${m.name}`, m.name);
    this.entered.add(m.name);
    // An object-like macro of numbers and operators only (`#define IOMAP_DIO_WRITE (1U << 30)`)
    // has one value per tree: evaluated once, then read like an enumerator.
    const known = CONSTANT_MACROS.get(exp);
    if (known) return known;
    const numeric = !m.params && OPERATORS_ONLY.test(((m as { body?: string }).body ?? 'x').replace(NUMBER_LITERAL, ''));
    this.trace.add({
      kind: 'call',
      fn: m.name,
      file: m.path,
      line: m.line,
      text: `${shown} [macro]`,
      ...(caller.guards.length ? { guards: caller.guards as string[] } : {}),
    });
    const frame: Frame = { fn: exp, guards: caller.guards, scopes: caller.scopes, strict: m.params ? `${m.name}()` : m.name };
    this.frames.push(frame);
    this.trace.depth++;
    this.expanding.add(m.name);
    try {
      const stmt = field(exp.def, 'body')?.children[0];
      if (!stmt) return VOID;
      if (stmt.type === 'return_statement') {
        const e = stmt.children[0];
        const v = e ? this.eval(e) : VOID;
        if (numeric && v.k === 'int') CONSTANT_MACROS.set(exp, v);
        return v;
      }
      const c = this.exec(stmt);
      if (c && c.k !== 'break') this.cannotTell(stmt, `macro ${m.name} leaves its caller (${c.k})`);
      return VOID;
    } finally {
      this.expanding.delete(m.name);
      this.trace.depth--;
      this.frames.pop();
    }
  }

  // ---------------------------------------------------------------- statements

  private frame(): Frame {
    return this.frames[this.frames.length - 1];
  }

  private markLine(n: CNode): void {
    const f = this.frame();
    let set = f.lines;
    if (!set) {
      set = this.linesRun.get(f.fn.displayPath);
      if (!set) this.linesRun.set(f.fn.displayPath, (set = new LineSet()));
      f.lines = set;
    }
    set.add(n.row + f.fn.lineBase);
  }

  /** Run `block` from statement `from`. The function body shares the parameters' scope so a
   * backward goto (`goto restart`) still sees the locals declared above the label. */
  private execBlock(block: CNode, from: number, ownScope = true): Completion {
    const f = this.frame();
    if (ownScope) f.scopes.push(EMPTY_SCOPE);
    try {
      const kids = block.children;
      for (let i = from; i < kids.length; i++) {
        const c = this.exec(kids[i]);
        if (c) return c;
      }
      return undefined;
    } finally {
      if (ownScope) f.scopes.pop();
    }
  }

  /** Continue execution at `label` after a goto: run from the label to the end of each enclosing block. */
  private resumeAt(frame: Frame, body: CNode, label: string): Completion {
    const path = findLabelPath(body, label);
    if (!path) throw new Inconclusive(`goto ${label}: label not found in ${frame.fn.name}()`);
    const jumps = (frame.backJumps ??= new Map());
    const n = (jumps.get(label) ?? 0) + 1;
    jumps.set(label, n);
    if (n > this.limits.loopIterations) {
      throw new Inconclusive(`goto ${label} taken more than ${this.limits.loopIterations} times in ${frame.fn.name}()`);
    }
    // Innermost block first, then each enclosing block after the statement holding it.
    for (let depth = path.length - 1; depth >= 0; depth--) {
      const { block, index } = path[depth];
      const from = depth === path.length - 1 ? index : index + 1;
      const c = this.execBlock(block, from, depth !== 0);
      if (c) return c;
    }
    return undefined;
  }

  /** Statements and expressions now being evaluated one inside another (see Limits.nesting). */
  private nesting = 0;
  /** Callers that predate `Limits.nesting` pass limits without it. */
  private readonly maxNesting: number;

  /** The nesting bound and the step budget: both end the run, never a guess. */
  private enter(n: CNode): void {
    if (++this.nesting > this.maxNesting) {
      const w = this.where(n);
      throw new Inconclusive(`C nested more than ${this.maxNesting} statements/expressions deep`, `${w.file}:${w.line}`);
    }
    // Each statement and expression is a step of the budget.
    if (--this.stepsLeft < 0) {
      const w = this.where(n);
      throw new Inconclusive(`step budget of ${this.limits.steps} exhausted`, `${w.file}:${w.line}`);
    }
  }

  /** Syntax the front end cut short (`TOO_DEEP`, a case of both node switches): the run ends. */
  private tooDeep(n: CNode): never {
    const w = this.where(n);
    throw new Inconclusive(`C nested more than ${MAX_SYNTAX_DEPTH} syntax levels deep; not lowered`, `${w.file}:${w.line}`);
  }

  // No try/finally: an exception ends the whole run (nothing inside the interpreter catches).
  private exec(s: CNode): Completion {
    this.enter(s);
    const c = this.execNode(s);
    this.nesting--;
    return c;
  }

  private execNode(s: CNode): Completion {
    switch (s.type) {
      case TOO_DEEP:
        return this.tooDeep(s);
      case 'compound_statement':
        return this.execBlock(s, 0);
      case 'expression_statement':
        this.markLine(s);
        for (const e of s.children) this.eval(e);
        return undefined;
      case 'declaration':
        this.markLine(s);
        this.declare(s);
        return undefined;
      case 'if_statement': {
        this.markLine(s);
        const condNode = field(s, 'condition')!;
        const cond = this.evalCondition(condNode, s);
        const alt = field(s, 'alternative');
        const next = cond ? field(s, 'consequence')! : alt && (alt.type === 'else_clause' ? alt.children[0] : alt);
        if (!next) return undefined;
        const f = this.frame();
        const outer = f.guards;
        f.guards = [...outer, this.guardText(s, condNode, cond)];
        try {
          return this.exec(next);
        } finally {
          f.guards = outer;
        }
      }
      case 'return_statement': {
        this.markLine(s);
        const e = s.children[0];
        const v = e ? this.eval(e) : VOID;
        const w = this.where(s);
        const guards = this.frame().guards;
        this.trace.addReturn({ kind: 'return', fn: this.currentFn(), file: w.file, line: w.line, text: this.textOf(s), ...(guards.length ? { guards: guards as string[] } : {}) }, v);
        return { k: 'return', v };
      }
      case 'goto_statement': {
        this.markLine(s);
        const label = field(s, 'label')!.text!;
        const w = this.where(s);
        this.trace.add({ kind: 'goto', fn: this.currentFn(), file: w.file, line: w.line, text: `goto ${label}` });
        return { k: 'goto', label };
      }
      case 'labeled_statement': {
        const inner = s.children.find((c) => c.type !== 'statement_identifier');
        return inner ? this.exec(inner) : undefined;
      }
      case 'break_statement':
        return { k: 'break' };
      case 'continue_statement':
        return { k: 'continue' };
      case 'switch_statement':
        this.markLine(s);
        return this.execSwitch(s);
      case 'while_statement':
      case 'for_statement':
      case 'do_statement':
        this.markLine(s);
        return this.execLoop(s);
      case 'preproc_ifdef':
      case 'preproc_if':
        return this.execPreproc(s);
      case 'preproc_def':
      case 'preproc_function_def':
      case 'preproc_call':
      case 'preproc_include':
      case 'comment':
      case 'type_definition':
        return undefined;
      case 'attributed_statement': {
        const inner = s.children.find((c) => c.type !== 'attribute_declaration');
        return inner ? this.exec(inner) : undefined;
      }
      case 'ERROR': {
        const w = this.where(s);
        this.cannotTell(s, `unparsed C \`${this.textOf(s).slice(0, 60)}\``);
        this.unknown(`${w.file}:${w.line}: unparsed C skipped (${this.textOf(s).slice(0, 60)})`);
        return undefined;
      }
      default:
        if (s.type.endsWith('_statement')) {
          const w = this.where(s);
          this.cannotTell(s, `statement kind ${s.type}`);
          this.unknown(`${w.file}:${w.line}: statement kind ${s.type} not interpreted; skipped`);
          return undefined;
        }
        // A bare expression in statement position (tree-sitter sometimes yields this).
        this.eval(s);
        return undefined;
    }
  }

  /** `cond @ file:line` (or `else of cond @ …`) for an `if` taken, memoised per statement and function. */
  private guardText(s: CNode, condNode: CNode, taken: boolean): string {
    const fn = this.frame().fn;
    let g = GUARD_TEXT.get(s);
    if (!g || g.fn !== fn) {
      const w = this.where(s);
      const text = this.conditionText(condNode);
      GUARD_TEXT.set(s, (g = { fn, taken: `${text} @ ${w.file}:${w.line}`, notTaken: `else of ${text} @ ${w.file}:${w.line}` }));
    }
    return taken ? g.taken : g.notTaken;
  }

  /** A condition as the trace shows it (outer parentheses dropped), once per node. */
  private conditionText(n: CNode): string {
    let text = CONDITION_TEXT.get(n);
    if (text === undefined) CONDITION_TEXT.set(n, (text = this.textOf(n).replace(/^\((.*)\)$/, '$1')));
    return text;
  }

  private execPreproc(s: CNode): Completion {
    const cond = s.type === 'preproc_ifdef'
      ? `${s.op === '#ifndef' ? '!' : ''}defined(${field(s, 'name')?.text})`
      : this.textOf(field(s, 'condition') ?? s);
    const truth = preprocTruth(cond, this.image.config);
    if (truth === 'unknown') this.cannotTell(s, `#if ${cond}`);
    if (truth === 'unknown') this.unknown(`cannot evaluate #if ${cond}; taking the first branch`);
    const alt = field(s, 'alternative');
    const w = this.where(s);
    this.trace.add({ kind: 'branch', fn: this.currentFn(), file: w.file, line: w.line, text: `#if ${cond}`, result: String(truth !== false) });
    if (truth !== false) {
      for (const c of s.children) {
        if (c === alt || c === field(s, 'name') || c === field(s, 'condition')) continue;
        const r = this.exec(c);
        if (r) return r;
      }
      return undefined;
    }
    if (!alt) return undefined;
    if (alt.type === 'preproc_else') {
      for (const c of alt.children) {
        const r = this.exec(c);
        if (r) return r;
      }
      return undefined;
    }
    return this.execPreproc(alt);
  }

  private execSwitch(s: CNode): Completion {
    const v = toBigInt(this.evalCondValue(field(s, 'condition')!, s));
    const body = field(s, 'body')!;
    const cases = body.children.filter((c) => c.type === 'case_statement');
    let start = cases.findIndex((c) => {
      const val = field(c, 'value');
      return val !== undefined && toBigInt(this.eval(val)) === v;
    });
    if (start < 0) start = cases.findIndex((c) => field(c, 'value') === undefined);
    if (start < 0) return undefined;
    for (let i = start; i < cases.length; i++) {
      for (const st of cases[i].children) {
        if (st === field(cases[i], 'value')) continue;
        const c = this.exec(st);
        if (c?.k === 'break') return undefined;
        if (c) return c;
      }
    }
    return undefined;
  }

  private execLoop(s: CNode): Completion {
    const f = this.frame();
    f.scopes.push(EMPTY_SCOPE);
    try {
      if (s.type === 'for_statement') {
        const init = field(s, 'initializer');
        if (init) init.type === 'declaration' ? this.declare(init) : this.eval(init);
      }
      const cond = field(s, 'condition');
      const body = field(s, 'body')!;
      let n = 0;
      let first = s.type === 'do_statement';
      for (;;) {
        if (!first && cond && !this.evalCondition(cond, s, n > 2)) return undefined;
        first = false;
        if (++n > this.limits.loopIterations) {
          const w = this.where(s);
          throw new Inconclusive(`loop at ${w.file}:${w.line} ran more than ${this.limits.loopIterations} iterations`);
        }
        const c = this.exec(body);
        if (c?.k === 'break') return undefined;
        if (c && c.k !== 'continue') return c;
        const upd = field(s, 'update');
        if (upd) this.eval(upd);
      }
    } finally {
      f.scopes.pop();
    }
  }

  private declare(d: CNode): void {
    for (const { name, t, ctype, init, structLocal, pointer } of declarationPlan(d)) {
      let v: Value;
      if (init && init.type !== 'initializer_list') v = this.eval(init);
      else if (structLocal) {
        const obj = this.newStruct(ctype ?? 'struct');
        if (init) this.initialize(obj, init);
        v = { k: 'obj', obj };
      } else if (pointer) v = NULL;
      else v = int(0, t ?? T.long);
      const scopes = this.frame().scopes;
      let scope = scopes[scopes.length - 1];
      if (scope === EMPTY_SCOPE) scopes[scopes.length - 1] = scope = new Map();
      scope.set(name, { v: t ? convert(v, t) : v, t, ctype });
    }
  }

  /**
   * A new object of `struct ctype`, laid out as the tree defines it (kernel/structs.ts);
   * a plain object when the image has no definition (then an unset member reads 0).
   */
  newStruct(ctype: string): PlainObject {
    const resolve = (n: string) => this.image.lookupStruct?.(n);
    const layout = resolve(ctype);
    return layout ? new StructObject(ctype, layout, resolve) : new PlainObject(ctype);
  }

  /**
   * The struct tag an allocation names: `*p` or `p` for a variable declared `struct X *p`,
   * `struct X` as a type, `sizeof(…)` of either. Undefined when it names none.
   */
  structTypeOf(n: CNode | undefined): string | undefined {
    if (!n) return undefined;
    switch (n.type) {
      case 'sizeof_expression':
      case 'parenthesized_expression':
        return this.structTypeOf(n.children[n.children.length - 1]);
      case 'pointer_expression':
        return this.structTypeOf(n.children[0]);
      case 'identifier':
        return this.findSlot(n.text!)?.ctype;
      case 'type_descriptor':
        return structTag(field(n, 'type'));
      default:
        return undefined;
    }
  }

  /** Designated initializers `{ .inode = inode, .pos = … }`: the named members; the others stay zero (C11 6.7.9 ¶21). */
  private initialize(obj: PlainObject, list: CNode): void {
    for (const item of list.children) {
      if (item.type !== 'initializer_pair') continue;
      const des = fieldAll(item, 'designator');
      const value = field(item, 'value');
      if (des.length !== 1 || des[0].type !== 'field_designator' || !value) {
        const w = this.where(item);
        this.cannotTell(item, `initializer ${this.textOf(item)}`);
        this.unknown(`${w.file}:${w.line}: initializer ${this.textOf(item)} not modelled`);
        continue;
      }
      const member = des[0].children[0]?.text ?? this.textOf(des[0]).replace(/^\./, '');
      if (obj instanceof StructObject && obj.lacks(member)) this.lacking(item, obj, member);
      if (value.type === 'initializer_list') {
        const sub = obj.get(member);
        if (sub.k === 'obj' && sub.obj instanceof PlainObject) this.initialize(sub.obj, value);
      } else obj.set(member, this.eval(value));
    }
  }

  /** `obj.fname` at `n`: a member the tree's struct lacks is reported (`lacking()`). */
  private checkMember(n: CNode, obj: CObject, fname: string): void {
    if (obj instanceof StructObject && obj.lacks(fname)) this.lacking(n, obj, fname);
  }

  /** A member the tree's struct does not have: the code does not build against this tree. */
  private lacking(n: CNode, obj: StructObject, member: string): void {
    const w = this.where(n);
    const what = `struct ${obj.ctype} has no member ${member} in this tree (${obj.layout?.path ?? 'its definition'}): does not build against it`;
    this.cannotTell(n, what);
    this.unknown(`${w.file}:${w.line}: ${what}`);
  }

  // --------------------------------------------------------------- expressions

  private evalCondition(n: CNode, stmt: CNode, quiet = false): boolean {
    const v = this.evalCondValue(n, stmt, quiet);
    return truthy(v);
  }

  private evalCondValue(n: CNode, stmt: CNode, quiet = false): Value {
    const saved = this.watch;
    const savedWatching = this.watching;
    // A quiet condition records nothing, so it watches no values either.
    this.watch = null;
    this.watching = !quiet;
    let v: Value;
    let watch: Watched | null;
    try {
      v = this.eval(n);
    } finally {
      watch = this.watch as Watched | null; // note() may have made it
      this.watch = saved;
      this.watching = savedWatching;
    }
    if (!quiet) {
      // where(stmt), without an object per branch.
      const top = this.frames[this.frames.length - 1];
      const text = this.conditionText(n);
      const step: Omit<TraceStep, 'depth'> = {
        kind: 'branch',
        fn: top ? top.fn.name : '(host)',
        file: top ? top.fn.displayPath : 'model',
        line: top ? stmt.row + top.fn.lineBase : 0,
        text,
        result: stmt.type === 'switch_statement' ? this.showValue(v) : String(truthy(v)),
        values: undefined,
      };
      if (watch && (watch.length > 2 || (watch.length === 2 && watch[0] !== text))) this.trace.addWatched(step, watch, text);
      else this.trace.add(step);
    }
    return v;
  }

  private note(n: CNode, v: Value): Value {
    // Pointers to kernel objects say nothing a reader needs; scalars and errors do.
    if (this.watching && (v.k === 'int' || v.k === 'errptr' || v.k === 'null')) {
      const watch = (this.watch ??= []);
      if (watch.length < 24) {
        const text = this.textOf(n);
        let i = 0;
        while (i < watch.length && watch[i] !== text) i += 2;
        if (i < watch.length) watch[i + 1] = v;
        else watch.push(text, v);
      }
    }
    return v;
  }

  /** Evaluate an expression node. @throws Inconclusive on bound overrun. */
  eval(n: CNode): Value {
    this.enter(n);
    const v = this.evalNode(n);
    this.nesting--;
    return v;
  }

  private evalNode(n: CNode): Value {
    switch (n.type) {
      case TOO_DEEP:
        return this.tooDeep(n);
      case 'number_literal':
        return parseNumber(n.text!);
      case 'char_literal':
        return int(n.text!.length >= 3 ? n.text!.charCodeAt(1) : 0, T.char);
      case 'string_literal':
      case 'concatenated_string':
        return { k: 'obj', obj: new PlainObject('string') };
      case 'true':
        return TRUE;
      case 'false':
        return FALSE;
      case 'null':
        return NULL;
      case 'identifier':
        return this.note(n, this.lookup(n));
      case 'parenthesized_expression':
        return this.eval(n.children[n.children.length - 1]);
      case 'compound_statement':
        return this.statementExpression(n);
      case 'comma_expression': {
        this.eval(field(n, 'left')!);
        return this.eval(field(n, 'right')!);
      }
      case 'binary_expression':
        return this.binary(n);
      case 'unary_expression':
        return this.unary(n);
      case 'update_expression': {
        const ref = this.lvalue(n.children[0]);
        const old = ref.get();
        const t = old.k === 'int' ? old.t : T.long;
        const nv = int(toBigInt(old) + (n.op === '++' ? 1n : -1n), t);
        ref.set(nv);
        return n.start < n.children[0].start ? nv : old;
      }
      case 'pointer_expression':
        return n.op === '&' ? this.addressOf(n.children[0]) : this.note(n, this.lvalue(n).get());
      case 'field_expression':
        return this.note(n, this.readField(n));
      case 'assignment_expression':
        return this.assign(n);
      case 'conditional_expression': {
        const c = this.evalCondition(field(n, 'condition')!, n);
        return this.eval(field(n, c ? 'consequence' : 'alternative')!);
      }
      case 'cast_expression': {
        const v = this.eval(field(n, 'value')!);
        const td = field(n, 'type');
        const t = td ? typeOfDescriptor(td) : undefined;
        return t && v.k === 'int' ? int(v.v, t) : v;
      }
      case 'call_expression':
        return this.note(n, this.callExpr(n));
      case 'sizeof_expression':
        this.cannotTell(n, `sizeof ${this.textOf(n)}`);
        this.assume(`sizeof at ${this.where(n).file}:${this.where(n).line} assumed 8 bytes`);
        return int(8, T.ulong);
      case 'subscript_expression':
        return this.note(n, this.lvalue(n).get());
      case 'compound_literal_expression':
      case 'initializer_list':
        return { k: 'obj', obj: new PlainObject('compound') };
      case 'type_descriptor':
        return { k: 'type', t: typeOfDescriptor(n) ?? T.long };
      case 'ERROR':
      default: {
        const w = this.where(n);
        this.cannotTell(n, `expression ${n.type} \`${this.textOf(n).slice(0, 50)}\``);
        this.unknown(`${w.file}:${w.line}: expression ${n.type} \`${this.textOf(n).slice(0, 50)}\` not interpreted; assumed 0`);
        return int(0);
      }
    }
  }

  /**
   * A GNU statement expression `({ …; value; })` (kernel macros: `min()`, `container_of()`):
   * its statements run in their own scope; its value is that of the last expression
   * statement. Control leaving it (`return`, `goto`) is not followed: the run ends.
   */
  private statementExpression(n: CNode): Value {
    const f = this.frame();
    f.scopes.push(EMPTY_SCOPE);
    try {
      const kids = n.children;
      let v: Value = VOID;
      for (let i = 0; i < kids.length; i++) {
        const k = kids[i];
        if (i === kids.length - 1 && k.type === 'expression_statement') {
          this.markLine(k);
          v = k.children[0] ? this.eval(k.children[0]) : VOID;
          break;
        }
        const c = this.exec(k);
        if (c) {
          const w = this.where(k);
          throw new Inconclusive(`${c.k} out of a statement expression is not followed`, `${w.file}:${w.line}`);
        }
      }
      return v;
    } finally {
      f.scopes.pop();
    }
  }

  private lookup(n: CNode): Value {
    const name = n.text!;
    const slot = this.findSlot(name);
    if (slot) return slot.v;
    const g = this.image.lookupGlobal(name);
    if (g) return { k: 'obj', obj: globalObject(name, g) };
    const c = this.host.constant(name);
    if (c) return c;
    const macro = this.image.lookupMacro(name);
    if (macro !== undefined) {
      const v = parseMacroNumber(macro);
      if (v) return v;
    }
    if (this.image.lookupFunction(name) || this.host.kind(name)) return { k: 'fn', name };
    const t = TYPEDEFS[name];
    if (t) return { k: 'type', t };
    if (!this.expanding.has(name)) {
      const m = this.image.lookupHeaderMacro?.(name);
      if (m && !m.params) return this.expandMacro(m, n);
    }
    if (this.image.lookupHeaderFunction?.(name)) return { k: 'fn', name };
    // C99 6.4.2.2 `__func__` and the preprocessor's `__LINE__` (error reporting passes them on).
    if (name === '__func__') return { k: 'obj', obj: new PlainObject('string') };
    if (name === '__LINE__') return int(this.where(n).line, T.int);
    const w = this.where(n);
    this.cannotTell(n, `identifier ${name} is unknown`);
    this.unknown(`${w.file}:${w.line}: identifier ${name} unknown; assumed 0`);
    return int(0);
  }

  private findSlot(name: string): Slot | undefined {
    const f = this.frames[this.frames.length - 1];
    if (!f) return undefined;
    for (let i = f.scopes.length - 1; i >= 0; i--) {
      const s = f.scopes[i].get(name);
      if (s) return s;
    }
    return undefined;
  }

  /** Resolve an lvalue expression to a reference (variable, field, `*p`). */
  lvalue(n: CNode): Ref {
    switch (n.type) {
      case 'identifier': {
        const name = n.text!;
        const slot = this.findSlot(name);
        if (slot) {
          return {
            name,
            get: () => slot.v,
            set: (v) => {
              slot.v = slot.t ? convert(v, slot.t) : v;
            },
          };
        }
        const v = this.lookup(n);
        return {
          name,
          get: () => v,
          set: () => {
            this.cannotTell(n, `assignment to non-local ${name}`);
            this.assume(`assignment to non-local ${name} ignored`);
          },
        };
      }
      case 'parenthesized_expression':
        return this.lvalue(n.children[n.children.length - 1]);
      case 'field_expression': {
        const base = this.eval(field(n, 'argument')!);
        return this.lvalueOf(n, base, field(n, 'field')!.text!);
      }
      case 'pointer_expression': {
        if (n.op !== '*') break;
        const p = this.eval(n.children[0]);
        if (p.k === 'ref') return p.ref;
        if (p.k === 'obj') {
          const obj = p.obj;
          return { name: obj.ctype, get: () => p, set: () => undefined };
        }
        const w = this.where(n);
        this.cannotTell(n, `*${this.textOf(n.children[0])} on ${this.showValue(p)}`);
        this.unknown(`${w.file}:${w.line}: *${this.textOf(n.children[0])} on ${this.showValue(p)}; read as 0`);
        return { name: '*?', get: () => int(0), set: () => undefined };
      }
      case 'subscript_expression': {
        const w = this.where(n);
        this.cannotTell(n, `array subscript ${this.textOf(n)}`);
        this.unknown(`${w.file}:${w.line}: array subscript ${this.textOf(n)} not modelled; read as 0`);
        return { name: 'subscript', get: () => int(0), set: () => undefined };
      }
      default:
        break;
    }
    const w = this.where(n);
    throw new Inconclusive(`${w.file}:${w.line}: not an lvalue: ${this.textOf(n)}`);
  }

  /**
   * Read `a->b` / `a.b`: what `lvalue(n).get()` gives, without building the reference (a
   * field read is the commonest expression the write path evaluates).
   */
  private readField(n: CNode): Value {
    const base = this.eval(field(n, 'argument')!);
    const fname = field(n, 'field')!.text!;
    if (base.k !== 'obj') return this.lvalueOf(n, base, fname).get();
    this.checkMember(n, base.obj, fname);
    return this.readMember(n, base.obj, fname);
  }

  /**
   * Member `fname` of `obj`, read at `n`. An unset member is not 0 where the model keeps the
   * state (a ModelObject) or in header code (see `lvalueOf()`): that read is an unknown.
   */
  private readMember(n: CNode, obj: CObject, fname: string): Value {
    if (((this.frame().strict && obj.has) || obj instanceof ModelObject) && !obj.has!(fname)) this.unheld(n, obj, fname);
    return obj.get(fname);
  }

  /** A field of kernel state the model does not hold, read: "cannot tell" in header code, else an unknown read as 0. */
  private unheld(n: CNode, obj: CObject, fname: string): void {
    const what = `${this.textOf(n)}: the model holds no ${fname} for struct ${obj.ctype}`;
    this.cannotTell(n, what);
    const w = this.where(n);
    this.unknown(`${w.file}:${w.line}: ${what}; read as 0`);
  }

  /** The reference `n` (a field expression) names: member `fname` of `base`. */
  private lvalueOf(n: CNode, base: Value, fname: string): Ref {
    if (base.k === 'obj') {
      const obj = base.obj;
      this.checkMember(n, obj, fname);
      // An unset field is not 0: header code reads only what the model or the C has set
      // (it cannot tell otherwise), and the tree's C reading kernel state the model keeps
      // (a ModelObject) goes past an unknown (issue 13: 7.2's s_awu_min/s_awu_max read as
      // 0 turned every RWF_ATOMIC write into -EINVAL before the model held them).
      const strict = !!this.frame().strict && !!obj.has;
      if (strict || obj instanceof ModelObject) {
        return {
          name: `${obj.ctype}.${fname}`,
          get: () => {
            if (!obj.has!(fname)) this.unheld(n, obj, fname);
            return obj.get(fname);
          },
          set: (v) => obj.set(fname, v),
          // In the tree's C, taking a field's address (`&ei->i_data_sem`) reads nothing.
          ...(strict ? {} : { peek: () => obj.get(fname) }),
        };
      }
      return { name: `${obj.ctype}.${fname}`, get: () => obj.get(fname), set: (v) => obj.set(fname, v) };
    }
    const w = this.where(n);
    this.cannotTell(n, `${this.textOf(n)} dereferences ${this.showValue(base)}`);
    this.unknown(`${w.file}:${w.line}: ${this.textOf(n)} dereferences ${this.showValue(base)}; read as 0`);
    return { name: fname, get: () => int(0), set: () => undefined };
  }

  private addressOf(n: CNode): Value {
    // &obj-valued expression (struct local, global ops table, field holding a struct) → the object.
    const ref = this.lvalue(n);
    const cur = ref.peek ? ref.peek() : ref.get();
    if (cur.k === 'obj' && (n.type === 'identifier' || n.type === 'field_expression')) return cur;
    return { k: 'ref', ref };
  }

  private assign(n: CNode): Value {
    const left = field(n, 'left')!;
    // A local variable (most assignments) is written in place, without building a reference.
    const slot = left.type === 'identifier' ? this.findSlot(left.text!) : undefined;
    // So is a member of an object (`map.m_flags = …`, `iocb->ki_pos += ret`).
    let obj: CObject | undefined;
    let fname = '';
    let ref: Ref | undefined;
    if (!slot && left.type === 'field_expression') {
      const base = this.eval(field(left, 'argument')!);
      fname = field(left, 'field')!.text!;
      if (base.k === 'obj') {
        obj = base.obj;
        this.checkMember(left, obj, fname);
      } else ref = this.lvalueOf(left, base, fname);
    } else if (!slot) ref = this.lvalue(left);
    const rhsNode = field(n, 'right')!;
    const rhs = this.eval(rhsNode);
    if (rhsNode.type === 'unary_expression' && rhsNode.op === '-' && /^E[A-Z0-9]+$/.test(rhsNode.children[0]?.text ?? '')) {
      // `ret = -EXXX`: where an errno is born, for "why" explanations (-ENOTBLK fallbacks).
      const w = this.where(n);
      const guards = this.frame().guards;
      this.trace.add({ kind: 'errno', fn: this.currentFn(), file: w.file, line: w.line, text: this.textOf(n), result: this.showValue(rhs), ...(guards.length ? { guards: guards as string[] } : {}) });
    }
    const op = n.op ?? '=';
    if (slot) {
      const v = op === '=' ? rhs : arith(op.slice(0, -1), slot.v, rhs);
      slot.v = slot.t ? convert(v, slot.t) : v;
      return slot.v;
    }
    if (obj) {
      const v = op === '=' ? rhs : arith(op.slice(0, -1), this.readMember(left, obj, fname), rhs);
      obj.set(fname, v);
      return this.readMember(left, obj, fname);
    }
    const v = op === '=' ? rhs : arith(op.slice(0, -1), ref!.get(), rhs);
    ref!.set(v);
    return ref!.get();
  }

  private unary(n: CNode): Value {
    const v = this.eval(field(n, 'argument') ?? n.children[0]);
    switch (n.op) {
      case '!':
        return int(truthy(v) ? 0 : 1, T.int);
      case '-': {
        const t = v.k === 'int' ? commonType(v.t, T.int) : T.long;
        return int(-toBigInt(v), t);
      }
      case '~': {
        const t = v.k === 'int' ? commonType(v.t, T.int) : T.long;
        return int(~toBigInt(v), t);
      }
      case '+':
        return v;
      default:
        return v;
    }
  }

  private binary(n: CNode): Value {
    const op = n.op!;
    if (op === '&&' || op === '||') {
      const l = truthy(this.eval(field(n, 'left')!));
      if (op === '&&' ? !l : l) return int(l ? 1 : 0, T.int);
      return int(truthy(this.eval(field(n, 'right')!)) ? 1 : 0, T.int);
    }
    const l = this.eval(field(n, 'left')!);
    const r = this.eval(field(n, 'right')!);
    return arith(op, l, r);
  }

  private callExpr(n: CNode): Value {
    const fnNode = field(n, 'function')!;
    const argNodes = field(n, 'arguments')?.children ?? [];
    let name: string | undefined;
    if (fnNode.type === 'identifier') {
      name = fnNode.text!;
      // A local function pointer variable shadows a global name.
      const slot = this.findSlot(name);
      if (slot && slot.v.k === 'fn') name = slot.v.name;
    } else {
      const fv = this.eval(fnNode);
      if (fv.k === 'fn') name = fv.name;
      else if (fv.k === 'type' && fnNode.type === 'parenthesized_expression' && argNodes.length === 1) {
        // `(loff_t)(lblk)`: tree-sitter cannot tell a typedef name from a variable, so a cast
        // of a parenthesized operand (common in macros) parses as a call of `(loff_t)`.
        const v = this.eval(argNodes[0]);
        return this.note(n, v.k === 'int' ? int(v.v, fv.t) : v);
      } else {
        const w = this.where(n);
        this.cannotTell(n, `call through ${this.textOf(fnNode)} (${this.showValue(fv)})`);
        this.unknown(`${w.file}:${w.line}: call through ${this.textOf(fnNode)} (${this.showValue(fv)}) not resolvable; assumed 0`);
        return int(0);
      }
    }
    const kind = this.host.kind(name);
    if (kind === 'builtin') return this.host.builtin(name, argNodes, this);
    if (kind === undefined && this.image.lookupHeaderMacro && !this.expanding.has(name) && !this.image.lookupFunction(name)) {
      const m = this.image.lookupHeaderMacro(name);
      if (m?.params) return this.expandMacro(m, n);
    }
    const args: Value[] = new Array(argNodes.length);
    for (let i = 0; i < argNodes.length; i++) args[i] = this.eval(argNodes[i]);
    return this.call(name, args, n);
  }
}

/**
 * The source text of a lowered node, whitespace folded, once per node: lowered nodes belong
 * to one file and are shared by every run over it, and traces name conditions and values
 * by their text at every step. A WeakMap, so the memo goes with the nodes.
 */
const NODE_TEXT = new WeakMap<CNode, string>();

/** Values of object-like macros made of numbers and operators only, by their (per-tree, memoised) expansion. */
const CONSTANT_MACROS = new WeakMap<CFunction, Value>();
const NUMBER_LITERAL = /\b(?:0[xX][0-9a-fA-F]+|\d+)[uUlL]*\b/g;
const OPERATORS_ONLY = /^[\s()<>|&^~+\-*\/%]*$/;

/** The call site given to a model called from a model (no C node to point at). */
export const PSEUDO_SITE: CNode = { type: 'model', text: undefined, op: undefined, bad: false, children: [], fieldNames: undefined, start: 0, end: 0, row: 0, col: 0, endRow: 0 };

/** Arithmetic and comparison with C's usual arithmetic conversions. */
export function arith(op: string, l: Value, r: Value): Value {
  // Pointer comparisons (handle == NULL, IS_ERR-style) compare identity/nullness.
  if ((l.k !== 'int' || r.k !== 'int') && (op === '==' || op === '!=')) {
    const same = l.k === r.k && (l.k !== 'int' ? samePointer(l, r) : toBigInt(l) === toBigInt(r))
      || (l.k === 'null' && r.k === 'int' && r.v === 0n) || (r.k === 'null' && l.k === 'int' && l.v === 0n);
    return int(op === '==' ? same : !same, T.int);
  }
  const lt = l.k === 'int' ? l.t : T.ulong;
  const rt = r.k === 'int' ? r.t : T.ulong;
  const a = toBigInt(l);
  const b = toBigInt(r);
  if (op === '<<' || op === '>>') {
    const t = lt.bits < 32 ? T.int : lt;
    const sh = b & 127n;
    if (op === '<<') return int(a << sh, t);
    return int(norm(a, t) >> sh, t);
  }
  const t = commonType(lt, rt);
  const x = norm(a, t);
  const y = norm(b, t);
  switch (op) {
    case '+': return int(x + y, t);
    case '-': return int(x - y, t);
    case '*': return int(x * y, t);
    case '/': return y === 0n ? int(0, t) : int(x / y, t);
    case '%': return y === 0n ? int(0, t) : int(x % y, t);
    case '&': return int(x & y, t);
    case '|': return int(x | y, t);
    case '^': return int(x ^ y, t);
    case '==': return int(x === y, T.int);
    case '!=': return int(x !== y, T.int);
    case '<': return int(x < y, T.int);
    case '<=': return int(x <= y, T.int);
    case '>': return int(x > y, T.int);
    case '>=': return int(x >= y, T.int);
    default:
      throw new Inconclusive(`operator ${op} not supported`);
  }
}

function samePointer(a: Value, b: Value): boolean {
  if (a.k === 'obj' && b.k === 'obj') return a.obj === b.obj;
  if (a.k === 'fn' && b.k === 'fn') return a.name === b.name;
  if (a.k === 'ref' && b.k === 'ref') return a.ref === b.ref;
  if (a.k === 'errptr' && b.k === 'errptr') return a.err === b.err;
  return a.k === 'null' && b.k === 'null';
}

function norm(v: bigint, t: IntType): bigint {
  return t.signed ? BigInt.asIntN(t.bits, v) : BigInt.asUintN(t.bits, v);
}

/** Convert a value on assignment into a variable/parameter/return of integer type `t`. */
export function convert(v: Value, t: IntType): Value {
  if (v.k === 'int') return int(v.v, t);
  if (t.bool) return truthy(v) ? TRUE : FALSE;
  if (v.k === 'errptr') return int(v.err, t); // PTR_ERR-style implicit conversion
  return v;
}

/** Parse a C integer literal with its suffix into a typed value. */
/** Number literals by text: a Value is never mutated, and the same literals are read on every run. */
const NUMBERS = new Map<string, Value>();

export function parseNumber(text: string): Value {
  let v = NUMBERS.get(text);
  if (!v) {
    v = parseNumberText(text);
    if (NUMBERS.size < 1 << 16) NUMBERS.set(text, v);
  }
  return v;
}

function parseNumberText(text: string): Value {
  // tree-sitter-c folds a leading sign into number_literal (`-1ULL` is one token).
  const t = text.trim().replace(/'/g, '');
  if (t.startsWith('-') || t.startsWith('+')) {
    const v = parseNumber(t.slice(1));
    return t.startsWith('-') && v.k === 'int' ? int(-v.v, commonType(v.t, T.int)) : v;
  }
  const m = /^(0[xX][0-9a-fA-F]+|0[bB][01]+|0[0-7]*|[1-9]\d*)([uUlL]*)$/.exec(t);
  if (!m) return int(0);
  const digits = m[1];
  let v: bigint;
  if (/^0[xX]/.test(digits)) v = BigInt(digits);
  else if (/^0[bB]/.test(digits)) v = BigInt(digits);
  else if (digits.length > 1 && digits.startsWith('0')) v = BigInt(`0o${digits.slice(1)}`);
  else v = BigInt(digits);
  const suf = m[2].toLowerCase();
  const unsigned = suf.includes('u');
  const long = suf.includes('l');
  if (!long && v <= (unsigned ? 0xffffffffn : 0x7fffffffn)) return int(v, unsigned ? T.uint : T.int);
  if (!long && !unsigned && v <= 0xffffffffn && digits.startsWith('0')) return int(v, T.uint);
  return int(v, unsigned || v > 0x7fffffffffffffffn ? T.ulong : T.long);
}

/** An object-like macro whose body is a plain number (`#define DIO_MAX_BLOCKS 4096`), per body text. */
function parseMacroNumber(body: string): Value | undefined {
  let v = MACRO_NUMBERS.get(body);
  if (v === undefined && !MACRO_NUMBERS.has(body)) {
    const s = body.trim().replace(/^\((.*)\)$/, '$1').trim();
    v = /^(0[xX][0-9a-fA-F]+|\d+)[uUlL]*$/.test(s) ? parseNumber(s) : undefined;
    if (MACRO_NUMBERS.size < 1 << 16) MACRO_NUMBERS.set(body, v);
  }
  return v;
}

const MACRO_NUMBERS = new Map<string, Value | undefined>();

function globalObject(name: string, fields: Record<string, string>) {
  const init: Record<string, Value> = {};
  for (const [k, v] of Object.entries(fields)) init[k] = /^[A-Za-z_]\w*$/.test(v) ? { k: 'fn', name: v } : int(0);
  return new PlainObject(name, init);
}

/** What a declaration declares, per declarator: read off the (immutable) lowered node once. */
interface DeclaredName {
  readonly name: string;
  readonly t?: IntType;
  readonly ctype?: string;
  readonly init?: CNode;
  /** `struct X x;`: a struct object, not a pointer. */
  readonly structLocal: boolean;
  readonly pointer: boolean;
}

const DECLARATION_PLANS = new WeakMap<CNode, readonly DeclaredName[]>();

function declarationPlan(d: CNode): readonly DeclaredName[] {
  let plan = DECLARATION_PLANS.get(d);
  if (plan) return plan;
  const typeNode = field(d, 'type');
  const ctype = structTag(typeNode);
  const names: DeclaredName[] = [];
  for (const decl of fieldAll(d, 'declarator')) {
    const target = decl.type === 'init_declarator' ? field(decl, 'declarator')! : decl;
    const name = innermostName(target);
    if (!name) continue;
    names.push({
      name,
      t: declaredIntType(typeNode, target, undefined),
      ctype,
      init: decl.type === 'init_declarator' ? field(decl, 'value') : undefined,
      structLocal: typeNode?.type === 'struct_specifier' && target.type === 'identifier',
      pointer: isPointerDeclarator(target),
    });
  }
  DECLARATION_PLANS.set(d, (plan = names));
  return plan;
}

/** The tag of a `struct X` type node, if it is one. */
function structTag(typeNode: CNode | undefined): string | undefined {
  return typeNode?.type === 'struct_specifier' ? field(typeNode, 'name')?.text : undefined;
}

function findFunctionDeclarator(n: CNode | undefined): CNode | undefined {
  let cur = n;
  while (cur && cur.type !== 'function_declarator') cur = field(cur, 'declarator');
  return cur;
}

function innermostName(n: CNode): string | undefined {
  let cur: CNode | undefined = n;
  while (cur) {
    if (cur.type === 'identifier') return cur.text;
    cur = field(cur, 'declarator');
  }
  return undefined;
}

function isPointerDeclarator(n: CNode | undefined): boolean {
  let cur = n;
  while (cur) {
    if (cur.type === 'pointer_declarator' || cur.type === 'array_declarator') return true;
    if (cur.type === 'function_declarator') return false;
    cur = field(cur, 'declarator');
  }
  return false;
}

/** The integer type of a declaration, or undefined for pointers, structs and unknown types. */
function declaredIntType(typeNode: CNode | undefined, declarator: CNode | undefined, fdecl: CNode | undefined): IntType | undefined {
  if (!typeNode) return undefined;
  // For a function, pointer-ness is what wraps the function_declarator.
  if (fdecl) {
    let cur = declarator;
    while (cur && cur !== fdecl) {
      if (cur.type === 'pointer_declarator') return undefined;
      cur = field(cur, 'declarator');
    }
  } else if (isPointerDeclarator(declarator)) return undefined;
  return scalarType(typeNode);
}

function scalarType(typeNode: CNode): IntType | undefined {
  switch (typeNode.type) {
    case 'primitive_type':
    case 'type_identifier':
      return TYPEDEFS[typeNode.text!];
    case 'sized_type_specifier': {
      // The modifiers (`unsigned`, `long`) are anonymous tokens, so the lowered node keeps its text.
      const words = (typeNode.text ?? '').replace(/\b(const|volatile)\b/g, ' ').trim().split(/\s+/).join(' ');
      return TYPEDEFS[words] ?? (words.startsWith('unsigned') ? T.ulong : T.long);
    }
    default:
      return undefined;
  }
}

function typeOfDescriptor(td: CNode): IntType | undefined {
  const t = field(td, 'type');
  if (!t) return undefined;
  if (field(td, 'declarator')) return undefined; // a pointer cast
  return scalarType(t);
}

/** A definition's parameters (each argument in order; `name` undefined for an unnamed one) and return type. */
interface Signature {
  /** `Frame.strict` when the function is a header inline: `name()`. */
  readonly strict: string;
  readonly retType?: IntType;
  readonly params: readonly { name?: string; t?: IntType; ctype?: string }[];
  /** Parameters a call must pass (`(void)` has none). */
  readonly named: number;
  readonly variadic: boolean;
}

/** Signatures per definition node: a lowered definition never changes. */
const SIGNATURES = new WeakMap<CNode, Signature>();

/** Values seen while evaluating a condition: sub-expression text, value, … (at most 12 pairs, a text once). */
export type Watched = (string | Value)[];

/** A frame's guards before any `if` is taken. */
const NO_GUARDS: readonly string[] = Object.freeze([]);

/**
 * The 1-based lines of one file that ran, as a bitmap: a run marks every statement it
 * executes, and setting a bit neither hashes nor allocates the way a Set's add does.
 */
export class LineSet {
  private bits = new Uint8Array(256);

  add(line: number): void {
    const i = line >> 3;
    if (i >= this.bits.length) {
      const grown = new Uint8Array(Math.max(i + 1, this.bits.length * 2));
      grown.set(this.bits);
      this.bits = grown;
    }
    this.bits[i] |= 1 << (line & 7);
  }

  /** How many distinct lines ran. */
  get size(): number {
    let n = 0;
    for (const b of this.bits) for (let x = b; x; x &= x - 1) n++;
    return n;
  }

  /** The lines that ran, ascending. */
  sorted(): number[] {
    const out: number[] = [];
    const bits = this.bits;
    for (let i = 0; i < bits.length; i++) {
      const b = bits[i];
      if (b) for (let k = 0; k < 8; k++) if (b & (1 << k)) out.push(i * 8 + k);
    }
    return out;
  }
}

/**
 * The scope a block starts with: most blocks declare nothing, so a block's own Map is made
 * by its first declaration (declare()). Never written to.
 */
const EMPTY_SCOPE: Map<string, Slot> = new Map();

/**
 * Each macro use's expansion, per call-site node and macro: the argument texts are the
 * site's own, and a macro (a per-image lookup answer) expands the same way every run.
 */
const MACRO_SITES = new WeakMap<CNode, { m: CMacro; exp: CFunction | undefined; shown: string }>();

/** `#if` answers per configuration and condition text: a configuration is fixed per image. */
const PREPROC_TRUTH = new WeakMap<PreprocConfig, Map<string, ReturnType<typeof evalPreprocCondition>>>();

function preprocTruth(cond: string, config: PreprocConfig): ReturnType<typeof evalPreprocCondition> {
  let byCond = PREPROC_TRUTH.get(config);
  if (!byCond) PREPROC_TRUTH.set(config, (byCond = new Map()));
  let truth = byCond.get(cond);
  if (truth === undefined) byCond.set(cond, (truth = evalPreprocCondition(cond, config)));
  return truth;
}

/** Condition texts as the trace shows them (outer parentheses dropped), per node. */
const CONDITION_TEXT = new WeakMap<CNode, string>();

/** Guard texts per `if` statement, for the function they were made in (its path and line base). */
const GUARD_TEXT = new WeakMap<CNode, { fn: CFunction; taken: string; notTaken: string }>();

/** Label paths per function body: a body is immutable once lowered, and `goto out` runs on most error paths. */
const LABEL_PATHS = new WeakMap<CNode, Map<string, readonly { block: CNode; index: number }[] | undefined>>();

/** The chain of (block, statement index) from `body` down to the statement labelled `label` (memoised, read-only). */
function findLabelPath(body: CNode, label: string): readonly { block: CNode; index: number }[] | undefined {
  let byLabel = LABEL_PATHS.get(body);
  if (!byLabel) LABEL_PATHS.set(body, (byLabel = new Map()));
  if (byLabel.has(label)) return byLabel.get(label);
  const path = searchLabelPath(body, label);
  byLabel.set(label, path);
  return path;
}

function searchLabelPath(body: CNode, label: string): { block: CNode; index: number }[] | undefined {
  const path: { block: CNode; index: number }[] = [];
  const search = (n: CNode): boolean => {
    const isBlock = n.type === 'compound_statement' || n.type === 'case_statement';
    for (let i = 0; i < n.children.length; i++) {
      const c = n.children[i];
      if (c.type === 'labeled_statement' && field(c, 'label')?.text === label) {
        if (isBlock) path.push({ block: n, index: i });
        return true;
      }
      if (isBlock) path.push({ block: n, index: i });
      if (search(c)) return true;
      if (isBlock) path.pop();
    }
    return false;
  };
  return search(body) ? path : undefined;
}
