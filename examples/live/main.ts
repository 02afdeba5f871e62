/**
 * The live page's browser entry (bundled by build_live_page.ts): microphone
 * and webcam in, the voice matched to every face on camera out. A thin shell
 * around the library: `logMel` + `cutWindow` for the newest window of the
 * voice buffer, the `detectFaces` and `cropFaces` front-end operators for
 * the faces, and the `embedVoice`, `embedFace` and `matchVoiceToFaces`
 * operators on the wasm backend; `loadTowers` for the model.
 *
 * The page reports what it is doing in `#state` (JSON, also in its
 * `data-state` attribute) so that a browser test can read it.
 *
 * @module
 */
import { exhaustMap, filter, from, interval, lastValueFrom, of, startWith, toArray } from "rxjs";
import {
  cmpcConfig,
  createTowers,
  cutWindow,
  deserializeTrainState,
  FaceDetector,
  initBackend,
  logMel,
  Rng,
  tf,
  type CmpcConfig,
  type FaceBox,
  type GraphModelJson,
} from "../../models/mod.ts";
import {
  cropFaces,
  detectFaces,
  embedFace,
  embedVoice,
  loadTowers,
  matchVoiceToFaces,
  type TowerLike,
} from "../../operators/mod.ts";

/** What the page reports in `#state`. */
interface LiveState {
  phase: "starting" | "running" | "error";
  backend: string;
  model: { trained: boolean; step: number | null; run: string | null; note: string };
  ticks: number;
  audioSeconds: number;
  voice: { dims: number; levelDb: number; nearSilent: boolean } | null;
  faces: { x: number; y: number; width: number; height: number; score: number; cosine: number }[];
  best: number;
  tickMs: number;
  /** Live tfjs tensors after the tick (must stay flat). */
  tensors: number;
  error: string | null;
}

const SAMPLE_RATE = 16000;
/**
 * Seconds of audio kept (at least the model's window): the log-mel's 80 dB
 * floor follows this buffer's maximum.
 */
const MIN_BUFFER_SECONDS = 3;
const TICK_MS = 1000;

const stateEl = document.getElementById("state") as HTMLPreElement;
const bannerEl = document.getElementById("banner") as HTMLDivElement;
/** The visible canvas: the live video, redrawn every animation frame, with the last tick's boxes. */
const canvas = document.getElementById("view") as HTMLCanvasElement;
const ctx = canvas.getContext("2d")!;
/** An off-screen canvas that turns one video frame into RGB bytes per tick. */
const grab = document.createElement("canvas");
const grabCtx = grab.getContext("2d", { willReadFrequently: true })!;
/** What the overlay shows until the next tick. */
let overlay: { boxes: FaceBox[]; scores: ArrayLike<number>; best: number } = { boxes: [], scores: [], best: -1 };
const video = document.createElement("video");
video.muted = true;
video.playsInline = true;

const state: LiveState = {
  phase: "starting",
  backend: "",
  model: { trained: false, step: null, run: null, note: "" },
  ticks: 0,
  audioSeconds: 0,
  voice: null,
  faces: [],
  best: -1,
  tickMs: 0,
  tensors: 0,
  error: null,
};

function report(): void {
  const json = JSON.stringify(state, null, 1);
  stateEl.textContent = json;
  stateEl.dataset["state"] = JSON.stringify(state);
  document.body.dataset["phase"] = state.phase;
}

function banner(text: string, kind: "info" | "warn" | "error"): void {
  bannerEl.textContent = text;
  bannerEl.className = kind;
}

/** A rolling buffer of the newest `capacity` mono samples. */
class RollingBuffer {
  private readonly data: Float32Array;
  private filled = 0;
  constructor(readonly capacity: number) {
    this.data = new Float32Array(capacity);
  }
  push(chunk: Float32Array): void {
    if (chunk.length >= this.capacity) {
      this.data.set(chunk.subarray(chunk.length - this.capacity));
    } else {
      this.data.copyWithin(0, chunk.length);
      this.data.set(chunk, this.capacity - chunk.length);
    }
    this.filled = Math.min(this.capacity, this.filled + chunk.length);
  }
  get length(): number {
    return this.filled;
  }
  /** The newest samples, oldest first (a copy). */
  snapshot(): Float32Array {
    return this.data.slice(this.capacity - this.filled);
  }
}

