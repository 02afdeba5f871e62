/**
 * A two-face check of the live page with a trained demo model: two unseen
 * demo identities side by side as chromium's fake camera, the voice of one
 * of them as its fake microphone; counts how often the page's best match is
 * the speaker. Needs /usr/bin/chromium and native ffmpeg
 * (`flock /tmp/apt.lock bash scripts/setup-peers.sh`) and a finished
 * `npm start` (its test videos and checkpoint).
 *
 * `npx tsx examples/live/two_face_check.ts [--dir runs/demo] [--pairs 8]`
 */
import { execFileSync } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { chromium } from "playwright-core";
import { buildLivePage } from "./build_live_page.ts";
import { startLiveServer } from "./start_live_server.ts";

interface Face {
  x: number;
  cosine: number;
}
interface PageState {
  phase: string;
  ticks: number;
  audioSeconds: number;
  faces: Face[];
  best: number;
  tickMs: number;
  error: string | null;
}

const { values } = parseArgs({ options: { dir: { type: "string" }, pairs: { type: "string" } } });
const dir = resolve(values.dir ?? "runs/demo");
const pairs = Number(values.pairs ?? 8);
const runDir = (await readFile(join(dir, "model"), "utf8").catch(() => join(dir, "cmpc-seed0"))).trim();
const manifest = (await readFile(join(dir, "data", "manifest.csv"), "utf8")).split("\n").slice(1);
// One video per test identity, in manifest order.
const byIdentity = new Map<string, string>();
for (const line of manifest) {
  const [file, identity, split] = line.split(",");
  if (file !== undefined && identity !== undefined && split === "test" && !byIdentity.has(identity))
    byIdentity.set(identity, join(dir, "data", file));
}
const videos = [...byIdentity.values()];
const work = await mkdtemp(join(tmpdir(), "cmpc-two-faces-"));
const built = await buildLivePage({ outDir: join(work, "www") });
const server = await startLiveServer({ port: 0, runDir, outDir: built.outDir });
const model = await server.model();
if (!model.available) throw new Error(model.message);
console.log(model.message);
let hits = 0;
let total = 0;
for (let p = 0; p < pairs && 2 * p + 1 < videos.length; p++) {
  const a = videos[2 * p]!;
  const b = videos[2 * p + 1]!;
  const speakerLeft = p % 2 === 0;
  const y4m = join(work, "camera.y4m");
  const wav = join(work, "mic.wav");
  execFileSync("ffmpeg", [
    "-v",
    "error",
    "-y",
    "-i",
    a,
    "-i",
    b,
    "-filter_complex",
    "[0:v][1:v]hstack",
    "-pix_fmt",
    "yuv420p",
    "-f",
    "yuv4mpegpipe",
    y4m,
  ]);
  execFileSync("ffmpeg", [
    "-v",
    "error",
    "-y",
    "-i",
    speakerLeft ? a : b,
    "-vn",
    "-ac",
    "1",
    "-ar",
    "16000",
    "-c:a",
    "pcm_s16le",
    wav,
  ]);
  const browser = await chromium.launch({
    executablePath: "/usr/bin/chromium",
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--autoplay-policy=no-user-gesture-required",
      "--use-fake-ui-for-media-stream",
      "--use-fake-device-for-media-stream",
      `--use-file-for-fake-video-capture=${y4m}`,
      `--use-file-for-fake-audio-capture=${wav}`,
    ],
  });
  const page = await browser.newPage();
  await page.goto(server.url);
  await page.waitForFunction(
    () => {
      const s = JSON.parse(document.getElementById("state")?.dataset["state"] ?? "{}") as PageState;
      return s.phase === "error" || s.ticks >= 8;
    },
    undefined,
    { timeout: 90_000 },
  );
  const seen: string[] = [];
  for (let k = 0; k < 4; k++) {
    const s = JSON.parse((await page.getAttribute("#state", "data-state")) ?? "{}") as PageState;
    if (s.error !== null) throw new Error(`The page failed: ${s.error}`);
    const [f0, f1] = s.faces;
    if (s.faces.length === 2 && f0 !== undefined && f1 !== undefined) {
      const left = f0.x < f1.x ? 0 : 1;
      const speaker = speakerLeft ? left : 1 - left;
      total += 1;
      if (s.best === speaker) hits += 1;
      seen.push(
        `${s.best === speaker ? "hit" : "miss"} (${s.faces.map((f) => f.cosine.toFixed(2)).join(" / ")}, ${s.tickMs} ms)`,
      );
    } else {
      seen.push(`${s.faces.length} face(s)`);
    }
    await page.waitForTimeout(1100);
  }
  console.log(`pair ${p + 1}, speaker ${speakerLeft ? "left" : "right"}: ${seen.join(", ")}`);
  await browser.close();
}
console.log(`the best match was the speaker in ${hits}/${total} sampled ticks (chance 50%)`);
await server.close();
await rm(work, { recursive: true, force: true });
