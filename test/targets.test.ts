// index.ts reads the same for every target, as pulumi/examples' kubernetes-ts-multicloud does: whatever differs
// between Kind and a team's cluster, the target hands out (components/targets/), and components/targets/select.ts alone picks it.
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";

const code = (file: string) => fs.readFileSync(path.join(__dirname, "..", file), "utf8").replace(/\/\/.*$/gm, "");

describe("the deployment targets", () => {
    it("index.ts never asks which target it runs on (no existing settings, no target name)", () => {
        expect(code("index.ts").match(/\bexisting\b|\bkind\b|target\.name/g)).toBeNull();
    });
});
