/**
 * The live page's browser entry (bundled by build_live_page.ts): microphone
 * and webcam in; the voice scored against every face on camera and against
 * the face photos the user enrolled, and a decision out. A thin shell around
 * the library: `logMel` + `cutWindow` for the newest window of the voice
 * buffer, the `detectFaces` and `cropFaces` front-end operators for the
 * faces, and the `embedVoice`, `embedFace` and `matchVoiceToFaces` operators
 * on the wasm backend; `loadTowers` for the model.
 *
 * Nobody is named while the voice window fills or the microphone is silent,
 * and a face is named as the speaker only when its cosine reaches the
 * model's verification threshold (the EER threshold of its evaluation,
 * `<run>/eval.json`, served in `/model.json`).
 *
 * The page reports what it is doing in `#state` (JSON, also in its
 * `data-state` attribute, under the Details toggle) so that a browser test
 * can read it. Query parameters for tests and benchmarks: `threads=N`,
 * `backend=cpu`, `sampleRate=44100` (forces the AudioContext's rate),
 * `interval=0` (ticks back to back instead of one a second). Each tick's
 * timings (detect, embed, score) are in `state.timing` and the newest 500 in
 * `globalThis.cmpcTickLog`, which `npm run bench:live` reads.
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
import { enableBrowserGemmThreads } from "../../streams/mod.ts";
import { decide, ordinal, voiceStatus, type Decision, type VoiceStatus } from "./_decision.ts";
import { StreamResampler } from "./_resampler.ts";
import type { TickTiming } from "./_tick_timing.ts";

/** What /model.json says (start_live_server.ts `LiveModelInfo`). */
interface ModelInfo {
  available: boolean;
  step?: number;
  run?: string;
  message: string;
  threshold: number | null;
  thresholdFrom: string;
  synthetic: boolean;
}

/** What the page reports in `#state`. */
interface LiveState {
  phase: "loading" | "running" | "error";
  /** What is loading, with bytes where known. */
  loading: { what: string; loaded: number; total: number | null } | null;
  backend: string;
  runtime: { threads: number; isolated: boolean; relaxedSimd: boolean; note: string };
  model: {
    trained: boolean;
    synthetic: boolean;
    step: number | null;
    run: string | null;
    note: string;
    threshold: number | null;
    thresholdFrom: string;
  };
  /** `camera`: camera and microphone; `voice-only`: no camera (the gallery still works). */
  media: "none" | "camera" | "voice-only";
  ticks: number;
  audio: { deviceRate: number; modelRate: number; seconds: number };
  audioSeconds: number;
  voice: (VoiceStatus & { dims: number }) | null;
  faces: { x: number; y: number; width: number; height: number; score: number; cosine: number; rank: number }[];
  gallery: { name: string; cosine: number; rank: number }[];
  decision: Decision | null;
  galleryDecision: Decision | null;
  /** The camera face named as the speaker (−1: nobody). */
  best: number;
  /** Every verdict seen since load (tests provoke each state). */
  verdictsSeen: string[];
  tickMs: number;
  /** The last tick's parts in ms: voice (log-mel + voice tower), detect (detector + crops), faces (face tower), score. */
  timing: TickTiming | null;
  /** Live tfjs tensors after the tick (must stay flat). */
  tensors: number;
  notice: string | null;
  error: string | null;
}

const SAMPLE_RATE = 16000;
/** Seconds of audio kept (at least the model's window): the log-mel's 80 dB floor follows this buffer's maximum. */
const MIN_BUFFER_SECONDS = 3;
const TICK_MS = 1000;
/** Tick timings kept in `globalThis.cmpcTickLog`. */
const TICK_LOG = 500;
const tickLog: TickTiming[] = [];
(globalThis as { cmpcTickLog?: TickTiming[] }).cmpcTickLog = tickLog;
const MAX_FACES = 6;

