// npm run e2e fits its runner and leaves evidence: budgets and per-command timeouts, a SIGTERM that
// collects diagnostics before exiting, the preflight, CI's up-first/destroy-last, the host's peaks and
// the headline figures in the summary, and no token in what is uploaded. Against the stub commands.
import { type spawn } from "node:child_process";
import * as fs from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import YAML from "yaml";
import { HostSampler } from "../src/tools/e2e/host";
import { commandTimeoutsMs, E2eLab } from "../src/tools/e2e/lab";
import { interruptedCollectionMs, runE2e, runSelection } from "../src/tools/e2e/main";
import { parseE2eOptions } from "../src/tools/e2e/options";
import { redacted, redactFolder, redactSecrets, secretOutputValues } from "../src/tools/e2e/redact";
import { formatBudget, type Row, runScenarios } from "../src/tools/e2e/runner";
import { scenarios } from "../src/tools/e2e/scenarios";
import { type E2eStubs, makeE2eStubs, startE2eScript } from "./support/stubs/e2e";

const root = path.join(__dirname, "..");
const ids = scenarios.map((scenario) => scenario.id);
let stubs: E2eStubs | undefined;
afterEach(() => {
    stubs?.cleanup();
    stubs = undefined;
});

/** Running, not a zombie waiting to be reaped by whoever inherited it. */
const alive = (pid: number) => {
    try {
        return !/^\d+ \(.*\) Z/.test(fs.readFileSync(`/proc/${pid}/stat`, "utf8"));
    } catch {
        return false;
    }
};

function labIn(work: string): E2eLab {
    const options = parseE2eOptions(
        ["--diagnostics", path.join(work, "diag"), "--state-dir", path.join(work, "state")],
        {},
        ids,
    );
    if (options === "help") throw new Error("unexpected help");
    return new E2eLab(options, process.env, () => undefined);
}

