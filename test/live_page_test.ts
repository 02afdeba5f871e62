// Browser test of the live page (examples/live): headless Debian chromium with a
// fake camera and microphone fed from a synthetic demo video, the page bundled
// with esbuild and served by the live server with a checkpoint in a temp run folder.
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium, type Browser } from "playwright-core";
import t from "tap";
import { generateDemoData } from "../examples/demo_data/generate_demo_data.ts";
import { buildLivePage } from "../examples/live/build_live_page.ts";
import { startLiveServer, type LiveServer } from "../examples/live/start_live_server.ts";
import { cmpcConfig, initBackend, serializeTrainState } from "../models/mod.ts";
import { TrainSession } from "../operators/mod.ts";
import { writeCheckpoint } from "../streams/node/mod.ts";

const CHROMIUM = "/usr/bin/chromium";
const ARTIFACTS = new URL("./artifacts/", import.meta.url);

function hasFfmpeg(): boolean {
  try {
    execFileSync("ffmpeg", ["-version"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

interface PageState {
  phase: string;
  backend: string;
  model: { trained: boolean; step: number | null };
  ticks: number;
  audioSeconds: number;
  voice: { dims: number; levelDb: number; nearSilent: boolean } | null;
  faces: { score: number; cosine: number }[];
  best: number;
  tickMs: number;
  tensors: number;
  error: string | null;
}

const SKIP = !existsSync(CHROMIUM)
  ? `${CHROMIUM} is absent: run \`flock /tmp/apt.lock bash scripts/setup-peers.sh\` to install chromium`
  : !hasFfmpeg()
    ? "native ffmpeg is absent: run `flock /tmp/apt.lock bash scripts/setup-peers.sh` to install it"
    : false;

t.test(
  "the live page detects the face on camera, embeds the voice and scores them",
  { timeout: 240_000, skip: SKIP },
  async (t) => {
    const dir = await mkdtemp(join(tmpdir(), "cmpc-live-"));
    let server: LiveServer | null = null;
    let browser: Browser | null = null;
    t.teardown(async () => {
      await browser?.close();
      await server?.close();
      await rm(dir, { recursive: true, force: true });
    });

    // Camera and microphone input: one synthetic talking face, as y4m + wav.
    const set = await generateDemoData(join(dir, "data"), {
      trainIdentities: 1,
      testIdentities: 0,
      videosPerIdentity: 1,
      seconds: 4,
      size: 192,
    });
    const mp4 = join(set.dir, set.videos[0]!.file);
    const y4m = join(dir, "camera.y4m");
    const wav = join(dir, "mic.wav");
    execFileSync("ffmpeg", ["-v", "error", "-y", "-i", mp4, "-pix_fmt", "yuv420p", "-f", "yuv4mpegpipe", y4m]);
    execFileSync("ffmpeg", [
      "-v",
      "error",
      "-y",
      "-i",
      mp4,
      "-vn",
      "-ac",
      "1",
      "-ar",
      "16000",
      "-c:a",
      "pcm_s16le",
      wav,
    ]);

    // A run folder with a checkpoint in the demo's shapes (untrained weights; the model path is what is tested).
    await initBackend({ prefer: "cpu" });
    const config = cmpcConfig("tiny", { bankSize: 8, seed: 3 });
    const session = TrainSession.create(config);
    const runDir = join(dir, "run");
    await writeCheckpoint(runDir, 7, serializeTrainState({ ...session.toState(), step: 7 }));
    session.dispose();

    const built = await buildLivePage({ outDir: join(dir, "www") });
    t.ok(built.bytes > 100_000, `bundle built (${(built.bytes / 1e6).toFixed(2)} MB in ${built.seconds.toFixed(1)} s)`);
    server = await startLiveServer({ port: 0, runDir, outDir: built.outDir });
    const info = await server.model();
    t.equal(info.available, true, "the server finds the checkpoint");
    t.equal(info.step, 7);

    browser = await chromium.launch({
      executablePath: CHROMIUM,
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
    const page = await browser.newPage({ viewport: { width: 1100, height: 720 } });
    const logs: string[] = [];
    page.on("console", (m) => logs.push(`${m.type()}: ${m.text()}`));
    page.on("pageerror", (e) => logs.push(`pageerror: ${e.message}`));
    await page.goto(server.url);
    const readState = async (): Promise<PageState> =>
      JSON.parse((await page.getAttribute("#state", "data-state")) ?? "{}") as PageState;
    const t0 = Date.now();
    try {
      await page.waitForFunction(
        () => {
          const s = JSON.parse(document.getElementById("state")?.dataset["state"] ?? "{}") as PageState;
          return s.phase === "error" || (s.faces.length > 0 && s.voice !== null && s.best >= 0 && s.audioSeconds >= 1);
        },
        undefined,
        { timeout: 120_000, polling: 250 },
      );
    } catch (e) {
      t.comment(JSON.stringify(await readState().catch(() => null)));
      t.comment(logs.join("\n"));
      throw e;
    }
    const s = await readState();
    const seconds = (Date.now() - t0) / 1000;
    await mkdir(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS.pathname, "live_page.png") });
    if (s.phase === "error") t.comment(logs.join("\n"));
    t.equal(s.error, null, "no error on the page");
    t.equal(s.phase, "running");
    t.match(s.backend, /wasm/, `runs on the wasm backend (${s.backend})`);
    t.same(s.model, { ...s.model, trained: true, step: 7 }, "the page loaded the served checkpoint");
    t.equal(s.voice?.dims, config.voice.tower.widths.at(-1), "voice embedding of the model's size");
    t.ok(s.faces.length >= 1, `detected ${s.faces.length} face(s)`);
    t.ok(
      s.faces.every((f) => Number.isFinite(f.cosine) && Math.abs(f.cosine) <= 1 + 1e-6),
      "finite cosine scores in [-1, 1]",
    );
    t.ok(s.best >= 0 && s.best < s.faces.length, "a best match is named");
    // No tensors left behind per tick.
    const ticks0 = s.ticks;
    await page.waitForFunction(
      (n) => (JSON.parse(document.getElementById("state")?.dataset["state"] ?? "{}") as PageState).ticks >= n,
      ticks0 + 3,
      { timeout: 30_000 },
    );
    const later = await readState();
    t.equal(later.tensors, s.tensors, `live tensors stay at ${s.tensors} over ${later.ticks - ticks0} more ticks`);
    t.equal(s.voice?.nearSilent, false, "the fake microphone's voice is heard (window not near-silent)");
    t.comment(
      `first full result after ${seconds.toFixed(1)} s, ${s.ticks} tick(s), last tick ${s.tickMs} ms, audio ${s.audioSeconds.toFixed(1)} s, faces ${JSON.stringify(s.faces)}`,
    );

    // Without a checkpoint the page says so and runs on random towers.
    await server.close();
    server = await startLiveServer({ port: 0, runDir: join(dir, "no-run"), outDir: built.outDir });
    const missing = await server.model();
    t.equal(missing.available, false, "no checkpoint in an empty run folder");
    t.match(missing.message, /npm start/, "the server tells the user to run npm start");
    await page.goto(server.url);
    await page.waitForFunction(
      () => {
        const s = JSON.parse(document.getElementById("state")?.dataset["state"] ?? "{}") as PageState;
        return s.phase === "error" || (s.phase === "running" && s.ticks >= 1);
      },
      undefined,
      { timeout: 60_000, polling: 250 },
    );
    const u = await readState();
    t.equal(u.error, null, "no error without a model");
    t.equal(u.model.trained, false, "the page knows it has no trained model");
    t.match(
      await page.textContent("#banner"),
      /No trained model.*meaningless.*npm start/s,
      "the banner says the scores are meaningless",
    );
    await page.screenshot({ path: join(ARTIFACTS.pathname, "live_page_untrained.png") });
  },
);
