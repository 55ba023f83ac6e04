import { defineConfig } from "vitest/config";

export default defineConfig({
    test: {
        include: ["test/**/*.test.ts"],
        // Pulumi's runtime settings (mocks, config) are process-global: one process per test file.
        pool: "forks",
        // Most files wait on real programs, stub CLIs and local servers rather than compute: on a 2-core machine
        // vitest's default (cores - 1 = one file at a time) leaves both cores idle most of the run.
        maxWorkers: 4,
        testTimeout: 30_000,
        // The program files run index.ts under mocks in beforeAll: on a loaded 2-core machine that passes 10 s.
        hookTimeout: 30_000,
    },
});