describe("the budget", () => {
    it("the scenarios' worst case, the diagnostics and the job's own steps fit the workflow's limits with a margin", () => {
        const workflow = YAML.parse(fs.readFileSync(path.join(root, ".github/workflows/e2e.yml"), "utf8"));
        const job = workflow.jobs.e2e;
        const step = job.steps.find((candidate: { name?: string }) => candidate.name === "npm run e2e");
        // The command the SIGTERM tests below run, so that the runner's signal reaches the e2e itself.
        expect(step.run).toBe("exec node node_modules/ts-node/dist/bin.js --transpile-only scripts/e2e.ts");
        // Two runners (the workflow's matrix): the lab's scenarios 1-9, and the upgrade (0) on its own.
        const [upgrade, ...labScenarios] = scenarios;
        expect(upgrade.id).toBe("0");
        expect(job.strategy.matrix.run).toEqual(["lab", "upgrade"]);
        const worstCaseMin = labScenarios.reduce((sum, scenario) => sum + scenario.budgetMs, 0) / 60_000;
        // Diagnostics run at once, each command within commandTimeoutsMs.collect; 5 min of margin inside the step.
        for (const legMin of [worstCaseMin, upgrade.budgetMs / 60_000]) {
            expect(legMin + commandTimeoutsMs.collect / 60_000 + 5).toBeLessThanOrEqual(step["timeout-minutes"]);
        }
        // Checkout, npm ci, kind, Pulumi, Chromium and the upload: 15 min at most, then 5 of margin.
        expect(step["timeout-minutes"] + 15 + 5).toBeLessThanOrEqual(job["timeout-minutes"]);
        // The README states the same figures.
        const readme = fs.readFileSync(path.join(root, "README.md"), "utf8");
        expect(readme).toContain(
            `Worst case ${worstCaseMin} min. The workflow's e2e step has \`timeout-minutes: ${step["timeout-minutes"]}\``,
        );
        expect(readme).toContain(`and the job ${job["timeout-minutes"]} (plus setup and upload)`);
        for (const scenario of scenarios)
            expect(readme).toMatch(
                new RegExp(`\\| ${scenario.id.replace(".", "\\.")}\\. [^|]+ \\| ${scenario.budgetMs / 60_000} min \\|`),
            );
        // Every scenario is bounded, and each covers the longest command it runs.
        for (const scenario of scenarios) expect(scenario.budgetMs, scenario.id).toBeGreaterThan(0);
        expect(scenarios.find((scenario) => scenario.id === "1")!.budgetMs).toBeGreaterThan(
            commandTimeoutsMs.upFromNothing,
        );
        expect(scenarios.find((scenario) => scenario.id === "8")!.budgetMs).toBeGreaterThan(
            commandTimeoutsMs.upFromNothing,
        );
    });

    it("prints the budget of each scenario and their sum", () => {
        const table = formatBudget([
            { id: "1", title: "a", budgetMs: 1_800_000 },
            { id: "2", title: "b", budgetMs: 600_000 },
        ]);
        expect(table.split("\n")).toEqual([
            "scenario                 budget",
            "1. a                     30 min",
            "2. b                     10 min",
            "worst case, all of them  40 min",
        ]);
    });

    it("a scenario over its budget fails there: what it runs is stopped before the diagnostics", async () => {
        const order: string[] = [];
        const rows: Row[] = [];
        const outcome = await runScenarios(
            [{ id: "1", title: "hangs", budgetMs: 50, run: () => new Promise<string>(() => undefined) }],
            undefined,
            null,
            {
                onRow: (row) => rows.push(row),
                stop: (reason) => void order.push(`stop: ${reason}`),
                collectDiagnostics: async () => (order.push("diagnostics"), "/d"),
                cleanup: async () => void order.push("cleanup"),
            },
        );
        expect(outcome.failed).toBe("1");
        expect(rows[0]).toMatchObject({ result: "FAILED", budget: "0", detail: "over its budget of 0.1 s: stopped" });
        expect(order).toEqual(["stop: scenario 1 failed", "diagnostics", "cleanup"]);
    });

    it("a command past its timeout is stopped with everything it started; a stopped lab refuses new commands but the collection's", async () => {
        const work = fs.mkdtempSync(path.join(os.tmpdir(), "oncall-lab-e2e-budget-"));
        try {
            const lab = labIn(work);
            const pidFile = path.join(work, "pid");
            const stuck = ["-c", `sleep 30 & echo $! > ${pidFile}; wait`];
            await expect(lab.run("bash", stuck, { timeoutMs: 300 })).rejects.toThrow(
                "bash -c sleep 30 & echo $! > " + pidFile + "; wait did not finish within 0.3 s and was stopped",
            );
            const sleeper = Number(fs.readFileSync(pidFile, "utf8"));
            await new Promise((done) => setTimeout(done, 200));
            expect(alive(sleeper)).toBe(false);

            // The leader exits at once; what it left behind holds the output open.
            const orphan = ["-c", `sleep 30 & echo $! > ${pidFile}; exit 0`];
            await expect(lab.run("bash", orphan, { timeoutMs: 300 })).rejects.toThrow(
                "did not finish within 0.3 s and was stopped",
            );
            const left = Number(fs.readFileSync(pidFile, "utf8"));
            await new Promise((done) => setTimeout(done, 200));
            expect(alive(left)).toBe(false);

            const running = lab.run("bash", stuck, { timeoutMs: 30_000 });
            await new Promise((done) => setTimeout(done, 300));
            lab.stopCommands("scenario 4 failed");
            await expect(running).rejects.toThrow("stopped: scenario 4 failed");
            await expect(lab.run("true", [])).rejects.toThrow("true  not started: scenario 4 failed");
            await expect(lab.run("true", [], { afterStop: true })).resolves.toMatchObject({ code: 0 });
        } finally {
            fs.rmSync(work, { recursive: true, force: true });
        }
    });
});

describe("before anything is built", () => {
    it("the preflight names every missing tool at once and builds nothing", async () => {
        stubs = makeE2eStubs();
        const lines: string[] = [];
        const env = {
            PATH: path.join(stubs.work, "empty"),
            HOME: stubs.work,
            CHROMIUM_PATH: path.join(stubs.work, "no-chromium"),
        };
        const code = await runE2e(["--diagnostics", path.join(stubs.work, "diag")], env, {
            out: (line) => lines.push(line),
        });
        expect(code).toBe(1);
        expect(lines.join("\n")).toMatch(
            /^NOT STARTED: missing pulumi \(.*\); kind \(.*\); docker \(.*\); kubectl \(.*\); Chromium for scenario 3 \(.*\)\. Nothing was built\.$/,
        );
        expect(stubs.calls()).toEqual([]);
    });

    it("offline, scenario 1 fails before its up: nothing is destroyed and the verdict says no lab was built", async () => {
        stubs = makeE2eStubs();
        const lines: string[] = [];
        const args = [
            "--only",
            "1-2",
            "--diagnostics",
            path.join(stubs.work, "diag"),
            "--state-dir",
            path.join(stubs.work, "state"),
        ];
        const code = await runE2e(
            args,
            { ...stubs.env, E2E_NPM_CODE: "1", CHROMIUM_PATH: process.execPath },
            { out: (line) => lines.push(line) },
        );
        expect(code).toBe(1);
        expect(lines.at(-1)).toMatch(/^FAILED at scenario 1; diagnostics in .*; no lab was built$/);
        expect(stubs.calls().filter((call) => /destroy|kind delete|kubectl/.test(call))).toEqual([]);
    });
});

