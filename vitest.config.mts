import { defineConfig } from "vitest/config";

export default defineConfig({
    test: {
        include: ["test/**/*.test.ts"],
        // One line for the tests skipped for lack of Debian's programs or Chromium; under CI, a failure instead.
        globalSetup: ["test/support/global-setup.ts"],
        // Pulumi's runtime settings (mocks, config) are process-global: one process per test file.
        pool: "forks",
        // Most files wait on real programs, stub CLIs and local servers rather than compute: on a 2-core machine
        // vitest's default (cores - 1 = one file at a time) leaves both cores idle most of the run.
        maxWorkers: 4,
        // Under load (9 agents on 2 cores, load average 17-33) a file's beforeAll(runProgram) took 8-10 s and a test
        // running the (since replaced) lab.sh seven times 35-40 s, against vitest's 10 s hook default: bounds several times the slowest
        // seen, so only a hang fails on time.
        testTimeout: 60_000,
        hookTimeout: 60_000,
    },
});