/** Linear resampling of one block to 16 kHz (only used when the browser ignores the 16 kHz AudioContext). */
function resample(x: Float32Array, from: number): Float32Array {
  if (from === SAMPLE_RATE) return x;
  const n = Math.floor((x.length * SAMPLE_RATE) / from);
  const y = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const p = (i * from) / SAMPLE_RATE;
    const j = Math.floor(p);
    const a = x[j] ?? 0;
    const b = x[j + 1] ?? a;
    y[i] = a + (b - a) * (p - j);
  }
  return y;
}

async function loadModel(): Promise<{ config: CmpcConfig; voice: TowerLike; face: TowerLike }> {
  const info = (await (await fetch("/model.json")).json()) as {
    available: boolean;
    step?: number;
    run?: string;
    message: string;
  };
  if (info.available) {
    const bytes = new Uint8Array(await (await fetch("/model.bin")).arrayBuffer());
    const saved = deserializeTrainState(bytes);
    const towers = loadTowers(saved);
    state.model = { trained: true, step: saved.step, run: info.run ?? null, note: info.message };
    banner(`Trained model: checkpoint of step ${saved.step} from ${info.run ?? "the run folder"}.`, "info");
    return { config: saved.config, ...towers };
  }
  // No trained model: the demo's shapes with random weights, so the page still runs.
  const config = cmpcConfig("tiny", { bankSize: 96, seed: 0 });
  const towers = createTowers(config, new Rng(0));
  state.model = { trained: false, step: null, run: null, note: info.message };
  banner(
    `No trained model found — using randomly initialised towers, so the scores are meaningless. ${info.message}`,
    "warn",
  );
  return { config, ...towers };
}

async function openMedia(bufferSamples: number): Promise<{ audio: RollingBuffer }> {
  if (typeof navigator.mediaDevices === "undefined") {
    throw new Error(
      "Cannot open the camera and microphone: this page needs a secure context (https:// or http://localhost)",
    );
  }
  let stream: MediaStream;
  try {
    stream = await navigator.mediaDevices.getUserMedia({
      audio: { channelCount: 1, echoCancellation: false, noiseSuppression: false, autoGainControl: false },
      video: { width: { ideal: 640 }, height: { ideal: 480 } },
    });
  } catch (e) {
    const name = e instanceof Error ? e.name : "";
    const why =
      name === "NotAllowedError"
        ? "permission was denied — allow both in the browser's site settings and reload"
        : name === "NotFoundError"
          ? "no camera or no microphone was found — the page needs both"
          : name === "NotReadableError"
            ? "the device is in use by another application"
            : e instanceof Error
              ? e.message
              : String(e);
    throw new Error(`Cannot open the camera and microphone: ${why}`, { cause: e });
  }
  video.srcObject = stream;
  await video.play();

  const audio = new RollingBuffer(bufferSamples);
  // A 16 kHz context lets the browser resample; where it cannot (older
  // Firefox refuses to connect a stream of another rate), the device rate is
  // used and each block is resampled by hand.
  let ac: AudioContext | null = null;
  let source: MediaStreamAudioSourceNode;
  try {
    ac = new AudioContext({ sampleRate: SAMPLE_RATE });
    source = ac.createMediaStreamSource(stream);
  } catch {
    if (ac !== null) void ac.close();
    ac = new AudioContext();
    source = ac.createMediaStreamSource(stream);
  }
  const context = ac;
  // An inline AudioWorklet forwards the mono input in blocks of 2048 samples.
  const worklet = `class Tap extends AudioWorkletProcessor {
    constructor() { super(); this.buf = new Float32Array(2048); this.n = 0; }
    process(inputs) {
      const ch = inputs[0] && inputs[0][0];
      if (ch) for (let i = 0; i < ch.length; i++) {
        this.buf[this.n++] = ch[i];
        if (this.n === this.buf.length) { this.port.postMessage(this.buf.slice()); this.n = 0; }
      }
      return true;
    }
  }
  registerProcessor("cmpc-tap", Tap);`;
  const url = URL.createObjectURL(new Blob([worklet], { type: "text/javascript" }));
  await context.audioWorklet.addModule(url);
  URL.revokeObjectURL(url);
  const tap = new AudioWorkletNode(context, "cmpc-tap", {
    numberOfInputs: 1,
    numberOfOutputs: 1,
    channelCount: 1,
    channelCountMode: "explicit",
  });
  tap.port.onmessage = (e: MessageEvent<Float32Array>) => {
    audio.push(resample(e.data, context.sampleRate));
  };
  const mute = context.createGain();
  mute.gain.value = 0;
  source.connect(tap);
  tap.connect(mute);
  mute.connect(context.destination);
  if (context.state === "suspended") {
    await context.resume().catch(() => undefined);
    if (context.state === "suspended") {
      banner("Click the page to start the microphone.", "warn");
      document.addEventListener("click", () => void context.resume(), { once: true });
    }
  }
  return { audio };
}