describe("on CI", () => {
    it("up runs first and destroy last whatever --only says", () => {
        expect(runSelection({ only: ["4", "5"], ci: true }, ids)).toEqual(["1", "4", "5", "9"]);
        expect(runSelection({ only: ["4"], ci: false }, ids)).toEqual(["4"]);
        expect(runSelection({ only: undefined, ci: true }, ids)).toBeUndefined();
        // The upgrade alone builds and destroys its own lab; the lab leg's 1-9 never picks it up.
        expect(runSelection({ only: ["0"], ci: true }, ids)).toEqual(["0"]);
        expect(
            runSelection({ only: ["1", "2", "3", "3b", "4", "5", "6", "7", "8", "9"], ci: true }, ids),
        ).not.toContain("0");
        expect(parseE2eOptions([], { CI: "true" }, ids)).toMatchObject({ ci: true });
        expect(parseE2eOptions([], { CI: "false" }, ids)).toMatchObject({ ci: false });
    });

    async function ciRun(args: string[], env: Record<string, string>) {
        stubs = makeE2eStubs();
        const work = stubs.work;
        const dirs = { diagnostics: path.join(work, "diag"), state: path.join(work, "state") };
        const child = await startE2eScript(stubs, dirs, args, {
            CI: "true",
            CHROMIUM_PATH: process.execPath,
            GITHUB_STEP_SUMMARY: path.join(work, "summary.md"),
            ...env,
        });
        let stdout = "";
        let stderr = "";
        child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
        child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
        const exited = new Promise<number | null>((done) => child.once("exit", done));
        running.push(child);
        return { child, exited, work, output: () => ({ stdout, stderr }), calls: () => stubs!.calls() };
    }
    // A test that fails must not leave its run behind.
    const running: ReturnType<typeof spawn>[] = [];
    afterEach(() => {
        for (const child of running.splice(0))
            if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    });

    it("--only 3b runs 1, 3b and 9 in that order; the summary has the budget column, the headline figures and the host's peaks", async () => {
        const run = await ciRun(["--only", "3b"], {});
        expect(await run.exited, run.output().stderr).toBe(0);
        const { stdout, stderr } = run.output();
        expect(stdout.match(/^(1|3b|9)\. /gm)).toEqual(["1. ", "3b. ", "9. "]);
        const calls = run.calls();
        expect(calls.find((call) => call.startsWith("pulumi up"))).toBe("pulumi up --yes --skip-preview --stack e2e");
        const acting = calls.filter((call) => /^pulumi (up|destroy)/.test(call));
        expect(acting).toEqual([
            "pulumi up --yes --skip-preview --stack e2e",
            "pulumi up --yes --skip-preview --expect-no-changes --stack e2e",
            "pulumi destroy --yes --skip-preview --stack e2e",
        ]);
        expect(stderr).toMatch(
            /budget per scenario[\s\S]*1\. check:versions, then up from nothing\s+30 min[\s\S]*worst case, all of them\s+\d+ min/,
        );
        const summary = fs.readFileSync(path.join(run.work, "summary.md"), "utf8");
        expect(summary).toMatch(
            /\| 3b\. a second up changes nothing \| ok \| \d+ \| 540 \| up with --expect-no-changes took \d+\.\d s \|/,
        );
        expect(summary).toMatch(
            /### Headline figures[\s\S]*\| cold up \(from nothing\) \| \d+\.\d s \|[\s\S]*\| re-run with no change \(up\) \| \d+\.\d s \|/,
        );
        expect(summary).toMatch(
            /### Host[\s\S]*\| cores \| \d+ \|[\s\S]*\| peak CPU busy \(all cores\) \| \d+ % \|[\s\S]*\| peak memory in use \| [\d.]+ GiB of [\d.]+ GiB \|[\s\S]*\| peak disk in use \(\/\) \| [\d.]+ GiB of [\d.]+ GiB \|/,
        );
    }, 60_000);

    it("SIGTERM during a stuck up: the up is stopped, diagnostics collected and redacted, the lab kept, exit 1", async () => {
        const upPid = path.join(os.tmpdir(), `oncall-lab-e2e-up-${process.pid}`);
        // kind export logs hangs too: the collection is cut short after a signal, and what it wrote is redacted.
        const run = await ciRun(["--only", "1"], { E2E_UP_HANG: upPid, KIND_STUB_EXPORT_HANG: "1" });
        try {
            for (let i = 0; i < 300 && !fs.existsSync(upPid); i++) await new Promise((done) => setTimeout(done, 100));
            const sleeper = Number(fs.readFileSync(upPid, "utf8"));
            const signalledAt = Date.now();
            run.child.kill("SIGTERM");
            expect(await run.exited).toBe(1);
            // GitHub kills 10 s after its first signal.
            expect(Date.now() - signalledAt).toBeLessThan(interruptedCollectionMs + 3_000);
            const { stdout } = run.output();
            expect(stdout).toMatch(
                /^1\. check:versions, then up from nothing\s+FAILED\s+\d+\s+\d+\s+interrupted by SIGTERM$/m,
            );
            expect(stdout).toMatch(/9\. destroy leaves nothing\s+not run/);
            expect(stdout).toMatch(
                /FAILED at scenario 1; diagnostics in .*; the lab is kept for collection \(CI: the runner is thrown away\)$/m,
            );
            expect(alive(sleeper)).toBe(false);
            const diag = path.join(run.work, "diag");
            expect(fs.readdirSync(diag)).toEqual(
                expect.arrayContaining([
                    "pods.txt",
                    "events.txt",
                    "logs-vmalert.txt",
                    "logs-vm-operator.txt",
                    "alertmanager-alerts.json",
                    "oncall-alert-groups.json",
                    "host-df.txt",
                    "host-docker-stats.txt",
                    "pulumi-version.txt",
                    "pulumi-plugins.txt",
                    "pulumi.log",
                ]),
            );
            expect(run.calls()).toContain(
                "kind export logs " + path.join(diag, "kind-logs-oncall-lab-e2e") + " --name oncall-lab-e2e",
            );
            expect(
                run.calls().some((call) => call.startsWith("pulumi destroy") || call.startsWith("kind delete")),
            ).toBe(false);
            const engine = fs.readFileSync(path.join(diag, "logs-oncall-engine.txt"), "utf8");
            expect(engine).toContain(`/integrations/v1/alertmanager/${redacted}/ 200 integration_token=${redacted}`);
            expect(engine).not.toContain("Zx9SecretTok");
            expect(fs.readFileSync(path.join(diag, "kind-logs-oncall-lab-e2e", "kubelet.log"), "utf8")).toBe(
                `kubelet: token=${redacted}\n`,
            );
            const everything = fs
                .readdirSync(diag, { recursive: true, encoding: "utf8" })
                .filter((file) => fs.statSync(path.join(diag, file)).isFile());
            expect(
                everything.filter((file) => fs.readFileSync(path.join(diag, file), "utf8").includes("Zx9SecretTok")),
            ).toEqual([]);
        } finally {
            fs.rmSync(upPid, { force: true });
        }
    }, 60_000);
    it("GitHub's cancel (SIGINT, then SIGTERM) while a scenario waits on OnCall: the run reports and exits at once, not when the wait would end", async () => {
        // OnCall and Mailpit stand-ins with nothing in them: scenario 4 waits minutes for its group.
        const server = createServer((_request, response) =>
            response.writeHead(200, { "content-type": "application/json" }).end('{"results":[],"messages":[]}'),
        );
        await new Promise<void>((ready) => server.listen(0, "127.0.0.1", ready));
        const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
        const outputs = path.join(os.tmpdir(), `oncall-lab-e2e-outputs-${process.pid}.json`);
        fs.writeFileSync(outputs, JSON.stringify({ oncallUrl: base, mailUrl: base, oncallApiToken: "t" }));
        try {
            const run = await ciRun(["--only", "4"], { E2E_OUTPUTS: outputs });
            for (let i = 0; i < 300 && !run.calls().some((call) => call.includes(" run e2e-crashloop-")); i++)
                await new Promise((done) => setTimeout(done, 100));
            await new Promise((done) => setTimeout(done, 500));
            const signalledAt = Date.now();
            run.child.kill("SIGINT");
            // The SIGTERM that follows does not cut the collection short (a second SIGINT would).
            await new Promise((done) => setTimeout(done, 100));
            run.child.kill("SIGTERM");
            expect(await run.exited).toBe(1);
            expect(Date.now() - signalledAt).toBeLessThan(15_000);
            expect(run.output().stdout).toMatch(
                /^4\. a crash-looping pod pages, deleting it resolves\s+FAILED\s+\d+\s+\d+\s+interrupted by SIGINT$/m,
            );
            expect(run.output().stderr).toContain("e2e: SIGTERM ignored: collecting diagnostics");
        } finally {
            fs.rmSync(outputs, { force: true });
            await new Promise<void>((done) => server.close(() => done()));
        }
    }, 60_000);
});

