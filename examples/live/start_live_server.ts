/**
 * A tiny static server for the live page (node:http only): the bundle built
 * by build_live_page.ts, the face detector and the tfjs wasm binaries from
 * the installed packages, and the newest checkpoint of a run folder.
 *
 * @module
 */
import { readFile } from "node:fs/promises";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { createRequire } from "node:module";
import type { AddressInfo } from "node:net";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { readFaceDetectorFiles, readLatestCheckpoint } from "../../streams/node/mod.ts";

/** Options for {@linkcode startLiveServer}. */
export interface LiveServerOptions {
  /** Port; 0 picks a free one. @default {8080} */
  port?: number;
  /** Interface to listen on (localhost keeps getUserMedia in a secure context). @default {"127.0.0.1"} */
  host?: string;
  /**
   * Run folder whose latest checkpoint is served at /model.bin. By default
   * the folder named in `runs/demo/model` (written by `npm start`), else
   * `runs/demo/cmpc-seed0`.
   * @default {undefined}
   */
  runDir?: string;
  /** Where the built page lives. @default {"examples/live/dist"} */
  outDir?: string;
  /**
   * Send the cross-origin isolation headers (COOP `same-origin`, COEP
   * `require-corp`), so the page may use SharedArrayBuffer and the wasm
   * backend's threaded build. Off only to see the page's fallback.
   * @default {true}
   */
  isolate?: boolean;
}

/** What /model.json says. */
export interface LiveModelInfo {
  available: boolean;
  run: string;
  step?: number;
  message: string;
  /** The cosine at the model's verification EER point (`<run>/eval.json`), or null when the run was not evaluated. */
  threshold: number | null;
  /** Where `threshold` comes from, in words (or what to run to get one). */
  thresholdFrom: string;
  /** Whether the model was trained on the synthetic demo data (`npm start`), not on real people. */
  synthetic: boolean;
}

/** A running live server. */
export interface LiveServer {
  url: string;
  port: number;
  /** The model the page will get now (re-read on every request). */
  model(): Promise<LiveModelInfo>;
  close(): Promise<void>;
}

const HERE = dirname(fileURLToPath(import.meta.url));
const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".map": "application/json",
  ".json": "application/json",
  ".wasm": "application/wasm",
  ".bin": "application/octet-stream",
};

async function defaultRunDir(): Promise<string> {
  const pointer = await readFile(resolve("runs/demo/model"), "utf8").catch(() => "");
  return pointer.trim() === "" ? resolve("runs/demo/cmpc-seed0") : resolve(pointer.trim());
}

function wasmDir(): string {
  const main = createRequire(import.meta.url).resolve("@tensorflow/tfjs-backend-wasm");
  // .../tfjs-backend-wasm/dist/<entry>.js: the .wasm files sit in dist/.
  let dir = dirname(main);
  while (!dir.endsWith("tfjs-backend-wasm") && dirname(dir) !== dir) dir = dirname(dir);
  return join(dir, "dist");
}

/** Whether `cmpc train` listed a folder of `cmpc demo-data` videos (its `identities.json`) among the run's inputs. */
async function trainedOnDemoData(runDir: string): Promise<boolean> {
  const text = await readFile(join(runDir, "inputs.json"), "utf8").catch(() => null);
  if (text === null) return false;
  let inputs: unknown;
  try {
    inputs = (JSON.parse(text) as { inputs?: unknown }).inputs;
  } catch {
    return false;
  }
  if (!Array.isArray(inputs)) return false;
  for (const input of inputs) {
    if (typeof input !== "string") continue;
    for (const dir of [input, dirname(input)]) {
      const marker = await readFile(join(resolve(dir), "identities.json"), "utf8").catch(() => null);
      if (marker !== null && marker.includes('"identities"')) return true;
    }
  }
  return false;
}

/** The threshold and provenance from `<run>/eval.json` (written by `cmpc eval` and by `npm start`). */
async function readEvaluation(
  runDir: string,
): Promise<Pick<LiveModelInfo, "threshold" | "thresholdFrom" | "synthetic">> {
  const demoRun = /(^|[\\/])runs[\\/]demo[\\/]/.test(runDir + "/") || (await trainedOnDemoData(runDir));
  const text = await readFile(join(runDir, "eval.json"), "utf8").catch(() => null);
  if (text === null) {
    return {
      threshold: null,
      thresholdFrom: `no eval.json in "${runDir}": run \`cmpc eval --model ${runDir}\` to get the model's verification threshold`,
      synthetic: demoRun,
    };
  }
  let parsed: { protocol?: string; data?: string; threshold?: number | null };
  try {
    parsed = JSON.parse(text) as typeof parsed;
  } catch {
    return { threshold: null, thresholdFrom: `"${join(runDir, "eval.json")}" is not JSON`, synthetic: demoRun };
  }
  const threshold = typeof parsed.threshold === "number" && Number.isFinite(parsed.threshold) ? parsed.threshold : null;
  const on = parsed.data ?? "its evaluation data";
  return {
    threshold,
    thresholdFrom:
      threshold === null
        ? `"${join(runDir, "eval.json")}" has no verification threshold`
        : `the EER threshold of the model's ${parsed.protocol ?? ""} verification on ${on} (${join(runDir, "eval.json")})`,
    synthetic: demoRun || /synthetic/i.test(parsed.data ?? ""),
  };
}

