import { execFileSync, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import t from "tap";
import { Rng } from "../rng.ts";
import { normalizedMutualInformation } from "./normalized_mutual_information.ts";

t.test("normalizedMutualInformation() on cases with known answers (values from scikit-learn 1.2)", (t) => {
  t.ok(
    Math.abs(normalizedMutualInformation([0, 0, 1, 1], ["a", "a", "b", "b"]) - 1) < 1e-12,
    "the same partition, other names",
  );
  t.equal(normalizedMutualInformation([0, 1, 0, 1], [0, 0, 1, 1]), 0, "independent");
  t.ok(
    Math.abs(normalizedMutualInformation([0, 0, 1, 2, 2, 2, 1, 0], [1, 1, 0, 0, 2, 2, 2, 1]) - 0.619311301132631) <
      1e-12,
  );
  t.equal(normalizedMutualInformation([0, 0, 0], [1, 2, 3]), 0, "one side a single class");
  t.equal(normalizedMutualInformation([0, 0, 0], [1, 1, 1]), 1, "both a single class");
  t.throws(() => normalizedMutualInformation([0], [0, 1]), RangeError);
  t.throws(() => normalizedMutualInformation([], []), RangeError);
  t.end();
});

const PY = "/usr/bin/python3";
const hasSklearn = existsSync(PY) && spawnSync(PY, ["-c", "import sklearn"]).status === 0;

t.test(
  "normalizedMutualInformation() equals scikit-learn on random labelings",
  { skip: hasSklearn ? false : `needs ${PY} with scikit-learn (python3-sklearn); run scripts/setup-peers.sh` },
  (t) => {
    const rng = new Rng(11);
    const cases = Array.from({ length: 30 }, (_, k) => {
      const n = 20 + rng.int(400);
      const ka = 1 + rng.int(k % 3 === 0 ? 3 : 40);
      const kb = 1 + rng.int(k % 5 === 0 ? 2 : 60);
      const a = Array.from({ length: n }, () => rng.int(ka));
      // b follows a on part of the items, so the scores spread over [0, 1].
      const b = a.map((x) => (rng.uniform() < k / 30 ? x % kb : rng.int(kb)));
      return { a, b };
    });
    const script = [
      "import json, sys",
      "from sklearn.metrics import normalized_mutual_info_score as f",
      "print(json.dumps([f(c['a'], c['b']) for c in json.load(sys.stdin)]))",
    ].join("\n");
    const expected = JSON.parse(
      execFileSync(PY, ["-c", script], { input: JSON.stringify(cases) }).toString(),
    ) as number[];
    let worst = 0;
    cases.forEach((c, i) => {
      worst = Math.max(worst, Math.abs(normalizedMutualInformation(c.a, c.b) - expected[i]!));
    });
    t.ok(worst < 1e-12, `30 random labelings: worst |ours − sklearn| = ${worst.toExponential(2)}`);
    t.end();
  },
);
