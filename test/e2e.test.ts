// `npm run e2e` without a lab: the runner's order, selection, timing and failure path with a fake
// clock, and the script itself against stub pulumi, kind, kubectl, docker and npm (diagnostics,
// cleanup after a failure, --keep, --list, the step summary).
import * as fs from "node:fs";
import * as path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { podsNotReady } from "../src/tools/e2e/diagnostics";
import { parseE2eOptions, selectScenarios } from "../src/tools/e2e/options";
import { formatRows, markdownRows, type Row, runScenarios, type Scenario } from "../src/tools/e2e/runner";
import { scenarios } from "../src/tools/e2e/scenarios";
import { labWaits } from "../src/tools/e2e/steps";
import type { Clock } from "../src/tools/shared/polling";
import { type E2eStubs, makeE2eStubs, startE2eScript } from "./support/stubs/e2e";

const ids = scenarios.map((scenario) => scenario.id);

function fakeClock(): Clock & { advance(ms: number): void } {
    let now = 1_000_000;
    return { now: () => now, sleep: async (ms) => void (now += ms), advance: (ms) => void (now += ms) };
}

describe("e2e options", () => {
    it("runs every scenario in order: the self-contained upgrade (0), then 1 to 9 with 3b after 3 and 5b after 5", () => {
        expect(ids).toEqual(["0", "1", "2", "3", "3b", "4", "5", "5b", "6", "7", "8", "9"]);
    });

    it("selects one scenario, a range or a list, always in the runner's order", () => {
        expect(selectScenarios("3b", ids)).toEqual(["3b"]);
        expect(selectScenarios("3-4", ids)).toEqual(["3", "3b", "4"]);
        expect(selectScenarios("9,1,2", ids)).toEqual(["1", "2", "9"]);
        expect(() => selectScenarios("10", ids)).toThrow(
            '--only: "10" is not a scenario or range of 0, 1, 2, 3, 3b, 4, 5, 5b, 6, 7, 8, 9',
        );
        expect(() => selectScenarios("5-2", ids)).toThrow('"5-2" is not a scenario');
    });

    it("keeps away from npm run up's lab: its own state folder, stack, cluster and ports", () => {
        const options = parseE2eOptions([], {}, ids);
        if (options === "help") throw new Error("unexpected help");
        expect(options.stateDir).toMatch(/\.pulumi-e2e$/);
        expect(options).toMatchObject({
            stack: "e2e",
            clusterName: "oncall-lab-e2e",
            keep: false,
            list: false,
            only: undefined,
        });
        expect(options.hostPorts).toEqual({ grafanaHostPort: 13000, oncallHostPort: 18080, mailHostPort: 18025 });
        const given = parseE2eOptions(
            ["--only", "2-3", "--keep", "--grafana-port", "23000"],
            { E2E_CLUSTER_NAME: "mine" },
            ids,
        );
        expect(given).toMatchObject({
            only: ["2", "3"],
            keep: true,
            clusterName: "mine",
            hostPorts: { grafanaHostPort: 23000 },
        });
        expect(() => parseE2eOptions(["--mail-port", "80"], {}, ids)).toThrow(
            "--mail-port must be a port from 1024 to 65535",
        );
        expect(() => parseE2eOptions(["--bogus"], {}, ids)).toThrow('unknown argument "--bogus"');
    });

    it("waits as long as the lab's settings say, not longer", () => {
        const waits = labWaits();
        // crashLoopFor 5m + scrape 15s + evaluation 15s + group_wait 30s + 2 min margin.
        expect(waits.crashLoopMs).toBe((300 + 60 + 120) * 1000);
        // Heartbeat timeout 300 s + OnCall's 2-minute check + margin.
        expect(waits.heartbeatMs).toBe((300 + 120 + 120) * 1000);
        // values/oncall-team.yaml: the chain waits 5m before its next step.
        expect(waits.nextEscalationMs).toBe((300 + 60) * 1000);
    });
});

