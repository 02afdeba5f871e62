// This module is browser compatible.
/** One tick of the live page, in ms by part (examples/live/main.ts `state.timing`, read by bench/live.ts). */
export interface TickTiming {
  voice: number;
  detect: number;
  faces: number;
  score: number;
  total: number;
  /** Faces embedded (camera and enrolled). */
  faceCount: number;
}
