import { availableParallelism } from "node:os";
import t from "tap";
import { cli } from "../../test/fixtures/cli_io.ts";
import { UsageError } from "./_command.ts";
import { intFlag, intListFlag, joinNegativeValues, maxThreads, numberFlag, threadsFlag } from "./_flags.ts";

t.test("intFlag: digits only, within bounds; a UsageError naming the flag, the range and the value", (t) => {
  t.equal(intFlag("steps", undefined, { min: 2 }), undefined);
  t.equal(intFlag("steps", "200", { min: 2 }), 200);
  t.equal(intFlag("seed", "0"), 0);
  for (const bad of ["-1", "abc", "1", "", " 3", "3 ", "1e3", "0x10", "2.5", "+4", "9007199254740993"])
    t.throws(
      () => intFlag("steps", bad, { min: 2 }),
      { name: "UsageError", message: `--steps must be an integer ≥ 2, got "${bad}"` },
      JSON.stringify(bad),
    );
  t.throws(() => intFlag("threads", "999", { min: 1, max: 4, why: "this machine has 4 cores" }), {
    message: '--threads must be an integer from 1 to 4, got "999" (this machine has 4 cores)',
  });
  t.end();
});

t.test("intListFlag: comma-separated whole numbers within bounds", (t) => {
  t.equal(intListFlag("splits", undefined), undefined);
  t.same(intListFlag("splits", "1,2", { min: 1, max: 3 }), [1, 2]);
  t.same(intListFlag("splits", "3"), [3]);
  for (const bad of ["", "1,", ",1", "1;2", "a", "1,-2", "0,1"])
    t.throws(
      () => intListFlag("splits", bad, { min: 1, max: 3 }),
      { name: "UsageError", message: `--splits must be integers from 1 to 3 separated by commas, got "${bad}"` },
      JSON.stringify(bad),
    );
  t.end();
});

t.test("threadsFlag: 1 when absent, at most the machine's cores", (t) => {
  t.equal(threadsFlag(undefined), 1);
  t.equal(threadsFlag("2"), 2);
  t.equal(maxThreads(), Math.max(2, availableParallelism()));
  t.throws(() => threadsFlag("999"), {
    message: `--threads must be an integer from 1 to ${maxThreads()}, got "999" (this machine has ${availableParallelism()} cores)`,
  });
  t.throws(() => threadsFlag("0"), UsageError);
  t.throws(() => threadsFlag("x"), UsageError);
  t.end();
});

t.test("numberFlag: finite decimals that the check accepts", (t) => {
  const positive = (x: number) => x > 0;
  t.equal(numberFlag("fps", "2.5", positive, "a positive number"), 2.5);
  t.equal(numberFlag("lr", "1e-4", positive, "a positive number"), 1e-4);
  t.equal(numberFlag("fps", undefined, positive, "a positive number"), undefined);
  for (const bad of ["0", "-1", "", "abc", "Infinity", "NaN", "0x10", "1,5"])
    t.throws(
      () => numberFlag("fps", bad, positive, "a positive number"),
      { name: "UsageError", message: `--fps must be a positive number, got "${bad}"` },
      JSON.stringify(bad),
    );
  t.end();
});

t.test("joinNegativeValues: a negative number after a flag becomes its value", (t) => {
  t.same(joinNegativeValues(["train", "d", "--steps", "-1", "--seed", "-.5"]), [
    "train",
    "d",
    "--steps=-1",
    "--seed=-.5",
  ]);
  t.same(joinNegativeValues(["embed", "-", "--voice"]), ["embed", "-", "--voice"], "stdin's - stays");
  t.same(joinNegativeValues(["--steps", "--seed", "1"]), ["--steps", "--seed", "1"]);
  t.same(joinNegativeValues(["--steps=-1"]), ["--steps=-1"]);
  t.same(joinNegativeValues(["--", "-1"]), ["--", "-1"]);
  t.end();
});

t.test("cmpc: bad numbers are usage errors (exit 2) that name the flag and the value", async (t) => {
  const cases: [string[], string][] = [
    [
      ["train", "nowhere", "--steps", "-1"],
      `--steps must be an integer ≥ 2, got "-1" (the learning-rate schedule needs a warm-up and a decay)`,
    ],
    [
      ["train", "nowhere", "--steps", "abc"],
      `--steps must be an integer ≥ 2, got "abc" (the learning-rate schedule needs a warm-up and a decay)`,
    ],
    [
      ["train", "nowhere", "--steps", "1"],
      `--steps must be an integer ≥ 2, got "1" (the learning-rate schedule needs a warm-up and a decay)`,
    ],
    [["train", "nowhere", "--fps", "abc"], '--fps must be a positive number, got "abc"'],
    [["train", "nowhere", "--splits", "1,x"], '--splits must be integers from 1 to 3 separated by commas, got "1,x"'],
    [["train", "nowhere", "--batch-size", "1e3"], '--batch-size must be an integer ≥ 2, got "1e3"'],
    [["cache", "d", "--store", "s", "--fps", "0"], '--fps must be a positive number, got "0"'],
    [
      ["cache", "d", "--store", "s", "--splits", "4"],
      '--splits must be integers from 1 to 3 separated by commas, got "4"',
    ],
    [["train", "nowhere", "--threads", "999"], `--threads must be an integer from 1 to ${maxThreads()}, got "999"`],
    [["embed", "x.mp4", "--threads", "999"], `--threads must be an integer from 1 to ${maxThreads()}, got "999"`],
    [["embed", "x.mp4", "--fps", "-2"], '--fps must be a positive number, got "-2"'],
    [["match", "--video", "x.mp4", "--threshold", "abc"], '--threshold must be a number, got "abc"'],
    [["eval", "--data", "d", "--limit", "-5"], '--limit must be an integer ≥ 1, got "-5"'],
    [["finetune", "d", "--random", "--steps", "-3"], '--steps must be an integer ≥ 2, got "-3"'],
    [["demo-data", "d", "--videos", "1.5"], '--videos must be an integer ≥ 1, got "1.5"'],
  ];
  for (const [argv, message] of cases) {
    const r = await cli(argv);
    t.equal(r.code, 2, argv.join(" "));
    t.match(r.stderr, `cmpc ${argv[0]!}: ${message}`, argv.join(" "));
    t.notMatch(r.stderr, /ambiguous/);
    t.match(r.stderr, `Run "cmpc ${argv[0]!} --help" for usage.`);
  }
});

t.test("cmpc: every command answers a wrong command line with exit 2 and its usage hint", async (t) => {
  const cases: string[][] = [
    ["embed"],
    ["embed", "x.mp4", "--bogus"],
    ["embed", "x.mp4", "--format", "csv"],
    ["match"],
    ["match", "--video", "x.mp4", "--bogus"],
    ["eval"],
    ["eval", "--data", "d", "--bogus"],
    ["cache", "d"],
    ["cache", "d", "--store", "s", "--bogus"],
    ["train"],
    ["train", "d", "--bogus"],
    ["finetune", "d", "--bogus"],
    ["import-torch"],
    ["export-torch"],
    ["demo-data"],
    ["nosuchcommand"],
  ];
  for (const argv of cases) {
    const r = await cli(argv);
    t.equal(r.code, 2, `${argv.join(" ")}: ${r.stderr.split("\n")[0]!}`);
  }
});
