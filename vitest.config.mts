import { defineConfig } from "vitest/config";

export default defineConfig({
    test: {
        include: ["test/**/*.test.ts"],
        // Pulumi's runtime settings (mocks, config) are process-global: one process per test file.
        pool: "forks",
        testTimeout: 30_000,
    },
});
