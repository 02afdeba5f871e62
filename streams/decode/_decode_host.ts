// This module is browser compatible.
// Host side of one decode: opens the source, starts a worker, serves
// sequential reads, grants credits on demand and turns worker failures into
// DecodeErrors. The worker is terminated on done, failure and cancel.
import {
  CTRL_CANCEL,
  CTRL_CREDIT,
  CTRL_READ_LEN,
  CTRL_READ_STATE,
  CTRL_SLOTS,
  READ_CHUNK,
  type WorkerInput,
  type WorkerMessage,
} from "./_protocol.ts";
import { DecodeError, type DecodeErrorReason } from "./decode_error.ts";
import type { DecoderWorker, DecoderWorkerFactory } from "./decoder_worker.ts";
import type { DecoderInput, VideoSource } from "../sources/video_source.ts";
import { acquireWorker, releaseWorker } from "./_worker_pool.ts";

export type Output = Extract<WorkerMessage, { type: "audio" } | { type: "frame" }>;

export interface HostOptions {
  mode: "av" | "audio" | "video";
  fps: number;
  sampleRate: number;
  audioChunk: number;
  worker?: DecoderWorkerFactory | undefined;
  /** Keep the worker for the next decode after a clean finish. */
  reuseWorker: boolean;
  /** Messages the worker may post ahead of demand. */
  prefetch: number;
  coreURL?: string | undefined;
  wasmURL?: string | undefined;
}

const REASONS: readonly string[] = ["empty", "truncated", "corrupt", "no-audio", "no-video", "unsupported-codec"];

function defaultWorker(name: string): DecoderWorkerFactory {
  throw new TypeError(
    `Cannot decode "${name}": no decoder worker; in Node use the sources from "cmpc-stream/streams/node" or pass { worker: nodeDecoderWorker }, in a browser pass { worker: webDecoderWorker }`,
  );
}

/** A pull-based handle on one running decode. */
export class DecodeHost {
  readonly name: string;
  #source: VideoSource;
  #options: HostOptions;
  #worker: DecoderWorker | null = null;
  #factory: DecoderWorkerFactory | null = null;
  #input: DecoderInput | null = null;
  #ctrl: Int32Array = new Int32Array(0);
  #data: Uint8Array = new Uint8Array(0);
  #queue: Output[] = [];
  #waiter: (() => void) | null = null;
  #granted = 0;
  #received = 0;
  #finished = false;
  #clean = false;
  #error: Error | null = null;
  #closed = false;
  #reader: ReadableStreamDefaultReader<Uint8Array> | null = null;
  #leftover: Uint8Array = new Uint8Array(0);
  #sourceError: unknown = null;
  #started: Promise<void> | null = null;
  #releasing: Promise<void> | null = null;

  constructor(source: VideoSource, options: HostOptions) {
    this.name = source.name;
    this.#source = source;
    this.#options = options;
  }