describe("the runner", () => {
    function fakeScenarios(clock: ReturnType<typeof fakeClock>, ran: string[], failAt?: string): Scenario<null>[] {
        return ["1", "2", "3", "3b"].map((id) => ({
            id,
            title: `scenario ${id}`,
            budgetMs: 60_000,
            run: async () => {
                ran.push(id);
                clock.advance(Number.parseInt(id, 10) * 1000);
                if (id === failAt) throw new Error(`boom in ${id}`);
                return `detail ${id}`;
            },
        }));
    }

    it("runs the selection in order, timing each, one row each", async () => {
        const clock = fakeClock();
        const ran: string[] = [];
        const rows: Row[] = [];
        const outcome = await runScenarios(fakeScenarios(clock, ran), ["3b", "2"], null, {
            onRow: (row) => rows.push(row),
            stop: () => {
                throw new Error("no stop without a failure");
            },
            collectDiagnostics: async () => "unused",
            cleanup: async () => {
                throw new Error("no cleanup without a failure");
            },
            clock,
        });
        expect(ran).toEqual(["2", "3b"]);
        expect(outcome.failed).toBeUndefined();
        expect(rows).toEqual([
            { scenario: "2. scenario 2", result: "ok", seconds: "2", budget: "60", detail: "detail 2" },
            { scenario: "3b. scenario 3b", result: "ok", seconds: "3", budget: "60", detail: "detail 3b" },
        ]);
        expect(formatRows(rows).split("\n")).toEqual([
            "scenario         result  seconds  budget  detail",
            "2. scenario 2    ok            2      60  detail 2",
            "3b. scenario 3b  ok            3      60  detail 3b",
        ]);
        expect(markdownRows(rows)).toContain("| 2. scenario 2 | ok | 2 | 60 | detail 2 |");
    });

    it("stops at the first failure, collects diagnostics, then cleans up, and marks the rest not run", async () => {
        const clock = fakeClock();
        const ran: string[] = [];
        const order: string[] = [];
        const outcome = await runScenarios(fakeScenarios(clock, ran, "2"), undefined, null, {
            onRow: (row) => order.push(`row ${row.scenario} ${row.result}`),
            stop: (reason) => void order.push(`stop: ${reason}`),
            collectDiagnostics: async () => (order.push("diagnostics"), "/tmp/diag"),
            cleanup: async () => void order.push("cleanup"),
            clock,
        });
        expect(ran).toEqual(["1", "2"]);
        expect(order).toEqual([
            "row 1. scenario 1 ok",
            "row 2. scenario 2 FAILED",
            "stop: scenario 2 failed",
            "diagnostics",
            "cleanup",
        ]);
        expect(outcome).toMatchObject({ failed: "2", diagnostics: "/tmp/diag" });
        expect(outcome.rows.map((row) => [row.result, row.detail])).toEqual([
            ["ok", "detail 1"],
            ["FAILED", "boom in 2"],
            ["not run", ""],
            ["not run", ""],
        ]);
    });
});

describe("diagnostics", () => {
    it("describes the pods that are not ready, not finished job pods", () => {
        const pod = (namespace: string, name: string, phase: string, ready?: string) => ({
            metadata: { namespace, name },
            status: { phase, conditions: ready === undefined ? [] : [{ type: "Ready", status: ready }] },
        });
        const list = {
            items: [
                pod("oncall", "engine", "Running", "True"),
                pod("oncall", "celery", "Running", "False"),
                pod("oncall", "migrate", "Succeeded"),
                pod("grafana", "g", "Pending"),
            ],
        };
        expect(podsNotReady(list)).toEqual(["oncall/celery", "grafana/g"]);
    });
});

