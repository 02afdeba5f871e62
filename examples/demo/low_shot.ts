/**
 * Low-shot fine-tuning on the demo data (issue: the paper's second claim):
 * fine-tune a CMPC, CID or random model with the identity labels of a few
 * training identities and score it on the unseen identities. Shared by
 * `npm start -- --low-shot` and `npm run bench:lowshot`.
 *
 * @module
 */
import { filter, lastValueFrom, tap } from "rxjs";
import { serializeTrainState, type TrainState, type CmpcConfig } from "../../models/mod.ts";
import {
  augmentFaces,
  fineTuneConfig,
  fineTuneParts,
  samplePairs,
  selectLabelled,
  trainCmpc,
  type VfalEvaResult,
} from "../../operators/mod.ts";
import type { FeatureCache } from "../../streams/mod.ts";
import { writeCheckpoint } from "../../streams/node/mod.ts";
import { demoConfig, evaluateOnTest, type PreparedDemoRun } from "./demo_run.ts";

/** Where a low-shot run starts. */
export type LowShotInit = "random" | "cid" | "cmpc";

/** One low-shot run of {@linkcode fineTuneAndEvaluate}. */
export interface LowShotRunOptions {
  init: LowShotInit;
  /** The pretrained model (null for `random`). */
  from: TrainState | null;
  /** Share of the training identities whose labels are used. */
  fraction: number;
  seed: number;
  /** Fine-tuning steps. @default {200} */
  steps?: number;
  /** Peak learning rate of the fine-tuning schedule. @default {1e-4: chosen on a validation set, docs/low_shot.md} */
  maxLr?: number;
  /**
   * Score on these videos instead of the unseen test identities (a
   * validation set for choosing fine-tuning settings without the test set).
   * @default {prepared.testCache}
   */
  evalCache?: FeatureCache;
  /** BatchNorm in eval mode while fine-tuning (`fineTuneParts`). @default {true for a pretrained model, false for random towers} */
  freezeBatchNorm?: boolean;
  /** Weight of the CID term (`fineTuneParts`). @default {1} */
  contrastiveWeight?: number;
  /** Weight of the identity cross-entropies (`fineTuneParts`; 0 = the no-label control). @default {1} */
  identityWeight?: number;
  /** Writes the final checkpoint here (a run folder the CLI's embed, match and eval read). */
  runDir: string;
  log: (line: string) => void;
}

/** The result of one low-shot run. */
export interface LowShotResult {
  init: LowShotInit;
  fraction: number;
  seed: number;
  /** Labelled identities and their videos. */
  identities: number;
  videos: number;
  steps: number;
  trainSeconds: number;
  eval: VfalEvaResult;
}

/**
 * Fine-tunes one model with the labels of a seeded `fraction` of the demo's
 * training identities (both towers, identity CE + λ·CID, the demo's
 * augmentation) and scores it on the unseen identities with the main job's
 * protocol (the same seed gives the same lists as the pretrained model's).
 */
export async function fineTuneAndEvaluate(prepared: PreparedDemoRun, o: LowShotRunOptions): Promise<LowShotResult> {
  const steps = o.steps ?? 200;
  const picked = selectLabelled(prepared.trainCache, {
    fraction: o.fraction,
    seed: o.seed,
    exclude: prepared.testCache.videos.map((v) => v.identity ?? v.videoId),
  });
  const base: CmpcConfig = o.from?.config ?? demoConfig(prepared.trainCache.videos.length, steps, o.seed);
  const config = fineTuneConfig(base, {
    videos: picked.cache.videos.length,
    steps,
    seed: o.seed,
    batchSize: 32,
    maxLr: o.maxLr ?? 1e-4,
  });
  const t0 = Date.now();
  let final: TrainState | null = null;
  await lastValueFrom(
    trainCmpc(
      ({ rng, samplesSeen }) =>
        samplePairs(picked.cache, { rng, windowFrames: config.voice.frames }).pipe(
          augmentFaces({ seed: o.seed, start: samplesSeen }),
        ),
      {
        config,
        steps,
        backend: "wasm",
        threads: prepared.threads,
        parts: fineTuneParts({
          init: o.from,
          labels: picked.labels,
          classes: picked.classes.length,
          ...(o.contrastiveWeight === undefined ? {} : { contrastiveWeight: o.contrastiveWeight }),
          ...(o.identityWeight === undefined ? {} : { identityWeight: o.identityWeight }),
          ...(o.freezeBatchNorm === undefined ? {} : { freezeBatchNorm: o.freezeBatchNorm }),
        }),
        checkpoint: {
          every: steps,
          write: async (state: TrainState) => {
            final = state;
            await writeCheckpoint(o.runDir, state.step, serializeTrainState(state));
          },
        },
      },
    ).pipe(
      tap((e) => {
        if (e.step % 50 === 0)
          o.log(
            `  low-shot ${o.init} ${pct(o.fraction)} seed ${o.seed} step ${e.step}/${steps} loss ${e.loss.total.toFixed(3)} (CE voice ${e.loss.identity?.voice.toFixed(3) ?? "-"}, face ${e.loss.identity?.face.toFixed(3) ?? "-"})`,
          );
      }),
      filter(() => false),
    ),
    { defaultValue: null },
  );
  if (final === null) throw new Error(`Cannot evaluate the low-shot ${o.init} run: it wrote no checkpoint`);
  const trainSeconds = (Date.now() - t0) / 1000;
  const evalResult = await evaluateOnTest(final, o.evalCache ?? prepared.testCache, o.seed);
  o.log(
    `  low-shot ${o.init} ${pct(o.fraction)} of the identities (${picked.classes.length}, ${picked.cache.videos.length} videos) seed ${o.seed}: AUC ${pct(evalResult.auc)} EER ${pct(evalResult.eer)} 1:2 v→f ${pct(evalResult.matchingV2F)} f→v ${pct(evalResult.matchingF2V)} (${trainSeconds.toFixed(0)} s)`,
  );
  return {
    init: o.init,
    fraction: o.fraction,
    seed: o.seed,
    identities: picked.classes.length,
    videos: picked.cache.videos.length,
    steps,
    trainSeconds,
    eval: evalResult,
  };
}

function pct(x: number): string {
  return `${(100 * x).toFixed(1)}%`;
}
