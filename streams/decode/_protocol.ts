// This module is browser compatible.
// Messages between the decoder host (decode_video.ts) and the ffmpeg worker.

/** What the worker reads: local bytes, a Node file path, a browser Blob, or host-served. */
export type WorkerInput =
  | { kind: "bytes"; name: string; bytes: Uint8Array }
  | { kind: "file"; name: string; path: string }
  | { kind: "blob"; name: string; blob: Blob }
  /** Bytes served by the host on request through the shared control block (sequential, unknown size). */
  | { kind: "remote"; name: string };

export interface WorkerJob {
  input: WorkerInput;
  /** Decode audio and video frames (`av`), audio only, or frames only (`video`). */
  mode: "av" | "audio" | "video";
  /** Output frame rate, or 0 for the native rate (no fps filter). */
  fps: number;
  sampleRate: number;
  /** Audio is posted in chunks of this many samples. */
  audioChunk: number;
  /** Int32 control block (see CTRL_*) plus the read buffer. */
  ctrl: SharedArrayBuffer;
  data: SharedArrayBuffer;
  /** Optional URL of the ffmpeg core (browser) and its wasm. */
  coreURL?: string;
  wasmURL?: string;
}

export type HostMessage = { type: "start"; job: WorkerJob };

export type WorkerMessage =
  | { type: "ready" }
  | { type: "audio"; data: Float32Array }
  | { type: "frame"; data: Uint8Array; width: number; height: number }
  | { type: "read"; length: number }
  | { type: "info"; nativeFps: number | null; durationSeconds: number | null }
  | { type: "done" }
  | { type: "failed"; reason: string; detail: string };

/** Int32 slots of the control block. */
export const CTRL_READ_STATE = 0; // 0 waiting, 1 answered
export const CTRL_READ_LEN = 1; // bytes answered, 0 = end of input, -1 = source error
export const CTRL_CREDIT = 2; // messages the worker may still post
export const CTRL_CANCEL = 3; // 1 = stop at the next chance
export const CTRL_SLOTS = 4;
/** Size of the shared read buffer. */
export const READ_CHUNK = 1 << 20;
