// This module is browser compatible.
/**
 * A minimal pickle writer, the inverse of `_pickle.ts`: protocol 2 and the
 * opcodes `torch.save` emits (all of them accepted by
 * `torch.load(weights_only=True)` except BINFLOAT, which torch < 2 rejects
 * there, and bytes).
 *
 * JavaScript values map to: `Map` → dict, {@linkcode PyOrderedDict} →
 * `collections.OrderedDict`, array → list, frozen array → tuple (as the
 * reader returns tuples), string → str, integral number or bigint → int,
 * other number → float, boolean → bool, null → None, Uint8Array → bytes,
 * {@linkcode PyGlobal} → a `module.name` reference, {@linkcode PyCall} →
 * `callable(*args)` (then `BUILD` with its state when set), and
 * {@linkcode PyPersistentId} → a persistent id (BINPERSID).
 *
 * @module
 */
import { PickleError, PyCall, PyGlobal } from "./_pickle.ts";

/** A dict pickled as `collections.OrderedDict` (insertion order is kept either way). */
export class PyOrderedDict<K = unknown, V = unknown> extends Map<K, V> {}

/** A persistent id: pickled as `pid` then BINPERSID (torch's storages). */
export class PyPersistentId {
  constructor(readonly pid: unknown) {}
}

/** Items per MARK … APPENDS / SETITEMS batch, as CPython's pickler does. */
const BATCH = 1000;

class ByteSink {
  #buf = new Uint8Array(1024);
  #len = 0;
  #view = new DataView(this.#buf.buffer);

