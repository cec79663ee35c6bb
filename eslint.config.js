// Lint rules: typescript-eslint's recommended set on src/ and test/.
import js from "@eslint/js";
import tseslint from "typescript-eslint";

export default tseslint.config(
  // AssemblyScript (src/**/*.as.ts) is checked by its own compiler, with its own types
  { ignores: ["dist/**", "node_modules/**", "coverage/**", "src/**/*.as.ts"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "no-console": ["error"],
    },
  },
  {
    // only the CLI, the renderers and scripts talk to the terminal
    files: ["src/cli/**", "src/render/**", "bench/**", "test/integration/**"],
    rules: { "no-console": "off" },
  },
  {
    files: ["**/*.mjs", "**/*.js"],
    languageOptions: {
      globals: {
        process: "readonly", console: "readonly", URL: "readonly", performance: "readonly",
        setTimeout: "readonly", clearTimeout: "readonly", fetch: "readonly", AbortSignal: "readonly",
      },
    },
    rules: { "no-console": "off" },
  },
);
