import t from "tap";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runMainJob, type MainJobReport } from "./main_job.ts";

t.test("runMainJob() runs the whole demo on a tiny set and writes report, plots and model", async (t) => {
  const dir = await mkdtemp(join(tmpdir(), "cmpc-main-job-"));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const lines: string[] = [];
  const report = await runMainJob({
    dir,
    steps: 8,
    seeds: [0],
    threads: 1,
    data: { trainIdentities: 6, testIdentities: 3, videosPerIdentity: 2, seconds: 1.5 },
    log: (l) => lines.push(l),
  });
  t.same(report.data, { train: { identities: 6, videos: 12 }, test: { identities: 3, videos: 6 } });
  t.equal(report.augment, true);
  t.same(
    report.results.map((r) => [r.method, r.seed, r.steps]),
    [
      ["CMPC", 0, 8],
      ["CID", 0, 8],
    ],
  );
  t.ok(report.results[0]!.reclusterings >= 1, "CMPC re-clustered");
  t.equal(report.results[1]!.reclusterings, 0, "CID never clusters");
  for (const r of report.results) {
    for (const x of [r.eval.matchingV2F, r.eval.matchingF2V, r.eval.auc]) t.ok(x >= 0 && x <= 1);
    t.ok(Number.isFinite(r.finalLoss));
  }
  t.ok(Number.isFinite(report.cmpcMinusCid.mean));
  const written = JSON.parse(await readFile(join(dir, "report.json"), "utf8")) as MainJobReport;
  t.same(written.cmpcMinusCid, report.cmpcMinusCid);
  t.ok(existsSync(join(dir, "plots", "loss.svg")));
  t.equal((await readFile(join(dir, "model"), "utf8")).trim(), join(dir, "cmpc-seed0"));
  t.ok(existsSync(join(dir, "cmpc-seed0", "latest")));
  t.ok(lines.some((l) => l.includes("generating demo videos")));
  // A second run reuses the videos and the feature cache.
  const again: string[] = [];
  await runMainJob({
    dir,
    steps: 2,
    seeds: [1],
    threads: 1,
    augment: false,
    lowShot: { steps: 2 },
    data: { trainIdentities: 6, testIdentities: 3, videosPerIdentity: 2, seconds: 1.5 },
    log: (l) => again.push(l),
  }).then((r) => {
    t.same(
      r.lowShot?.map((x) => [x.init, x.seed, x.identities, x.videos, x.steps]),
      [
        ["random", 1, 2, 4, 2],
        ["cid", 1, 2, 4, 2],
        ["cmpc", 1, 2, 4, 2],
      ],
      "the low-shot row: 10% of 6 identities rounds up to the minimum of 2",
    );
    for (const x of r.lowShot ?? []) t.ok(x.eval.eer >= 0 && x.eval.eer <= 1);
    t.ok(existsSync(join(dir, "low-shot", "cmpc-seed1", "latest")), "a run folder per fine-tune");
  });
  t.ok(again.some((l) => l.startsWith("reusing demo videos")));
  t.ok(
    again.some((l) => /train: 12 videos cached \(0 decoded\)/.test(l)),
    again.join("\n"),
  );
});
