import t from "tap";
import { readFileSync, existsSync } from "node:fs";
import { contentHash } from "./content_hash.ts";

function streamOf(bytes: Uint8Array, chunk: number): ReadableStream<Uint8Array> {
  let at = 0;
  return new ReadableStream({
    pull(c): void {
      if (at >= bytes.length) c.close();
      else {
        c.enqueue(bytes.slice(at, at + chunk));
        at += chunk;
      }
    },
  });
}

t.test("contentHash() is SHA-256 for one block and agrees between bytes and streams", async (t) => {
  t.equal(
    await contentHash(new TextEncoder().encode("abc")),
    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
  );
  t.equal(await contentHash(new Uint8Array(0)), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  const data = new Uint8Array(1000).map((_, i) => (i * 31) & 255);
  for (const blockBytes of [1000, 100, 64, 333]) {
    const whole = await contentHash(data, { blockBytes });
    for (const chunk of [1, 7, 100, 1000])
      t.equal(await contentHash(streamOf(data, chunk), { blockBytes }), whole, `block ${blockBytes} chunk ${chunk}`);
  }
  t.not(
    await contentHash(data, { blockBytes: 100 }),
    await contentHash(data),
    "multi-block hashes differ from the plain digest",
  );
  const changed = data.slice();
  changed[999] = changed[999]! ^ 1;
  t.not(await contentHash(changed, { blockBytes: 100 }), await contentHash(data, { blockBytes: 100 }));
});

t.test("contentHash() matches SHA256SUMS of the grid clips", async (t) => {
  const dir = new URL("../../../shared/data/grid/", import.meta.url);
  if (!existsSync(dir)) {
    t.comment("../shared/data/grid is absent: skipping the SHA256SUMS check");
    return;
  }
  const line = readFileSync(new URL("SHA256SUMS", dir), "utf8")
    .split("\n")
    .find((l) => l.includes(".mpg"))!;
  const [sum, name] = line.trim().split(/\s+\*?/);
  t.equal(await contentHash(new Uint8Array(readFileSync(new URL(name!, dir)))), sum);
});
