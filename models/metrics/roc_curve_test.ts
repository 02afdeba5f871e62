import t from "tap";
import { equalErrorRate } from "./equal_error_rate.ts";
import { rocAuc } from "./roc_auc.ts";
import { rocCurve } from "./roc_curve.ts";

t.test("rocCurve() matches scikit-learn's roc_curve on a small case", (t) => {
  const roc = rocCurve([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]);
  t.same(Array.from(roc.fpr), [0, 0, 0.5, 0.5, 1]);
  t.same(Array.from(roc.tpr), [0, 0.5, 0.5, 1, 1]);
  t.same(Array.from(roc.thresholds), [Infinity, 0.8, 0.4, 0.35, 0.1]);
  t.equal(rocAuc([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]), 0.75);
  t.equal(rocAuc(roc), 0.75);
  t.end();
});

t.test("rocCurve() drops intermediate points unless told not to", (t) => {
  // three positives in a row, then three negatives: only the corners stay
  const labels = [1, 1, 1, 0, 0, 0];
  const scores = [6, 5, 4, 3, 2, 1];
  t.same(Array.from(rocCurve(labels, scores).tpr), [0, 1 / 3, 1, 1]);
  t.equal(rocCurve(labels, scores, { dropIntermediate: false }).tpr.length, 7);
  t.end();
});

t.test("rocCurve() makes tied scores one threshold", (t) => {
  const roc = rocCurve([1, 0, 1, 0], [0.5, 0.5, 0.5, 0.1], { dropIntermediate: false });
  t.same(Array.from(roc.fpr), [0, 0.5, 1]);
  t.same(Array.from(roc.tpr), [0, 1, 1]);
  t.end();
});

t.test("equalErrorRate() follows the official argmin |FNR - FPR| rule", (t) => {
  const e = equalErrorRate([1, 0, 1, 1, 0, 0], [0.552, 0.722, -0.295, 0.626, 0.259, 0.032]);
  t.equal(e.eer, 1 / 3);
  t.equal(e.index, 2);
  t.equal(e.threshold, 0.552);
  t.end();
});

t.test("rocCurve() rejects bad input instead of returning NaN", (t) => {
  t.throws(() => rocCurve([1, 1], [0.1, 0.2]), RangeError, "one class");
  t.throws(() => rocCurve([1, 0], [0.1]), RangeError);
  t.throws(() => rocCurve([1, 0], [NaN, 0.2]), /score 0 is NaN/);
  t.throws(() => rocCurve([1, 2], [0.1, 0.2]), /label 1 is 2/);
  t.same(Array.from(rocCurve([true, false], [0.9, 0.1]).tpr), [0, 1, 1]);
  t.end();
});
