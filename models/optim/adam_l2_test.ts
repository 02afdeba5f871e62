import t from "tap";
import { AdamL2, tf } from "../mod.ts";

await tf.setBackend("cpu");

t.test("AdamL2 takes PyTorch's bias-corrected step with coupled L2", async (t) => {
  const x = tf.tidy(() => tf.variable(tf.tensor1d([1, -2])));
  const before = tf.memory().numTensors;
  const opt = new AdamL2({ lr: 0.1, weightDecay: 0.5 });
  const g = tf.tensor1d([0.2, 0.4]);
  opt.applyGradients({ x: g }, { x });
  // step 1: g' = g + 0.5θ = [0.7, -0.6]; m̂ = g', v̂ = g'² → θ − 0.1·g'/(|g'| + 1e-8)
  const got = await x.data();
  t.ok(Math.abs(got[0]! - 0.9) < 1e-6 && Math.abs(got[1]! + 1.9) < 1e-6, Array.from(got).join(", "));
  t.equal(opt.step, 1);
  g.dispose();
  opt.dispose();
  t.equal(tf.memory().numTensors, before, "no tensor leaks");
  x.dispose();
});

t.test("AdamL2 state round-trips through getState/setState", async (t) => {
  const mk = () =>
    tf.variable(
      tf.tensor2d([
        [1, 2],
        [3, 4],
      ]),
    );
  const a = mk();
  const b = mk();
  const o1 = new AdamL2({ lr: 1e-2 });
  const g = tf.tensor2d([
    [0.1, -0.2],
    [0.3, 0.05],
  ]);
  o1.applyGradients({ w: g }, { w: a });
  const o2 = new AdamL2({ lr: 1e-2 });
  b.assign(a);
  o2.setState(o1.getState());
  t.same(Object.keys(o1.getState().slots).sort(), ["w/m", "w/v"]);
  o1.applyGradients({ w: g }, { w: a });
  o2.applyGradients({ w: g }, { w: b });
  t.same(Array.from(await a.data()), Array.from(await b.data()));
  t.throws(() => {
    o1.applyGradients({ nope: g }, { w: a });
  }, TypeError);
  o1.lr = NaN;
  t.throws(() => {
    o1.applyGradients({ w: g }, { w: a });
  }, RangeError);
  tf.dispose([a, b, g]);
  o1.dispose();
  o2.dispose();
});