const params = new URLSearchParams(location.search);
// eslint-disable-next-line @typescript-eslint/no-unnecessary-type-parameters -- a typed getElementById
const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const stateEl = $<HTMLPreElement>("state");
const bannerEl = $<HTMLDivElement>("banner");
const bannerText = $<HTMLSpanElement>("banner-text");
const retryEl = $<HTMLButtonElement>("retry");
const progressEl = $<HTMLProgressElement>("loading");
const runtimeEl = $<HTMLDivElement>("runtime");
const levelEl = $<HTMLMeterElement>("level");
const levelText = $<HTMLSpanElement>("level-text");
const decisionEl = $<HTMLDivElement>("decision");
const cameraList = $<HTMLOListElement>("camera-ranking");
const galleryList = $<HTMLOListElement>("gallery");
const galleryNote = $<HTMLParagraphElement>("gallery-note");
const dropEl = $<HTMLDivElement>("drop");
const photosEl = $<HTMLInputElement>("photos");
const clearEl = $<HTMLButtonElement>("clear-gallery");
/** The visible canvas: the live video, redrawn every animation frame, with the last tick's boxes. */
const canvas = $<HTMLCanvasElement>("view");
const ctx = canvas.getContext("2d")!;
/** An off-screen canvas that turns one video frame or photo into RGB bytes. */
const grab = document.createElement("canvas");
const grabCtx = grab.getContext("2d", { willReadFrequently: true })!;
/** What the overlay shows until the next tick. */
let overlay: { boxes: FaceBox[]; decision: Decision | null; scores: number[] } = {
  boxes: [],
  decision: null,
  scores: [],
};
const video = document.createElement("video");
video.muted = true;
video.playsInline = true;

const state: LiveState = {
  phase: "loading",
  loading: { what: "the page", loaded: 0, total: null },
  backend: "",
  runtime: { threads: 1, isolated: self.crossOriginIsolated, relaxedSimd: false, note: "" },
  model: {
    trained: false,
    synthetic: false,
    step: null,
    run: null,
    note: "",
    threshold: null,
    thresholdFrom: "",
  },
  media: "none",
  ticks: 0,
  audio: { deviceRate: 0, modelRate: SAMPLE_RATE, seconds: 0 },
  audioSeconds: 0,
  voice: null,
  faces: [],
  gallery: [],
  decision: null,
  galleryDecision: null,
  best: -1,
  verdictsSeen: [],
  tickMs: 0,
  timing: null,
  tensors: 0,
  notice: null,
  error: null,
};

function report(): void {
  stateEl.textContent = JSON.stringify(state, null, 1);
  stateEl.dataset["state"] = JSON.stringify(state);
  document.body.dataset["phase"] = state.phase;
}

function banner(text: string, kind: "info" | "warn" | "error"): void {
  bannerText.textContent = text;
  bannerEl.className = kind;
  retryEl.hidden = kind !== "error";
}

function loading(what: string, loaded = 0, total: number | null = null): void {
  state.loading = { what, loaded, total };
  const mb = (n: number) => (n / 1e6).toFixed(1);
  banner(
    `Loading ${what}…${total !== null && total > 0 ? ` ${mb(loaded)} of ${mb(total)} MB` : loaded > 0 ? ` ${mb(loaded)} MB` : ""}`,
    "info",
  );
  progressEl.hidden = false;
  if (total !== null && total > 0) progressEl.value = loaded / total;
  else progressEl.removeAttribute("value");
  report();
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

/** Fetches a file with progress (the model can be 100 MB). */
async function fetchBytes(url: string, what: string): Promise<Uint8Array> {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`Cannot load ${what}: the server answered ${res.status} for ${url}`);
  const total = Number(res.headers.get("content-length")) || null;
  if (res.body === null) return new Uint8Array(await res.arrayBuffer());
  const reader = res.body.getReader();
  const parts: Uint8Array[] = [];
  let loaded = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    parts.push(value);
    loaded += value.length;
    loading(what, loaded, total);
  }
  const out = new Uint8Array(loaded);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

