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
