import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import t from "tap";
import { cli, smallDemoSet } from "../../test/fixtures/cli_io.ts";

// Its own file: only the first wasm initialisation in a process picks the threaded build.
const root = await mkdtemp(join(tmpdir(), "cmpc-train-threads-test-"));
t.teardown(() => rm(root, { recursive: true, force: true }));

t.test(
  "cmpc train --threads 2 trains on the threaded wasm build with the convs on 2 threads; embed, eval and match take --threads",
  async (t) => {
    const data = join(root, "data");
    await smallDemoSet(data, 2, 2);
    t.equal((await cli(["train", data, "--threads", "0"])).code, 2, "--threads 0 is a usage error");
    const r = await cli([
      "train",
      data,
      "--config",
      "tiny",
      "--steps",
      "2",
      "--backend",
      "wasm",
      "--threads",
      "2",
      "--out",
      join(root, "run"),
    ]);
    t.equal(r.code, 0, r.stderr);
    t.match(r.stderr, /backend: backend wasm SIMD, 2 threads/, "the backend line names the threads");
    t.equal((JSON.parse(r.stdout.toString()) as { step: number }).step, 2);

    // Inference commands take the same option (this process's backend already has its threads).
    for (const command of ["embed", "eval", "match"])
      t.equal((await cli([command, data, "--threads", "x"])).code, 2, `${command} --threads x is a usage error`);
    const e = await cli(["embed", data, "--voice", "--mean", "--threads", "2", "--model", join(root, "run")]);
    t.equal(e.code, 0, e.stderr);
    t.match(e.stderr, /backend: backend wasm SIMD, 2 threads/);
    t.ok(e.stdout.toString().trim().split("\n").length > 0, "embeddings on stdout");
  },
);
