// This module is browser compatible.
/**
 * A minimal, safe pickle reader (protocols 0–5, the opcodes `torch.save`
 * and ordinary Python containers use). It never executes anything: a
 * `GLOBAL` becomes a {@linkcode PyGlobal} marker and `REDUCE`/`NEWOBJ` call a
 * caller-supplied hook, or produce an inert {@linkcode PyCall} record.
 *
 * Python values map to: dict / OrderedDict → `Map`, list → array, tuple →
 * {@linkcode PyTuple} (a frozen array), str → string, bytes → Uint8Array,
 * int → number (bigint beyond 2^53), float → number, bool, None → null.
 *
 * @module
 */

/** A `module.name` reference from a GLOBAL opcode. */
export class PyGlobal {
  constructor(
    readonly module: string,
    readonly name: string,
  ) {}
  get qualified(): string {
    return `${this.module}.${this.name}`;
  }
}

/** The result of calling a global that the hooks did not handle. */
export class PyCall {
  state: unknown = undefined;
  constructor(
    readonly callable: unknown,
    readonly args: unknown[],
  ) {}
}

/** A Python tuple. */
export type PyTuple = readonly unknown[];

/** Hooks for {@linkcode unpickle}. */
export interface UnpickleHooks {
  /** Resolves a persistent id (BINPERSID / PERSID). */
  persistentLoad?: (pid: unknown) => unknown;
  /** Calls a global (REDUCE, NEWOBJ); return `undefined` to get an inert {@linkcode PyCall}. */
  call?: (callable: PyGlobal, args: unknown[]) => unknown;
}

const MARK = Symbol("mark");

/** Thrown on malformed or unsupported pickle data. */
export class PickleError extends Error {
  override name = "PickleError";
}

/**
 * Reads one pickle starting at `offset`; returns the value and the offset
 * just after its STOP opcode (the legacy torch format concatenates pickles).
 */
