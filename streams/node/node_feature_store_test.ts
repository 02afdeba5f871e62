import t from "tap";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { NodeFeatureStore } from "./node_feature_store.ts";
import { checkStoreContract, fakeLogMel } from "../../test/fixtures/feature_store_contract.ts";

t.test("NodeFeatureStore() stores quantised log-mels and faces with random-access reads", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "cmpc-store-"));
  t.teardown(() => {
    rmSync(dir, { recursive: true, force: true });
  });
  const store = await NodeFeatureStore.open(dir);
  await checkStoreContract(t, store);
  await store.close();
  t.same(readdirSync(dir).sort(), ["index.json", "k1.cmpcf"], "no temporary files are left behind");
});

t.test("NodeFeatureStore() persists across opens and hides uncommitted writes", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "cmpc-store-"));
  t.teardown(() => {
    rmSync(dir, { recursive: true, force: true });
  });
  const a = await NodeFeatureStore.open(dir);
  const w = await a.create("v-1", "v.mp4");
  const lm = fakeLogMel(64, 40, 3);
  await w.addUtterance({ data: lm, mels: 64, frames: 40 });
  const summary = await w.commit();
  const pending = await a.create("v-2", "w.mp4");
  await pending.addUtterance({ data: lm, mels: 64, frames: 40 });
  await a.close();

  const b = await NodeFeatureStore.open(dir, { maxOpenFiles: 1 });
  t.same(await b.stat("v-1"), summary);
  t.equal(await b.stat("v-2"), undefined, "an uncommitted writer is invisible to a new open");
  const frame = await b.readLogMel("v-1", 0, 39, 1);
  t.ok(Math.abs(frame[5]! - lm[5 * 40 + 39]!) < 1e-3);
  await t.rejects(b.create("../x", "x"), { name: "TypeError" });
  await b.close();
  await pending.abort();
  t.same(readdirSync(dir).sort(), ["index.json", "v-1.cmpcf"]);
});