  #reserve(n: number): void {
    if (this.#len + n <= this.#buf.length) return;
    let size = this.#buf.length * 2;
    while (size < this.#len + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.#buf.subarray(0, this.#len));
    this.#buf = next;
    this.#view = new DataView(next.buffer);
  }
  u8(...bytes: number[]): void {
    this.#reserve(bytes.length);
    for (const b of bytes) this.#buf[this.#len++] = b;
  }
  u16(v: number): void {
    this.#reserve(2);
    this.#view.setUint16(this.#len, v, true);
    this.#len += 2;
  }
  u32(v: number): void {
    this.#reserve(4);
    this.#view.setUint32(this.#len, v, true);
    this.#len += 4;
  }
  i32(v: number): void {
    this.#reserve(4);
    this.#view.setInt32(this.#len, v, true);
    this.#len += 4;
  }
  f64be(v: number): void {
    this.#reserve(8);
    this.#view.setFloat64(this.#len, v, false);
    this.#len += 8;
  }
  bytes(b: Uint8Array): void {
    this.#reserve(b.length);
    this.#buf.set(b, this.#len);
    this.#len += b.length;
  }
  result(): Uint8Array {
    return this.#buf.slice(0, this.#len);
  }
}

/**
 * Pickles `value` (protocol 2; see the module notes for the value model).
 * The opcodes and memo entries are those CPython's pickler writes (strings
 * and globals memoized by value, containers by identity, a repeat fetched
 * with BINGET), so a state dict of tensors pickles to the bytes `torch.save`
 * writes (test/torch_export_test.ts checks it).
 * Throws {@linkcode PickleError} on a value it cannot represent.
 */
export function pickle(value: unknown): Uint8Array {
  const out = new ByteSink();
  const utf8 = new TextEncoder();
  const memoByValue = new Map<string, number>();
  const memoByObject = new Map<object, number>();
  let memoSize = 0;

  const put = (): number => {
    const i = memoSize++;
    if (i < 256)
      out.u8(0x71, i); // BINPUT
    else {
      out.u8(0x72); // LONG_BINPUT
      out.u32(i);
    }
    return i;
  };
  const get = (i: number): void => {
    if (i < 256)
      out.u8(0x68, i); // BINGET
    else {
      out.u8(0x6a); // LONG_BINGET
      out.u32(i);
    }
  };
  const fromMemo = (key: string | object): boolean => {
    const i = typeof key === "string" ? memoByValue.get(key) : memoByObject.get(key);
    if (i === undefined) return false;
    get(i);
    return true;
  };

  const str = (s: string): void => {
    if (fromMemo(`s:${s}`)) return;
    const b = utf8.encode(s);
    out.u8(0x58); // BINUNICODE
    out.u32(b.length);
    out.bytes(b);
    memoByValue.set(`s:${s}`, put());
  };
  const int = (v: bigint): void => {
    if (v >= 0n && v < 256n)
      out.u8(0x4b, Number(v)); // BININT1
    else if (v >= 0n && v < 65536n) {
      out.u8(0x4d); // BININT2
      out.u16(Number(v));
    } else if (v >= -(2n ** 31n) && v < 2n ** 31n) {
      out.u8(0x4a); // BININT
      out.i32(Number(v));
    } else {
      // LONG1: little-endian two's complement, as short as the sign allows.
      const bytes: number[] = [];
      let x = v;
      for (;;) {
        const b = Number(x & 0xffn);
        bytes.push(b);
        x >>= 8n;
        if ((x === 0n && (b & 0x80) === 0) || (x === -1n && (b & 0x80) !== 0)) break;
      }
      if (bytes.length > 255) throw new PickleError(`integer ${v} is too large to pickle`);
      out.u8(0x8a, bytes.length, ...bytes);
    }
  };
  const global = (g: PyGlobal): void => {
    if (fromMemo(`g:${g.qualified}`)) return;
    if (/[\n]/.test(g.module + g.name)) throw new PickleError(`global ${JSON.stringify(g.qualified)} has a newline`);
    out.u8(0x63); // GLOBAL
    out.bytes(utf8.encode(`${g.module}\n${g.name}\n`));
    memoByValue.set(`g:${g.qualified}`, put());
  };
  const tuple = (items: readonly unknown[]): void => {
    if (items.length === 0) {
      out.u8(0x29); // EMPTY_TUPLE
      return;
    }
    if (items.length <= 3) {
      for (const x of items) save(x);
      out.u8([0x85, 0x86, 0x87][items.length - 1]!); // TUPLE1, TUPLE2, TUPLE3
    } else {
      out.u8(0x28); // MARK
      for (const x of items) save(x);
      out.u8(0x74); // TUPLE
    }
  };
  const setItems = (entries: [unknown, unknown][]): void => {
    for (let i = 0; i < entries.length; i += BATCH) {
      const batch = entries.slice(i, i + BATCH);
      if (batch.length === 1) {
        save(batch[0]![0]);
        save(batch[0]![1]);
        out.u8(0x73); // SETITEM
      } else {
        out.u8(0x28); // MARK
        for (const [k, v] of batch) {
          save(k);
          save(v);
        }
        out.u8(0x75); // SETITEMS
      }
    }
  };

  const save = (v: unknown): void => {
    if (v === null)
      out.u8(0x4e); // NONE
    else if (v === true)
      out.u8(0x88); // NEWTRUE
    else if (v === false)
      out.u8(0x89); // NEWFALSE
    else if (typeof v === "bigint") int(v);
    else if (typeof v === "number") {
      if (Number.isInteger(v)) int(BigInt(v));
      else {
        out.u8(0x47); // BINFLOAT (big-endian)
        out.f64be(v);
      }
    } else if (typeof v === "string") str(v);
    else if (typeof v !== "object") throw new PickleError(`cannot pickle a ${typeof v}`);
    else if (fromMemo(v)) return;
    else if (v instanceof PyGlobal) global(v);
    else if (v instanceof PyPersistentId) {
      save(v.pid);
      out.u8(0x51); // BINPERSID
    } else if (v instanceof PyCall) {
      save(v.callable);
      tuple(v.args);
      if (v.args.length > 0) put(); // the argument tuple, as CPython memoizes it
      out.u8(0x52); // REDUCE
      memoByObject.set(v, put());
      if (v.state !== undefined) {
        save(v.state);
        out.u8(0x62); // BUILD
      }
    } else if (v instanceof Uint8Array) {
      // Protocol 2 bytes, as CPython writes them: _codecs.encode(latin-1 text, "latin1").
      global(new PyGlobal("_codecs", "encode"));
      let text = "";
      for (const b of v) text += String.fromCharCode(b);
      tuple([text, "latin1"]);
      put();
      out.u8(0x52); // REDUCE
      memoByObject.set(v, put());
    } else if (v instanceof PyOrderedDict) {
      global(new PyGlobal("collections", "OrderedDict"));
      out.u8(0x29, 0x52); // EMPTY_TUPLE, REDUCE
      memoByObject.set(v, put());
      setItems([...(v as Map<unknown, unknown>)]);
    } else if (v instanceof Map) {
      out.u8(0x7d); // EMPTY_DICT
      memoByObject.set(v, put());
      setItems([...(v as Map<unknown, unknown>)]);
    } else if (Array.isArray(v)) {
      if (Object.isFrozen(v)) {
        tuple(v);
        if (v.length > 0) memoByObject.set(v, put());
        return;
      }
      out.u8(0x5d); // EMPTY_LIST
      memoByObject.set(v, put());
      for (let i = 0; i < v.length; i += BATCH) {
        const batch = (v as unknown[]).slice(i, i + BATCH);
        if (batch.length === 1) {
          save(batch[0]);
          out.u8(0x61); // APPEND
        } else {
          out.u8(0x28); // MARK
          for (const x of batch) save(x);
          out.u8(0x65); // APPENDS
        }
      }
    } else {
      throw new PickleError(`cannot pickle a ${v.constructor?.name ?? "null-prototype object"}`);
    }
  };

  out.u8(0x80, 2); // PROTO 2
  save(value);
  out.u8(0x2e); // STOP
  return out.result();
}