export function unpickle(bytes: Uint8Array, offset = 0, hooks: UnpickleHooks = {}): { value: unknown; end: number } {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const utf8 = new TextDecoder("utf-8");
  const latin1 = new TextDecoder("latin1");
  let pos = offset;
  const stack: unknown[] = [];
  const marks: number[] = [];
  const memo = new Map<number, unknown>();

  const need = (n: number) => {
    if (pos + n > bytes.length)
      throw new PickleError(`truncated pickle: needed ${n} bytes at byte ${pos}, ${bytes.length - pos} left`);
  };
  const u8 = () => {
    need(1);
    return bytes[pos++]!;
  };
  const u16 = () => {
    need(2);
    const v = view.getUint16(pos, true);
    pos += 2;
    return v;
  };
  const u32 = () => {
    need(4);
    const v = view.getUint32(pos, true);
    pos += 4;
    return v;
  };
  const i32 = () => {
    need(4);
    const v = view.getInt32(pos, true);
    pos += 4;
    return v;
  };
  const u64 = () => {
    need(8);
    const v = view.getBigUint64(pos, true);
    pos += 8;
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new PickleError(`length ${v} too large at byte ${pos - 8}`);
    return Number(v);
  };
  const take = (n: number) => {
    need(n);
    const b = bytes.subarray(pos, pos + n);
    pos += n;
    return b;
  };
  const line = () => {
    const start = pos;
    while (pos < bytes.length && bytes[pos] !== 0x0a) pos++;
    if (pos >= bytes.length) throw new PickleError(`unterminated text argument at byte ${start}`);
    const s = latin1.decode(bytes.subarray(start, pos));
    pos++;
    return s;
  };
  const pop = () => {
    if (stack.length === 0) throw new PickleError(`stack underflow at byte ${pos - 1}`);
    return stack.pop();
  };
  const top = () => {
    if (stack.length === 0) throw new PickleError(`stack underflow at byte ${pos - 1}`);
    return stack[stack.length - 1];
  };
  const popMark = () => {
    const m = marks.pop();
    if (m === undefined) throw new PickleError(`no MARK on the stack at byte ${pos - 1}`);
    const items = stack.splice(m);
    if (items[0] !== MARK) throw new PickleError(`corrupted MARK at byte ${pos - 1}`);
    return items.slice(1);
  };
  const long = (b: Uint8Array): number | bigint => {
    if (b.length === 0) return 0;
    let v = 0n;
    for (let i = b.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[i]!);
    if (b[b.length - 1]! & 0x80) v -= 1n << BigInt(8 * b.length);
    return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
  };
  const setItems = (d: unknown, kv: unknown[]) => {
    if (d instanceof Map) {
      for (let i = 0; i + 1 < kv.length; i += 2) d.set(kv[i], kv[i + 1]);
    } else if (d instanceof PyCall) {
      // A dict subclass we do not model: keep the items on the record.
      const items = (d.state as Map<unknown, unknown> | undefined) ?? new Map<unknown, unknown>();
      for (let i = 0; i + 1 < kv.length; i += 2) items.set(kv[i], kv[i + 1]);
      d.state = items;
    } else {
      throw new PickleError(`SETITEM(S) on a non-dict at byte ${pos - 1}`);
    }
  };
  const append = (l: unknown, xs: unknown[]) => {
    if (Array.isArray(l)) l.push(...xs);
    else if (l instanceof Set) for (const x of xs) l.add(x);
    else if (!(l instanceof PyCall)) throw new PickleError(`APPEND(S) on a non-list at byte ${pos - 1}`);
  };
  const call = (callable: unknown, args: unknown[]) => {
    if (callable instanceof PyGlobal) {
      const out = hooks.call?.(callable, args);
      if (out !== undefined) return out;
      if (callable.module === "collections" && callable.name === "OrderedDict") return new Map();
      const builtin = callable.module === "builtins" || callable.module === "__builtin__";
      if (builtin && (callable.name === "set" || callable.name === "frozenset"))
        return new Set(Array.isArray(args[0]) ? args[0] : []);
      if (callable.module === "_codecs" && callable.name === "encode" && typeof args[0] === "string") {
        // Protocol 2 bytes: _codecs.encode(text, "latin1").
        return Uint8Array.from(args[0], (ch) => ch.charCodeAt(0) & 0xff);
      }
    }
    return new PyCall(callable, args);
  };

  for (;;) {
    const at = pos;
    const op = u8();
    switch (op) {
      case 0x80: // PROTO
        u8();
        break;
      case 0x95: // FRAME
        u64();
        break;
      case 0x2e: // STOP
        return { value: pop(), end: pos };
      case 0x28: // MARK
        marks.push(stack.length);
        stack.push(MARK);
        break;
      case 0x30: // POP
        pop();
        break;
      case 0x31: // POP_MARK
        popMark();
        break;
      case 0x32: // DUP
        stack.push(top());
        break;
      case 0x7d: // EMPTY_DICT
        stack.push(new Map());
        break;
      case 0x5d: // EMPTY_LIST
        stack.push([]);
        break;
      case 0x29: // EMPTY_TUPLE
        stack.push(Object.freeze([]));
        break;
      case 0x8f: // EMPTY_SET
        stack.push(new Set());
        break;
      case 0x90: {
        // ADDITEMS
        const xs = popMark();
        append(top(), xs);
        break;
      }
      case 0x91: // FROZENSET
        stack.push(new Set(popMark()));
        break;
      case 0x74: // TUPLE
        stack.push(Object.freeze(popMark()));
        break;
      case 0x85: // TUPLE1
        stack.push(Object.freeze([pop()]));
        break;
      case 0x86: {
        // TUPLE2
        const b = pop();
        const a = pop();
        stack.push(Object.freeze([a, b]));
        break;
      }
      case 0x87: {
        // TUPLE3
        const c = pop();
        const b = pop();
        const a = pop();
        stack.push(Object.freeze([a, b, c]));
        break;
      }
      case 0x6c: // LIST
        stack.push(popMark());
        break;
      case 0x64: {
        // DICT
        const kv = popMark();
        const d = new Map();
        setItems(d, kv);
        stack.push(d);
        break;
      }
      case 0x61: {
        // APPEND
        const x = pop();
        append(top(), [x]);
        break;
      }
      case 0x65: {
        // APPENDS
        const xs = popMark();
        append(top(), xs);
        break;
      }
      case 0x73: {
        // SETITEM
        const v = pop();
        const k = pop();
        setItems(top(), [k, v]);
        break;
      }
      case 0x75: {
        // SETITEMS
        const kv = popMark();
        setItems(top(), kv);
        break;
      }
      case 0x4a: // BININT
        stack.push(i32());
        break;
      case 0x4b: // BININT1
        stack.push(u8());
        break;
      case 0x4d: // BININT2
        stack.push(u16());
        break;
      case 0x8a: // LONG1
        stack.push(long(take(u8())));
        break;
      case 0x8b: // LONG4
        stack.push(long(take(u32())));
        break;
      case 0x49: {
        // INT (text; "01"/"00" are True/False)
        const s = line();
        stack.push(s === "01" ? true : s === "00" ? false : Number(s));
        break;
      }
      case 0x4c: {
        // LONG (text)
        const s = line().replace(/L$/, "");
        const v = BigInt(s);
        stack.push(v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v);
        break;
      }
      case 0x47: // BINFLOAT (big-endian)
        need(8);
        stack.push(view.getFloat64(pos, false));
        pos += 8;
        break;
      case 0x46: // FLOAT (text)
        stack.push(Number(line()));
        break;
      case 0x4e: // NONE
        stack.push(null);
        break;
      case 0x88: // NEWTRUE
        stack.push(true);
        break;
      case 0x89: // NEWFALSE
        stack.push(false);
        break;
      case 0x58: // BINUNICODE
        stack.push(utf8.decode(take(u32())));
        break;
      case 0x8c: // SHORT_BINUNICODE
        stack.push(utf8.decode(take(u8())));
        break;
      case 0x8d: // BINUNICODE8
        stack.push(utf8.decode(take(u64())));
        break;
      case 0x56: // UNICODE (raw-unicode-escape text)
        stack.push(line());
        break;
      case 0x54: // BINSTRING
        stack.push(latin1.decode(take(i32())));
        break;
      case 0x55: // SHORT_BINSTRING
        stack.push(latin1.decode(take(u8())));
        break;
      case 0x53: {
        // STRING (quoted text)
        const s = line();
        stack.push(s.slice(1, -1));
        break;
      }
      case 0x42: // BINBYTES
        stack.push(new Uint8Array(take(u32())));
        break;
      case 0x43: // SHORT_BINBYTES
        stack.push(new Uint8Array(take(u8())));
        break;
      case 0x8e: // BINBYTES8
      case 0x96: // BYTEARRAY8
        stack.push(new Uint8Array(take(u64())));
        break;
      case 0x71: // BINPUT
        memo.set(u8(), top());
        break;
      case 0x72: // LONG_BINPUT
        memo.set(u32(), top());
        break;
      case 0x70: // PUT
        memo.set(Number(line()), top());
        break;
      case 0x94: // MEMOIZE
        memo.set(memo.size, top());
        break;
      case 0x68: // BINGET
      case 0x6a: // LONG_BINGET
      case 0x67: {
        // GET
        const k = op === 0x68 ? u8() : op === 0x6a ? u32() : Number(line());
        if (!memo.has(k)) throw new PickleError(`memo key ${k} not found at byte ${at}`);
        stack.push(memo.get(k));
        break;
      }
      case 0x63: {
        // GLOBAL
        const module = line();
        stack.push(new PyGlobal(module, line()));
        break;
      }
      case 0x93: {
        // STACK_GLOBAL
        const name = pop();
        const module = pop();
        stack.push(new PyGlobal(String(module), String(name)));
        break;
      }
      case 0x52: {
        // REDUCE
        const args = pop();
        const f = pop();
        stack.push(call(f, Array.isArray(args) ? [...(args as unknown[])] : [args]));
        break;
      }
      case 0x81: {
        // NEWOBJ
        const args = pop();
        const cls = pop();
        stack.push(call(cls, Array.isArray(args) ? [...(args as unknown[])] : [args]));
        break;
      }
      case 0x92: {
        // NEWOBJ_EX
        pop(); // kwargs
        const args = pop();
        const cls = pop();
        stack.push(call(cls, Array.isArray(args) ? [...(args as unknown[])] : [args]));
        break;
      }
      case 0x62: {
        // BUILD
        const state = pop();
        const obj = top();
        if (obj instanceof PyCall) obj.state = state;
        // Dicts (e.g. a state dict's `_metadata`) and other containers: state ignored.
        break;
      }
      case 0x51: {
        // BINPERSID
        const pid = pop();
        if (hooks.persistentLoad === undefined) throw new PickleError(`persistent id without a loader at byte ${at}`);
        stack.push(hooks.persistentLoad(pid));
        break;
      }
      case 0x50: {
        // PERSID
        const pid = line();
        if (hooks.persistentLoad === undefined) throw new PickleError(`persistent id without a loader at byte ${at}`);
        stack.push(hooks.persistentLoad(pid));
        break;
      }
      default:
        throw new PickleError(`unsupported pickle opcode 0x${op.toString(16).padStart(2, "0")} at byte ${at}`);
    }
  }
}
