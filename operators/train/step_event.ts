// This module is browser compatible.

/** Loss parts of one step (batch means; `total` is the recalibrated CMPC loss). */
export interface StepLoss {
  /** Cross-modal instance contrast, voice → face (unweighted batch mean). */
  cidV2f: number;
  /** Cross-modal instance contrast, face → voice (unweighted batch mean). */
  cidF2v: number;
  /** Prototype contrast, voice anchors → face prototypes (0 without prototypes). */
  protoV2f: number;
  /** Prototype contrast, face anchors → voice prototypes (0 without prototypes). */
  protoF2v: number;
  /** The loss that was minimised (w-weighted, both directions). */
  total: number;
  /** Identity cross-entropy of each tower's embeddings, when fine-tuning with labels (`fineTuneParts`). */
  identity?: { voice: number; face: number };
}

/** Statistics of the recalibration weights w of one batch (all 1 without prototypes). */
export interface RecalibrationStats {
  mean: number;
  min: number;
  /** Share of items with w < 0.5. */
  shareBelowHalf: number;
  /** Counts of w in ten equal bins over [0, 1] (w = 1 falls in the last bin). */
  histogram: number[];
}

/** Clustering state of one step. */
export interface ClusteringStats {
  /** Whether the memory banks were re-clustered at the start of this step. */
  reclustered: boolean;
  /** Whether prototypes took part in this step's loss. */
  active: boolean;
  /** K of each clustering (the same for both modalities). */
  ks: number[];
  /** Empty clusters per K, per modality, of the current prototypes (zeros when none). */
  emptyClusters: { voice: number[]; face: number[] };
  /** Mean concentration φ per K, per modality (NaN when no prototypes exist). */
  meanPhi: { voice: number[]; face: number[] };
  /**
   * On steps that re-clustered: each clustering's assignment of every memory
   * slot (`[k][slot]`), per modality, for diagnostics (`TrainingDiagnostics`).
   */
  assignments?: { voice: number[][]; face: number[][] };
}

/** The batch of one step, for diagnostics: memory slots and recalibration weights in batch order. */
export interface StepBatch {
  /** Memory slots (cached video indices) of the batch items. */
  indices: number[];
  /** Recalibration weight w of each item (all 1 without prototypes). */
  weights: number[];
  /**
   * With prototypes: the two parts of each item's recalibration score
   * ρ = instanceCos − protoDotSum (cos(v_i, f_i), and the centroid inner
   * products summed over the clusterings).
   */
  rho?: { instanceCos: number[]; protoDotSum: number[] };
}

/** What one training step reports; {@linkcode trainCmpc} emits one per step. */
export interface StepEvent {
  /** Optimiser steps taken, counting this one (1 for the first step of a run). */
  step: number;
  /** Training samples consumed, counting this batch. */
  samplesSeen: number;
  /** Learning rate used for this step. */
  learningRate: number;
  loss: StepLoss;
  weights: RecalibrationStats;
  batch: StepBatch;
  clustering: ClusteringStats;
  /** Samples of this batch divided by the wall time since the previous step ended (data waiting included). */
  samplesPerSecond: number;
  /** The tfjs backend the step ran on. */
  backend: string;
  /** `tf.memory().numTensors` after the step (constant over a run unless something leaks). */
  numTensors: number;
  /** Set by {@linkcode checkpointEvery} on steps whose checkpoint was written. */
  checkpoint?: { step: number };
}
