// The worker_thread entry of the Node decoder (started by `nodeDecoderWorker`).
// Loads @ffmpeg/core from the installed package and reads file inputs with fs.
import { closeSync, fstatSync, openSync, readFileSync, readSync } from "node:fs";
import { createRequire } from "node:module";
import { parentPort } from "node:worker_threads";
import type { FfmpegCore, SyncReader } from "../decode/_ffmpeg_session.ts";
import type { HostMessage, WorkerInput, WorkerMessage } from "../decode/_protocol.ts";
import { bytesReader, workerMain } from "../decode/_worker_main.ts";

const port = parentPort;
if (port === null) throw new TypeError("Cannot start the ffmpeg worker: not inside a worker_thread");

let openFd: number | null = null;

async function loadCore(): Promise<FfmpegCore> {
  const require = createRequire(import.meta.url);
  (globalThis as unknown as { self: unknown }).self = {
    location: { href: import.meta.url },
  };
  const wasmBinary = readFileSync(require.resolve("@ffmpeg/core/wasm"));
  const spec = "@ffmpeg/core"; // untyped package
  const mod = (await import(spec)) as unknown as {
    default: (o: object) => Promise<FfmpegCore>;
  };
  return mod.default({ wasmBinary });
}

function fileReader(path: string): SyncReader {
  if (openFd !== null) closeSync(openFd);
  const fd = openSync(path, "r");
  openFd = fd;
  const size = fstatSync(fd).size;
  return {
    size,
    read(position: number, length: number): Uint8Array {
      const buf = new Uint8Array(length);
      const n = readSync(fd, buf, 0, length, position);
      return buf.subarray(0, n);
    },
  };
}

function reader(input: WorkerInput): SyncReader | null {
  switch (input.kind) {
    case "bytes":
      return bytesReader(input.bytes);
    case "file":
      return fileReader(input.path);
    case "remote":
      return null;
    case "blob":
      throw new TypeError(`Cannot decode "${input.name}": Blob inputs are read by the host in Node`);
  }
}

const handle = workerMain({
  loadCore,
  reader,
  post(msg: WorkerMessage, transfer?: Transferable[]): void {
    port.postMessage(msg, transfer as never);
  },
});
port.on("message", (msg: HostMessage) => {
  void handle(msg).finally(() => {
    if (openFd !== null) {
      closeSync(openFd);
      openFd = null;
    }
  });
});
