import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // integration tests build real test hosts; they set their own, longer timeouts
    testTimeout: 20_000,
  },
});
