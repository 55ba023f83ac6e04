// The runtime and the tools CI runs agree with package.json: actions pinned to a commit with their tag beside it,
// Node 24 in every workflow, the Pulumi CLI at the SDK's version, and engines as the README's Prerequisites say.
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import YAML from "yaml";
import { PULUMI_MIN } from "../src/tools/lab/tools";

const root = path.join(__dirname, "..");
const dir = path.join(root, ".github", "workflows");
const workflows = fs
    .readdirSync(dir)
    .filter((file) => /\.ya?ml$/.test(file))
    .map((file) => ({ file, text: fs.readFileSync(path.join(dir, file), "utf8") }));
const pkg = JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8")) as {
    engines: { node: string };
    dependencies: Record<string, string>;
};

type Step = { uses?: string; with?: Record<string, unknown> };
const steps = (text: string): Step[] =>
    Object.values((YAML.parse(text) as { jobs: Record<string, { steps?: Step[] }> }).jobs).flatMap(
        (job) => job.steps ?? [],
    );

describe("what CI runs", () => {
    it.each(workflows)("$file pins every action to a commit, with the release tag in a comment", ({ text }) => {
        const uses = text.split("\n").filter((line) => /^\s*(-\s+)?uses:/.test(line));
        expect(uses.length).toBeGreaterThan(0);
        for (const line of uses) expect(line).toMatch(/uses: [\w.-]+\/[\w.-]+@[0-9a-f]{40} # v\d+\.\d+\.\d+$/);
    });

    it.each(workflows)("$file sets up Node 24", ({ text }) => {
        const setups = steps(text).filter((step) => step.uses?.startsWith("actions/setup-node@"));
        expect(setups.length).toBeGreaterThan(0);
        for (const step of setups) expect(step.with?.["node-version"]).toBe(24);
    });

    it("installs the Pulumi CLI at the version of the SDK package.json pins", () => {
        const sdk = pkg.dependencies["@pulumi/pulumi"];
        const e2e = YAML.parse(workflows.find((w) => w.file === "e2e.yml")!.text) as { env: Record<string, string> };
        expect(e2e.env.PULUMI_VERSION).toBe(sdk);
        const pulumiSteps = workflows
            .flatMap((w) => steps(w.text))
            .filter((step) => step.uses?.startsWith("pulumi/actions@"));
        expect(pulumiSteps.map((step) => step.with?.["pulumi-version"])).toEqual(["${{ env.PULUMI_VERSION }}", sdk]);
    });

    it("engines and the README's Prerequisites name the same Node.js versions and Pulumi CLI", () => {
        const readme = fs.readFileSync(path.join(root, "README.md"), "utf8");
        expect(pkg.engines.node).toBe(">=22.13");
        expect(readme).toContain("| Node.js | 24 (LTS, recommended), or 22 (22.13 or later) |");
        const [major, minor] = pkg.dependencies["@pulumi/pulumi"].split(".");
        expect(readme).toContain(
            `| [Pulumi CLI](https://www.pulumi.com/docs/iac/download-install/) | ${major}.${minor} or later |`,
        );
        // The lab program's check of the CLI (npm run up / preview / destroy / pulumi).
        expect(PULUMI_MIN).toBe(`${major}.${minor}`);
    });
});
