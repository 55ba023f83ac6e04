// The program must load under the Pulumi CLI's TypeScript runtime, which uses the project's ts-node
// and TypeScript (not vitest's transpiler) and type-checks: TypeScript 6 rejects settings older
// projects used, such as moduleResolution "node".
import { execFileSync } from "node:child_process";
import * as path from "node:path";
import { describe, expect, it } from "vitest";

describe("Pulumi's TypeScript runtime", () => {
    it("loads index.ts with the project's ts-node and TypeScript", () => {
        const output = execFileSync(process.execPath, [path.join(__dirname, "support", "load-like-pulumi.cjs")], {
            cwd: path.join(__dirname, ".."),
            encoding: "utf8",
        });
        expect(output).toMatch(/loaded index\.ts with ts-node from .*node_modules\/ts-node\/.* and TypeScript 6\./);
    }, 120_000);
});
