import t from "tap";
import { Subject, firstValueFrom, lastValueFrom, take, toArray } from "rxjs";
import { Rng } from "../../models/mod.ts";
import type { FeatureStore } from "../../streams/mod.ts";
import { samplePairs, type SampledPair } from "./sample_pairs.ts";
import { syntheticCache } from "../../test/fixtures/synthetic_cache.ts";

const key = (p: SampledPair): string => `${p.videoIndex}:${p.draw.utterance}:${p.draw.start}:${p.draw.face}`;

t.test("samplePairs() draws videos uniformly with replacement (chi-square)", async (t) => {
  const n = 20;
  const cache = await syntheticCache(
    Array.from({ length: n }, (_, v) => [30 + v, 12]),
    { mels: 4, faces: 2, faceSize: 2 },
  );
  const draws = 20000;
  const counts = new Array<number>(n).fill(0);
  const pairs = await lastValueFrom(samplePairs(cache, { seed: 3, windowFrames: 20, count: draws }).pipe(toArray()));
  for (const p of pairs) counts[p.videoIndex]!++;
  const expected = draws / n;
  const chi2 = counts.reduce((s, c) => s + (c - expected) ** 2 / expected, 0);
  // 19 degrees of freedom: the 0.1 % critical value is 43.82.
  t.ok(chi2 < 43.82, `chi-square ${chi2.toFixed(2)} over ${draws} draws < 43.82 (p = 0.001, 19 dof)`);
  const utt = pairs.filter((p) => p.draw.utterance === 0).length / draws;
  t.ok(Math.abs(utt - 0.5) < 0.02, `utterance 0 drawn ${utt.toFixed(3)} of the time (0.5 expected)`);
});

t.test("samplePairs() repeats with the seed and resumes from a pair's Rng state", async (t) => {
  const cache = await syntheticCache([[40], [25, 60], [10]], { mels: 4 });
  const run = (opts: Parameters<typeof samplePairs>[1]) => lastValueFrom(samplePairs(cache, opts).pipe(toArray()));
  const a = await run({ seed: 11, windowFrames: 30, count: 60 });
  const b = await run({ seed: 11, windowFrames: 30, count: 60 });
  t.same(a.map(key), b.map(key), "same seed, same draws");
  t.same(Array.from(a[7]!.logMel.data), Array.from(b[7]!.logMel.data));
  const c = await run({ seed: 12, windowFrames: 30, count: 60 });
  t.not(a.map(key).join(), c.map(key).join(), "another seed, other draws");
  const resumed = await run({
    rng: Rng.fromState(a[19]!.draw.rngState!),
    windowFrames: 30,
    count: 40,
  });
  t.same(resumed.map(key), a.slice(20).map(key), "resuming from pair 20's state continues with pair 21");
  const rng = new Rng(11);
  await run({ rng, windowFrames: 30, count: 20 });
  t.same(rng.state(), a[19]!.draw.rngState, "the generator is not advanced past the delivered pairs");
});

t.test("samplePairs() cuts windows and pads short utterances with 0 dB as the official loader", async (t) => {
  const cache = await syntheticCache([[50], [7]], { mels: 3 });
  const w = 12;
  const pairs = await lastValueFrom(samplePairs(cache, { seed: 5, windowFrames: w, count: 300 }).pipe(toArray()));
  const lefts = new Set<number>();
  for (const p of pairs) {
    const { data, mels, frames } = p.logMel;
    if (frames !== w || mels !== 3) t.fail(`shape ${mels}×${frames}`);
    const d = p.draw;
    if (p.videoIndex === 0) {
      if (d.padLeft + d.padRight !== 0 || d.start < 0 || d.start > 50 - w) t.fail(`draw ${JSON.stringify(d)}`);
      if (Math.abs(data[2 * w + 5]! - (d.start + 5 + 0.02)) > 0.01) t.fail(`window content at start ${d.start}`);
    } else {
      if (d.padLeft + d.padRight !== w - 7) t.fail(`padding ${d.padLeft} + ${d.padRight}`);
      lefts.add(d.padLeft);
      for (let f = 0; f < w; f++) {
        const inside = f >= d.padLeft && f < d.padLeft + 7;
        const want = inside ? f - d.padLeft + 0.01 : 0;
        if (Math.abs(data[w + f]! - want) > 0.01) t.fail(`frame ${f} is ${data[w + f]}, expected ${want}`);
      }
    }
    if (
      p.face.width !== 8 ||
      Math.abs(p.face.data[0]! - (((p.videoIndex * 16 + d.face) % 256) - 127.5) / 127.5) > 1e-6
    ) {
      t.fail("face scaled to [-1, 1]");
    }
  }
  t.pass("300 windows have the right content, padding and faces");
  t.same(
    [...lefts].sort(),
    [2, 3],
    "an odd shortfall puts the extra 0 dB frame on either side (⌊(W−T+1)/2⌋ pad, random start)",
  );
});

