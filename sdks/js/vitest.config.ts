import { defineConfig } from "vitest/config";

export default defineConfig({
  // Tests import the packages' TypeScript sources (the "source" export condition), not their dist/.
  resolve: { conditions: ["source"] },
  test: {
    include: ["packages/*/test/**/*.test.{ts,tsx}"],
    environment: "node",
    restoreMocks: true,
  },
});
