// This module is browser compatible.
/**
 * `Identity` and a same-dtype `Cast` on the wasm backend without a copy:
 * the output shares the input's data (a reference more, as the cpu backend
 * and the wasm `Reshape` do). The stock kernels copy: the engine clones
 * every tensor it saves for the backward pass through `Identity`, and the
 * clones' gradient is a `Cast` to float32, so a training step copied each
 * saved activation once (~15 ms of a batch-32 face step here). Nothing
 * writes a tensor's data in place, so sharing is safe.
 *
 * @module
 */
import { type Info, type KernelArgs, stockKernel } from "../_util.ts";

function stock(name: string, args: KernelArgs): Info {
  const f = stockKernel(name);
  if (f === undefined) throw new Error(`wasm backend has no ${name} kernel`);
  return f(args) as Info;
}

/** The kernel function registered as `Identity` on wasm. */
export function identity(args: KernelArgs): Info {
  const { inputs, backend } = args;
  const x = inputs["x"] as Info;
  if (x.dtype === "string") return stock("Identity", args);
  backend.incRef(x.dataId);
  return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
}

/** The kernel function registered as `Cast` on wasm: to its own dtype, a shared reference; else the stock kernel. */
export function cast(args: KernelArgs): Info {
  const { inputs, backend } = args;
  const x = inputs["x"] as Info;
  const dtype = (args.attrs ?? {})["dtype"];
  if (x.dtype !== dtype || x.dtype === "string" || x.dtype === "complex64") return stock("Cast", args);
  backend.incRef(x.dataId);
  return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
}