async function loadModel(): Promise<{ config: CmpcConfig; voice: TowerLike; face: TowerLike }> {
  loading("the model");
  const info = (await (await fetch("/model.json")).json()) as ModelInfo;
  if (info.available) {
    const saved = deserializeTrainState(await fetchBytes("/model.bin", "the model"));
    const towers = loadTowers(saved);
    state.model = {
      trained: true,
      synthetic: info.synthetic,
      step: saved.step,
      run: info.run ?? null,
      note: info.message,
      threshold: info.threshold,
      thresholdFrom: info.thresholdFrom,
    };
    return { config: saved.config, ...towers };
  }
  // No trained model: the demo's shapes with random weights, so the page still runs (and names nobody).
  const config = cmpcConfig("tiny", { bankSize: 96, seed: 0 });
  const towers = createTowers(config, new Rng(0));
  state.model = {
    trained: false,
    synthetic: false,
    step: null,
    run: info.run ?? null,
    note: info.message,
    threshold: null,
    thresholdFrom: "no model",
  };
  return { config, ...towers };
}

/** The banner once the page runs: which model, what it means, where the threshold comes from. */
function modelBanner(): void {
  const m = state.model;
  const th =
    m.threshold === null
      ? `It has no verification threshold, so nobody is named as the speaker (${m.thresholdFrom}).`
      : `A face is named as the speaker only when its cosine reaches ${m.threshold.toFixed(2)}, ${m.thresholdFrom}.`;
  if (!m.trained) {
    banner(
      `No trained model yet: run \`npm start\` (it trains the demo model), then reload. Until then the towers are random, the scores are meaningless and nobody is named.`,
      "warn",
    );
  } else if (m.synthetic) {
    banner(
      `Demo model (step ${m.step}): trained by \`npm start\` on synthetic faces and voices, not on real people, so on real faces and voices its scores mean little. ${th}`,
      "warn",
    );
  } else {
    banner(`Model: checkpoint of step ${m.step} from ${m.run ?? "the run folder"}. ${th}`, "info");
  }
}

/** Why getUserMedia failed, in words, with what to do. */
function mediaError(e: unknown, what: string): Error {
  const name = e instanceof Error ? e.name : "";
  const why =
    name === "NotAllowedError" || name === "SecurityError"
      ? `permission was denied. Allow the ${what} for this site (the camera icon in the address bar, or the site settings), then press Retry`
      : name === "NotFoundError" || name === "OverconstrainedError"
        ? `no ${what} was found. Connect one, then press Retry`
        : name === "NotReadableError"
          ? `the ${what} is in use by another application. Close it, then press Retry`
          : e instanceof Error
            ? e.message
            : String(e);
  return new Error(`Cannot open the ${what}: ${why}.`, { cause: e });
}

async function openMedia(bufferSamples: number): Promise<{ audio: RollingBuffer }> {
  if (typeof navigator.mediaDevices === "undefined") {
    throw new Error(
      "Cannot open the camera and microphone: this page needs a secure context (https:// or http://localhost).",
    );
  }
  const audioConstraints = {
    channelCount: 1,
    echoCancellation: false,
    noiseSuppression: false,
    autoGainControl: false,
  };
  let stream: MediaStream;
  try {
    stream = await navigator.mediaDevices.getUserMedia({
      audio: audioConstraints,
      video: { width: { ideal: 640 }, height: { ideal: 480 } },
    });
    state.media = "camera";
  } catch (e) {
    const name = e instanceof Error ? e.name : "";
    if (name !== "NotFoundError" && name !== "OverconstrainedError" && name !== "NotReadableError")
      throw mediaError(e, "camera and microphone");
    // No camera: the voice can still be matched against enrolled photos.
    try {
      stream = await navigator.mediaDevices.getUserMedia({ audio: audioConstraints });
    } catch (e2) {
      throw mediaError(e2, "microphone");
    }
    state.media = "voice-only";
    state.notice = "No camera found: enrol face photos below to match the voice against them.";
  }
  if (state.media === "camera") {
    video.srcObject = stream;
    await video.play();
  }

  const audio = new RollingBuffer(bufferSamples);
  // The context runs at the device's rate (browsers often ignore a 16 kHz request); blocks are resampled here.
  const forced = Number(params.get("sampleRate")) || undefined;
  const context = new AudioContext(forced === undefined ? {} : { sampleRate: forced });
  const source = context.createMediaStreamSource(stream);
  state.audio.deviceRate = context.sampleRate;
  const resampler = new StreamResampler(context.sampleRate, SAMPLE_RATE);
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
    audio.push(resampler.push(e.data));
  };
  const mute = context.createGain();
  mute.gain.value = 0;
  source.connect(tap);
  tap.connect(mute);
  mute.connect(context.destination);
  if (context.state === "suspended") {
    await context.resume().catch(() => undefined);
    if (context.state === "suspended") {
      state.notice = "Click the page to start the microphone.";
      document.addEventListener("click", () => void context.resume(), { once: true });
    }
  }
  return { audio };
}

