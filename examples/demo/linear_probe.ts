/**
 * The "is the demo task trivial?" check: a linear probe on raw per-video
 * features — the mean colour of the face crops (3 numbers) and the mean
 * log-mel spectrum (64 numbers) — fitted by ridge regression on the
 * training videos in both directions and scored on 1:2 matching of the
 * unseen identities. If this probe matched well, the demo would measure
 * nothing that has to be learned.
 *
 * @module
 */
import { Rng } from "../../models/mod.ts";
import type { FeatureCache } from "../../streams/mod.ts";

/** What the probe reached on the unseen identities. */
export interface ProbeResult {
  matchingV2F: number;
  matchingF2V: number;
  trials: number;
}

interface VideoFeatures {
  identity: string;
  voice: number[];
  face: number[];
}

async function features(cache: FeatureCache): Promise<VideoFeatures[]> {
  const out: VideoFeatures[] = [];
  for (const v of cache.videos) {
    const mels = v.summary.mels;
    const voice = new Array<number>(mels).fill(0);
    let frames = 0;
    for (let u = 0; u < v.summary.utteranceFrames.length; u++) {
      const n = v.summary.utteranceFrames[u]!;
      const data = await cache.store.readLogMel(v.key, u, 0, n);
      for (let t = 0; t < n; t++) for (let m = 0; m < mels; m++) voice[m]! += data[t * mels + m]!;
      frames += n;
    }
    const face = [0, 0, 0];
    for (let f = 0; f < v.summary.faceCount; f++) {
      const px = await cache.store.readFace(v.key, f);
      for (let i = 0; i < px.length; i++) face[i % 3]! += px[i]!;
    }
    const pixels = v.summary.faceCount * v.summary.faceHeight * v.summary.faceWidth || 1;
    out.push({
      identity: v.identity ?? v.videoId,
      voice: voice.map((x) => x / Math.max(1, frames)),
      face: face.map((x) => x / pixels),
    });
  }
  return out;
}

/** Column means and stds of rows. */
function standardiser(rows: number[][]): (r: number[]) => number[] {
  const d = rows[0]?.length ?? 0;
  const mean = new Array<number>(d).fill(0);
  const sd = new Array<number>(d).fill(0);
  for (const r of rows) r.forEach((x, j) => (mean[j]! += x / rows.length));
  for (const r of rows) r.forEach((x, j) => (sd[j]! += (x - mean[j]!) ** 2 / rows.length));
  return (r) => r.map((x, j) => (x - mean[j]!) / (Math.sqrt(sd[j]!) || 1));
}

/** Ridge regression Y ≈ [X, 1]·W, solved by Gauss–Jordan on the normal equations. */
function ridge(x: number[][], y: number[][], lambda: number): (r: number[]) => number[] {
  const p = (x[0]?.length ?? 0) + 1;
  const q = y[0]?.length ?? 0;
  const a = Array.from({ length: p }, () => new Array<number>(p + q).fill(0));
  x.forEach((xr, i) => {
    const z = [...xr, 1];
    for (let j = 0; j < p; j++) {
      for (let k = 0; k < p; k++) a[j]![k]! += z[j]! * z[k]!;
      for (let k = 0; k < q; k++) a[j]![p + k]! += z[j]! * y[i]![k]!;
    }
  });
  for (let j = 0; j < p - 1; j++) a[j]![j]! += lambda;
  for (let c = 0; c < p; c++) {
    let piv = c;
    for (let r = c + 1; r < p; r++) if (Math.abs(a[r]![c]!) > Math.abs(a[piv]![c]!)) piv = r;
    [a[c], a[piv]] = [a[piv]!, a[c]!];
    const d = a[c]![c]! || 1e-12;
    for (let k = 0; k < p + q; k++) a[c]![k]! /= d;
    for (let r = 0; r < p; r++) {
      if (r === c) continue;
      const f = a[r]![c]!;
      if (f !== 0) for (let k = 0; k < p + q; k++) a[r]![k]! -= f * a[c]![k]!;
    }
  }
  return (r) => {
    const z = [...r, 1];
    return Array.from({ length: q }, (_, k) => z.reduce((s, zj, j) => s + zj * a[j]![p + k]!, 0));
  };
}

/**
 * Fits the probe on `train` and scores 1:2 matching on `test` (seeded
 * trials: the probe's item, a video of the same identity, a video of
 * another identity).
 */
export async function linearProbe(
  train: FeatureCache,
  test: FeatureCache,
  trials = 2000,
  seed = 100,
): Promise<ProbeResult> {
  const tr = await features(train);
  const te = await features(test);
  const sv = standardiser(tr.map((r) => r.voice));
  const sf = standardiser(tr.map((r) => r.face));
  const v2f = ridge(
    tr.map((r) => sv(r.voice)),
    tr.map((r) => sf(r.face)),
    1,
  );
  const f2v = ridge(
    tr.map((r) => sf(r.face)),
    tr.map((r) => sv(r.voice)),
    1,
  );
  const rng = new Rng(seed);
  const dist = (a: number[], b: number[]) => a.reduce((s, x, j) => s + (x - b[j]!) ** 2, 0);
  let okV = 0;
  let okF = 0;
  for (let t = 0; t < trials; t++) {
    const probe = te[rng.int(te.length)]!;
    const same = te.filter((r) => r.identity === probe.identity);
    const other = te.filter((r) => r.identity !== probe.identity);
    const pos = same[rng.int(same.length)]!;
    const neg = other[rng.int(other.length)]!;
    const pf = v2f(sv(probe.voice));
    if (dist(pf, sf(pos.face)) < dist(pf, sf(neg.face))) okV += 1;
    const pv = f2v(sf(probe.face));
    if (dist(pv, sv(pos.voice)) < dist(pv, sv(neg.voice))) okF += 1;
  }
  return { matchingV2F: okV / trials, matchingF2V: okF / trials, trials };
}
