/**
 * `npm run fuzz -- --minutes 30`: mutates real files (bit flips, truncation,
 * splices, header field edits) and feeds them to the decoders, the wav /
 * JPEG / csv readers, the checkpoint reader and the torch and pickle
 * readers, each target in its own process for its share of the time.
 * Reports every crash (the process died), hang (no answer within the
 * per-input limit) and untyped error (anything but the project's typed
 * errors and a TypeError / RangeError / SyntaxError naming the input), with
 * the input saved for reproduction under `.fuzz/findings/<target>/`
 * (gitignored). Writes `.fuzz/report.json`; exit 1 when anything was found.
 *
 * Options: `--minutes <m>` (default 1), `--targets a,b` (default all),
 * `--out <dir>` (default .fuzz), `--seed <n>`.
 * Not part of `npm test`. Needs native ffmpeg for the media seeds (the
 * decoder targets are left out without it).
 */
import { fork } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { loadavg } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { unzipSync } from "fflate";
import { exportTorchCheckpoint } from "../../models/mod.ts";
import { pickle } from "../../models/torch/_pickle_writer.ts";
import {
  checkpointBytes,
  jpegBytes,
  makeMediaCorpus,
  nativeFfmpeg,
  sharedGrid,
  VERIFICATION_LIST,
  VOX1_META,
  wavBytes,
} from "../fixtures/bad_input_corpus.ts";
import { TARGETS } from "./_targets.ts";

const { values } = parseArgs({
  options: {
    minutes: { type: "string", default: "1" },
    targets: { type: "string", default: Object.keys(TARGETS).join(",") },
    out: { type: "string", default: ".fuzz" },
    seed: { type: "string", default: String(Date.now() % 100000) },
  },
});
const minutes = Number(values.minutes);
if (!(minutes > 0)) {
  console.error(`--minutes must be a positive number, got "${values.minutes}"`);
  process.exit(2);
}
const out = values.out;
const wanted = values.targets.split(",").filter((t) => t !== "");
for (const t of wanted) {
  if (TARGETS[t] === undefined) {
    console.error(`unknown target "${t}" (known: ${Object.keys(TARGETS).join(", ")})`);
    process.exit(2);
  }
}

// ---- seeds: real files of each format ----
const seedRoot = join(out, "seeds");
rmSync(seedRoot, { recursive: true, force: true });
const put = (target: string, name: string, bytes: Uint8Array | string) => {
  mkdirSync(join(seedRoot, target), { recursive: true });
  writeFileSync(join(seedRoot, target, name), bytes);
};
const ffmpeg = nativeFfmpeg();
const targets = wanted.filter((t) => {
  if (!t.startsWith("decode-") || ffmpeg !== null) return true;
  console.error(`fuzz: no native ffmpeg (bash scripts/setup-peers.sh): target ${t} left out`);
  return false;
});
if (ffmpeg !== null) {
  const media = makeMediaCorpus(join(out, "media"), ffmpeg);
  for (const t of ["decode-video", "decode-audio"]) {
    for (const f of ["whole.mp4", "whole_fast.mp4", "whole.mpg", "whole.webm", "audioonly.m4a"] as const)
      put(t, f, readFileSync(media[f]));
    put(t, "tone.wav", wavBytes(16000));
    const grid = sharedGrid();
    if (grid !== null) {
      const clip = readdirSync(grid).find((f) => f.endsWith(".mpg"));
      if (clip !== undefined) copyFileSync(join(grid, clip), join(seedRoot, t, `grid-${clip}`));
    }
  }
}
put("wav", "tone.wav", wavBytes(16000));
put("wav", "short.wav", wavBytes(37));
put("jpeg", "gradient.jpg", jpegBytes(32, 24));
put("jpeg", "one.jpg", jpegBytes(1, 1));
put("csv", "vox1_meta.csv", VOX1_META);
put("csv", "veriflist.txt", VERIFICATION_LIST);
put(
  "csv",
  "matching.csv",
  "id10002/a/00001.wav A/1.6/b/1.jpg C/1.6/d/2.jpg\nid10003/a/00002.wav A/1.6/b/1.jpg C/1.6/d/2.jpg\n",
);
put("csv", "wav_20k.csv", "VoxCeleb1 ID\twav\nid10002\tid10002/0_laIeN-Q44/00001.wav\n");
put("csv", "manifest.csv", "file,identity,note\na.mp4,alice,x\nb.mp4,,y\n");
put("csv", "splits.txt", "A.J._Buckley 1 \nA.R._Rahman 4 \n");
put("checkpoint", "tiny.state.bin", checkpointBytes());
const w = (shape: number[]) => ({
  shape,
  data: Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, (_, i) => i / 10),
});
const torch = exportTorchCheckpoint({
  "voice/conv1.weight": w([3, 3, 1, 4]),
  "voice/bn1.weight": w([4]),
  "voice/bn1.running_mean": w([4]),
  "face/fc.bias": w([4]),
});
put("torch", "tiny.pth.tar", torch);
const pkl = Object.entries(unzipSync(torch)).find(([n]) => n.endsWith("data.pkl"));
if (pkl !== undefined) put("pickle", "data.pkl", pkl[1]);
put(
  "pickle",
  "values.pkl",
  pickle(
    new Map<unknown, unknown>([
      ["a", [1, 2.5, "x", [true, null]]],
      ["b", new Map()],
    ]),
  ),
);