  async #start(): Promise<void> {
    const input = await this.#source.open();
    this.#input = input;
    if (this.#closed) return;
    const factory = this.#options.worker ?? this.#source.worker ?? defaultWorker(this.name);
    this.#factory = factory;
    const worker = this.#options.reuseWorker ? acquireWorker(factory) : factory();
    this.#worker = worker;
    worker.hold(true);
    if (typeof SharedArrayBuffer === "undefined") {
      throw new TypeError(
        `Cannot decode "${this.name}": SharedArrayBuffer is unavailable (serve the page cross-origin isolated)`,
      );
    }
    const ctrl = new SharedArrayBuffer(CTRL_SLOTS * 4);
    const data = new SharedArrayBuffer(input.kind === "stream" ? READ_CHUNK : 4);
    this.#ctrl = new Int32Array(ctrl);
    this.#data = new Uint8Array(data);
    let wi: WorkerInput;
    switch (input.kind) {
      case "bytes":
        wi = { kind: "bytes", name: this.name, bytes: input.bytes };
        break;
      case "blob":
        wi =
          worker.platform === "web"
            ? { kind: "blob", name: this.name, blob: input.blob }
            : {
                kind: "bytes",
                name: this.name,
                bytes: new Uint8Array(await input.blob.arrayBuffer()),
              };
        break;
      case "file":
        if (worker.platform !== "node")
          throw new TypeError(`Cannot decode "${this.name}": file paths need the Node worker`);
        wi = { kind: "file", name: this.name, path: input.path };
        break;
      case "stream":
        this.#reader = input.stream.getReader();
        wi = { kind: "remote", name: this.name };
        break;
    }
    worker.listen(
      (msg) => {
        this.#onMessage(msg);
      },
      (err) => {
        this.#fail(err);
      },
    );
    const job = {
      input: wi,
      mode: this.#options.mode,
      fps: this.#options.fps,
      sampleRate: this.#options.sampleRate,
      audioChunk: this.#options.audioChunk,
      ctrl,
      data,
      ...(this.#options.coreURL !== undefined ? { coreURL: this.#options.coreURL } : {}),
      ...(this.#options.wasmURL !== undefined ? { wasmURL: this.#options.wasmURL } : {}),
    };
    worker.post({ type: "start", job });
  }

  #wake(): void {
    const w = this.#waiter;
    this.#waiter = null;
    w?.();
  }

  #onMessage(msg: WorkerMessage): void {
    switch (msg.type) {
      case "audio":
      case "frame":
        this.#received++;
        this.#queue.push(msg);
        break;
      case "read":
        void this.#serveRead(msg.length);
        return;
      case "done":
        this.#finished = true;
        this.#clean = true;
        this.#releasing = this.#release();
        break;
      case "failed": {
        const reason = msg.reason;
        this.#fail(
          REASONS.includes(reason)
            ? new DecodeError(this.name, reason as DecodeErrorReason, msg.detail)
            : new Error(`Cannot decode "${this.name}": decoder worker failed: ${msg.detail}`),
        );
        return;
      }
      case "ready":
        return;
    }
    this.#wake();
  }

  async #serveRead(length: number): Promise<void> {
    let n: number;
    try {
      while (this.#leftover.length === 0) {
        const r = await this.#reader!.read();
        if (r.done) break;
        this.#leftover = r.value;
      }
      n = Math.min(length, this.#leftover.length, READ_CHUNK);
      this.#data.set(this.#leftover.subarray(0, n));
      this.#leftover = this.#leftover.subarray(n);
    } catch (e) {
      this.#sourceError = e;
      n = -1;
    }
    if (this.#closed) return;
    Atomics.store(this.#ctrl, CTRL_READ_LEN, n);
    Atomics.store(this.#ctrl, CTRL_READ_STATE, 1);
    Atomics.notify(this.#ctrl, CTRL_READ_STATE);
  }

  #fail(err: Error): void {
    if (this.#error !== null || this.#finished) return;
    this.#error =
      this.#sourceError !== null
        ? new Error(`Cannot decode "${this.name}": the source failed while reading`, { cause: this.#sourceError })
        : err;
    this.#releasing = this.#release();
    this.#wake();
  }

  /** The next decoded output, or null at the end; rejects with the decode error. */
  async next(): Promise<Output | null> {
    this.#started ??= this.#start();
    try {
      await this.#started;
    } catch (e) {
      await this.#release();
      throw e;
    }
    for (;;) {
      const m = this.#queue.shift();
      if (m !== undefined) return m;
      if (this.#error !== null) {
        await this.#releasing;
        throw this.#error;
      }
      if (this.#finished || this.#closed) {
        await this.#releasing; // spool files are gone when the end is seen
        return null;
      }
      if (this.#granted - this.#received <= 0) {
        const add = this.#options.prefetch;
        this.#granted += add;
        Atomics.add(this.#ctrl, CTRL_CREDIT, add);
        Atomics.notify(this.#ctrl, CTRL_CREDIT);
      }
      await new Promise<void>((resolve) => {
        this.#waiter = resolve;
      });
    }
  }

  async #release(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#ctrl.length > 0) {
      Atomics.store(this.#ctrl, CTRL_CANCEL, 1);
      Atomics.notify(this.#ctrl, CTRL_CREDIT);
      Atomics.store(this.#ctrl, CTRL_READ_LEN, -1);
      Atomics.store(this.#ctrl, CTRL_READ_STATE, 1);
      Atomics.notify(this.#ctrl, CTRL_READ_STATE);
    }
    const worker = this.#worker;
    this.#worker = null;
    if (worker !== null) {
      if (this.#clean && this.#options.reuseWorker && this.#factory !== null) releaseWorker(this.#factory, worker);
      else worker.terminate();
    }
    try {
      await this.#reader?.cancel();
    } catch {
      // the source is being abandoned
    }
    await this.#input?.cleanup?.();
  }

  /** Stops decoding, terminates the worker, cancels the source and removes spooled files. */
  async cancel(): Promise<void> {
    this.#finished = true;
    await this.#release();
    this.#wake();
  }
}
