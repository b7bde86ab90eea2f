/**
 * Runtime values of the C interpreter.
 *
 * Integers carry their C type (width + signedness) because the write path depends on C
 * integer semantics: `loff_t + size_t` compares unsigned, `pos >> blkbits` is truncated
 * into a 32-bit `ext4_lblk_t`, `IOMAP_NULL_ADDR` is `-1ULL` (C-SURFACE.md §5).
 */

/** A C integer type. `bool` is an 8-bit unsigned type whose values are normalised to 0/1. */
export interface IntType {
  readonly bits: 8 | 16 | 32 | 64;
  readonly signed: boolean;
  readonly bool?: boolean;
  readonly name: string;
}

export const T = {
  bool: { bits: 8, signed: false, bool: true, name: 'bool' } as IntType,
  char: { bits: 8, signed: true, name: 'char' } as IntType,
  u8: { bits: 8, signed: false, name: 'u8' } as IntType,
  s16: { bits: 16, signed: true, name: 'short' } as IntType,
  u16: { bits: 16, signed: false, name: 'u16' } as IntType,
  int: { bits: 32, signed: true, name: 'int' } as IntType,
  uint: { bits: 32, signed: false, name: 'unsigned int' } as IntType,
  long: { bits: 64, signed: true, name: 'long' } as IntType,
  ulong: { bits: 64, signed: false, name: 'unsigned long' } as IntType,
} as const;

/** Scalar C type names the write path uses, by typedef name (x86-64 LP64). */
export const TYPEDEFS: Readonly<Record<string, IntType>> = {
  bool: T.bool,
  _Bool: T.bool,
  char: T.char,
  'signed char': T.char,
  'unsigned char': T.u8,
  u8: T.u8,
  __u8: T.u8,
  s8: T.char,
  short: T.s16,
  'unsigned short': T.u16,
  u16: T.u16,
  __u16: T.u16,
  __le16: T.u16,
  umode_t: T.u16,
  int: T.int,
  signed: T.int,
  'signed int': T.int,
  s32: T.int,
  __s32: T.int,
  unsigned: T.uint,
  'unsigned int': T.uint,
  u32: T.uint,
  __u32: T.uint,
  __le32: T.uint,
  ext4_lblk_t: T.uint,
  ext4_grpblk_t: T.int,
  gfp_t: T.uint,
  vm_fault_t: T.uint,
  blk_opf_t: T.uint,
  fmode_t: T.uint,
  tid_t: T.uint,
  long: T.long,
  'long int': T.long,
  'signed long': T.long,
  'long long': T.long,
  'long long int': T.long,
  s64: T.long,
  __s64: T.long,
  loff_t: T.long,
  ssize_t: T.long,
  time64_t: T.long,
  'unsigned long': T.ulong,
  'unsigned long int': T.ulong,
  'unsigned long long': T.ulong,
  'unsigned long long int': T.ulong,
  u64: T.ulong,
  __u64: T.ulong,
  __le64: T.ulong,
  size_t: T.ulong,
  ext4_fsblk_t: T.ulong,
  sector_t: T.ulong,
  pgoff_t: T.ulong,
  blkcnt_t: T.ulong,
  uintptr_t: T.ulong,
};

/** A struct seen by C code: fields are read and written by name. */
export interface CObject {
  readonly ctype: string;
  get(field: string): Value;
  set(field: string, v: Value): void;
  /** Whether the field holds a value (a model accessor, or one set by C); unset fields read as 0. */
  has?(field: string): boolean;
}

/** An lvalue: a variable, a field, or what a pointer points at. */
export interface Ref {
  get(): Value;
  set(v: Value): void;
  /** The value without counting as a read (taking the address `&x` reads nothing). */
  peek?(): Value;
  /** Human name for traces, e.g. `ilock_shared` or `iocb->ki_pos`. */
  readonly name: string;
}

