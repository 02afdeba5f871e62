import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import t from "tap";
import { cmpcConfig, deserializeTrainState, initBackend, serializeTrainState } from "../../models/mod.ts";
import { TrainSession } from "../../operators/mod.ts";
import { writeCheckpoint } from "../../streams/node/mod.ts";
import { startLiveServer } from "./start_live_server.ts";

t.test(
  "startLiveServer() serves the detector, the wasm binaries and the latest checkpoint, and nothing else",
  async (t) => {
    const dir = await mkdtemp(join(tmpdir(), "cmpc-live-server-"));
    const runDir = join(dir, "run");
    const server = await startLiveServer({ port: 0, runDir, outDir: join(dir, "www") });
    t.teardown(async () => {
      await server.close();
      await rm(dir, { recursive: true, force: true });
    });
    const get = (path: string, init?: RequestInit) => fetch(new URL(path, server.url), init);

    // No checkpoint yet.
    const none = (await (await get("/model.json")).json()) as { available: boolean; message: string };
    t.equal(none.available, false);
    t.match(none.message, /run `npm start` first/);
    const missing = await get("/model.bin");
    t.equal(missing.status, 404);
    t.match(await missing.text(), /npm start/);

    const wasm = await get("/tfjs-wasm/tfjs-backend-wasm-simd.wasm");
    t.equal(wasm.status, 200);
    t.equal(wasm.headers.get("content-type"), "application/wasm");
    t.same([...new Uint8Array(await wasm.arrayBuffer()).subarray(0, 4)], [0, 0x61, 0x73, 0x6d], "wasm magic");
    const json = (await (await get("/models/blazeface.json")).json()) as { modelTopology?: unknown };
    t.ok(json.modelTopology !== undefined, "the detector graph");
    t.ok((await (await get("/models/blazeface.bin")).arrayBuffer()).byteLength > 100_000, "the detector weights");

    t.equal((await get("/tfjs-wasm/%2e%2e/package.json")).status, 404, "no path traversal");
    t.equal((await get("/tfjs-wasm/other.wasm")).status, 404);
    t.equal((await get("/nope")).status, 404);
    t.equal((await get("/model.json", { method: "POST" })).status, 405);

    // A checkpoint appears: the next request serves it, bytes unchanged.
    await initBackend({ prefer: "cpu" });
    const session = TrainSession.create(cmpcConfig("tiny", { bankSize: 8, seed: 1 }));
    const bytes = serializeTrainState({ ...session.toState(), step: 5 });
    session.dispose();
    await writeCheckpoint(runDir, 5, bytes);
    const info = (await (await get("/model.json")).json()) as { available: boolean; step: number };
    t.same({ available: info.available, step: info.step }, { available: true, step: 5 });
    const served = new Uint8Array(await (await get("/model.bin")).arrayBuffer());
    t.same(Buffer.from(served).equals(Buffer.from(bytes)), true, "checkpoint bytes served as written");
    t.equal(deserializeTrainState(served).step, 5);
  },
);
