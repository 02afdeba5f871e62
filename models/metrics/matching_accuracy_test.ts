import t from "tap";
import { cosineScores, cosineSimilarity } from "./cosine_scores.ts";
import { matchingAccuracy } from "./matching_accuracy.ts";

t.test("matchingAccuracy() counts trials whose first candidate scores best", (t) => {
  t.equal(
    matchingAccuracy([
      [0.6, 0.05],
      [0.1, 0.4],
    ]),
    0.5,
  );
  t.equal(matchingAccuracy([[0.5, 0.5]]), 0, "a tie is wrong by default");
  t.equal(matchingAccuracy([[0.5, 0.5]], { ties: "correct" }), 1);
  t.equal(matchingAccuracy([[0.5, 0.4, 0.9]], { candidates: 2 }), 1, "1:2 from a 1:3 row");
  t.equal(matchingAccuracy([[0.5, 0.4, 0.9]]), 0);
  t.throws(() => matchingAccuracy([[0.5]]), RangeError);
  t.throws(() => matchingAccuracy([[NaN, 0.1]]), /score 0 is NaN/);
  t.end();
});

t.test("cosineSimilarity() follows torch's eps 1e-8 and rejects NaN", (t) => {
  t.equal(cosineSimilarity([1, 0], [1, 1]), 1 / Math.SQRT2);
  t.equal(cosineSimilarity([0, 0], [1, 1]), 0);
  t.throws(() => cosineSimilarity([NaN, 0], [1, 1]), RangeError);
  t.throws(() => cosineSimilarity([1], [1, 1]), RangeError);
  t.same(
    Array.from(
      cosineScores(
        [
          [1, 0],
          [0, 1],
        ],
        [
          [1, 0],
          [1, 0],
        ],
      ),
    ),
    [1, 0],
  );
  t.end();
});