function frameFrom(source: CanvasImageSource, width: number, height: number) {
  if (grab.width !== width || grab.height !== height) {
    grab.width = width;
    grab.height = height;
  }
  grabCtx.drawImage(source, 0, 0, width, height);
  const rgba = grabCtx.getImageData(0, 0, width, height).data;
  const rgb = new Uint8Array(width * height * 3);
  for (let i = 0, j = 0; i < rgba.length; i += 4, j += 3) {
    rgb[j] = rgba[i]!;
    rgb[j + 1] = rgba[i + 1]!;
    rgb[j + 2] = rgba[i + 2]!;
  }
  return { data: rgb, width, height };
}

function grabFrame(): { data: Uint8Array; width: number; height: number } | null {
  if (state.media !== "camera" || video.videoWidth === 0 || video.videoHeight === 0) return null;
  return frameFrom(video, video.videoWidth, video.videoHeight);
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
    draw();
  }
  requestAnimationFrame(render);
}

function draw(): void {
  const { boxes, decision, scores } = overlay;
  const lw = Math.max(2, Math.round(canvas.width / 160));
  const px = Math.max(12, Math.round(canvas.width / 28));
  ctx.font = `${px}px sans-serif`;
  ctx.textBaseline = "bottom";
  boxes.forEach((b, i) => {
    const ranked = decision !== null && decision.ranks.length > 0;
    const isSpeaker = decision?.speaker === i;
    const colour = isSpeaker ? "#22dd44" : ranked ? "#ffcc00" : "#bbbbbb";
    ctx.lineWidth = isSpeaker ? lw * 2 : lw;
    ctx.strokeStyle = colour;
    ctx.strokeRect(b.x, b.y, b.width, b.height);
    const label = `${i + 1}${ranked ? ` · ${ordinal(decision.ranks[i]!)} · ${scores[i]!.toFixed(2)}` : ""}${isSpeaker ? " · speaker" : ""}`;
    const w = ctx.measureText(label).width + 6;
    const h = px + 4;
    const y = Math.max(h, b.y);
    ctx.fillStyle = colour;
    ctx.fillRect(b.x, y - h, w, h);
    ctx.fillStyle = "#000";
    ctx.fillText(label, b.x + 3, y - 1);
  });
}

/** Enrolled face photos: name, thumbnail and embedding (kept in the page only). */
const enrolled: { name: string; thumb: string; embedding: Float32Array }[] = [];

