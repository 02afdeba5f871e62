import t from "tap";
import { PickleError, PyCall, PyGlobal, unpickle } from "./_pickle.ts";
import { pickle, PyOrderedDict, PyPersistentId } from "./_pickle_writer.ts";

const hex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");

t.test("pickle() round-trips through unpickle()", (t) => {
  const shared = Object.freeze(["s", 1]);
  const list = Array.from({ length: 2500 }, (_, i) => i);
  const value = new Map<unknown, unknown>([
    ["ints", [0, 255, 256, 65535, 65536, -1, -(2 ** 31), 2 ** 31 - 1, 2 ** 31, -(2 ** 40), 2n ** 70n, -(2n ** 70n)]],
    ["floats", [1.5, -0.1, 1e300, Infinity]],
    ["atoms", [null, true, false, "", "é ü ☃"]],
    [
      "tuples",
      [
        Object.freeze([]),
        Object.freeze([1]),
        Object.freeze([1, 2]),
        Object.freeze([1, 2, 3]),
        Object.freeze([1, 2, 3, 4]),
      ],
    ],
    ["bytes", new Uint8Array([0, 1, 200, 255])],
    [
      "ordered",
      new PyOrderedDict([
        ["b", 1],
        ["a", 2],
      ]),
    ],
    ["repeated", [shared, shared]],
    ["long list", list],
  ]);
  const { value: back, end } = unpickle(pickle(value));
  t.equal(end, pickle(value).length, "one pickle, ending with STOP");
  const m = back as Map<string, unknown>;
  t.same(m.get("ints"), value.get("ints"), "ints of every width, bigints beyond 2^53");
  t.same(m.get("floats"), value.get("floats"));
  t.same(m.get("atoms"), value.get("atoms"));
  const tuples = m.get("tuples") as unknown[][];
  t.same(tuples, value.get("tuples"));
  t.ok(
    tuples.every((x) => Object.isFrozen(x)),
    "tuples come back as tuples",
  );
  t.same([...(m.get("bytes") as Uint8Array)], [0, 1, 200, 255], "bytes (protocol 2: _codecs.encode)");
  t.same([...(m.get("ordered") as Map<string, number>).keys()], ["b", "a"], "OrderedDict keeps its order");
  const rep = m.get("repeated") as unknown[];
  t.equal(rep[0], rep[1], "a repeated object is memoized and fetched again");
  t.same(m.get("long list"), list, "lists longer than one APPENDS batch");
  t.end();
});

t.test("pickle() writes what CPython's pickler writes (protocol 2)", (t) => {
  // pickle.dumps({"a": [1, -2, 300, 70000, 2**40, None, True], "t": ("x", ("x",))}, protocol=2)
  const v = new Map<string, unknown>([
    ["a", [1, -2, 300, 70000, 2 ** 40, null, true]],
    ["t", Object.freeze(["x", Object.freeze(["x"])])],
  ]);
  t.equal(
    hex(pickle(v)),
    "80027d7100285801000000617101" +
      "5d7102284b014afeffffff4d2c014a701101008a06000000000001" +
      "4e8865" +
      "58010000007471035801000000787104680485710586710675" +
      "2e",
  );
  t.end();
});

t.test("pickle() writes globals, calls with state and persistent ids", (t) => {
  const call = new PyCall(new PyGlobal("torch._utils", "_rebuild_tensor_v2"), [
    new PyPersistentId(Object.freeze(["storage", 3])),
  ]);
  call.state = new Map([["k", 1]]);
  const seen: unknown[] = [];
  const { value } = unpickle(pickle([call, call]), 0, {
    persistentLoad: (pid) => {
      seen.push(pid);
      return "loaded";
    },
  });
  const [a, b] = value as PyCall[];
  t.ok(a instanceof PyCall);
  t.equal(a, b, "the same call object twice is one object");
  t.equal((a!.callable as PyGlobal).qualified, "torch._utils._rebuild_tensor_v2");
  t.same(a!.args, ["loaded"]);
  t.same(a!.state, new Map([["k", 1]]), "BUILD state");
  t.same(seen, [["storage", 3]], "the persistent id, resolved once");
  t.throws(() => pickle(undefined), PickleError);
  t.throws(() => pickle(new Set([1])), /cannot pickle a Set/);
  t.throws(() => pickle({ a: 1 }), /cannot pickle a Object/);
  t.throws(() => pickle(2n ** 3000n), /too large/);
  t.end();
});
