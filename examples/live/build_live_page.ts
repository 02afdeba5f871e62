/**
 * Bundles the live page (examples/live/main.ts) for the browser with
 * esbuild (installed with tsx) and copies index.html next to it. The face
 * detector, the wasm binaries and the model are not copied: the live server
 * serves them from the installed packages and the run folder.
 *
 * @module
 */
import { copyFile, mkdir, stat } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

/** Options for {@linkcode buildLivePage}. */
export interface BuildLivePageOptions {
  /** Output folder (gitignored). @default {"examples/live/dist"} */
  outDir?: string;
  /** Minify the bundle. @default {true} */
  minify?: boolean;
}

/** What {@linkcode buildLivePage} wrote. */
export interface LivePageBuild {
  outDir: string;
  /** Bundle size in bytes. */
  bytes: number;
  seconds: number;
}

const HERE = dirname(fileURLToPath(import.meta.url));

/**
 * Builds `main.js` (+ source map) and `index.html` into `outDir`.
 *
 * @example
 * ```ts
 * import { buildLivePage } from "./build_live_page.ts";
 * const b = await buildLivePage();
 * console.log(`${b.outDir}/main.js: ${(b.bytes / 1e6).toFixed(1)} MB`);
 * ```
 */
export async function buildLivePage(options: BuildLivePageOptions = {}): Promise<LivePageBuild> {
  const outDir = options.outDir ?? join(HERE, "dist");
  const t0 = Date.now();
  await mkdir(outDir, { recursive: true });
  const result = await build({
    entryPoints: [join(HERE, "main.ts")],
    outfile: join(outDir, "main.js"),
    bundle: true,
    format: "esm",
    platform: "browser",
    target: "es2022",
    minify: options.minify ?? true,
    sourcemap: true,
    logLevel: "silent",
    // The library's optional Node-only imports are dynamic and never taken in a browser.
    external: ["@tensorflow/tfjs-node", "@tensorflow/tfjs-node-gpu"],
  });
  if (result.errors.length > 0) {
    throw new Error(`Cannot bundle the live page: ${result.errors.map((e) => e.text).join("; ")}`);
  }
  await copyFile(join(HERE, "index.html"), join(outDir, "index.html"));
  const bytes = (await stat(join(outDir, "main.js"))).size;
  return { outDir, bytes, seconds: (Date.now() - t0) / 1000 };
}