function showLists(): void {
  const d = state.decision;
  cameraList.replaceChildren(
    ...state.faces.map((f, i) => {
      const li = document.createElement("li");
      li.textContent =
        d === null || d.ranks.length === 0
          ? `Face ${i + 1}`
          : `${ordinal(f.rank)}: face ${i + 1}, cosine ${f.cosine.toFixed(2)}${d.speaker === i ? " — speaker" : ""}`;
      if (d?.speaker === i) li.className = "speaker";
      return li;
    }),
  );
  if (state.media === "camera" && state.faces.length === 0 && state.phase === "running") {
    const li = document.createElement("li");
    li.className = "empty";
    li.textContent = "No face on camera: face the camera, in good light.";
    cameraList.replaceChildren(li);
  }
  const g = state.galleryDecision;
  const items = enrolled.map((e, i) => ({ e, row: state.gallery[i] }));
  items.sort((a, b) => (a.row?.rank ?? 0) - (b.row?.rank ?? 0));
  galleryList.replaceChildren(
    ...items.map(({ e, row }) => {
      const li = document.createElement("li");
      const img = document.createElement("img");
      img.src = e.thumb;
      img.alt = e.name;
      const text = document.createElement("span");
      const i = enrolled.indexOf(e);
      text.textContent =
        g === null || g.ranks.length === 0 || row === undefined
          ? e.name
          : `${ordinal(row.rank)}: ${e.name}, cosine ${row.cosine.toFixed(2)}${g.speaker === i ? " — speaker" : ""}`;
      if (g?.speaker === i) li.className = "speaker";
      li.append(img, text);
      return li;
    }),
  );
  clearEl.disabled = enrolled.length === 0;
}

function showVoice(): void {
  const v = state.voice;
  const level = v === null || !Number.isFinite(v.dbfs) ? -90 : Math.max(-90, Math.min(0, v.dbfs));
  levelEl.value = level;
  levelText.textContent =
    v === null ? "waiting for the microphone" : `${Number.isFinite(v.dbfs) ? v.dbfs.toFixed(0) : "−∞"} dBFS`;
  const d = state.galleryDecision ?? state.decision;
  const lines = [
    state.decision?.text,
    state.galleryDecision === null ? null : `Enrolled: ${state.galleryDecision.text}`,
  ];
  decisionEl.textContent = lines.filter((l) => l != null).join(" ");
  decisionEl.dataset["verdict"] = d?.verdict ?? "";
}

