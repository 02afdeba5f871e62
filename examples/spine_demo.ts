/**
 * `npm start` until the full pipeline lands: trains the spine for 30 steps
 * on built-in correlated pairs and prints the loss falling.
 */
import { lastValueFrom, tap } from "rxjs";
import { initBackend } from "../models/mod.ts";
import { spineTraining } from "./spine.ts";

const choice = await initBackend({ prefer: "cpu", purpose: "train" });
console.error(`cmpc spine demo: ${choice.summary}`);
let first = NaN;
const last = await lastValueFrom(
  spineTraining({ steps: 30 }).pipe(
    tap((s) => {
      if (s.step === 1) first = s.loss;
      console.log(`step ${String(s.step).padStart(2)}  loss ${s.loss.toFixed(4)}  tensors ${s.numTensors}`);
    }),
  ),
);
console.log(`symmetric CID loss ${first.toFixed(3)} -> ${last.loss.toFixed(3)} (chance level ${(2 * Math.log(16)).toFixed(3)})`);