function grabFrame(): { data: Uint8Array; width: number; height: number } | null {
  const width = video.videoWidth;
  const height = video.videoHeight;
  if (width === 0 || height === 0) return null;
  if (grab.width !== width || grab.height !== height) {
    grab.width = width;
    grab.height = height;
  }
  grabCtx.drawImage(video, 0, 0, width, height);
  const rgba = grabCtx.getImageData(0, 0, width, height).data;
  const rgb = new Uint8Array(width * height * 3);
  for (let i = 0, j = 0; i < rgba.length; i += 4, j += 3) {
    rgb[j] = rgba[i]!;
    rgb[j + 1] = rgba[i + 1]!;
    rgb[j + 2] = rgba[i + 2]!;
  }
  return { data: rgb, width, height };
}

function render(): void {
  const width = video.videoWidth;
  const height = video.videoHeight;
  if (width > 0 && height > 0) {
    if (canvas.width !== width || canvas.height !== height) {
      canvas.width = width;
      canvas.height = height;
    }
    ctx.drawImage(video, 0, 0, width, height);
    draw(overlay.boxes, overlay.scores, overlay.best);
  }
  requestAnimationFrame(render);
}

function draw(boxes: FaceBox[], scores: ArrayLike<number>, best: number): void {
  const lw = Math.max(2, Math.round(canvas.width / 160));
  const px = Math.max(12, Math.round(canvas.width / 28));
  ctx.font = `${px}px sans-serif`;
  ctx.textBaseline = "bottom";
  // Voice status in the top-left corner.
  const v = state.voice;
  const voiceText =
    v === null ? "voice: listening…" : `voice: ${v.levelDb.toFixed(0)} dB${v.nearSilent ? " (near-silent)" : ""}`;
  ctx.fillStyle = "rgba(0, 0, 0, 0.6)";
  ctx.fillRect(0, 0, ctx.measureText(voiceText).width + 8, px + 6);
  ctx.fillStyle = v?.nearSilent === false ? "#7fdcff" : "#bbbbbb";
  ctx.fillText(voiceText, 4, px + 3);
  boxes.forEach((b, i) => {
    const isBest = i === best;
    ctx.lineWidth = isBest ? lw * 2 : lw;
    ctx.strokeStyle = isBest ? "#22dd44" : "#ffcc00";
    ctx.strokeRect(b.x, b.y, b.width, b.height);
    const score = scores[i];
    const label = score === undefined ? "face" : `${isBest ? "★ " : ""}${score.toFixed(2)}`;
    const w = ctx.measureText(label).width + 6;
    const h = parseInt(ctx.font, 10) + 4;
    const y = Math.max(h, b.y);
    ctx.fillStyle = isBest ? "#22dd44" : "#ffcc00";
    ctx.fillRect(b.x, y - h, w, h);
    ctx.fillStyle = "#000";
    ctx.fillText(label, b.x + 3, y - 1);
  });
}

