// Verifies the ffmpeg.wasm decoder against native ffmpeg on every clip of the
// shared GRID development set (../shared/data/grid): PCM within 1e-4 RMS,
// equal frame counts and sizes, frames within 2/255 mean absolute difference.
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import t from "tap";
import { decodeAudio, decodeVideo } from "../streams/mod.ts";
import { fileSource } from "../streams/node/mod.ts";

const gridDir = fileURLToPath(new URL("../../shared/data/grid/", import.meta.url));
const manifest = gridDir + "manifest.csv";

function hasFfmpeg(): boolean {
  try {
    execFileSync("ffmpeg", ["-version"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

async function collect<T>(stream: ReadableStream<T>): Promise<T[]> {
  const out: T[] = [];
  const reader = stream.getReader();
  for (;;) {
    const r = await reader.read();
    if (r.done) return out;
    out.push(r.value);
  }
}

if (!existsSync(manifest)) {
  t.plan(0, `../shared/data/grid not found at ${gridDir}: skipping the native-ffmpeg comparison`);
} else if (!hasFfmpeg()) {
  t.plan(0, "native ffmpeg not installed (bash scripts/setup-peers.sh): skipping the native-ffmpeg comparison");
} else {
  const rows = readFileSync(manifest, "utf8")
    .trim()
    .split("\n")
    .slice(1)
    .map((l) => l.split(","));
  const files = rows.map((r) => r[0]!).filter((f) => f !== "");

  t.test(`decodeAudio() and decodeVideo() equal native ffmpeg on all ${files.length} GRID clips`, async (t) => {
    const tmp = mkdtempSync(join(tmpdir(), "cmpc-grid-"));
    t.teardown(() => {
      rmSync(tmp, { recursive: true, force: true });
    });
    let worstRms = 0;
    let worstMad = 0;
    let frames = 0;
    let tNative = 0;
    let tAudio = 0;
    let tVideo = 0;
    for (const f of files) {
      const row = rows.find((r) => r[0] === f)!;
      const t0 = performance.now();
      // one native run gives both references
      execFileSync("ffmpeg", [
        "-v",
        "error",
        "-y",
        "-i",
        gridDir + f,
        "-map",
        "0:a:0",
        "-ac",
        "1",
        "-ar",
        "16000",
        "-f",
        "f32le",
        join(tmp, "a.f32"),
        "-map",
        "0:v:0",
        "-vf",
        "fps=1",
        "-pix_fmt",
        "rgb24",
        "-f",
        "rawvideo",
        join(tmp, "v.rgb"),
      ]);
      const nb = readFileSync(join(tmp, "a.f32"));
      const want = new Float32Array(nb.buffer, nb.byteOffset, nb.length / 4);
      const nv = readFileSync(join(tmp, "v.rgb"));

      const t1 = performance.now();
      tNative += t1 - t0;
      // whole audio track
      const chunks = await collect(decodeAudio(fileSource(gridDir + f)));
      const got = new Float32Array(chunks.reduce((a, c) => a + c.audio.length, 0));
      let o = 0;
      for (const c of chunks) {
        got.set(c.audio, o);
        o += c.audio.length;
      }
      t.equal(got.length, want.length, `${f}: PCM length`);
      let se = 0;
      for (let i = 0; i < Math.min(got.length, want.length); i++) se += (got[i]! - want[i]!) ** 2;
      const rms = Math.sqrt(se / Math.max(1, got.length));
      worstRms = Math.max(worstRms, rms);
      if (!(rms <= 1e-4)) t.fail(`${f}: PCM RMS ${rms} > 1e-4`);

      // samples: frames at 1 fps with 1 s of audio each
      const t2 = performance.now();
      tAudio += t2 - t1;
      const samples = await collect(decodeVideo(fileSource(gridDir + f)));
      tVideo += performance.now() - t2;
      const w = Number(row[8]);
      const h = Number(row[9]);
      const size = w * h * 3;
      t.equal(samples.length, nv.length / size, `${f}: frame count ${samples.length}`);
      let sse = 0;
      let n = 0;
      for (const [k, s] of samples.entries()) {
        frames++;
        if (s.t !== k || s.audio.length !== 16000 || s.sampleRate !== 16000 || s.videoId !== f) {
          t.fail(
            `${f}: sample ${k} has t ${s.t}, ${s.audio.length} audio samples at ${s.sampleRate} Hz, id ${s.videoId}`,
          );
        }
        for (let i = 0; i < s.audio.length; i++) {
          const j = k * 16000 + i;
          sse += (s.audio[i]! - (j < want.length ? want[j]! : 0)) ** 2;
          n++;
        }
        if (s.frame === null || s.frame.width !== w || s.frame.height !== h) {
          t.fail(`${f}: frame ${k} is ${s.frame?.width}x${s.frame?.height}, want ${w}x${h}`);
          continue;
        }
        let d = 0;
        const ref = nv.subarray(k * size, (k + 1) * size);
        for (let i = 0; i < size; i++) d += Math.abs(s.frame.data[i]! - ref[i]!);
        const mad = d / size / 255;
        worstMad = Math.max(worstMad, mad);
        if (mad > 2 / 255) t.fail(`${f}: frame ${k} mean absolute difference ${(mad * 255).toFixed(3)}/255 > 2/255`);
      }
      const srms = Math.sqrt(sse / Math.max(1, n));
      if (!(srms <= 1e-4)) t.fail(`${f}: the samples' audio differs from the native track: RMS ${srms}`);
    }
    t.comment(
      `seconds: native ffmpeg ${(tNative / 1e3).toFixed(1)}, decodeAudio ${(tAudio / 1e3).toFixed(1)}, decodeVideo ${(tVideo / 1e3).toFixed(1)}`,
    );
    t.ok(worstRms <= 1e-4, `worst PCM RMS ${worstRms.toExponential(2)} <= 1e-4`);
    t.ok(
      worstMad <= 2 / 255,
      `worst frame mean absolute difference ${(worstMad * 255).toFixed(3)}/255 <= 2/255 over ${frames} frames`,
    );
  });
}