describe("npm run e2e (the script) with stub pulumi, kind, kubectl, docker and npm", () => {
    let stubs: E2eStubs | undefined;
    afterEach(() => {
        stubs?.cleanup();
        stubs = undefined;
    });

    async function runScript(args: string[], env: Record<string, string> = {}) {
        stubs ??= makeE2eStubs();
        const dirs = { diagnostics: path.join(stubs.work, "diagnostics"), state: path.join(stubs.work, "state") };
        const child = await startE2eScript(stubs, dirs, args, {
            GITHUB_STEP_SUMMARY: path.join(stubs.work, "summary.md"),
            ...env,
        });
        let stdout = "";
        let stderr = "";
        child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
        child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
        const code = await new Promise<number | null>((done) => child.once("exit", done));
        return {
            code,
            stdout,
            stderr,
            dirs,
            calls: stubs.calls(),
            summary: () => fs.readFileSync(path.join(stubs!.work, "summary.md"), "utf8"),
        };
    }

    it("--list prints the scenarios and runs nothing", async () => {
        const { code, stdout, calls } = await runScript(["--list"]);
        expect(code).toBe(0);
        expect(stdout.split("\n").slice(0, 2)).toEqual([
            "0. upgrade: base commit, then head over the same state",
            "1. check:versions, then up from nothing",
        ]);
        expect(stdout).toContain("3b. a second up changes nothing");
        expect(calls).toEqual([]);
    }, 60_000);

    it("scenario 1: check:versions, a fresh stack on its own cluster name and ports, then up", async () => {
        const { code, stdout, stderr, calls } = await runScript(["--only", "1"]);
        expect(code, stderr).toBe(0);
        const stackFlags = "--stack e2e";
        expect(calls[0]).toBe("npm run check:versions");
        expect(calls).toContain("kind get clusters");
        expect(calls).toContain(`pulumi config set oncall-lab:clusterName oncall-lab-e2e ${stackFlags}`);
        expect(calls.some((call) => /^pulumi config set oncall-lab:grafanaHostPort \d+ /.test(call))).toBe(true);
        expect(calls.at(-1)).toBe(`pulumi up --yes --skip-preview ${stackFlags}`);
        expect(stdout).toMatch(
            /^1\. check:versions, then up from nothing\s+ok\s+\d+\s+\d+\s+versions ok; up took \d+\.\d s$/m,
        );
        expect(stdout).toContain("OK: 1 scenarios passed");
    }, 60_000);

    it("after a failure: the rest not run, diagnostics collected, the lab destroyed and no kind cluster left", async () => {
        const { code, stdout, calls, dirs, summary } = await runScript(["--only", "1-2"], { E2E_UP_CODE: "1" });
        expect(code).toBe(1);
        expect(stdout).toMatch(
            /^1\. check:versions, then up from nothing\s+FAILED\s+\d+\s+\d+\s+scripts\/lab\.ts up --yes --skip-preview exited 1: error: kind create cluster failed$/m,
        );
        expect(stdout).toMatch(/^2\. smoke: alert group, e-mail, link, resolve\s+not run\s+-\s+\d+$/m);
        expect(stdout).toContain(`FAILED at scenario 1; diagnostics in ${dirs.diagnostics}; the lab was destroyed`);
        const files = fs.readdirSync(dirs.diagnostics).sort();
        expect(files).toEqual(
            expect.arrayContaining([
                "pods.txt",
                "events.txt",
                "logs-oncall-engine.txt",
                "logs-oncall-celery.txt",
                "logs-grafana.txt",
                "logs-vmalertmanager.txt",
                "describe-oncall-oncall-engine-x.txt",
                "logs-job.batch-oncall-migrate-abc.txt",
                "pulumi.log",
            ]),
        );
        expect(files).not.toContain("describe-oncall-oncall-migrate-abc-1.txt");
        expect(fs.readFileSync(path.join(dirs.diagnostics, "pods.txt"), "utf8")).toContain(
            "kubectl --context kind-oncall-lab-e2e get pods -A -o wide",
        );
        expect(fs.readFileSync(path.join(dirs.diagnostics, "pulumi.log"), "utf8")).toContain(
            "error: kind create cluster failed",
        );
        const upAt = calls.findIndex((call) => call.startsWith("pulumi up"));
        const destroyAt = calls.findIndex((call) => call.startsWith("pulumi destroy --yes"));
        expect(destroyAt).toBeGreaterThan(upAt);
        expect(calls.slice(destroyAt)).toContain("kind delete cluster --name oncall-lab-e2e");
        expect(summary()).toContain("| 1. check:versions, then up from nothing | FAILED |");
    }, 60_000);

    it("--keep leaves the lab after a failure", async () => {
        const { code, stdout, calls } = await runScript(["--only", "1", "--keep"], { E2E_UP_CODE: "1" });
        expect(code).toBe(1);
        expect(stdout).toContain("the lab is kept");
        expect(calls.some((call) => call.startsWith("pulumi destroy") || call.startsWith("kind delete"))).toBe(false);
    }, 60_000);

    it("scenario 9 fails when destroy left a kind cluster behind, naming it and its node container", async () => {
        // A cluster of that name the stack did not make: its destroy leaves it.
        stubs ??= makeE2eStubs();
        stubs.docker.createCluster("oncall-lab-e2e");
        const { code, stdout } = await runScript(["--only", "9"]);
        expect(code).toBe(1);
        expect(stdout).toMatch(
            /9\. destroy leaves nothing\s+FAILED\s+\d+\s+\d+\s+destroy left kind cluster oncall-lab-e2e, container oncall-lab-e2e-control-plane$/m,
        );
    }, 60_000);
});
