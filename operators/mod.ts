// This module is browser compatible.
/**
 * RxJS 7 operators that carry decoded pairs through encoding, memory-bank
 * update, prototype assignment and the recalibrated loss.
 *
 * @module
 */
export {};
export * from "./batch_pairs.ts";
export * from "./step_event.ts";
export * from "./train_parts.ts";
export * from "./to_log_mel.ts";
export * from "./detect_faces.ts";
export * from "./crop_faces.ts";
export * from "./sample_pairs.ts";
export * from "./augment_faces.ts";
export * from "./from_stream.ts";
export * from "./eval_embedders.ts";
export * from "./evaluate_verification.ts";
export * from "./evaluate_matching.ts";
export * from "./evaluate_retrieval.ts";
export * from "./evaluate_vfal_eva.ts";
export * from "./evaluation_report.ts";
export * from "./feature_front_end.ts";
export * from "./paper_front_end.ts";
export * from "./build_feature_cache.ts";
export * from "./train_session.ts";
export * from "./step_plan.ts";
export * from "./encode.ts";
export * from "./update_memory_bank.ts";
export * from "./assign_prototypes.ts";
export * from "./recalibrated_loss.ts";
export * from "./train_step.ts";
export * from "./checkpoint_every.ts";
export * from "./train_cmpc.ts";
export * from "./load_towers.ts";
export * from "./embed_voice.ts";
export * from "./embed_face.ts";
export * from "./match_voice_to_faces.ts";
export * from "./evaluate.ts";
