import t from "tap";
import { parseManifest } from "./parse_manifest.ts";

t.test("parseManifest() reads file and identity, keeps other columns, handles quotes", (t) => {
  const rows = parseManifest('\ufefffile,identity,license\r\na.mpg,s1,"CC BY, 4.0"\nb.mpg,,MIT\n\n');
  t.equal(rows.length, 2);
  t.same(rows[0], { file: "a.mpg", identity: "s1", fields: { file: "a.mpg", identity: "s1", license: "CC BY, 4.0" } });
  t.equal(rows[1]!.identity, null);
  t.throws(() => parseManifest("name,id\nx,y\n", "m.csv"), { name: "SyntaxError", message: /"m\.csv"/ });
  t.end();
});
