// This module is browser compatible.
/**
 * Low-shot supervised fine-tuning (spec §6): choose a few labelled
 * identities, then fine-tune both towers with an identity cross-entropy
 * (plus CID) through `trainCmpc`, starting from a CMPC or CID model or at
 * random.
 *
 * @module
 */

// Labelled identities
export {
  LabelLeakError,
  selectLabelled,
  type LabelSkip,
  type LabelledSelection,
  type SelectLabelledOptions,
} from "./select_labelled.ts";

// Fine-tuning parts and configuration
export {
  CLASSIFIER_KEY,
  fineTuneConfig,
  fineTuneParts,
  type FineTuneConfigOptions,
  type FineTuneOptions,
} from "./fine_tune_parts.ts";
