// @ts-check
import js from "@eslint/js";
import tseslint from "typescript-eslint";

export default tseslint.config(
  {
    ignores: ["dist/**", "node_modules/**", ".scratch/**", "test/.doc_examples/**", "**/*.js", "**/*.mjs", "**/*.cjs"],
  },
  js.configs.recommended,
  ...tseslint.configs.strictTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      "@typescript-eslint/restrict-template-expressions": ["error", { allowNumber: true, allowBoolean: true }],
      "@typescript-eslint/no-non-null-assertion": "off",
      // tfjs typings claim non-null where the runtime returns null (findBackend, getKernel): too noisy.
      "@typescript-eslint/no-unnecessary-condition": "off",
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "@typescript-eslint/no-floating-promises": "error",
      "@typescript-eslint/no-misused-promises": "error",
    },
  },
  {
    // models/ runs in a browser and in Node alike and touches no DOM (docs/architecture.md).
    files: ["models/**/*.ts"],
    ignores: ["**/*_test.ts"],
    rules: {
      "no-restricted-globals": [
        "error",
        ...[
          "window",
          "document",
          "navigator",
          "location",
          "localStorage",
          "HTMLElement",
          "HTMLCanvasElement",
          "Image",
          "OffscreenCanvas",
          "fetch",
          "console",
        ].map((name) => ({
          name,
          message: "models/ is pure math: no DOM, network or console (docs/architecture.md).",
        })),
      ],
    },
  },
  {
    // No library code writes to the console: it reports through loggers and events.
    files: ["streams/**/*.ts", "operators/**/*.ts"],
    ignores: ["**/*_test.ts"],
    rules: { "no-console": "error" },
  },
  {
    files: ["**/*_test.ts", "test/**/*.ts", "bench/**/*.ts"],
    rules: {
      "@typescript-eslint/no-floating-promises": "off",
      "@typescript-eslint/no-unsafe-assignment": "off",
      "@typescript-eslint/no-unsafe-member-access": "off",
      "@typescript-eslint/no-unsafe-argument": "off",
      "@typescript-eslint/no-unsafe-call": "off",
      "@typescript-eslint/no-explicit-any": "off",
    },
  },
);
