import t from "tap";
import { parseVoxceleb1Meta } from "./parse_voxceleb1_meta.ts";

t.test("parseVoxceleb1Meta() reads the tab-separated meta file and comma copies", (t) => {
  const tsv =
    "VoxCeleb1 ID\tVGGFace1 ID\tGender\tNationality\tSet\nid10001\tA.J._Buckley\tm\tIreland\tdev\nid10002 \tA.R._Rahman\tm\tIndia\tdev\n";
  const rows = parseVoxceleb1Meta(tsv);
  t.same(rows[1], { id: "id10002", name: "A.R._Rahman", gender: "m", nationality: "India", set: "dev" });
  t.same(parseVoxceleb1Meta(tsv.replaceAll("\t", ",")), rows);
  t.throws(() => parseVoxceleb1Meta("a\tb\nx\ty\n", "meta.csv"), { name: "SyntaxError", message: /"meta\.csv"/ });
  t.end();
});
