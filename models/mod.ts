// This module is browser compatible.
/**
 * Tensors and math: backend selection, configuration, encoders, objective,
 * optimiser, metrics and checkpoint (de)serialisation. Runs in Node and in a
 * browser; imports tfjs only through `_tf.ts`.
 *
 * @module
 */
export { tf } from "./_tf.ts";
export * from "./backend.ts";
export * from "./config.ts";
export * from "./rng.ts";
export * from "./train_state.ts";
export * from "./l2_normalize.ts";
export * from "./instance_contrast.ts";
export * from "./log_mel.ts";
export { melFilterbank } from "./mel_filterbank.ts";
export * from "./speech_level.ts";
export * from "./cut_window.ts";
export * from "./log_mel_windows.ts";
export * from "./segment_utterances.ts";
export * from "./roc_curve.ts";
export * from "./roc_auc.ts";
export * from "./equal_error_rate.ts";
export * from "./average_precision.ts";
export * from "./mean_average_precision.ts";
export * from "./rank_average_precision.ts";
export * from "./matching_accuracy.ts";
export * from "./cosine_scores.ts";
export * from "./retrieval_average_precision.ts";
export * from "./memory_bank.ts";
export * from "./kmeans.ts";
export * from "./concentration.ts";
export * from "./cluster_bank.ts";
export * from "./prototype_contrast.ts";
export * from "./recalibration.ts";
export * from "./recalibration_rho.ts";
export * from "./cmpc_loss.ts";
export * from "./lr_schedule.ts";
export * from "./clustering_schedule.ts";
export * from "./adam_l2.ts";
export * from "./wasm_kernels.ts";
export * from "./resnet_tower.ts";
export * from "./create_towers.ts";
export * from "./weights_mismatch_error.ts";
export * from "./face_detector.ts";
export * from "./crop_face.ts";
export * from "./checkpoint.ts";
export * from "./eval_voice_crop.ts";
export * from "./vfal_eva_protocol.ts";
export * from "./render_roc_svg.ts";
export * from "./torch_import.ts";
export * from "./load_torch_checkpoint.ts";
export * from "./fold_tower.ts";
export * from "./crop_face_rgb.ts";
export * from "./chance_average_precision.ts";
