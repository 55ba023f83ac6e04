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
        // The program tests run the whole program under mocks in beforeAll: 5-8 s alone, past vitest's 10 s default
        // when the machine's two cores are shared (load average 17 seen).
        hookTimeout: 60_000,
    },
});
