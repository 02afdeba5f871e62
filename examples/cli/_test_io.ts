/** Test helpers: run `cmpc` in-process with captured streams, and a small generated demo set. */
import { existsSync } from "node:fs";
import { Readable, Writable } from "node:stream";
import { generateDemoData, type DemoDataSet } from "../demo_data/generate_demo_data.ts";
import { runCli } from "./run_cli.ts";

/** What one in-process run left. */
export interface CliRun {
  code: number;
  stdout: Buffer;
  stderr: string;
}

/** Options of {@linkcode cli}. */
export interface CliOptions {
  stdin?: Uint8Array;
  /** Called with each stderr chunk (e.g. to abort mid-run). */
  onStderr?: (text: string, abort: () => void) => void;
}

/** Runs `cmpc <argv>` in-process; stdout is captured as bytes, stderr as text. */
export async function cli(argv: string[], options: CliOptions = {}): Promise<CliRun> {
  const out: Buffer[] = [];
  let err = "";
  const controller = new AbortController();
  const stdout = new Writable({
    write(chunk: Buffer | string, _enc, cb) {
      out.push(Buffer.from(chunk));
      cb();
    },
  });
  const stderr = new Writable({
    write(chunk: Buffer | string, _enc, cb) {
      const text = chunk.toString();
      err += text;
      options.onStderr?.(text, () => {
        controller.abort();
      });
      cb();
    },
  });
  const stdin = Readable.from(options.stdin === undefined ? [] : [Buffer.from(options.stdin)]);
  const code = await runCli(argv, { stdout, stderr, stdin, signal: controller.signal });
  return { code, stdout: Buffer.concat(out), stderr: err };
}

/** A small demo set (2–4 identities, 1–2 videos each) for the CLI tests. */
export function smallDemoSet(dir: string, identities = 3, videos = 2): Promise<DemoDataSet> {
  return generateDemoData(dir, { trainIdentities: identities, testIdentities: 0, videosPerIdentity: videos, seconds: 2, seed: 3 });
}

/** ../shared/data/grid, or null when absent. */
export function gridDir(): string | null {
  const dir = new URL("../../../shared/data/grid/", import.meta.url).pathname;
  return existsSync(dir) ? dir : null;
}