t.test("samplePairs() sequential mode covers every window once and completes", async (t) => {
  const cache = await syntheticCache([[25, 5], [10]], { mels: 2, faces: 2 });
  const pairs = await lastValueFrom(samplePairs(cache, { mode: "sequential", windowFrames: 10 }).pipe(toArray()));
  t.same(
    pairs.map((p) => [p.videoIndex, p.draw.utterance, p.draw.start, p.draw.padLeft, p.draw.face]),
    [
      [0, 0, 0, 0, 0],
      [0, 0, 10, 0, 1],
      [0, 0, 15, 0, 0],
      [0, 1, 0, 2, 1],
      [1, 0, 0, 0, 0],
    ],
  );
});

t.test("samplePairs() delivers only what demand credits and reads nothing ahead", async (t) => {
  const cache = await syntheticCache([[40], [40]], { mels: 2 });
  let reads = 0;
  const inner = cache.store;
  const counting: FeatureStore = {
    ...inner,
    stat: (k) => inner.stat(k),
    create: (k, v) => inner.create(k, v),
    delete: (k) => inner.delete(k),
    keys: () => inner.keys(),
    readFace: (k, i) => inner.readFace(k, i),
    readLogMel: (k, u, s, c) => {
      reads++;
      return inner.readLogMel(k, u, s, c);
    },
  };
  const demand = new Subject<number>();
  const got: SampledPair[] = [];
  let done = false;
  const sub = samplePairs({ ...cache, store: counting }, { seed: 1, windowFrames: 10, demand }).subscribe({
    next: (p) => got.push(p),
    complete: () => (done = true),
  });
  await new Promise((r) => setTimeout(r, 20));
  t.equal(reads, 0, "no read before any demand");
  demand.next(3);
  await new Promise((r) => setTimeout(r, 20));
  t.equal(got.length, 3);
  t.equal(reads, 3, "exactly the credited pairs are read");
  demand.next(2);
  demand.complete();
  await new Promise((r) => setTimeout(r, 20));
  t.equal(got.length, 5);
  t.ok(done, "completes when demand completes and credit is spent");
  sub.unsubscribe();

  // Without demand: pull-on-return, one read per delivered pair.
  reads = 0;
  let maxAhead = 0;
  let seen = 0;
  const first = await lastValueFrom(
    samplePairs({ ...cache, store: counting }, { seed: 1, windowFrames: 10 }).pipe(take(50), toArray()),
  );
  t.equal(first.length, 50);
  t.ok(reads <= 51, `${reads} reads for 50 pairs`);
  reads = 0;
  const sub2 = samplePairs({ ...cache, store: counting }, { seed: 1, windowFrames: 10 }).subscribe(() => {
    seen++;
    maxAhead = Math.max(maxAhead, reads - seen);
  });
  await new Promise((r) => setTimeout(r, 30));
  sub2.unsubscribe();
  t.ok(seen > 10 && maxAhead <= 0, `${seen} pairs, reads never ahead of delivery (max ${maxAhead})`);
});

t.test("samplePairs() with demand draws nothing before it has credit (the rng does not move)", async (t) => {
  const cache = await syntheticCache([[40], [40]], { mels: 2 });
  const rng = new Rng(5);
  const before = JSON.stringify(rng.state());
  const demand = new Subject<number>();
  const got: SampledPair[] = [];
  const sub = samplePairs(cache, { rng, windowFrames: 10, demand }).subscribe((p) => got.push(p));
  await new Promise((r) => setTimeout(r, 20));
  t.equal(JSON.stringify(rng.state()), before, "no draw without credit");
  demand.next(2);
  await new Promise((r) => setTimeout(r, 20));
  t.equal(got.length, 2);
  const afterTwo = JSON.stringify(rng.state());
  t.equal(afterTwo, JSON.stringify(got[1]!.draw.rngState), "after two credits the rng is exactly past the second pair");
  await new Promise((r) => setTimeout(r, 20));
  t.equal(JSON.stringify(rng.state()), afterTwo, "and no third pair is drawn ahead");
  sub.unsubscribe();
});

t.test("samplePairs() reports unusable caches and store errors on the error channel", async (t) => {
  const cache = await syntheticCache([[40]], { faces: 0 });
  await t.rejects(firstValueFrom(samplePairs(cache)), {
    name: "RangeError",
    message: /"video0": it has 1 utterances and 0 faces/,
  });
  const ok = await syntheticCache([[40]]);
  const broken = {
    ...ok,
    store: {
      ...ok.store,
      readFace: () => Promise.reject(new Error("disk gone")),
      readLogMel: ok.store.readLogMel.bind(ok.store),
    },
  };
  await t.rejects(firstValueFrom(samplePairs(broken as typeof ok)), {
    message: "disk gone",
  });
  await t.rejects(firstValueFrom(samplePairs({ ...ok, videos: [] })), {
    name: "RangeError",
  });
  await t.rejects(firstValueFrom(samplePairs(ok, { windowFrames: 0 })), {
    name: "RangeError",
  });
});