/**
 * Starts the server. Routes: `/` (the page), `/main.js`, `/models/blazeface.{json,bin}`,
 * `/tfjs-wasm/*.wasm`, `/model.json` (is there a trained model?) and `/model.bin`
 * (its checkpoint bytes, `serializeTrainState` format).
 *
 * @example
 * ```ts
 * import { startLiveServer } from "./start_live_server.ts";
 * const server = await startLiveServer({ port: 0 });
 * console.log(server.url, (await server.model()).message);
 * await server.close();
 * ```
 */
export async function startLiveServer(options: LiveServerOptions = {}): Promise<LiveServer> {
  const outDir = options.outDir ?? join(HERE, "dist");
  const runDir = options.runDir === undefined ? await defaultRunDir() : resolve(options.runDir);
  const detector = await readFaceDetectorFiles();
  const wasm = wasmDir();

  const model = async (): Promise<LiveModelInfo> => {
    const c = await readLatestCheckpoint(runDir).catch(() => null);
    const evaluation = await readEvaluation(runDir);
    if (c === null) {
      return {
        available: false,
        run: runDir,
        message: `No checkpoint in "${runDir}": run \`npm start\` first (it trains the demo model into runs/demo), then reload.`,
        threshold: null,
        thresholdFrom: "no model",
        synthetic: false,
      };
    }
    return {
      available: true,
      run: runDir,
      step: c.step,
      message: `Checkpoint of step ${c.step} from "${runDir}".`,
      ...evaluation,
    };
  };

  type Reply = [status: number, body: Uint8Array | string, type: string];
  const route = async (method: string, path: string): Promise<Reply> => {
    if (method !== "GET" && method !== "HEAD") return [405, "GET only\n", "text/plain"];
    if (path === "/" || path === "/index.html")
      return [200, await readFile(join(outDir, "index.html")), TYPES[".html"]!];
    if (path === "/main.js" || path === "/main.js.map") {
      return [200, await readFile(join(outDir, path.slice(1))), TYPES[path.endsWith(".map") ? ".map" : ".js"]!];
    }
    if (path === "/models/blazeface.json") return [200, JSON.stringify(detector.modelJson), TYPES[".json"]!];
    if (path === "/models/blazeface.bin") return [200, detector.weights, TYPES[".bin"]!];
    const w = /^\/tfjs-wasm\/(tfjs-backend-wasm(?:-simd|-threaded-simd)?\.wasm)$/.exec(path);
    if (w !== null) return [200, await readFile(join(wasm, w[1]!)), TYPES[".wasm"]!];
    if (path === "/model.json") return [200, JSON.stringify(await model()), TYPES[".json"]!];
    if (path === "/model.bin") {
      const c = await readLatestCheckpoint(runDir).catch(() => null);
      return c === null ? [404, `${(await model()).message}\n`, "text/plain"] : [200, c.bytes, TYPES[".bin"]!];
    }
    if (path === "/favicon.ico") return [204, "", "text/plain"];
    return [404, `Not found: ${path}\n`, "text/plain"];
  };
  const isolation =
    options.isolate === false
      ? {}
      : {
          "cross-origin-opener-policy": "same-origin",
          "cross-origin-embedder-policy": "require-corp",
          "cross-origin-resource-policy": "same-origin",
        };
  const send = (res: ServerResponse, [status, body, type]: Reply): void => {
    res.writeHead(status, {
      "content-type": type,
      "cache-control": "no-store",
      ...isolation,
      ...(typeof body === "string" ? {} : { "content-length": String(body.byteLength) }),
    });
    res.end(body);
  };
  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    send(res, await route(req.method ?? "GET", new URL(req.url ?? "/", "http://localhost").pathname));
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((e: unknown) => {
      const text = e instanceof Error ? e.message : String(e);
      if (!res.headersSent) send(res, [500, `${text}\n`, "text/plain"]);
      else res.end();
    });
  });
  await new Promise<void>((ok, fail) => {
    server.once("error", fail);
    server.listen(options.port ?? 8080, options.host ?? "127.0.0.1", () => {
      ok();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const host = options.host ?? "127.0.0.1";
  return {
    url: `http://${host === "127.0.0.1" || host === "0.0.0.0" ? "localhost" : host}:${port}/`,
    port,
    model,
    close: () =>
      new Promise<void>((ok, fail) => {
        server.closeAllConnections();
        server.close((e) => {
          if (e === undefined) ok();
          else fail(e);
        });
      }),
  };
}
