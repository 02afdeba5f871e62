// This module is browser compatible.
/**
 * The real training parts from `models/`: ResNet towers, tensor memory
 * banks, tensor k-means with PCL concentration, the CMPC loss, AdamL2 and
 * the schedules, behind the {@linkcode TrainParts} interface.
 *
 * @module
 */
import {
  AdamL2,
  MemoryBank,
  clusterBank,
  clusteringDue,
  cmpcLoss,
  createTowers,
  learningRate,
  tf,
} from "../../models/mod.ts";
import type { TrainParts } from "./train_parts.ts";

function meanOf(t: tf.Tensor | null): number {
  if (t === null) return 0;
  return tf.tidy(() => tf.mean(t).dataSync()[0]!);
}

export const modelParts: TrainParts = {
  createTowers: (config, rng) => createTowers(config, rng),
  createBank: (size, dim, rng, momentum) =>
    MemoryBank.random(size, dim, rng, { momentum }),
  bankFromHost: (host, momentum) => MemoryBank.fromHost(host, { momentum }),
  clusterBank: (bank, ks, c, rng) =>
    clusterBank(bank, ks, {
      iterations: c.iterations,
      init: c.init,
      emptyCluster: c.emptyCluster,
      rng,
    }),
  cmpcLoss(voice, face, indices, prototypes, config) {
    // Runs inside trainStep's gradient tape, whose scope releases the part tensors.
    const r = cmpcLoss(voice, face, indices, prototypes, {
      temperature: config.temperature,
      codeLiteral: config.codeLiteral,
      delta: config.recalibration.delta,
      kappa: config.recalibration.kappa,
    });
    return {
      total: r.total,
      cidV2f: meanOf(r.cidV2f),
      cidF2v: meanOf(r.cidF2v),
      protoV2f: meanOf(r.protoV2f),
      protoF2v: meanOf(r.protoF2v),
      weights: r.weights,
    };
  },
  createOptimizer: (c) =>
    new AdamL2({
      beta1: c.beta1,
      beta2: c.beta2,
      epsilon: c.epsilon,
      weightDecay: c.weightDecay,
      lr: c.minLr,
    }),
  learningRate: (step, c) => learningRate(step, c),
  // codeLiteral: the official code re-clusters on its step grid (every ⌊interval / batch⌋ steps after warm-up).
  clusteringDue: (samplesSeen, last, c) =>
    clusteringDue(samplesSeen, last, c.clustering, c.codeLiteral ? { officialGridBatchSize: c.batchSize } : {}),
};
