/**
 * What `npm run fuzz` feeds: each target reads one (mutated) input and
 * either returns or throws. {@linkcode judge} says whether a throw is one of
 * the answers the project promises (a typed error, or a TypeError /
 * RangeError / SyntaxError whose message names the input).
 */
import {
  CheckpointFormatError,
  deserializeTrainState,
  importTorchCheckpoint,
  TorchFormatError,
  WeightsMismatchError,
} from "../../models/mod.ts";
import { PickleError, unpickle } from "../../models/torch/_pickle.ts";
import {
  bytesSource,
  decodeAudio,
  DecodeError,
  decodeJpeg,
  decodeVideo,
  parseIdentitySplits,
  parseManifest,
  parseMatchingList,
  parseRetrievalList,
  parseVerificationList,
  parseVoxceleb1Meta,
  parseWav,
} from "../../streams/mod.ts";
import { nodeDecoderWorker } from "../../streams/node/mod.ts";

/** One fuzz target. */
export interface Target {
  name: string;
  /** What the seeds are (for mutators that know the format). */
  format: "mp4" | "mpg" | "webm" | "wav" | "jpeg" | "text" | "checkpoint" | "zip" | "pickle" | "media";
  /** Reads the input; resolves on success, rejects with what the reader threw. */
  run(bytes: Uint8Array, name: string): Promise<void> | void;
  /** Readers that take no name cannot name the input: any typed error is fine, and a plain TypeError/RangeError only in the project's words ("Cannot …"). */
  named: boolean;
  /** Per-input time limit, ms. */
  timeoutMs: number;
}

async function drain<T>(stream: ReadableStream<T>, check: (v: T) => void, signal: AbortSignal): Promise<void> {
  const reader = stream.getReader();
  const onAbort = () => {
    void reader.cancel();
  };
  signal.addEventListener("abort", onAbort);
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      check(value);
      if (signal.aborted) return;
    }
  } finally {
    signal.removeEventListener("abort", onAbort);
  }
}

function finiteAudio(name: string, audio: Float32Array): void {
  for (let i = 0; i < audio.length; i++) {
    if (!Number.isFinite(audio[i]!)) throw new FuzzFinding(`"${name}": decoded audio has a non-finite sample at ${i}`);
  }
}

/** A wrong answer that is not a throw of the reader (NaN output, a hang). */
export class FuzzFinding extends Error {
  override name = "FuzzFinding";
}

let abortCurrent: AbortController = new AbortController();
/** Cancels the decode in flight (on a timeout). */
export function abortInFlight(): void {
  abortCurrent.abort();
}

const decodeTarget = (name: string, audioOnly: boolean): Target => ({
  name,
  format: "media",
  named: true,
  timeoutMs: 60_000,
  async run(bytes, input) {
    abortCurrent = new AbortController();
    const source = bytesSource(bytes, input);
    const options = { worker: nodeDecoderWorker, reuseWorker: true };
    if (audioOnly) {
      await drain(
        decodeAudio(source, options),
        (c) => {
          finiteAudio(input, c.audio);
        },
        abortCurrent.signal,
      );
    } else {
      await drain(
        decodeVideo(source, { ...options, fps: 2 }),
        (s) => {
          finiteAudio(input, s.audio);
          if (s.frame !== null && s.frame.data.length !== s.frame.width * s.frame.height * 3)
            throw new FuzzFinding(
              `"${input}": a ${s.frame.width}×${s.frame.height} frame of ${s.frame.data.length} bytes`,
            );
        },
        abortCurrent.signal,
      );
    }
  },
});

const text = (b: Uint8Array) => new TextDecoder().decode(b);

/** Every target, by name. */
export const TARGETS: Record<string, Target> = {
  "decode-video": decodeTarget("decode-video", false),
  "decode-audio": decodeTarget("decode-audio", true),
  wav: {
    name: "wav",
    format: "wav",
    named: true,
    timeoutMs: 10_000,
    run(bytes, input) {
      const w = parseWav(bytes, input);
      finiteAudio(input, w.samples);
    },
  },
  jpeg: {
    name: "jpeg",
    format: "jpeg",
    named: true,
    timeoutMs: 10_000,
    run(bytes, input) {
      const f = decodeJpeg(bytes, input);
      if (f.data.length !== f.width * f.height * 3) throw new FuzzFinding(`"${input}": frame size does not match`);
    },
  },
  csv: {
    name: "csv",
    format: "text",
    named: true,
    timeoutMs: 10_000,
    run(bytes, input) {
      const t = text(bytes);
      // Each protocol file through the reader meant for it, and the rest too (a wrong file given).
      parseVoxceleb1Meta(t, input);
      try {
        parseVerificationList(t, input, { names: [{ id: "id10002", name: "A.R._Rahman" }] });
      } catch (e) {
        judgeOrThrow(e, input, true);
      }
      for (const f of [parseMatchingList, parseRetrievalList, parseManifest, parseIdentitySplits]) {
        try {
          f(t, input);
        } catch (e) {
          judgeOrThrow(e, input, true);
        }
      }
    },
  },
  checkpoint: {
    name: "checkpoint",
    format: "checkpoint",
    named: false,
    timeoutMs: 10_000,
    run(bytes) {
      deserializeTrainState(bytes);
    },
  },
  torch: {
    name: "torch",
    format: "zip",
    named: false,
    timeoutMs: 10_000,
    run(bytes) {
      importTorchCheckpoint(bytes);
    },
  },
  pickle: {
    name: "pickle",
    format: "pickle",
    named: false,
    timeoutMs: 10_000,
    run(bytes) {
      unpickle(bytes);
    },
  },
};

/** Rethrows `e` unless it is an answer the project promises. */
function judgeOrThrow(e: unknown, input: string, named: boolean): void {
  if (judge(e, input, named) !== null) throw e;
}

/** Null when `e` is a promised answer; otherwise why it is not. */
export function judge(e: unknown, input: string, named: boolean): string | null {
  if (e instanceof FuzzFinding) return e.message;
  if (!(e instanceof Error)) return `threw a non-Error: ${String(e)}`;
  const typed =
    e instanceof DecodeError ||
    e instanceof CheckpointFormatError ||
    e instanceof TorchFormatError ||
    e instanceof PickleError ||
    e instanceof WeightsMismatchError;
  if (typed) return named && !e.message.includes(input) ? `${e.name} does not name the input` : null;
  const plain = e.constructor === TypeError || e.constructor === RangeError || e.constructor === SyntaxError;
  if (!plain) return `untyped ${e.name}`;
  if (named) return e.message.includes(input) ? null : `${e.name} does not name the input`;
  return /^Cannot /.test(e.message) ? null : `${e.name} from inside a reader (not in the project's words)`;
}
