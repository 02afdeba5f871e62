import t from "tap";
import { parseIdentitySplits } from "./parse_identity_splits.ts";

t.test("parseIdentitySplits() reads '<name> <label>' lines with trailing spaces", (t) => {
  const m = parseIdentitySplits("A.J._Buckley 1 \nA.R._Rahman 4 \r\n\nAaron_Yoo 2 \n");
  t.same(
    [...m],
    [
      ["A.J._Buckley", 1],
      ["A.R._Rahman", 4],
      ["Aaron_Yoo", 2],
    ],
  );
  t.throws(() => parseIdentitySplits("Someone x\n", "s.txt"), { name: "SyntaxError", message: /"s\.txt": line 1/ });
  t.end();
});
