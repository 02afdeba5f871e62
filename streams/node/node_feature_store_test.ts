import t from "tap";
import { mkdtempSync, readdirSync, rmSync, utimesSync, writeFileSync } from "node:fs";
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

t.test("NodeFeatureStore() takes concurrent writers on one folder without losing entries", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "cmpc-store-"));
  t.teardown(() => {
    rmSync(dir, { recursive: true, force: true });
  });
  const lm = fakeLogMel(64, 40, 5);
  const a = await NodeFeatureStore.open(dir);
  const b = await NodeFeatureStore.open(dir);
  const put = async (store: NodeFeatureStore, key: string) => {
    const w = await store.create(key, `${key}.mp4`);
    await w.addUtterance({ data: lm, mels: 64, frames: 40 });
    return w.commit();
  };
  // Interleaved commits from two openers, each with its own (stale) view of the folder.
  const sa = await put(a, "a-1");
  const sb = await put(b, "b-1");
  await put(a, "a-2");
  t.same(await b.stat("a-1"), sa, "an entry committed by another opener is visible to stat");
  t.same((await a.keys()).sort(), ["a-1", "a-2", "b-1"], "keys() sees the other opener's entries");
  await b.close();
  await a.close();
  const c = await NodeFeatureStore.open(dir);
  t.same((await c.keys()).sort(), ["a-1", "a-2", "b-1"], "a fresh open has every entry");
  t.same(await c.stat("b-1"), sb);
  await c.close();

  // index.json is only a cache: lost or stale, the entries come back from the files' footers.
  writeFileSync(join(dir, "index.json"), JSON.stringify({ version: 1, entries: { gone: sa } }));
  const d = await NodeFeatureStore.open(dir);
  t.same((await d.keys()).sort(), ["a-1", "a-2", "b-1"], "a stale index neither hides nor invents entries");
  t.same(await d.stat("a-1"), sa);
  await d.close();
  rmSync(join(dir, "index.json"));
  writeFileSync(join(dir, "junk.cmpcf"), "not a feature file");
  const e = await NodeFeatureStore.open(dir);
  t.same((await e.keys()).sort(), ["a-1", "a-2", "b-1"], "without an index, and past a foreign file");
  await e.close();
});

t.test("NodeFeatureStore.removeStaleTemporaries() removes a killed writer's leftovers only", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "cmpc-store-"));
  t.teardown(() => {
    rmSync(dir, { recursive: true, force: true });
  });
  const store = await NodeFeatureStore.open(dir);
  writeFileSync(join(dir, "k1.tmp-0a1b2c"), "half");
  writeFileSync(join(dir, "k2.tmp-0a1b2c"), "half of another key");
  const old = new Date(Date.now() - 60_000);
  utimesSync(join(dir, "k1.tmp-0a1b2c"), old, old);
  utimesSync(join(dir, "k2.tmp-0a1b2c"), old, old);
  const live = await store.create("k1", "k1.mp4");
  await live.addUtterance({ data: fakeLogMel(64, 40, 1), mels: 64, frames: 40 });
  t.equal(await store.removeStaleTemporaries(["k1"], new Date(Date.now() - 1000)), 1);
  const left = readdirSync(dir).sort();
  t.equal(left.filter((n) => n.startsWith("k1.tmp-")).length, 1, "the live writer's file stays");
  t.ok(left.includes("k2.tmp-0a1b2c"), "a key not named stays");
  await live.commit();
  await store.close();
});