async function main(): Promise<void> {
  report();
  const choice = await initBackend({ prefer: "wasm", wasmPaths: "/tfjs-wasm/" });
  state.backend = choice.summary;
  const [detectorJson, detectorBin] = await Promise.all([
    fetch("/models/blazeface.json").then((r) => r.json() as Promise<GraphModelJson>),
    fetch("/models/blazeface.bin").then((r) => r.arrayBuffer()),
  ]);
  const detector = await FaceDetector.load(detectorJson, detectorBin);
  const model = await loadModel();
  const windowFrames = model.config.voice.frames;
  // frames = 1 + ⌊samples / 160⌋, so windowFrames · 160 samples give a whole window.
  const { audio } = await openMedia(Math.max(MIN_BUFFER_SECONDS * SAMPLE_RATE, windowFrames * 160));
  const faceSize = model.config.face.size;
  state.phase = "running";
  report();
  requestAnimationFrame(render);

  const tick = async (): Promise<void> => {
    const t0 = performance.now();
    const frame = grabFrame();
    state.audioSeconds = audio.length / SAMPLE_RATE;
    // Voice: log-mel of the buffer (≥ 1 frame), the newest window of the model's length.
    let voiceEmb: Float32Array | null = null;
    if (audio.length >= 160) {
      const lm = logMel(audio.snapshot());
      const start = Math.max(0, lm.frames - windowFrames);
      const win = cutWindow(lm, { frames: windowFrames, start });
      voiceEmb = await lastValueFrom(of(win).pipe(embedVoice(model.voice, { normalize: true })));
      state.voice = { dims: voiceEmb.length, levelDb: win.levelDb, nearSilent: win.nearSilent };
    }
    // Faces: detect, crop at the model's size, embed.
    let boxes: FaceBox[] = [];
    let faceEmbs: Float32Array[] = [];
    if (frame !== null) {
      const sample = { videoId: "camera", t: state.ticks, audio: new Float32Array(0), sampleRate: SAMPLE_RATE, frame };
      const crops = await lastValueFrom(
        of(sample).pipe(
          detectFaces(detector, { maxFaces: 6 }),
          cropFaces({ size: faceSize, faces: "all" }),
          filter((e) => e.kind === "face"),
          toArray(),
        ),
      );
      boxes = crops.map((e) => e.box as FaceBox);
      faceEmbs = await lastValueFrom(
        from(crops.map((e) => e.face)).pipe(embedFace(model.face, { normalize: true }), toArray()),
      );
    }
    let scores: ArrayLike<number> = [];
    let best = -1;
    if (voiceEmb !== null && faceEmbs.length > 0) {
      const m = await lastValueFrom(of({ voice: voiceEmb, faces: faceEmbs }).pipe(matchVoiceToFaces()));
      scores = m.scores;
      best = m.best;
    }
    overlay = { boxes, scores, best };
    state.faces = boxes.map((b, i) => ({
      x: Math.round(b.x),
      y: Math.round(b.y),
      width: Math.round(b.width),
      height: Math.round(b.height),
      score: Number(b.score.toFixed(3)),
      cosine: Number((scores[i] ?? NaN).toFixed(4)),
    }));
    state.best = best;
    state.ticks += 1;
    state.tickMs = Math.round(performance.now() - t0);
    state.tensors = tf.memory().numTensors;
    report();
  };

  // One tick per second; a slow tick skips the ticks that arrive meanwhile.
  interval(TICK_MS)
    .pipe(
      startWith(0),
      exhaustMap(() => from(tick())),
    )
    .subscribe({
      error: (e: unknown) => {
        fail(e);
      },
    });
}

function fail(e: unknown): void {
  state.phase = "error";
  state.error = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
  banner(`Error: ${state.error}`, "error");
  report();
}

main().catch(fail);
