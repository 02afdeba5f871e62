// This module is browser compatible.
import type { RgbFrame } from "../decode/av_sample.ts";
import type { FeatureStore, FeatureSummary, FeatureWriter, LogMelFeatures } from "./feature_store.ts";
import { dequantize, quantizeLogMel, type QuantizedLogMel } from "./_quantize_log_mel.ts";
import { checkFace, checkRange, checkWindow } from "./_feature_checks.ts";

interface Entry {
  summary: FeatureSummary;
  utterances: QuantizedLogMel[];
  faces: Uint8Array[];
}

/**
 * A {@linkcode FeatureStore} in memory (a `Map`), for browsers, tests and
 * datasets that fit in RAM. Same precision as the on-disk store (uint16
 * log-mel codes, uint8 faces).
 *
 * @example
 * ```ts
 * import { MemoryFeatureStore } from "cmpc-stream/streams";
 * const store = new MemoryFeatureStore();
 * const w = await store.create("key", "clip.mp4");
 * await w.addUtterance({ data: new Float32Array(64 * 300), mels: 64, frames: 300 });
 * await w.addFace({ data: new Uint8Array(224 * 224 * 3), width: 224, height: 224 });
 * const summary = await w.commit();
 * const window = await store.readLogMel("key", 0, 0, 100); // 100 × 64 floats
 * ```
 */
export class MemoryFeatureStore implements FeatureStore {
  #entries = new Map<string, Entry>();

  /** Number of stored entries. */
  get size(): number {
    return this.#entries.size;
  }

  stat(key: string): Promise<FeatureSummary | undefined> {
    const e = this.#entries.get(key);
    return Promise.resolve(
      e === undefined ? undefined : { ...e.summary, utteranceFrames: [...e.summary.utteranceFrames] },
    );
  }

  create(key: string, videoId: string): Promise<FeatureWriter> {
    const utterances: QuantizedLogMel[] = [];
    const faces: Uint8Array[] = [];
    let faceHeight = 0;
    let faceWidth = 0;
    let mels = 0;
    let closed = false;
    const open = (): void => {
      if (closed) throw new TypeError(`Cannot write features of "${videoId}": the writer is closed`);
    };
    const entries = this.#entries;
    const writer: FeatureWriter = {
      addUtterance: (logMel: LogMelFeatures): Promise<void> =>
        settle(() => {
          open();
          if (mels !== 0 && logMel.mels !== mels) {
            throw new RangeError(`Cannot store the log-mel of "${videoId}": ${logMel.mels} mels after ${mels}`);
          }
          const q = quantizeLogMel(logMel, videoId);
          mels = q.mels;
          utterances.push(q);
        }),
      addFace: (face: RgbFrame): Promise<void> =>
        settle(() => {
          open();
          checkFace(face, faceHeight, faceWidth, videoId);
          faceHeight = face.height;
          faceWidth = face.width;
          faces.push(face.data.slice());
        }),
      commit: (): Promise<FeatureSummary> =>
        settle(() => {
          open();
          closed = true;
          const bytes =
            utterances.reduce((s, u) => s + u.codes.byteLength, 0) + faces.reduce((s, f) => s + f.byteLength, 0);
          const summary: FeatureSummary = {
            videoId,
            mels,
            utteranceFrames: utterances.map((u) => u.frames),
            faceCount: faces.length,
            faceHeight,
            faceWidth,
            bytes,
          };
          entries.set(key, { summary, utterances, faces });
          return { ...summary, utteranceFrames: [...summary.utteranceFrames] };
        }),
      abort(): Promise<void> {
        closed = true;
        utterances.length = 0;
        faces.length = 0;
        return Promise.resolve();
      },
    };
    return Promise.resolve(writer);
  }

  readLogMel(key: string, utterance: number, start: number, count: number): Promise<Float32Array> {
    return settle(() => {
      const e = this.#get(key);
      checkRange(utterance, e.utterances.length, `utterance of "${key}"`);
      const u = e.utterances[utterance]!;
      checkWindow(start, count, u.frames, key);
      return dequantize(u.codes.subarray(start * u.mels, (start + count) * u.mels), u.min, u.step);
    });
  }

  readFace(key: string, index: number): Promise<Uint8Array> {
    return settle(() => {
      const e = this.#get(key);
      checkRange(index, e.faces.length, `face of "${key}"`);
      return e.faces[index]!;
    });
  }

  delete(key: string): Promise<void> {
    this.#entries.delete(key);
    return Promise.resolve();
  }

  keys(): Promise<string[]> {
    return Promise.resolve([...this.#entries.keys()]);
  }

  #get(key: string): Entry {
    const e = this.#entries.get(key);
    if (e === undefined) throw new RangeError(`Cannot read features: no entry "${key}" in the store`);
    return e;
  }
}

/** Runs `fn` and returns its result as a promise, turning a throw into a rejection. */
function settle<T>(fn: () => T): Promise<T> {
  try {
    return Promise.resolve(fn());
  } catch (e) {
    return Promise.reject(e instanceof Error ? e : new TypeError(String(e)));
  }
}