export type Value =
  | { readonly k: 'int'; readonly v: bigint; readonly t: IntType }
  /** Pointer to a struct object (`struct inode *`, `&map`, `&ext4_iomap_ops`). */
  | { readonly k: 'obj'; readonly obj: CObject }
  /** Pointer to a scalar lvalue (`&ilock_shared`, `&retries`). */
  | { readonly k: 'ref'; readonly ref: Ref }
  /** A function designator (`ext4_iomap_begin` in an ops table). */
  | { readonly k: 'fn'; readonly name: string }
  /** `ERR_PTR(err)`: a pointer-encoded negative errno. */
  | { readonly k: 'errptr'; readonly err: bigint }
  /** The NULL pointer. */
  | { readonly k: 'null' }
  /** A type name used as a value (first argument of `min_t`). */
  | { readonly k: 'type'; readonly t: IntType }
  | { readonly k: 'void' };

export const VOID: Value = { k: 'void' };
export const NULL: Value = { k: 'null' };

/** Wrap `v` into C type `t` (two's-complement truncation, bool normalisation). */
export function int(v: bigint | number | boolean, t: IntType = T.int): Value {
  let b = typeof v === 'bigint' ? v : BigInt(typeof v === 'boolean' ? (v ? 1 : 0) : Math.trunc(v));
  if (t.bool) b = b !== 0n ? 1n : 0n;
  // A value in [0, 2^31) is already in range of every type of 32 bits or more: no wrap.
  else if (t.bits < 32 || b < 0n || b > MAX_31) b = t.signed ? BigInt.asIntN(t.bits, b) : BigInt.asUintN(t.bits, b);
  if (b >= 0n && b < SMALL_COUNT) {
    // Small values are shared per type (a Value is never mutated): most of what the C
    // computes is flags, counts and 0/1, and a fresh object per result was most of the
    // interpreter's garbage.
    let row = SMALL.get(t);
    if (!row) SMALL.set(t, (row = []));
    const i = Number(b);
    return (row[i] ??= { k: 'int', v: b, t });
  }
  return { k: 'int', v: b, t };
}

const MAX_31 = (1n << 31n) - 1n;
const SMALL_COUNT = 256n;
const SMALL = new WeakMap<IntType, Value[]>();

export const TRUE = int(1, T.bool);
export const FALSE = int(0, T.bool);

/** C truthiness: non-zero integers and non-NULL pointers are true. */
export function truthy(v: Value): boolean {
  switch (v.k) {
    case 'int':
      return v.v !== 0n;
    case 'null':
    case 'void':
      return false;
    default:
      return true;
  }
}

/** Integer value of `v`; pointers are 1 (non-NULL) or 0, `ERR_PTR(e)` is `e`. */
export function toBigInt(v: Value): bigint {
  switch (v.k) {
    case 'int':
      return v.v;
    case 'errptr':
      return v.err;
    case 'null':
    case 'void':
      return 0n;
    default:
      return 1n;
  }
}

/** The type of the usual arithmetic conversions of two integer operands (C11 6.3.1.8). */
export function commonType(a: IntType, b: IntType): IntType {
  const pa = a.bits < 32 ? T.int : a;
  const pb = b.bits < 32 ? T.int : b;
  if (pa.bits !== pb.bits) return pa.bits > pb.bits ? pa : pb;
  if (!pa.signed) return pa;
  return pb;
}

/** Render a value for traces: errno names for negative errnos where known. */
export function show(v: Value, errnoName?: (n: bigint) => string | undefined): string {
  switch (v.k) {
    case 'int': {
      if (v.t.bool) return v.v ? 'true' : 'false';
      if (v.v < 0n && errnoName) {
        const name = errnoName(-v.v);
        if (name) return `-${name}`;
      }
      return v.v.toString();
    }
    case 'obj':
      return `&<${v.obj.ctype}>`;
    case 'ref':
      return `&${v.ref.name}`;
    case 'fn':
      return v.name;
    case 'errptr': {
      const name = errnoName?.(-v.err);
      return `ERR_PTR(${name ? `-${name}` : v.err})`;
    }
    case 'null':
      return 'NULL';
    case 'type':
      return v.t.name;
    case 'void':
      return 'void';
  }
}

/** A struct object backed by a plain map (locals like `struct ext4_map_blocks map`). */
export class PlainObject implements CObject {
  protected readonly fields = new Map<string, Value>();
  constructor(readonly ctype: string, init?: Record<string, Value>) {
    if (init) for (const [k, v] of Object.entries(init)) this.fields.set(k, v);
  }
  get(field: string): Value {
    // Uninitialised fields read as 0, like a zeroed local; the trace shows the value.
    return this.fields.get(field) ?? int(0, T.long);
  }
  set(field: string, v: Value): void {
    this.fields.set(field, v);
  }
  has(field: string): boolean {
    return this.fields.has(field);
  }
}

