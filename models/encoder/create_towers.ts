// This module is browser compatible.
import type { CmpcConfig } from "../config.ts";
import { ResNetTower } from "./resnet_tower.ts";
import type { Rng } from "../rng.ts";

/**
 * Builds the voice (1-channel log-mel, N×mels×frames×1) and face (RGB,
 * N×size×size×3) towers of a configuration, voice first from the same `rng`
 * so that a seed always gives the same weights. With `config.codeLiteral`
 * conv1 of both towers gets PyTorch's default init (Kaiming-uniform, a = √5),
 * as in the official code, whose `resnet34()` replaces conv1 of every tower
 * after torchvision's Kaiming-normal init loop; the default keeps
 * Kaiming-normal for every conv, the paper's stated init.
 * `initWeights: false` skips the random init (and draws nothing from `rng`)
 * for towers about to receive a checkpoint's weights. The caller disposes
 * both towers.
 *
 * @example
 * ```ts
 * import { cmpcConfig } from "../config.ts";
 * import { Rng } from "../rng.ts";
 * import { createTowers } from "./create_towers.ts";
 * const { voice, face } = createTowers(cmpcConfig("tiny"), new Rng(0));
 * console.assert(voice.embeddingSize === 64);
 * voice.dispose();
 * face.dispose();
 * ```
 */
export function createTowers(
  config: CmpcConfig,
  rng: Rng,
  options: { initWeights?: boolean } = {},
): { voice: ResNetTower; face: ResNetTower } {
  const initWeights = options.initWeights ?? true;
  const conv1Init = config.codeLiteral ? "torchDefault" : "kaimingNormal";
  const voice = new ResNetTower("voice", 1, config.voice.tower, rng, { conv1Init, initWeights });
  const face = new ResNetTower("face", 3, config.face.tower, rng, { conv1Init, initWeights });
  return { voice, face };
}
