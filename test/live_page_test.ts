// Browser tests of the live page (examples/live) in headless Debian chromium,
// with fake cameras and microphones fed from generated demo videos: a model
// trained and evaluated here (cmpc train + cmpc eval, so it has an EER
// threshold in its run folder), the gallery on a case the model gets right
// offline, every state a person can meet (loading, no model, denied, no
// camera, no devices, no face, silence, the window filling), the decision
// rules, forced 44.1 / 48 kHz audio, threads with and without cross-origin
// isolation, and no request to any other host.
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import t from "tap";
import { generateDemoData } from "../examples/demo_data/generate_demo_data.ts";
import { buildLivePage } from "../examples/live/build_live_page.ts";
import { startLiveServer, type LiveServer } from "../examples/live/start_live_server.ts";
import { initBackend } from "../models/mod.ts";
import { readLatestCheckpoint } from "../streams/node/mod.ts";
import { cli } from "./fixtures/cli_io.ts";
import { galleryMedia, pickGalleryCase } from "./fixtures/live_gallery_case.ts";
import { CHROMIUM, launchWithFakeDevices } from "./fixtures/live_chromium.ts";

const ARTIFACTS = new URL("./artifacts/", import.meta.url).pathname;

function hasFfmpeg(): boolean {
  try {
    execFileSync("ffmpeg", ["-version"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

interface Decision {
  verdict: string;
  speaker: number;
  ranks: number[];
  text: string;
}
interface PageState {
  phase: string;
  loading: { what: string } | null;
  backend: string;
  runtime: { threads: number; isolated: boolean; relaxedSimd: boolean; note: string };
  model: { trained: boolean; synthetic: boolean; step: number | null; threshold: number | null; thresholdFrom: string };
  media: string;
  ticks: number;
  audio: { deviceRate: number; modelRate: number; seconds: number };
  voice: { kind: string; dbfs: number; dims: number } | null;
  faces: { cosine: number; rank: number }[];
  gallery: { name: string; cosine: number; rank: number }[];
  decision: Decision | null;
  galleryDecision: Decision | null;
  best: number;
  verdictsSeen: string[];
  tickMs: number;
  tensors: number;
  notice: string | null;
  error: string | null;
}

const SKIP = !existsSync(CHROMIUM)
  ? `${CHROMIUM} is absent: run \`flock /tmp/apt.lock bash scripts/setup-peers.sh\` to install chromium`
  : !hasFfmpeg()
    ? "native ffmpeg is absent: run `flock /tmp/apt.lock bash scripts/setup-peers.sh` to install it"
    : false;

const ffmpeg = (...args: string[]) => execFileSync("ffmpeg", ["-v", "error", "-y", ...args]);
const readState = async (page: Page): Promise<PageState> =>
  JSON.parse((await page.getAttribute("#state", "data-state")) ?? "{}") as PageState;
/** Waits until `test(state)` holds (or the page errs), polling the page's state. */
async function until(page: Page, what: string, test: (s: PageState) => boolean, seconds = 60): Promise<PageState> {
  const end = Date.now() + seconds * 1000;
  for (;;) {
    const s = await readState(page).catch(() => null);
    if (s !== null && (test(s) || (s.phase === "error" && !what.includes("error")))) return s;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(s)}`);
    await page.waitForTimeout(200);
  }
}

t.test("the live page as a person uses it", { timeout: 900_000, skip: SKIP }, async (t) => {
  const dir = await mkdtemp(join(tmpdir(), "cmpc-live-"));
  const servers: LiveServer[] = [];
  const browsers: Browser[] = [];
  t.teardown(async () => {
    for (const b of browsers) await b.close();
    for (const s of servers) await s.close();
    await rm(dir, { recursive: true, force: true });
  });
  mkdirSync(ARTIFACTS, { recursive: true });

  // A model trained and evaluated here: 6 training identities, 4 unseen ones for the threshold and the gallery.
  const set = await generateDemoData(join(dir, "data"), {
    trainIdentities: 6,
    testIdentities: 4,
    videosPerIdentity: 2,
    seconds: 3,
    size: 192,
    seed: 11,
  });
  const trainDir = join(dir, "train");
  const testDir = join(dir, "test");
  mkdirSync(trainDir);
  mkdirSync(testDir);
  const rows = ["file,identity"];
  for (const v of set.videos) {
    const to = join(v.split === "train" ? trainDir : testDir, v.file);
    writeFileSync(to, readFileSync(join(set.dir, v.file)));
    if (v.split === "test") rows.push(`${v.file},${v.identity}`);
  }
  writeFileSync(join(testDir, "manifest.csv"), `${rows.join("\n")}\n`);
  writeFileSync(join(trainDir, "identities.json"), readFileSync(join(set.dir, "identities.json")));
  const runDir = join(dir, "run");
  const trained = await cli([
    "train",
    trainDir,
    "--config",
    "tiny",
    "--steps",
    "150",
    "--augment-faces",
    "--backend",
    "wasm",
    "--out",
    runDir,
  ]);
  t.equal(trained.code, 0, `cmpc train: ${trained.stderr.slice(-400)}`);
  const evaluated = await cli(["eval", "--protocol", "vfal", "--data", testDir, "--model", runDir, "--format", "json"]);
  t.equal(evaluated.code, 0, `cmpc eval: ${evaluated.stderr.slice(-400)}`);
  const evalJson = JSON.parse(readFileSync(join(runDir, "eval.json"), "utf8")) as { threshold: number | null };
  t.type(evalJson.threshold, "number", `cmpc eval stored the EER threshold ${String(evalJson.threshold)}`);

  // Offline: a pair of unseen identities whose photos the model ranks speaker-first on every window of the voice.
  await initBackend({ prefer: "wasm" });
  const testVideos = set.videos.filter((v) => v.split === "test" && v.file.endsWith("_0.mp4"));
  const media = galleryMedia(
    testVideos.map((v) => ({ identity: v.identity, path: join(testDir, v.file) })),
    dir,
  );
  const checkpoint = (await readLatestCheckpoint(runDir))!;
  const galleryCase = await pickGalleryCase(checkpoint.bytes, media);
  t.comment(
    galleryCase === null
      ? "no pair of unseen identities is ranked right on every window by this model"
      : `gallery case: ${galleryCase.speaker.identity} speaks, ${galleryCase.other.identity} is the other photo; smallest margin ${galleryCase.margin.toFixed(3)} over ${galleryCase.windows} windows`,
  );

  // Fake devices: the speaker (camera + voice); a face-less picture with a voice then silence.
  const speaker = galleryCase?.speaker ?? media[0]!;
  const cameraY4m = join(dir, "camera.y4m");
  ffmpeg("-i", speaker.video, "-pix_fmt", "yuv420p", "-f", "yuv4mpegpipe", cameraY4m);
  const blankY4m = join(dir, "blank.y4m");
  ffmpeg(
    "-f",
    "lavfi",
    "-i",
    "color=c=0x336699:s=320x240:r=10:d=4",
    "-pix_fmt",
    "yuv420p",
    "-f",
    "yuv4mpegpipe",
    blankY4m,
  );
  const voiceThenSilence = join(dir, "voice_then_silence.wav");
  ffmpeg("-i", speaker.wav, "-af", "apad=pad_dur=4", "-ac", "1", "-ar", "16000", "-c:a", "pcm_s16le", voiceThenSilence);
  const noFace = join(dir, "no_face.jpg");
  ffmpeg("-f", "lavfi", "-i", "color=c=0x808080:s=160x160:d=1", "-frames:v", "1", noFace);
  const notImage = join(dir, "notes.jpg");
  writeFileSync(notImage, "this is not a picture");

  const built = await buildLivePage({ outDir: join(dir, "www") });
  const start = async (options: Parameters<typeof startLiveServer>[0]) => {
    const s = await startLiveServer({ port: 0, outDir: built.outDir, ...options });
    servers.push(s);
    return s;
  };
  const server = await start({ runDir });
  const info = await server.model();
  t.match(info, { available: true, synthetic: true, threshold: evalJson.threshold }, "the server serves the threshold");
  const launch = async (camera: string, mic: string) => {
    const b = await launchWithFakeDevices(camera, mic);
    browsers.push(b);
    return b;
  };
  const origin = new URL(server.url).origin;
  const foreign: string[] = [];
  const open = async (b: Browser, url: string, init?: string) => {
    const page = await b.newPage({ viewport: { width: 1200, height: 800 } });
    page.on("request", (r) => {
      const u = r.url();
      if (!u.startsWith("data:") && !u.startsWith("blob:") && !servers.some((s) => u.startsWith(new URL(s.url).origin)))
        foreign.push(u);
    });
    if (init !== undefined) await page.addInitScript(init);
    await page.goto(url);
    return page;
  };

  // 1. The speaker on camera and on the microphone, cross-origin isolated.
  const b1 = await launch(cameraY4m, speaker.wav);
  const page = await open(b1, server.url);
  let s = await until(page, "a scored voice and a face", (x) => x.voice?.kind === "voice" && x.faces.length > 0);
  t.equal(s.error, null, "no error");
  t.match(s.runtime, { isolated: true }, "the server's COOP/COEP headers make the page cross-origin isolated");
  t.ok(s.runtime.threads >= 2, `the wasm backend runs ${s.runtime.threads} threads (${s.backend})`);
  if (s.runtime.relaxedSimd)
    t.match(s.backend, /relaxed SIMD GEMM on 2 threads/, "the project's convs run on its own Web Worker threads");
  t.match(await page.textContent("#runtime"), /wasm.*threads.*cross-origin isolated/);
  t.match(s.model, { trained: true, synthetic: true, threshold: evalJson.threshold });
  t.match(await page.textContent("#banner"), /Demo model.*synthetic faces and voices, not on real people/);
  t.match(await page.textContent("#banner"), /EER threshold of the model's vfal verification/);
  t.ok(s.verdictsSeen.includes("filling"), "the first ticks say the window is still filling");
  t.ok(["match", "no-match"].includes(s.decision!.verdict), `camera verdict ${s.decision!.verdict}`);
  const threshold = evalJson.threshold!;
  t.equal(
    s.decision!.speaker >= 0,
    Math.max(...s.faces.map((f) => f.cosine)) >= threshold,
    "a face is named only at or above the threshold",
  );
  t.match(await page.textContent("#level-text"), /-?\d+ dBFS/, "the level reads in dBFS");
  t.match(await page.textContent("#camera-ranking"), /1st: face 1, cosine/);

  // The gallery: enrol by the file picker (two photos, a face-less picture, a non-image), then by drag and drop.
  const photos = galleryCase === null ? [] : [galleryCase.other.jpg, galleryCase.speaker.jpg];
  await page.setInputFiles("#photos", [...photos, noFace, notImage]);
  s = await until(page, "the enrolled photos", (x) => x.gallery.length === photos.length && x.notice !== null);
  t.match(await page.textContent("#gallery-note"), /No face found in "no_face\.jpg".*"notes\.jpg" is not an image/s);
  if (galleryCase !== null) {
    const names = s.gallery.map((g) => g.name);
    const speakerName = galleryCase.speaker.jpg.split("/").at(-1)!;
    const firsts: string[] = [];
    const cosines: string[] = [];
    const t0 = s.ticks;
    while (firsts.length < 6) {
      s = await until(page, "another tick", (x) => x.ticks > t0 + firsts.length && x.galleryDecision !== null);
      if (s.galleryDecision!.ranks.length > 0) {
        firsts.push(names[s.galleryDecision!.ranks.indexOf(1)]!);
        cosines.push(s.gallery.map((g) => `${g.name.replace(/\.jpg$/, "")} ${g.cosine.toFixed(3)}`).join(" "));
      }
    }
    const right = firsts.filter((n) => n === speakerName).length;
    t.ok(right >= 5, `the speaker's photo ranks 1st on ${right} of 6 scored ticks (${firsts.join(", ")})`, {
      cosines,
    });
    t.match(await page.textContent("#gallery"), /1st: photo_\d\.jpg, cosine/);
  }
  await page.screenshot({ path: join(ARTIFACTS, "live_page.png") });
  await page.click("#clear-gallery");
  await until(page, "a cleared gallery", (x) => x.gallery.length === 0);
  t.equal(await page.locator("#gallery li").count(), 0, "Clear removes every enrolled face");
  await page.evaluate(
    (bytes) => {
      const dt = new DataTransfer();
      dt.items.add(new File([new Uint8Array(bytes)], "dropped.jpg", { type: "image/jpeg" }));
      document.getElementById("drop")!.dispatchEvent(new DragEvent("drop", { dataTransfer: dt, bubbles: true }));
    },
    Array.from(readFileSync(speaker.jpg)),
  );
  s = await until(page, "a dropped photo", (x) => x.gallery.length === 1);
  t.equal(s.gallery[0]!.name, "dropped.jpg", "a dropped photo is enrolled");
  const before = s;
  s = await until(page, "3 more ticks", (x) => x.ticks >= before.ticks + 3);
  t.equal(s.tensors, before.tensors, `live tensors stay at ${s.tensors} over 3 ticks`);
  t.comment(`ticks took ${s.tickMs} ms (${s.backend})`);

  // Forced AudioContext rates: resampled to the model's 16 kHz.
  for (const rate of [44100, 48000]) {
    const p = await open(b1, `${server.url}?sampleRate=${rate}`);
    const r = await until(p, `a voice at ${rate} Hz`, (x) => x.voice?.kind === "voice" && x.audio.seconds >= 2);
    t.equal(r.audio.deviceRate, rate, `the AudioContext runs at ${rate} Hz`);
    t.equal(r.audio.modelRate, 16000);
    t.ok(r.voice!.dims > 0 && r.voice!.dbfs > -50, `${rate} Hz: voice heard at ${r.voice!.dbfs.toFixed(0)} dBFS`);
    await p.close();
  }

  // Not isolated: one thread, and the page says why.
  const plain = await start({ runDir, isolate: false });
  const p2 = await open(b1, plain.url);
  const np = await until(p2, "running without isolation", (x) => x.phase === "running");
  t.match(np.runtime, { isolated: false, threads: 1 });
  t.match(np.runtime.note, /not cross-origin isolated.*COOP\/COEP.*one thread/);
  await p2.close();

  // Loading, with the model held back by the test.
  const p3 = await b1.newPage();
  await p3.route("**/model.bin", async (route) => {
    await new Promise((r) => setTimeout(r, 2500));
    await route.continue();
  });
  await p3.goto(server.url);
  await until(p3, "the model loading", (x) => x.loading?.what === "the model", 30);
  t.match(await p3.textContent("#banner"), /Loading the model/);
  t.ok(await p3.isVisible("#loading"), "a progress bar while loading");
  await until(p3, "running after loading", (x) => x.phase === "running");
  t.notOk(await p3.isVisible("#loading"), "the progress bar goes once loaded");
  await p3.close();

  // No model yet.
  const empty = await start({ runDir: join(dir, "no-run") });
  const p4 = await open(b1, empty.url);
  const nm = await until(p4, "running without a model", (x) => x.phase === "running" && x.ticks >= 2);
  t.match(nm.model, { trained: false, threshold: null });
  t.match(await p4.textContent("#banner"), /No trained model yet: run `npm start`.*nobody is named/);
  t.equal(nm.best, -1, "random towers name nobody");
  await p4.screenshot({ path: join(ARTIFACTS, "live_page_untrained.png") });
  await p4.close();

  // Denied, no camera, no devices (getUserMedia answered as a browser would).
  const reject = (name: string, when = "true") =>
    `(() => { const orig = navigator.mediaDevices.getUserMedia.bind(navigator.mediaDevices);
      navigator.mediaDevices.getUserMedia = (c) => (${when}) ? Promise.reject(new DOMException("x", "${name}")) : orig(c); })();`;
  const p5 = await open(b1, server.url, reject("NotAllowedError"));
  const denied = await until(p5, "the error", (x) => x.phase === "error", 60);
  t.match(denied.error, /^Cannot open the camera and microphone: permission was denied\. Allow .* press Retry\.$/);
  const bannerText = (await p5.textContent("#banner-text")) ?? "";
  t.notMatch(bannerText, /Error:/, "said once, in words");
  t.ok(await p5.isVisible("#retry"), "a Retry button");
  await p5.screenshot({ path: join(ARTIFACTS, "live_page_denied.png") });
  await Promise.all([p5.waitForEvent("load"), p5.click("#retry")]);
  t.pass("Retry reloads the page");
  await p5.close();
  const p6 = await open(b1, server.url, reject("NotFoundError", "c && c.video"));
  const voiceOnly = await until(p6, "voice-only", (x) => x.phase === "running");
  t.equal(voiceOnly.media, "voice-only", "without a camera the page runs on the voice");
  t.match(voiceOnly.notice, /No camera found: enrol face photos/);
  await p6.close();
  const p7 = await open(b1, server.url, reject("NotFoundError"));
  const none = await until(p7, "the error", (x) => x.phase === "error", 60);
  t.match(none.error, /Cannot open the microphone: no microphone was found\. Connect one, then press Retry\./);
  await p7.close();

  // No face on camera; a voice, then silence.
  const b2 = await launch(blankY4m, voiceThenSilence);
  const p8 = await open(b2, server.url);
  const quiet = await until(
    p8,
    "no face and silence",
    (x) => x.verdictsSeen.includes("no-face") && x.verdictsSeen.includes("silent"),
    90,
  );
  t.ok(quiet.faces.length === 0, "no face on the blank picture");
  const silent = await until(p8, "a silent tick", (x) => x.decision?.verdict === "silent", 30);
  t.equal(silent.best, -1, "nobody is named in silence");
  t.match(await p8.textContent("#decision"), /Silence \(.*dBFS\): nobody is named/);
  const noFaceTick = await until(p8, "a no-face tick", (x) => x.decision?.verdict === "no-face", 30);
  t.match(noFaceTick.decision!.text, /No face on camera/);
  t.match(await p8.textContent("#camera-ranking"), /No face on camera: face the camera/);
  await p8.screenshot({ path: join(ARTIFACTS, "live_page_no_face.png") });
  await p8.close();

  t.same(foreign, [], `every request went to the page's own server (${origin})`);
});