describe("the host's peaks", () => {
    it("keeps the highest CPU, memory and disk use it sampled", () => {
        const cpu = [
            { busy: 0, total: 0 },
            { busy: 50, total: 100 },
            { busy: 60, total: 200 },
        ];
        const memory = [3, 8, 5];
        let i = 0;
        const sampler = new HostSampler({
            cpuTimes: () => cpu[Math.min(i, cpu.length - 1)],
            memory: () => ({ usedBytes: memory[Math.min(i - 1, 2)] * 2 ** 30, totalBytes: 16 * 2 ** 30 }),
            disk: () => ({ usedBytes: 20 * 2 ** 30, totalBytes: 72 * 2 ** 30 }),
            cores: () => 4,
        });
        for (i = 1; i <= 2; i++) sampler.sample();
        expect(sampler.figures()).toEqual([
            ["cores", "4"],
            ["peak CPU busy (all cores)", "50 %"],
            ["peak memory in use", "8.0 GiB of 16.0 GiB"],
            ["peak disk in use (/)", "20.0 GiB of 72.0 GiB"],
            ["samples", "2"],
        ]);
    });
});

describe("redaction before upload", () => {
    const sample = [
        "2026-12-05 10:00:01 POST /integrations/v1/alertmanager/AbCdEf123456/ 200",
        "GET /api/v1/heartbeat?integration_token=AbCdEf123456&x=1",
        "      GF_SECURITY_ADMIN_PASSWORD:  s3cr3t-admin",
        '"oncallApiToken": "tok_0123456789"',
        "Authorization: Bearer eyJhbGciOi.x.y",
        "url: http://grafana:grafana-pw@postgres:5432/oncall",
        "the team password for bob is bob-pass-42 (seen in a debug line)",
        "pod oncall-engine-1 Ready; 3 tokens issued",
    ].join("\n");

    it("replaces tokens and passwords in a sample, the stack's secret outputs anywhere, and leaves the rest", () => {
        const known = secretOutputValues({
            oncallApiToken: "tok_0123456789",
            teamPasswords: { bob: "bob-pass-42" },
            grafanaUrl: "http://grafana.localhost",
        });
        expect(known).toEqual(["tok_0123456789", "bob-pass-42"]);
        expect(redactSecrets(sample, known).split("\n")).toEqual([
            `2026-12-05 10:00:01 POST /integrations/v1/alertmanager/${redacted}/ 200`,
            `GET /api/v1/heartbeat?integration_token=${redacted}&x=1`,
            `      GF_SECURITY_ADMIN_PASSWORD:  ${redacted}`,
            `"oncallApiToken": "${redacted}"`,
            `Authorization: Bearer ${redacted}`,
            `url: http://grafana:${redacted}@postgres:5432/oncall`,
            `the team password for bob is ${redacted} (seen in a debug line)`,
            `pod oncall-engine-1 Ready; 3 tokens issued`,
        ]);
    });

    it("rewrites the text files of a folder, nested ones too, and leaves images alone", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "oncall-lab-redact-"));
        try {
            fs.mkdirSync(path.join(dir, "kind-logs"));
            fs.writeFileSync(path.join(dir, "kind-logs", "kubelet.log"), "token=abcdef123\n");
            const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 1, 2, ...Buffer.from("token=abcdef123")]);
            fs.writeFileSync(path.join(dir, "shot.png"), png);
            expect(redactFolder(dir, [])).toEqual([path.join(dir, "kind-logs", "kubelet.log")]);
            expect(fs.readFileSync(path.join(dir, "kind-logs", "kubelet.log"), "utf8")).toBe(`token=${redacted}\n`);
            expect(fs.readFileSync(path.join(dir, "shot.png"))).toEqual(png);
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});
