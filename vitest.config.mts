import { defineConfig } from "vitest/config";

export default defineConfig({
    test: {
        include: ["test/**/*.test.ts"],
        // Pulumi's runtime settings (mocks, config) are process-global: one process per test file.
        pool: "forks",
        // Most files wait on real programs, stub CLIs and local servers rather than compute: on a 2-core machine
        // vitest's default (cores - 1 = one file at a time) leaves both cores idle most of the run.
        maxWorkers: 4,
        // Generous for a 2-core machine shared with other jobs (load average 30 seen): there a test running lab.sh
        // seven times took 40 s, and the program tests' beforeAll (the whole program under mocks, 5-8 s alone)
        // passed vitest's 10 s default for hooks.
        testTimeout: 60_000,
        hookTimeout: 60_000,
    },
});
