// The program must load under the Pulumi CLI's TypeScript runtime, which uses the project's ts-node
// and TypeScript (not vitest's transpiler) and type-checks: TypeScript 6 rejects settings older
// projects used, such as moduleResolution "node".
import { execFileSync, spawnSync } from "node:child_process";
import * as path from "node:path";
import { describe, expect, it } from "vitest";

describe("Pulumi's TypeScript runtime", () => {
    it("loads index.ts with the project's ts-node and TypeScript", () => {
        const output = execFileSync(process.execPath, [path.join(__dirname, "support", "load-like-pulumi.cjs")], {
            cwd: path.join(__dirname, ".."),
            encoding: "utf8",
        });
        expect(output).toMatch(/loaded index\.ts with ts-node from .*node_modules\/ts-node\/.* and TypeScript 6\./);
        // A full type check of the program: 35 s on a busy 2-core machine, over 120 s at a load average of 17.
    }, 300_000);
});

describe("a refused setting under Pulumi's runner", () => {
    // What `pulumi up` shows: @pulumi/pulumi's cmd/run prints a pulumi.RunError as its message alone and exits 32
    // ("already reported"), any other error as "failed with an unhandled exception" with its stack trace.
    const runLikePulumi = (config: Record<string, string>, program?: string) => {
        const result = spawnSync(
            process.execPath,
            [
                path.join(__dirname, "support", "run-like-pulumi.cjs"),
                JSON.stringify(config),
                ...(program ? [program] : []),
            ],
            {
                cwd: path.join(__dirname, ".."),
                encoding: "utf8",
            },
        );
        return { status: result.status, output: result.stdout + result.stderr };
    };
    const expectMessageOnly = (output: string) => {
        expect(output).not.toContain("unhandled exception");
        expect(output).not.toMatch(/^\s+at /m);
        expect(output).not.toContain("problems:");
    };

    it("prints a bad config key's message alone", () => {
        const { status, output } = runLikePulumi({ "oncall-lab:clusterName": "Bad_Name" });
        expect(output).toMatch(
            /^error: \[runtime\] invalid configuration:\n {2}- oncall-lab:clusterName must be a DNS-1123 label/,
        );
        expectMessageOnly(output);
        expect(status).toBe(32);
    }, 120_000);

    it("prints a refused team file's message alone", () => {
        const { status, output } = runLikePulumi({}, "test/fixtures/refused-team/index.ts");
        expect(output).toContain(
            'error: [runtime] invalid on-call team file test/fixtures/refused-team/oncall-team.yaml:\n  - rotation.people[1] "carol" is not in people',
        );
        expectMessageOnly(output);
        expect(status).toBe(32);
    }, 120_000);
});
