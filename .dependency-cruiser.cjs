/**
 * The folder rules of docs/architecture.md, checked by `npm run lint`
 * (`depcruise`). Rules apply to library code, not to the tests beside it
 * (`*_test.ts`), which may use Node and tap.
 */
const LIB_NOT_TEST = "_test\\.ts$";

/** Private modules (`_name.ts`) are internal to their top-level folder; test/ may reach them. */
const privateRules = ["models", "operators", "streams"].map((dir) => ({
  name: "private-stays-in-folder",
  severity: "error",
  comment: `A _private.ts module under ${dir}/ is imported only from ${dir}/ (and test/).`,
  from: { pathNot: [`^${dir}/`, "^test/"] },
  to: { path: [`^${dir}/_[a-z0-9_]+[.]ts$`, `^${dir}/[a-z0-9_/]*/_[a-z0-9_]+[.]ts$`] },
}));
module.exports = {
  forbidden: [
    { name: "no-circular", severity: "error", comment: "No import cycles anywhere.", from: {}, to: { circular: true } },
    {
      name: "models-pure",
      severity: "error",
      comment: "models/ is tensors and math: no rxjs, no node:*, nothing of operators/ or examples/.",
      from: { path: "^models/", pathNot: LIB_NOT_TEST },
      to: { path: "^(node_modules/rxjs/|operators/|examples/|test/|bench/)" },
    },
    {
      name: "models-no-node",
      severity: "error",
      from: { path: "^models/", pathNot: LIB_NOT_TEST },
      to: { dependencyTypes: ["core"] },
    },
    {
      name: "models-streams-types-only",
      severity: "error",
      comment: "models/ may take data shapes (types) from streams/mod.ts, never code.",
      from: { path: "^models/", pathNot: LIB_NOT_TEST },
      to: { path: "^streams/", dependencyTypesNot: ["type-only"] },
    },
    {
      name: "models-streams-public-only",
      severity: "error",
      from: { path: "^models/", pathNot: LIB_NOT_TEST },
      to: { path: "^streams/", pathNot: "^streams/mod\\.ts$" },
    },
    {
      name: "streams-no-tfjs",
      severity: "error",
      comment: "streams/ is sources, decoding and formats: no tfjs, no models/, operators/ or examples/.",
      from: { path: "^streams/", pathNot: LIB_NOT_TEST },
      to: { path: "^(node_modules/@tensorflow/|models/|operators/|examples/|test/|bench/)" },
    },
    {
      name: "node-only-in-streams-node",
      severity: "error",
      comment: "Of the library, only streams/node/ imports node:* (everything else runs in a browser too).",
      from: { path: "^(models|operators|streams)/", pathNot: ["^streams/node/", LIB_NOT_TEST] },
      to: { dependencyTypes: ["core"] },
    },
    {
      name: "browser-code-not-node-files",
      severity: "error",
      comment: "Browser-compatible library code never imports streams/node/.",
      from: { path: "^(models|operators)/|^streams/(?!node/)", pathNot: LIB_NOT_TEST },
      to: { path: "^streams/node/" },
    },
    {
      name: "operators-no-examples",
      severity: "error",
      from: { path: "^operators/", pathNot: LIB_NOT_TEST },
      to: { path: "^(examples|test|bench)/" },
    },
    {
      name: "library-no-test-code",
      severity: "error",
      comment: "No library or example code imports tap or test/ (test code stays out of the package).",
      from: { path: "^(models|operators|streams|examples)/", pathNot: LIB_NOT_TEST },
      to: { path: "^(node_modules/tap/|node_modules/@tapjs/|test/)" },
    },
    {
      name: "examples-public-only",
      severity: "error",
      comment: "examples/ use the library as users do: through a folder's mod.ts.",
      from: { path: "^examples/" },
      to: { path: "^(models|operators|streams)/", pathNot: "(^|/)mod\\.ts$" },
    },
    ...privateRules,
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    exclude: { path: "^(dist|\\.scratch|test/\\.doc_examples)/" },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    enhancedResolveOptions: {
      exportsFields: ["exports"],
      conditionNames: ["import", "require", "node", "default", "types"],
    },
    moduleSystems: ["es6"],
  },
};
