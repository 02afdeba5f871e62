// Shared checks for FeatureStore implementations (used by their _test.ts files only).
import type { Test } from "tap";
import type { FeatureStore } from "./feature_store.ts";

/** A deterministic `mels × frames` log-mel spanning about 80 dB. */
export function fakeLogMel(mels: number, frames: number, seed: number): Float32Array {
  const out = new Float32Array(mels * frames);
  for (let i = 0; i < out.length; i++) out[i] = -60 + 80 * Math.abs(Math.sin(i * 0.37 + seed));
  return out;
}

/** Checks quantisation error, random-access reads, summaries, abort and errors. */
export async function checkStoreContract(t: Test, store: FeatureStore): Promise<void> {
  const mels = 64;
  const lens = [300, 17];
  const w = await store.create("k1", "clip.mp4");
  const logs = lens.map((n, i) => fakeLogMel(mels, n, i));
  for (const [i, n] of lens.entries()) {
    await w.addUtterance({ data: logs[i]!, mels, frames: n });
    await w.addFace({ data: new Uint8Array(8 * 6 * 3).fill(10 + i), width: 8, height: 6 });
  }
  t.equal(await store.stat("k1"), undefined, "nothing visible before commit");
  const summary = await w.commit();
  t.same(
    { ...summary, bytes: 0 },
    { videoId: "clip.mp4", mels, utteranceFrames: lens, faceCount: 2, faceHeight: 6, faceWidth: 8, bytes: 0 },
  );
  t.ok(summary.bytes >= (300 + 17) * mels * 2 + 2 * 144, `stored ${summary.bytes} bytes`);
  t.same(await store.stat("k1"), summary);
  const win = await store.readLogMel("k1", 0, 250, 50);
  t.equal(win.length, 50 * mels);
  let worst = 0;
  for (let f = 0; f < 50; f++) {
    for (let m = 0; m < mels; m++) worst = Math.max(worst, Math.abs(win[f * mels + m]! - logs[0]![m * 300 + 250 + f]!));
  }
  t.ok(worst < 0.001, `worst quantisation error ${worst.toExponential(2)} dB < 1e-3`);
  t.same(Array.from(await store.readFace("k1", 1)), new Array(144).fill(11));
  await t.rejects(store.readLogMel("k1", 1, 10, 8), { name: "RangeError" });
  await t.rejects(store.readLogMel("k1", 2, 0, 1), { name: "RangeError" });
  await t.rejects(store.readFace("k1", 2), { name: "RangeError" });
  await t.rejects(store.readFace("nope", 0), { name: "RangeError" });

  const bad = await store.create("k2", "bad.mp4");
  await t.rejects(bad.addUtterance({ data: new Float32Array([0, NaN]), mels: 1, frames: 2 }), { name: "RangeError", message: /"bad\.mp4"/ });
  await bad.addFace({ data: new Uint8Array(12), width: 2, height: 2 });
  await t.rejects(bad.addFace({ data: new Uint8Array(27), width: 3, height: 3 }), { name: "RangeError" });
  await bad.abort();
  t.equal(await store.stat("k2"), undefined, "an aborted entry is not stored");
  t.same(await store.keys(), ["k1"]);

  // A constant utterance (silence) round-trips exactly.
  const s = await store.create("k3", "silence.mp4");
  await s.addUtterance({ data: new Float32Array(64 * 3).fill(-100), mels: 64, frames: 3 });
  await s.commit();
  t.same(Array.from(await store.readLogMel("k3", 0, 0, 3)), new Array(192).fill(-100));
  await store.delete("k3");
  t.equal(await store.stat("k3"), undefined);
}
