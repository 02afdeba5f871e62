// This module is browser compatible.
import { Rng } from "../../models/mod.ts";
import type { DroppedReport, EvaluateCommonOptions, EvaluateEmbedders } from "./evaluate_embedders.ts";

/** {@linkcode EvaluateCommonOptions} with their defaults, defined once for every evaluate function. */
export function commonOptions(
  options: EvaluateCommonOptions,
  name = "",
): {
  name: string;
  seed: number;
  concurrency: number;
  onProgress: ((done: number, total: number) => void) | undefined;
} {
  return {
    name: options.name ?? name,
    seed: options.seed ?? 100,
    concurrency: options.concurrency ?? 4,
    onProgress: options.onProgress,
  };
}

/** Averaged embeddings per item, or null for an item that failed. */
export type EmbeddingTable = Map<string, Float64Array | null>;

/** Embeds every distinct item of one modality (averaging its views) and records failures. */
export class ItemEmbedder {
  readonly voices: EmbeddingTable = new Map();
  readonly faces: EmbeddingTable = new Map();
  readonly failures: DroppedReport["examples"] = [];
  #failed = 0;
  #dim = -1;
  constructor(
    private readonly embedders: EvaluateEmbedders,
    private readonly opts: {
      seed: number;
      concurrency: number;
      voiceCrops: number;
      faceFlip: boolean;
      onProgress?: ((done: number, total: number) => void) | undefined;
    },
  ) {}

  /** Embeds the distinct voice and face items (in first-appearance order). */
  async run(voiceItems: Iterable<string>, faceItems: Iterable<string>): Promise<void> {
    const master = new Rng(this.opts.seed);
    const jobs: {
      modality: "voice" | "face";
      item: string;
      fn: () => Promise<void>;
    }[] = [];
    for (const item of voiceItems) {
      if (this.voices.has(item)) continue;
      this.voices.set(item, null);
      const rng = new Rng(master.seed());
      const fn = async (): Promise<void> => {
        const n = this.opts.voiceCrops;
        const views: Float32Array[] = [];
        for (let index = 0; index < n; index++) views.push(await this.embedders.voice(item, { index, count: n, rng }));
        this.#store("voice", item, views);
      };
      jobs.push({ modality: "voice", item, fn });
    }
    for (const item of faceItems) {
      if (this.faces.has(item)) continue;
      this.faces.set(item, null);
      const fn = async (): Promise<void> => {
        const views = [await this.embedders.face(item, { flip: false })];
        if (this.opts.faceFlip) views.push(await this.embedders.face(item, { flip: true }));
        this.#store("face", item, views);
      };
      jobs.push({ modality: "face", item, fn });
    }
    let next = 0;
    let done = 0;
    const worker = async (): Promise<void> => {
      for (let k = next++; k < jobs.length; k = next++) {
        const job = jobs[k]!;
        try {
          await job.fn();
        } catch (e) {
          this.#record(job.modality, job.item, e instanceof Error ? e.message : String(e));
        }
        done++;
        this.opts.onProgress?.(done, jobs.length);
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, Math.min(this.opts.concurrency, jobs.length)) }, worker));
  }

  #record(modality: "voice" | "face", item: string, reason: string): void {
    this.#failed++;
    (modality === "voice" ? this.voices : this.faces).set(item, null);
    if (this.failures.length < 10) this.failures.push({ modality, item, reason });
  }

  #store(modality: "voice" | "face", item: string, views: Float32Array[]): void {
    const d = views[0]!.length;
    if (this.#dim < 0) this.#dim = d;
    for (const v of views) {
      if (v.length !== this.#dim) {
        this.#record(modality, item, `embedding has ${v.length} values, expected ${this.#dim}`);
        return;
      }
    }
    const mean = new Float64Array(d);
    for (const v of views) for (let i = 0; i < d; i++) mean[i]! += v[i]!;
    for (let i = 0; i < d; i++) {
      mean[i]! /= views.length;
      if (!Number.isFinite(mean[i]!)) {
        this.#record(modality, item, `embedding holds ${mean[i]}`);
        return;
      }
    }
    (modality === "voice" ? this.voices : this.faces).set(item, mean);
  }

  /** The embedding dimension (−1 before any success). */
  get dim(): number {
    return this.#dim;
  }

  /** A dropped report for `units` left-out pairs/trials/queries. */
  dropped(units: number): DroppedReport {
    return { units, items: this.#failed, examples: this.failures.slice() };
  }
}
