import t from "tap";
import jpeg from "jpeg-js";
import { decodeJpeg } from "./decode_jpeg.ts";

t.test("decodeJpeg() decodes to RGB close to the encoded image", (t) => {
  const width = 32;
  const height = 24;
  const rgba = new Uint8Array(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 4;
      rgba[i] = x * 8;
      rgba[i + 1] = y * 10;
      rgba[i + 2] = 128;
      rgba[i + 3] = 255;
    }
  }
  const enc = jpeg.encode({ data: rgba, width, height }, 95);
  const frame = decodeJpeg(new Uint8Array(enc.data), "ramp.jpg");
  t.equal(frame.width, width);
  t.equal(frame.height, height);
  t.equal(frame.data.length, width * height * 3);
  let err = 0;
  for (let p = 0; p < width * height; p++)
    for (let c = 0; c < 3; c++) err += Math.abs(frame.data[p * 3 + c]! - rgba[p * 4 + c]!);
  t.ok(err / (width * height * 3) < 3, `mean abs error ${(err / (width * height * 3)).toFixed(2)} < 3`);
  t.end();
});

t.test("decodeJpeg() throws a SyntaxError naming the file on corrupt bytes", (t) => {
  t.throws(() => decodeJpeg(new Uint8Array([0xff, 0xd8, 1, 2, 3]), "bad.jpg"), {
    name: "SyntaxError",
    message: /"bad\.jpg"/,
  });
  t.throws(() => decodeJpeg(new Uint8Array(0), "empty.jpg"), { name: "SyntaxError", message: /"empty\.jpg"/ });
  t.end();
});

t.test("decodeJpeg() says in words what is wrong: empty, not a JPEG, cut short, damaged", (t) => {
  const rgba = new Uint8Array(32 * 24 * 4).fill(128);
  const good = new Uint8Array(jpeg.encode({ data: rgba, width: 32, height: 24 }, 90).data);
  const cases: [string, Uint8Array, string][] = [
    ["empty.jpg", new Uint8Array(0), 'Cannot decode "empty.jpg": the file is empty (0 bytes)'],
    [
      "faces/notes.jpg",
      new TextEncoder().encode("hello, this is not a picture\n"),
      'Cannot decode "faces/notes.jpg": it is not a JPEG image (it looks like text; it starts with the bytes 68 65 6c 6c, a JPEG with ff d8 ff)',
    ],
    [
      "a.jpg",
      Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0]),
      'Cannot decode "a.jpg": it is not a JPEG image (it looks like a PNG image)',
    ],
    [
      "b.jpg",
      Uint8Array.from([0, 0, 0, 0x18, 0x66, 0x74, 0x79, 0x70, 0x69, 0x73, 0x6f, 0x6d]),
      'Cannot decode "b.jpg": it is not a JPEG image (it looks like an MP4/MOV/HEIC file)',
    ],
  ];
  for (const [name, bytes, message] of cases)
    t.throws(() => decodeJpeg(bytes, name), { name: "SyntaxError", message }, name);
  for (const f of [0.1, 0.5, 0.9]) {
    const cut = good.subarray(0, Math.floor(good.length * f));
    t.throws(
      () => decodeJpeg(cut, "cut.jpg"),
      {
        name: "SyntaxError",
        message: new RegExp(
          `^Cannot decode "cut\\.jpg": the file ends early \\(${cut.length} bytes, no end-of-image marker; `,
        ),
      },
      `cut at ${f * 100}%`,
    );
  }
  const damaged = good.slice();
  for (let i = 200; i < damaged.length - 2; i++) damaged[i] = (i * 7919) % 256;
  t.throws(() => decodeJpeg(damaged, "noise.jpg"), {
    name: "SyntaxError",
    message: /^Cannot decode "noise\.jpg": its JPEG data is damaged \(/,
  });
  t.equal(decodeJpeg(good, "good.jpg").width, 32, "an intact file still decodes");
  t.end();
});
