import t from "tap";
import { resolveShard } from "./_shard.ts";

t.test("resolveShard() takes --shard, then the batch engines' variables, else the whole list", (t) => {
  t.same(resolveShard({ shard: "2/4" }, {}), { index: 2, count: 4, from: "--shard" });
  t.same(resolveShard({ shards: "4" }, { JOB_COMPLETION_INDEX: "3" }), {
    index: 3,
    count: 4,
    from: "JOB_COMPLETION_INDEX",
  });
  t.same(
    resolveShard({ shards: "3" }, { SLURM_ARRAY_TASK_ID: "5", SLURM_ARRAY_TASK_MIN: "4" }),
    { index: 1, count: 3, from: "SLURM_ARRAY_TASK_ID" },
    "a Slurm array numbered from 4",
  );
  t.same(resolveShard({}, { SLURM_ARRAY_TASK_ID: "1", SLURM_ARRAY_TASK_COUNT: "2" }), {
    index: 1,
    count: 2,
    from: "SLURM_ARRAY_TASK_ID",
  });
  t.same(
    resolveShard({}, { JOB_COMPLETION_INDEX: "1" }),
    { index: 0, count: 1, from: "default" },
    "no count, no share",
  );
  t.same(resolveShard({ shard: "1/3" }, { JOB_COMPLETION_INDEX: "0" }).index, 1, "the flag wins over the environment");
  t.end();
});

t.test("resolveShard() refuses shards outside the count and malformed values", (t) => {
  t.throws(() => resolveShard({ shard: "4/4" }, {}), { name: "UsageError", message: /count from 0 to 3/ });
  t.throws(() => resolveShard({ shard: "1-4" }, {}), { message: /--shard must be i\/n/ });
  t.throws(() => resolveShard({ shard: "0/0" }, {}), { message: /≥ 1/ });
  t.throws(() => resolveShard({ shards: "4" }, {}), { message: /needs the worker's index/ });
  t.throws(() => resolveShard({ shards: "x" }, { JOB_COMPLETION_INDEX: "0" }), { message: /--shards must be/ });
  t.throws(() => resolveShard({ shard: "0/2", shards: "2" }, {}), { message: /not both/ });
  t.throws(() => resolveShard({ shards: "2" }, { JOB_COMPLETION_INDEX: "2" }), {
    message: /JOB_COMPLETION_INDEX gives shard 2 of 2/,
  });
  t.end();
});
