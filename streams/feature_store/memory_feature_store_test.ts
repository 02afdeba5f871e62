import t from "tap";
import { MemoryFeatureStore } from "./memory_feature_store.ts";
import { checkStoreContract } from "../../test/fixtures/feature_store_contract.ts";

t.test("MemoryFeatureStore() stores quantised log-mels and faces with random-access reads", async (t) => {
  await checkStoreContract(t, new MemoryFeatureStore());
});