// ---- run ----
// Decoding is slow (a worker and ffmpeg per input): the decoders get half the time.
const weight = (t: string) => (t.startsWith("decode-") ? 3 : 1);
const totalWeight = targets.reduce((a, t) => a + weight(t), 0);
interface TargetReport {
  tried: number;
  ok: number;
  rejected: number;
  crashes: number;
  hangs: number;
  findings: Record<string, { signature: string; count: number; file: string }>;
  seconds: number;
}
const report: Record<string, TargetReport> = {};
const child = new URL("./_child.ts", import.meta.url).pathname;
let seed = Number(values.seed);
const started = new Date().toISOString();

for (const t of targets) {
  const budget = (minutes * 60 * weight(t)) / totalWeight;
  const r: TargetReport = { tried: 0, ok: 0, rejected: 0, crashes: 0, hangs: 0, findings: {}, seconds: budget };
  report[t] = r;
  const until = Date.now() + budget * 1000;
  console.error(`fuzz: ${t} for ${budget.toFixed(0)} s`);
  while (Date.now() < until - 2000) {
    const base = { tried: r.tried, ok: r.ok, rejected: r.rejected };
    const left = (until - Date.now()) / 1000;
    const proc = fork(child, [t, String(left), out, String(seed++)], {
      execArgv: ["--import", "tsx"],
      stdio: ["ignore", "inherit", "pipe", "ipc"],
    });
    let stderr = "";
    proc.stderr!.on("data", (d: Buffer) => {
      stderr = (stderr + d.toString()).slice(-4000);
    });
    let last = Date.now();
    let ended = false;
    proc.on("message", (m: { type: string } & Record<string, unknown>) => {
      last = Date.now();
      if (m.type === "progress") {
        r.tried = base.tried + (m.tried as number);
        r.ok = base.ok + (m.ok as number);
        r.rejected = base.rejected + (m.rejected as number);
      } else if (m.type === "finding") {
        const f = { signature: m.signature as string, count: m.count as number, file: m.file as string };
        if (r.findings[m.id as string] === undefined) console.error(`fuzz: ${t}: ${f.signature}\n      ${f.file}`);
        r.findings[m.id as string] = f;
        if (f.signature.startsWith("hang")) r.hangs++;
      } else if (m.type === "end") ended = true;
    });
    // A reader stuck in synchronous code sends nothing: kill it after its limit.
    const limit = TARGETS[t]!.timeoutMs + 15_000;
    const watchdog = setInterval(() => {
      if (Date.now() - last > limit) proc.kill("SIGKILL");
    }, 1000);
    const { code, signal } = await new Promise<{ code: number | null; signal: string | null }>((res) => {
      proc.on("exit", (code, signal) => {
        res({ code, signal });
      });
    });
    clearInterval(watchdog);
    if (ended && code === 0) break;
    // Died or stuck: the input it was reading is the finding.
    const cur = join(out, `current-${t}.bin`);
    const stuck = signal === "SIGKILL" && Date.now() - last > limit;
    const kind = stuck ? "hang" : "crash";
    const id = `${kind}-${Date.now()}`;
    const dir = join(out, "findings", t);
    mkdirSync(dir, { recursive: true });
    if (existsSync(cur)) copyFileSync(cur, join(dir, `${id}.bin`));
    const why = stuck
      ? `no progress for ${limit / 1000} s`
      : `exit ${code ?? signal}: ${stderr.trim().split("\n").slice(-3).join(" / ")}`;
    writeFileSync(join(dir, `${id}.json`), `${JSON.stringify({ target: t, kind, why, stderr }, null, 2)}\n`);
    r.findings[id] = { signature: `${kind} | ${why}`, count: 1, file: join(dir, `${id}.bin`) };
    if (stuck) r.hangs++;
    else r.crashes++;
    r.tried++;
    console.error(`fuzz: ${t}: ${kind}: ${why}\n      ${join(dir, `${id}.bin`)}`);
  }
}

const summary = {
  started,
  minutes,
  loadavg: loadavg().map((x) => Number(x.toFixed(2))),
  targets: report,
  totalTried: Object.values(report).reduce((a, r) => a + r.tried, 0),
  totalFindings: Object.values(report).reduce((a, r) => a + Object.keys(r.findings).length, 0),
};
writeFileSync(join(out, "report.json"), `${JSON.stringify(summary, null, 2)}\n`);
for (const [t, r] of Object.entries(report)) {
  const found = Object.values(r.findings);
  console.log(
    `${t.padEnd(13)} ${String(r.tried).padStart(8)} inputs, ${String(r.rejected).padStart(7)} rejected (typed), ` +
      `${found.length} kinds of finding (${r.crashes} crashes, ${r.hangs} hangs)`,
  );
  for (const f of found) console.log(`    ${f.count}× ${f.signature}\n       ${f.file}`);
}
console.log(`${summary.totalTried} inputs in ${minutes} min; report: ${join(out, "report.json")}`);
process.exit(summary.totalFindings > 0 ? 1 : 0);
