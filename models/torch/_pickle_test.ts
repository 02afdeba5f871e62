import t from "tap";
import { PickleError, PyCall, PyGlobal, unpickle } from "./_pickle.ts";

const hex = (h: string) => Uint8Array.from(h.match(/../g)!, (b) => parseInt(b, 16));

// pickle.dumps({"a": [1, -2, 300, 70000, -(2**40), 2**70, 1.5, None, True, False],
//               "b": ("x", b"\x00\x01", {"n": "é"}), "c": OrderedDict(k=1), "s": {3}, "f": frozenset([4])}, protocol=P)
const P2 =
  "80027d71002858010000006171015d7102284b014afeffffff4d2c014a701101008a060000000000ff8a09000000000000000040473ff80000000000004e88896558010000006271035801000000787104635f636f646563730a656e636f64650a710558020000000001710658060000006c6174696e3171078671085271097d710a58010000006e710b5802000000c3a9710c7387710d580100000063710e63636f6c6c656374696f6e730a4f726465726564446963740a710f2952711058010000006b71114b01735801000000737112635f5f6275696c74696e5f5f0a7365740a71135d71144b03618571155271165801000000667117635f5f6275696c74696e5f5f0a66726f7a656e7365740a71185d71194b046185711a52711b752e";
const P4 =
  "80049595000000000000007d94288c0161945d94284b014afeffffff4d2c014a701101008a060000000000ff8a09000000000000000040473ff80000000000004e8889658c0162948c01789443020001947d948c016e948c02c3a9947387948c0163948c0b636f6c6c656374696f6e73948c0b4f726465726564446963749493942952948c016b944b01738c0173948f94284b03908c016694284b049194752e";

t.test("unpickle() reads protocol 2 and 4 containers, numbers and strings", (t) => {
  for (const [name, h] of [
    ["protocol 2", P2],
    ["protocol 4", P4],
  ] as const) {
    const { value, end } = unpickle(hex(h));
    t.equal(end, h.length / 2, `${name}: stops after STOP`);
    const m = value as Map<string, unknown>;
    t.same(
      m.get("a"),
      [1, -2, 300, 70000, -(2 ** 40), 2n ** 70n, 1.5, null, true, false],
      `${name}: ints, longs, floats, None, bools`,
    );
    const b = m.get("b") as unknown[];
    t.equal(b[0], "x");
    t.same([...(b[1] as Uint8Array)], [0, 1], `${name}: bytes`);
    t.same(b[2], new Map([["n", "é"]]), `${name}: UTF-8 strings in nested dicts`);
    t.same(m.get("c"), new Map([["k", 1]]), `${name}: OrderedDict → Map`);
    t.same(m.get("s"), new Set([3]), `${name}: set`);
    t.same(m.get("f"), new Set([4]), `${name}: frozenset`);
  }
  // protocol 0 (text opcodes): {"a": [1, 2.5, "t"], "b": (None,)}
  const p0 = unpickle(
    hex("286470300a56610a70310a286c70320a49310a6146322e350a6156740a70330a617356620a70340a284e7470350a732e"),
  ).value;
  t.same(
    p0,
    new Map<string, unknown>([
      ["a", [1, 2.5, "t"]],
      ["b", [null]],
    ]),
  );
  t.end();
});

t.test("unpickle() never calls unknown globals and reports bad input", (t) => {
  // cos\nsystem\n(S'echo hi'\ntR.  — the classic exploit becomes an inert record.
  const evil = new TextEncoder().encode("cos\nsystem\n(S'echo hi'\ntR.");
  const v = unpickle(evil).value;
  t.ok(v instanceof PyCall);
  t.ok((v as PyCall).callable instanceof PyGlobal);
  t.equal(((v as PyCall).callable as PyGlobal).qualified, "os.system");
  t.same((v as PyCall).args, ["echo hi"]);
  t.throws(() => unpickle(hex(P4).subarray(0, 40)), PickleError, "truncated");
  t.throws(() => unpickle(hex("8002ff")), /unsupported pickle opcode 0xff at byte 2/);
  t.throws(() => unpickle(hex("800268052e")), /memo key 5 not found/);
  t.end();
});