/** A struct object whose fields are views onto model state. Unknown fields fall back to a map. */
export class ModelObject implements CObject {
  private readonly extra = new Map<string, Value>();
  constructor(
    readonly ctype: string,
    private readonly accessors: Record<string, { get: () => Value; set?: (v: Value) => void }>,
  ) {}
  get(field: string): Value {
    const a = this.accessors[field];
    if (a) return a.get();
    return this.extra.get(field) ?? int(0, T.long);
  }
  set(field: string, v: Value): void {
    const a = this.accessors[field];
    if (a?.set) a.set(v);
    else this.extra.set(field, v);
  }
  has(field: string): boolean {
    return Object.prototype.hasOwnProperty.call(this.accessors, field) || this.extra.has(field);
  }
}

/** One member of a struct as the tree declares it (kernel/structs.ts). */
export interface StructMember {
  /** `struct`: embedded (by value); `int`: an integer of type `t`; `other`: a scalar typedef the interpreter has no width for (atomic_t, spinlock_t). */
  readonly kind: 'struct' | 'int' | 'ptr' | 'array' | 'other';
  /** The struct tag (embedded or pointed to), or the type text for `other`. */
  readonly ctype?: string;
  readonly t?: IntType;
  /** The members of an embedded struct/union written inline (`struct { … } submit;`). */
  readonly inline?: StructLayout;
}

/** The members of a struct definition, anonymous struct/union members flattened (C11 6.7.2.1 ¶13). */
export interface StructLayout {
  readonly name: string;
  /** Tree-relative path of the definition. */
  readonly path?: string;
  readonly members: ReadonlyMap<string, StructMember>;
}

/**
 * A struct object with the tree's layout: an embedded struct member is an object of its
 * own (created on first access, remembering its container for container_of()), an integer
 * member reads as 0 of its type until set (the object was zero-initialised: a designated
 * initializer, kzalloc(), memset()), and a member the layout lacks is reported by `lacks()`
 * so the interpreter can say "does not build against this tree" instead of reading 0.
 */
export class StructObject extends PlainObject {
  constructor(
    ctype: string,
    readonly layout: StructLayout | undefined,
    private readonly resolve: (name: string) => StructLayout | undefined,
    /** The object this one is embedded in, and under which member. */
    readonly container?: { readonly obj: StructObject; readonly member: string },
  ) {
    super(ctype);
  }
  get(field: string): Value {
    const v = this.fields.get(field);
    if (v) return v;
    const m = this.layout?.members.get(field);
    if (m?.kind === 'struct') {
      const child = new StructObject(m.ctype ?? field, m.inline ?? (m.ctype ? this.resolve(m.ctype) : undefined), this.resolve, { obj: this, member: field });
      const cv: Value = { k: 'obj', obj: child };
      this.fields.set(field, cv);
      return cv;
    }
    if (m?.kind === 'int' && m.t) return int(0, m.t);
    if (m?.kind === 'ptr') return NULL;
    return super.get(field);
  }
  has(field: string): boolean {
    return this.fields.has(field) || !!this.layout?.members.has(field);
  }
  /** Assignment converts to the member's type (C11 6.5.16.1): `map->m_len = ret` stores an `unsigned int`. */
  set(field: string, v: Value): void {
    const m = this.layout?.members.get(field);
    super.set(field, m?.kind === 'int' && m.t && v.k === 'int' ? int(v.v, m.t) : v);
  }
  /**
   * True when the tree's definition is known, has no member `field`, and nothing has set it.
   * A model standing in for code a series adds elsewhere (the 2026 series' ext4_map_blocks()
   * filling `m_seq`) may set a member the tree lacks; the C reading it back is then the
   * series' code on the model's stated assumption, not a read of nothing.
   */
  lacks(field: string): boolean {
    return !!this.layout && !this.layout.members.has(field) && !this.fields.has(field);
  }
  /** `memset(obj, 0, sizeof(*obj))`: every member back to zero. */
  clear(): void {
    this.fields.clear();
  }
}
