/**
 * `npm run bench:eval`: evaluation speed on cached (random) embeddings.
 *
 * 1. Verification: scoring 30,496 pairs (the size of `veriflist_test_random_unseenunheard`)
 *    with evaluateVerification (5 crop views per voice, image + flip per face, cosine,
 *    ROC/AUC/EER); plain JS float64, backend-independent.
 * 2. Retrieval: 20,000 voice queries against a 20,000-face gallery (512-d), blocked
 *    cosine scores on tfjs wasm and cpu, per-query scikit-learn AP.
 * Both against scikit-learn (Debian /usr/bin/python3) in the same run when present.
 * Env: EVAL_BENCH_CPU_QUERIES (default 1024), EVAL_BENCH_PY_QUERIES (default 2000),
 * EVAL_BENCH_WASM_QUERIES (default 20000): query subsets are timed and extrapolated to 20,000.
 * Writes bench/results/eval.json and prints it.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import {
  averagePrecision,
  initBackend,
  meanAveragePrecision,
  retrievalAveragePrecision,
  Rng,
  tf,
} from "../models/mod.ts";
import { evaluateVerification, type EvaluateEmbedders, type VerificationPairInput } from "../operators/mod.ts";

const D = 512;
const IDS = 250;
const PAIRS = 30496;
const GALLERY = 20000;
const env = (k: string, d: number) => Number(process.env[k] ?? d);
const Q_CPU = env("EVAL_BENCH_CPU_QUERIES", 1024);
const Q_PY = env("EVAL_BENCH_PY_QUERIES", 2000);
const Q_WASM = env("EVAL_BENCH_WASM_QUERIES", 20000);
const PY = "/usr/bin/python3";
const hasSklearn = existsSync(PY) && spawnSync(PY, ["-c", "import sklearn"]).status === 0;

const rng = new Rng(12);
const idVecs = rng.normalArray(IDS * D);
function embeddings(n: number, identity: (i: number) => number, noise: number): Float32Array {
  const out = rng.normalArray(n * D);
  for (let i = 0; i < n; i++) {
    const a = identity(i);
    for (let k = 0; k < D; k++) out[i * D + k] = idVecs[a * D + k]! + noise * out[i * D + k]!;
  }
  return out;
}
console.error("generating embeddings…");
const faceId = (j: number) => j % IDS;
const faces = embeddings(GALLERY, faceId, 3);
const voiceId = (i: number) => (i * 7) % IDS;
const voices = embeddings(Math.max(PAIRS, GALLERY), voiceId, 3);
const pairFace = Int32Array.from({ length: PAIRS }, (_, k) => {
  const a = voiceId(k);
  const same = k % 2 === 0;
  const b = same ? a : (a + 1 + rng.int(IDS - 1)) % IDS;
  return b + IDS * rng.int(GALLERY / IDS);
});
const pairs: VerificationPairInput[] = Array.from({ length: PAIRS }, (_, k) => ({
  voice: `v${k}`,
  face: `f${pairFace[k]!}`,
  label: k % 2 === 0 ? 1 : 0,
}));
const row = (m: Float32Array, i: number) => m.subarray(i * D, (i + 1) * D);
const cached: EvaluateEmbedders = {
  voice: (item) => Promise.resolve(row(voices, Number(item.slice(1)))),
  face: (item) => Promise.resolve(row(faces, Number(item.slice(1)))),
};

const result: Record<string, unknown> = {
  bench: "eval",
  date: new Date().toISOString(),
  machine: { cpus: cpus().length, model: cpus()[0]?.model ?? "", loadavg1: loadavg()[0] },
  note: "shared machine: absolute times depend on load; ratios are measured in the same run",
};

// 1. verification
console.error("verification…");
let t0 = performance.now();
const verif = await evaluateVerification(pairs, cached, { name: "random (synthetic)", concurrency: 1 });
const verifMs = performance.now() - t0;
const verification: Record<string, unknown> = {
  pairs: PAIRS,
  dim: D,
  voiceViews: 5,
  faceViews: 2,
  ts: {
    ms: Math.round(verifMs),
    auc: verif.auc,
    eer: verif.eer,
    what: "evaluateVerification: embed-table build + view means + cosine + roc_curve + auc + EER, plain JS float64",
  },
};
result.verification = verification;

// 2. retrieval
const ids = Array.from({ length: GALLERY }, (_, j) => `id${faceId(j)}`);
const gallery = { emb: faces, dim: D, ids };
const query = (n: number) => ({
  emb: voices.subarray(0, n * D),
  dim: D,
  ids: Array.from({ length: n }, (_, i) => `id${voiceId(i)}`),
});
const retrieval: Record<string, unknown> = { queries: GALLERY, gallery: GALLERY, dim: D };
result.retrieval = retrieval;
let apWasm: Float64Array | null = null;
const SAME = 64; // rows whose exact float32 scores are handed to scikit-learn
let sameScores: Float32Array | null = null;
for (const backend of ["wasm", "cpu"] as const) {
  const choice = await initBackend({ prefer: backend });
  const q = backend === "wasm" ? Q_WASM : Q_CPU;
  console.error(`retrieval on ${choice.backend}: ${q} queries…`);
  const before = tf.memory().numTensors;
  t0 = performance.now();
  const ap = await retrievalAveragePrecision(query(q), gallery, { blockSize: 512 });
  const ms = performance.now() - t0;
  const leaked = tf.memory().numTensors - before;
  if (backend === "wasm") {
    apWasm = ap;
    const qs = query(SAME);
    const same = tf.tidy(() => {
      const g = tf.transpose(
        tf
          .tensor2d(gallery.emb, [GALLERY, D])
          .div(tf.tensor2d(gallery.emb, [GALLERY, D]).square().sum(1, true).sqrt().maximum(1e-12)),
      );
      const q = tf.tensor2d(qs.emb, [SAME, D]);
      return tf.matMul(q.div(q.square().sum(1, true).sqrt().maximum(1e-12)), g);
    });
    sameScores = same.dataSync() as Float32Array;
    same.dispose();
  }
  retrieval[backend] = {
    backend: choice.summary,
    queriesTimed: q,
    ms: Math.round(ms),
    msPer20kQueries: Math.round((ms * GALLERY) / q),
    extrapolated: q !== GALLERY,
    mapOfTimedQueries: meanAveragePrecision(ap),
    tensorsLeaked: leaked,
  };
}

// 3. scikit-learn peer
if (hasSklearn) {
  console.error("scikit-learn peer…");
  const dir = mkdtempSync(join(tmpdir(), "cmpc-bench-eval-"));
  try {
    writeFileSync(join(dir, "voices.f32"), voices);
    writeFileSync(join(dir, "faces.f32"), faces);
    writeFileSync(join(dir, "pair_face.i32"), pairFace);
    if (sameScores !== null) writeFileSync(join(dir, "same.f32"), sameScores);
    const script = `
import json, sys, time
import numpy as np
from sklearn import metrics
d, n, g, ids, qpy = ${D}, ${PAIRS}, ${GALLERY}, ${IDS}, ${Q_PY}
V = np.fromfile(sys.argv[1] + "/voices.f32", dtype=np.float32).reshape(-1, d)
F = np.fromfile(sys.argv[1] + "/faces.f32", dtype=np.float32).reshape(-1, d)
pf = np.fromfile(sys.argv[1] + "/pair_face.i32", dtype=np.int32)
labels = (np.arange(n) % 2 == 0).astype(int)
out = {}
t = time.perf_counter()
v = V[:n].astype(np.float64); f = F[pf].astype(np.float64)
s = (v * f).sum(1) / (np.linalg.norm(v, axis=1) * np.linalg.norm(f, axis=1))
fpr, tpr, th = metrics.roc_curve(labels, s, pos_label=1)
auc = metrics.auc(fpr, tpr)
eer = fpr[np.nanargmin(np.absolute((1 - tpr) - fpr))]
out["verification"] = {"ms": round((time.perf_counter() - t) * 1000), "auc": auc, "eer": float(eer)}
vid = (np.arange(qpy) * 7) % ids; fid = np.arange(g) % ids
t = time.perf_counter()
Vn = V[:qpy] / np.maximum(np.linalg.norm(V[:qpy], axis=1, keepdims=True), 1e-12)
Fn = F / np.maximum(np.linalg.norm(F, axis=1, keepdims=True), 1e-12)
S = Vn @ Fn.T
tm = time.perf_counter() - t
aps = [metrics.average_precision_score((fid == vid[i]).astype(int), S[i]) for i in range(qpy)]
ta = time.perf_counter() - t
same = np.fromfile(sys.argv[1] + "/same.f32", dtype=np.float32).reshape(-1, g).astype(np.float64)
out["sameScoresAps"] = [metrics.average_precision_score((fid == vid[i]).astype(int), same[i]) for i in range(same.shape[0])]
k = min(200, qpy)
S64 = Vn[:k].astype(np.float64) @ Fn.astype(np.float64).T
noise = max(abs(metrics.average_precision_score((fid == vid[i]).astype(int), S64[i]) - aps[i]) for i in range(k))
out["retrieval"] = {"queriesTimed": qpy, "ms": round(ta * 1000), "matmulMs": round(tm * 1000), "msPer20kQueries": round(ta * 1000 * g / qpy), "float32VsFloat64ApMaxAbsDiff": {"queries": k, "value": noise}, "aps": aps}
json.dump(out, sys.stdout)
`;
    const py = JSON.parse(execFileSync(PY, ["-c", script, dir], { maxBuffer: 1 << 28 }).toString()) as {
      verification: { ms: number; auc: number; eer: number };
      sameScoresAps: number[];
      retrieval: {
        queriesTimed: number;
        ms: number;
        matmulMs: number;
        msPer20kQueries: number;
        float32VsFloat64ApMaxAbsDiff: unknown;
        aps: number[];
      };
    };
    verification.sklearn = {
      ...py.verification,
      what: "numpy float64 cosine + sklearn roc_curve + auc + EER (no view averaging)",
    };
    verification.ratioTsOverSklearn = +(verifMs / py.verification.ms).toFixed(2);
    verification.aucAbsDiff = Math.abs(verif.auc - py.verification.auc);
    verification.eerAbsDiff = Math.abs(verif.eer - py.verification.eer);
    const { aps, ...rest } = py.retrieval;
    const n = Math.min(aps.length, apWasm?.length ?? 0);
    let worst = 0;
    for (let i = 0; i < n; i++) worst = Math.max(worst, Math.abs(aps[i]! - apWasm![i]!));
    if (sameScores !== null) {
      let w = 0;
      py.sameScoresAps.forEach((e, i) => {
        const labels = ids.map((id) => (id === `id${voiceId(i)}` ? 1 : 0));
        w = Math.max(w, Math.abs(averagePrecision(labels, sameScores.subarray(i * GALLERY, (i + 1) * GALLERY)) - e));
      });
      retrieval.apMaxAbsDiffSameScores = {
        queries: py.sameScoresAps.length,
        value: w,
        why: "identical float32 score rows: averagePrecision against average_precision_score",
      };
    }
    retrieval.sklearn = {
      ...rest,
      extrapolated: rest.queriesTimed !== GALLERY,
      what: "numpy float32 matmul of the query subset + per-query average_precision_score",
    };
    retrieval.apMaxAbsDiffWasmVsSklearn = {
      queries: n,
      value: worst,
      why: "float32 scores in both, rounded differently (XNNPACK vs BLAS) so near-tied items can swap; compare sklearn.float32VsFloat64ApMaxAbsDiff, the same effect inside scikit-learn alone",
    };
    for (const b of ["wasm", "cpu"]) {
      const r = retrieval[b] as { msPer20kQueries: number };
      retrieval[`ratio_${b}_over_sklearn`] = +(r.msPer20kQueries / rest.msPer20kQueries).toFixed(2);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
} else {
  result.sklearn = `skipped: ${PY} with scikit-learn not found (python3-sklearn; scripts/setup-peers.sh)`;
}

mkdirSync(new URL("./results/", import.meta.url), { recursive: true });
const text = JSON.stringify(result, null, 2);
writeFileSync(new URL("./results/eval.json", import.meta.url), text + "\n");
console.log(text);