async function main(): Promise<void> {
  retryEl.onclick = () => {
    location.reload();
  };
  report();
  const isolated = self.crossOriginIsolated;
  const asked = Number(params.get("threads"));
  const threads = isolated
    ? Math.max(1, Math.min(8, asked > 0 ? asked : Math.min(4, navigator.hardwareConcurrency || 1)))
    : 1;
  loading("the wasm backend");
  if (threads > 1 && navigator.hardwareConcurrency < 2 * threads) {
    // The backend's C++ sizes its thread pool at half the logical cores (as
    // streams/node/wasm_threads.ts works around in Node): report enough for
    // the threads asked for, before the backend starts.
    Object.defineProperty(Navigator.prototype, "hardwareConcurrency", { get: () => 2 * threads, configurable: true });
  }
  const choice = await initBackend({
    prefer: params.get("backend") === "cpu" ? "cpu" : "wasm",
    wasmPaths: "/tfjs-wasm/",
    // The project's relaxed-SIMD convs split over Web Workers of their own (else XNNPACK's threads run them, slower).
    ...(threads > 1 ? { threads, gemmThreads: enableBrowserGemmThreads(threads) } : {}),
  });
  state.backend = choice.summary;
  state.runtime = {
    threads: choice.threads,
    isolated,
    relaxedSimd: /relaxed SIMD/.test(choice.summary),
    note: isolated
      ? `cross-origin isolated: ${choice.threads} thread${choice.threads === 1 ? "" : "s"}`
      : "not cross-origin isolated (the server sent no COOP/COEP headers): one thread",
  };
  runtimeEl.textContent = `${choice.summary} · ${state.runtime.note}`;
  loading("the face detector");
  const [detectorJson, detectorBin] = await Promise.all([
    fetch("/models/blazeface.json").then((r) => r.json() as Promise<GraphModelJson>),
    fetch("/models/blazeface.bin").then((r) => r.arrayBuffer()),
  ]);
  const detector = await FaceDetector.load(detectorJson, detectorBin);
  const model = await loadModel();
  const windowFrames = model.config.voice.frames;
  const faceSize = model.config.face.size;
  const need = (windowFrames * 160) / SAMPLE_RATE;
  loading("the camera and microphone");
  // frames = 1 + ⌊samples / 160⌋, so windowFrames · 160 samples give a whole window.
  const { audio } = await openMedia(Math.max(MIN_BUFFER_SECONDS * SAMPLE_RATE, windowFrames * 160));
  state.phase = "running";
  state.loading = null;
  progressEl.hidden = true;
  modelBanner();
  report();
  requestAnimationFrame(render);

  const cropsOf = async (frame: { data: Uint8Array; width: number; height: number }, t: number) => {
    const sample = { videoId: "camera", t, audio: new Float32Array(0), sampleRate: SAMPLE_RATE, frame };
    const crops = await lastValueFrom(
      of(sample).pipe(
        detectFaces(detector, { maxFaces: MAX_FACES }),
        cropFaces({ size: faceSize, faces: "all" }),
        filter((e) => e.kind === "face"),
        toArray(),
      ),
    );
    // Left to right, so "face 1" stays the same person from tick to tick.
    crops.sort((a, b) => a.box.x - b.box.x);
    return crops;
  };
  const embedCrops = (crops: Awaited<ReturnType<typeof cropsOf>>) =>
    // All faces of a frame in one batch (one forward instead of one per face).
    lastValueFrom(
      from(crops.map((e) => e.face)).pipe(
        embedFace(model.face, { normalize: true, batchSize: Math.max(1, crops.length) }),
        toArray(),
      ),
    );

  const enrol = async (files: readonly File[]): Promise<void> => {
    const notes: string[] = [];
    for (const file of files) {
      let bitmap: ImageBitmap;
      try {
        bitmap = await createImageBitmap(file);
      } catch {
        notes.push(`"${file.name}" is not an image this browser can read.`);
        continue;
      }
      const frame = frameFrom(bitmap, bitmap.width, bitmap.height);
      const crops = await cropsOf(frame, 0);
      if (crops.length === 0) {
        notes.push(`No face found in "${file.name}": choose a photo where the face is clearly visible.`);
        bitmap.close();
        continue;
      }
      // The largest face of the photo.
      crops.sort((a, b) => b.box.width * b.box.height - a.box.width * a.box.height);
      const [embedding] = await embedCrops([crops[0]!]);
      const b = crops[0]!.box;
      const thumb = document.createElement("canvas");
      thumb.width = thumb.height = 48;
      thumb.getContext("2d")!.drawImage(bitmap, b.x, b.y, b.width, b.height, 0, 0, 48, 48);
      bitmap.close();
      enrolled.push({ name: file.name, thumb: thumb.toDataURL(), embedding: embedding! });
    }
    galleryNote.textContent = notes.join(" ");
    state.notice = notes.length === 0 ? null : notes.join(" ");
    showLists();
    report();
  };
  photosEl.onchange = () => {
    void enrol([...(photosEl.files ?? [])]).finally(() => (photosEl.value = ""));
  };
  dropEl.ondragover = (e) => {
    e.preventDefault();
    dropEl.classList.add("over");
  };
  dropEl.ondragleave = () => {
    dropEl.classList.remove("over");
  };
  dropEl.ondrop = (e) => {
    e.preventDefault();
    dropEl.classList.remove("over");
    void enrol([...(e.dataTransfer?.files ?? [])]);
  };
  clearEl.onclick = () => {
    enrolled.length = 0;
    state.gallery = [];
    state.galleryDecision = null;
    galleryNote.textContent = "";
    showLists();
    report();
  };
  showLists();

  const tick = async (): Promise<void> => {
    const t0 = performance.now();
    const frame = grabFrame();
    const have = audio.length / SAMPLE_RATE;
    state.audioSeconds = have;
    state.audio.seconds = have;
    // Voice: log-mel of the buffer, the newest window of the model's length, its level in dBFS.
    let status: VoiceStatus = { kind: "filling", dbfs: -Infinity, have, need };
    let voiceEmb: Float32Array | null = null;
    if (audio.length >= 160) {
      const samples = audio.snapshot();
      const lm = logMel(samples);
      const start = Math.max(0, lm.frames - windowFrames);
      const win = cutWindow(lm, { frames: windowFrames, start });
      status = voiceStatus(
        samples.subarray(Math.max(0, samples.length - windowFrames * 160)),
        have,
        need,
        win.nearSilent,
      );
      if (status.kind === "voice") {
        voiceEmb = await lastValueFrom(of(win).pipe(embedVoice(model.voice, { normalize: true })));
      }
    }
    state.voice = { ...status, dims: voiceEmb?.length ?? 0 };
    const t1 = performance.now();
    // Faces on camera: detect, crop at the model's size, embed.
    const crops = frame === null ? [] : await cropsOf(frame, state.ticks);
    const boxes = crops.map((e) => e.box as FaceBox);
    const t2 = performance.now();
    const faceEmbs = crops.length === 0 ? [] : await embedCrops(crops);
    const t3 = performance.now();
    const score = async (faces: Float32Array[]): Promise<number[]> => {
      if (voiceEmb === null || faces.length === 0) return [];
      const m = await lastValueFrom(of({ voice: voiceEmb, faces }).pipe(matchVoiceToFaces()));
      return Array.from(m.scores);
    };
    const scores = await score(faceEmbs);
    const threshold = state.model.threshold;
    // With a voice there is one score per face; with no face decide() says so.
    const decision = state.media === "camera" ? decide(scores, status, threshold) : null;
    const galleryScores = await score(enrolled.map((e) => e.embedding));
    const galleryDecision =
      enrolled.length === 0 ? null : decide(galleryScores, status, threshold, { faces: "enrolled face" });
    overlay = { boxes, decision, scores };
    state.faces = boxes.map((b, i) => ({
      x: Math.round(b.x),
      y: Math.round(b.y),
      width: Math.round(b.width),
      height: Math.round(b.height),
      score: Number(b.score.toFixed(3)),
      cosine: Number((scores[i] ?? NaN).toFixed(4)),
      rank: decision?.ranks[i] ?? 0,
    }));
    state.gallery = enrolled.map((e, i) => ({
      name: e.name,
      cosine: Number((galleryScores[i] ?? NaN).toFixed(4)),
      rank: galleryDecision?.ranks[i] ?? 0,
    }));
    state.decision = decision;
    state.galleryDecision = galleryDecision;
    state.best = decision?.speaker ?? -1;
    for (const d of [decision, galleryDecision])
      if (d !== null && !state.verdictsSeen.includes(d.verdict)) state.verdictsSeen.push(d.verdict);
    state.ticks += 1;
    const t4 = performance.now();
    state.tickMs = Math.round(t4 - t0);
    const ms = (x: number) => Number(x.toFixed(1));
    state.timing = {
      voice: ms(t1 - t0),
      detect: ms(t2 - t1),
      faces: ms(t3 - t2),
      score: ms(t4 - t3),
      total: ms(t4 - t0),
      faceCount: crops.length,
    };
    tickLog.push(state.timing);
    if (tickLog.length > TICK_LOG) tickLog.shift();
    state.tensors = tf.memory().numTensors;
    showVoice();
    showLists();
    report();
  };

  // One tick per second; a slow tick skips the ticks that arrive meanwhile.
  const every = params.has("interval") ? Math.max(0, Number(params.get("interval")) || 0) : TICK_MS;
  interval(every)
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

/** Shows an error once, in words, with a Retry button. */
function fail(e: unknown): void {
  if (state.phase === "error") return;
  state.phase = "error";
  state.loading = null;
  progressEl.hidden = true;
  state.error = e instanceof Error ? e.message : String(e);
  banner(state.error, "error");
  report();
}

main().catch(fail);
