// The e2e scenarios' own logic, in-process: npm run e2e's entry (runE2e) with stub commands on PATH,
// a stand-in smoke and browser, and a local stand-in for OnCall's public API and Mailpit.
import * as fs from "node:fs";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { findDrill } from "../src/tools/drills/catalog";
import { crashLoopOverrides } from "../src/tools/drills/faults";
import { DrillLab } from "../src/tools/drills/probes";
import { type DrillResult, runDrill } from "../src/tools/drills/run";
import { type StageKey, Timeline } from "../src/tools/drills/timeline";
import { E2eLab } from "../src/tools/e2e/lab";
import { type E2eDeps, e2eDrillDeps, runE2e } from "../src/tools/e2e/main";
import { parseE2eOptions } from "../src/tools/e2e/options";
import { scenarios } from "../src/tools/e2e/scenarios";
import { realClock } from "../src/tools/shared/polling";
import type { SmokeReport } from "../src/tools/smoke/smoke";
import { FakeClock, startDrillStandIns } from "./support/stubs/drill";
import { type E2eStubs, makeE2eStubs, testWaits } from "./support/stubs/e2e";
import { startStandIns } from "./support/stubs/servers";

const waits = testWaits;
const kubectlPrefix = "kubectl --context kind-oncall-lab-e2e ";

let stubs: E2eStubs | undefined;
let server: Server | undefined;
afterEach(async () => {
    stubs?.cleanup();
    stubs = undefined;
    if (server) await new Promise<void>((done) => server!.close(() => done()));
    server = undefined;
});

/** OnCall's public API and Mailpit's search on 127.0.0.1, answering with `handle`; the stack outputs point at it. */
async function labStandIn(handle: (request: IncomingMessage, url: URL) => unknown): Promise<Record<string, unknown>> {
    server = createServer((request, response) => {
        const body = handle(request, new URL(request.url ?? "/", "http://x"));
        if (body === undefined) response.writeHead(404).end();
        else response.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(body));
    });
    await new Promise<void>((ready) => server!.listen(0, "127.0.0.1", ready));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    return { oncallUrl: base, mailUrl: base, oncallApiToken: "token-1" };
}

/** Runs `npm run e2e -- --only <only> --keep` in-process; ports are not checked by these scenarios. */
async function runOnly(
    only: string,
    context: E2eDeps["context"],
    outputs?: Record<string, unknown>,
    extraEnv: Record<string, string> = {},
) {
    stubs = makeE2eStubs();
    // --only without scenario 1 runs on the lab an earlier run kept.
    stubs.keptLab();
    // The preflight looks for a browser when scenario 3 runs: any file stands in (the browser step is replaced).
    const env: Record<string, string> = { ...stubs.env, CHROMIUM_PATH: process.execPath, ...extraEnv };
    if (outputs) {
        env.E2E_OUTPUTS = path.join(stubs.work, "outputs.json");
        fs.writeFileSync(env.E2E_OUTPUTS, JSON.stringify(outputs));
    }
    const diagnostics = path.join(stubs.work, "diag");
    const lines: string[] = [];
    const args = [
        "--only",
        only,
        "--state-dir",
        path.join(stubs.work, "state"),
        "--diagnostics",
        diagnostics,
        "--keep",
    ];
    const code = await runE2e(args, env, {
        context: { waits, runId: "t1", ...context },
        out: (text) => lines.push(text),
    });
    const calls = stubs.calls().map((call) => call.replace(/ --stack e2e$/, ""));
    const kubectl = calls
        .filter((call) => call.startsWith(kubectlPrefix))
        .map((call) => call.slice(kubectlPrefix.length));
    return { code, table: lines[0], output: lines.join("\n"), calls, kubectl, diagnostics };
}

const passingSmoke = (count: string[]) => async (): Promise<SmokeReport> => {
    count.push("smoke");
    const steps = (["fired", "alertGroup", "email", "link", "cleared", "resolved"] as const).map((step, i) => ({
        step,
        afterMs: i * 1000,
        detail: "",
    }));
    return { runId: `run${count.length}`, steps };
};

describe("5b: the escalation drill", () => {
    /** A drill's result as runDrill hands it over: the timeline of the stages seen. */
    function drillResult(stages: [StageKey, number][], failure?: string): DrillResult {
        const drill = findDrill("escalation");
        const timeline = new Timeline(drill.stages, 0, () => undefined);
        for (const [key, atMs] of stages) timeline.record(key, atMs, "");
        return { drill: drill.name, runId: "t1", fault: "target", timeline, failure, cleanup: [] };
    }
    const all: [StageKey, number][] = [
        ["injected", 0],
        ["pending", 20_000],
        ["firing", 95_000],
        ["sent", 130_000],
        ["opened", 135_000],
        ["notified", 150_000],
        ["escalated", 455_000],
        ["acknowledged", 460_000],
        ["removed", 465_000],
        ["resolved", 535_000],
    ];

    it("runs npm run drill -- escalation --ack auto and reports its figures", async () => {
        const names: string[] = [];
        const { code, table } = await runOnly("5b", { drill: async (name) => (names.push(name), drillResult(all)) });
        expect(code, table).toBe(0);
        expect(names).toEqual(["escalation"]);
        expect(table).toMatch(
            /5b\. escalation drill: nobody answers, the next step pages \(--ack auto\)\s+ok\s+\d+\s+1200\s+paged 150 s, escalated 455 s, acknowledged \(--ack auto\), resolved 70 s after the removal/,
        );
    }, 60_000);

    it("stopped by the runner (over its budget, a SIGTERM): the drill stops, and its fault is still removed through the e2e's kubectl", async () => {
        stubs = makeE2eStubs();
        const options = parseE2eOptions(
            ["--diagnostics", path.join(stubs.work, "diag"), "--state-dir", path.join(stubs.work, "state")],
            {},
            scenarios.map((scenario) => scenario.id),
        );
        if (options === "help") throw new Error("unexpected help");
        const lab = new E2eLab(options, { ...process.env, ...stubs.env }, () => undefined);
        const drillStandIns = await startDrillStandIns(new FakeClock(), { mails: [] }, "drill-escalation-t1", {});
        try {
            const drillOptions = { ack: "auto" as const, timeoutMs: 4_000, runId: "t1", pollMs: 20 };
            const running = runDrill(findDrill("escalation"), drillOptions, {
                lab: new DrillLab(drillStandIns.urls),
                ...e2eDrillDeps(lab),
                clock: realClock,
                out: () => undefined,
            });
            const kubectlCalls = () =>
                stubs!
                    .calls()
                    .filter((call) => call.startsWith(kubectlPrefix))
                    .map((call) => call.slice(kubectlPrefix.length));
            for (
                let waited = 0;
                !kubectlCalls().some((call) => call.startsWith("scale deployment drill-escalation-t1")) &&
                waited < 5_000;
                waited += 20
            )
                await new Promise((done) => setTimeout(done, 20));
            lab.stopCommands("scenario 5b: over its budget of 20 min: stopped");
            const result = await running;
            expect(result.failure).toBe("scenario 5b: over its budget of 20 min: stopped");
            expect(result.cleanup).toEqual(["remove the fault"]);
            expect(kubectlCalls().at(-1)).toMatch(
                /^delete -f \S+drill-escalation-t1\.json --ignore-not-found --wait=false$/,
            );
            // Anything else is still refused.
            await expect(lab.kubectl(["get", "pods"])).rejects.toThrow(
                "not started: scenario 5b: over its budget of 20 min: stopped",
            );
        } finally {
            await drillStandIns.stop();
        }
    }, 20_000);

    it("fails when the next step never paged, or the drill failed", async () => {
        const withoutEscalation = all.filter(([key]) => key !== "escalated");
        let run = await runOnly("5b", { drill: async () => drillResult(withoutEscalation) });
        expect(run.code).toBe(1);
        expect(run.table).toContain("drill escalation: never came: escalated (next step notified)");
        stubs?.cleanup();
        run = await runOnly("5b", {
            drill: async () => drillResult(all.slice(0, 6), "nobody acknowledged within 11 min (--timeout)"),
        });
        expect(run.table).toContain("drill escalation: nobody acknowledged within 11 min (--timeout)");
    }, 60_000);
});

describe("6-8: restart, reboot, replace", () => {
    it("restarts pods and checks the plugin, restarts the node, replaces the cluster; smoke after each", async () => {
        const smokes: string[] = [];
        const { code, table, output, calls, kubectl } = await runOnly("6-8", { smoke: passingSmoke(smokes) });
        expect(code, output).toBe(0);
        expect(kubectl).toEqual(
            expect.arrayContaining([
                "delete pod -n grafana -l app.kubernetes.io/name=grafana",
                "delete -n oncall pod/oncall-engine-1 pod/oncall-celery-2",
                "rollout status -n oncall deployment/oncall-engine --timeout=10s",
            ]),
        );
        expect(calls).toEqual(
            expect.arrayContaining([
                "pulumi preview --refresh --expect-no-changes",
                "docker stop oncall-lab-e2e-control-plane",
                "docker start oncall-lab-e2e-control-plane",
                "pulumi config set oncall-lab:clusterName oncall-lab-e2e-b",
            ]),
        );
        // The reboot's up comes after the fault; two ups in all, and a smoke after each scenario.
        expect(calls.indexOf("docker start oncall-lab-e2e-control-plane")).toBeLessThan(
            calls.indexOf("pulumi up --yes --skip-preview"),
        );
        expect(calls.filter((call) => call === "pulumi up --yes --skip-preview")).toHaveLength(2);
        expect(smokes).toHaveLength(3);
        expect(table).toMatch(
            /^6\. Grafana and OnCall pods restarted: still connected\s+ok\s+\d+\s+\d+\s+restarted Grafana and 2 OnCall pods; plugin still connected/m,
        );
        expect(table).toMatch(
            /^8\. clusterName changed: one up rebuilds and rewires\s+ok\s+\d+\s+\d+\s+clusterName oncall-lab-e2e -> oncall-lab-e2e-b/m,
        );
    }, 60_000);
});

describe("3: the person acts", () => {
    /** `oncallRecords`: whether OnCall's API shows the acknowledgement the (stand-in) browser step made. */
    async function personActs(mailsAfterAck: number, oncallRecords = true) {
        let acknowledged = false;
        let mailSearches = 0;
        const outputs = await labStandIn((request, url) => {
            if (url.pathname === "/api/v1/alert_groups/I1/" && request.headers.authorization === "token-1") {
                const acknowledgedAt = acknowledged ? "2026-12-01T08:00:00Z" : null;
                return {
                    id: "I1",
                    state: acknowledged ? "acknowledged" : "firing",
                    created_at: new Date().toISOString(),
                    acknowledged_at: acknowledgedAt,
                };
            }
            if (url.pathname !== "/api/v1/search") return undefined;
            mailSearches += 1;
            return {
                messages: Array.from({ length: 1 + (mailSearches > 1 ? mailsAfterAck : 0) }, (_, i) => ({
                    ID: `m${i}`,
                })),
            };
        });
        const link = "http://grafana.oncall-lab-e2e.localhost:13000/a/grafana-oncall-app/alert-groups/I1";
        const smoke = async (beforeClear?: (report: SmokeReport) => Promise<void>): Promise<SmokeReport> => {
            const report: SmokeReport = {
                runId: "run1",
                steps: [],
                alertGroupId: "I1",
                alertGroupLink: link,
                emailTo: ["bob@oncall-lab.test"],
            };
            await beforeClear?.(report);
            return report;
        };
        const acknowledgements: unknown[] = [];
        const acknowledge = async (args: unknown) => {
            acknowledgements.push(args);
            acknowledged = oncallRecords;
            return { before: "b.png", after: "a.png" };
        };
        const run = await runOnly(
            "3",
            { smoke, acknowledge },
            { ...outputs, teamPasswords: { alice: "pw-a", bob: "pw-b" } },
        );
        return { ...run, acknowledgements, link };
    }

    it("logs in as the person the e-mail went to, acknowledges, and sees no e-mail when the next step is due", async () => {
        const { code, table, acknowledgements, diagnostics, link } = await personActs(0);
        expect(code, table).toBe(0);
        expect(acknowledgements).toEqual([{ link, login: "bob", password: "pw-b", screenshotsDir: diagnostics }]);
        expect(table).toMatch(
            /3\. the person on call acknowledges in a browser\s+ok\s+\d+\s+\d+\s+bob acknowledged at 2026-12-01T08:00:00Z; no e-mail when the next step was due/,
        );
    }, 60_000);

    it("fails when another e-mail comes after the acknowledgement", async () => {
        const { code, table } = await personActs(1);
        expect(code).toBe(1);
        expect(table).toMatch(
            /3\. the person on call acknowledges in a browser\s+FAILED\s+\d+\s+\d+\s+1 more e-mail\(s\) came after bob acknowledged/,
        );
    }, 60_000);

    it("fails when the browser step passes but OnCall's API still says firing", async () => {
        const { code, table, acknowledgements } = await personActs(0, false);
        expect(acknowledgements).toHaveLength(1);
        expect(code).toBe(1);
        expect(table).toMatch(
            /3\. the person on call acknowledges in a browser\s+FAILED\s+\d+\s+\d+\s+the browser step passed, but OnCall did not record it: alert group I1 was still firing, not acknowledged, after 0\.3 s/,
        );
    }, 60_000);
});

describe("4 and 5: a crash-looping pod, a dead pipeline", () => {
    /**
     * OnCall lists a group mentioning `mention` (resolved once fetched by id), opened `ageMs` ago; Mailpit
     * has one e-mail mentioning it, received as long ago.
     */
    const groupAbout = (mention: string, ageMs = 0) =>
        labStandIn((_request, url) => {
            const created = new Date(Date.now() - ageMs).toISOString();
            const group = {
                id: "I7",
                state: "firing",
                title: `${mention} (default)`,
                created_at: created,
                last_alert: { payload: {} },
            };
            if (url.pathname === "/api/v1/alert_groups/")
                return { results: [{ id: "IX", title: "other", state: "firing", created_at: created }, group] };
            if (url.pathname === "/api/v1/alert_groups/I7/") return { ...group, state: "resolved" };
            if (url.pathname === "/api/v1/search")
                return { messages: url.searchParams.get("query") === mention ? [{ ID: "m1", Created: created }] : [] };
            return undefined;
        });

    it("4: the pod pages and its deletion resolves the group, timed from pod start to e-mail", async () => {
        const { code, table, kubectl } = await runOnly("4", {}, await groupAbout("e2e-crashloop-t1"));
        expect(code, table).toBe(0);
        expect(kubectl).toEqual([
            `run e2e-crashloop-t1 -n default --image=busybox:1.36 --restart=Always --overrides=${crashLoopOverrides("e2e-crashloop-t1")} -- sh -c exit 1`,
            "delete pod e2e-crashloop-t1 -n default --wait=false --ignore-not-found",
        ]);
        expect(table).toMatch(
            /4\. a crash-looping pod pages, deleting it resolves\s+ok\s+\d+\s+\d+\s+pod e2e-crashloop-t1 start to e-mail \d+\.\d s \(allowed 2\.0 s\); resolved after deleting/,
        );
    }, 60_000);

    it("5: the operator stops before Alertmanager and comes back after it", async () => {
        const { code, table, kubectl } = await runOnly("5", {}, await groupAbout("OnCallHeartBeatMissing"));
        expect(code, table).toBe(0);
        const operator = (n: number) =>
            `scale deployment -n monitoring -l app.kubernetes.io/name=victoria-metrics-operator --replicas=${n}`;
        const alertmanager = (n: number) => `scale statefulset -n monitoring vmalertmanager-vmks --replicas=${n}`;
        expect(kubectl).toEqual([operator(0), alertmanager(0), alertmanager(1), operator(1)]);
        expect(table).toMatch(
            /OnCallHeartBeatMissing \d+\.\d s after Alertmanager stopped; resolved after it came back/,
        );
    }, 60_000);

    it("4 refuses what an earlier run left: a group and an e-mail an hour old, even for the same pod, do not count", async () => {
        const { code, table } = await runOnly("4", {}, await groupAbout("e2e-crashloop-t1", 3_600_000));
        expect(code).toBe(1);
        expect(table).toMatch(
            /4\. a crash-looping pod pages, deleting it resolves\s+FAILED\s+\d+\s+\d+\s+no alert group for crash-looping pod e2e-crashloop-t1 opened after \S+ within 2 s; older ones do not count: I7 \(\S+, firing\)$/m,
        );
    }, 60_000);

    it("5 refuses an OnCallHeartBeatMissing group opened before Alertmanager stopped, and still brings Alertmanager back", async () => {
        const { code, table, kubectl } = await runOnly("5", {}, await groupAbout("OnCallHeartBeatMissing", 3_600_000));
        expect(code).toBe(1);
        expect(table).toMatch(
            /5\. dead pipeline: Alertmanager at zero raises the heartbeat\s+FAILED\s+\d+\s+\d+\s+no alert group for OnCallHeartBeatMissing opened after \S+ within 2 s; older ones do not count: I7/,
        );
        expect(kubectl.filter((call) => call.startsWith("scale")).slice(-2)).toEqual([
            "scale statefulset -n monitoring vmalertmanager-vmks --replicas=1",
            "scale deployment -n monitoring -l app.kubernetes.io/name=victoria-metrics-operator --replicas=1",
        ]);
    }, 60_000);
});

describe("2: the real smoke, through the stub kubectl's port-forward to stand-ins", () => {
    it("reads the stack outputs, fires, follows the e-mail's link and resolves; its table goes under the scenarios", async () => {
        const record = path.join(os.tmpdir(), `oncall-lab-e2e-kubectl-${process.pid}.jsonl`);
        const ins = await startStandIns({
            oncallToken: "token-1",
            recipient: "alice@oncall-lab.test",
            alertGroupDelayMs: 50,
            emailDelayMs: 50,
            resolveDelayMs: 50,
        });
        try {
            const outputs = {
                oncallUrl: ins.oncallUrl,
                oncallApiToken: "token-1",
                mailUrl: ins.mailUrl,
                grafanaUrl: ins.grafanaUrl,
                kubectlContext: "kind-oncall-lab-e2e",
                alertSeverity: "critical",
                oncallTeamEmails: ["alice@oncall-lab.test"],
            };
            const { code, output } = await runOnly("2", {}, outputs, {
                SMOKE_POLL_INTERVAL: "30ms",
                SMOKE_KUBECTL_RECORD: record,
                SMOKE_KUBECTL_UPSTREAM: new URL(ins.alertmanagerUrl).host,
            });
            expect(code, JSON.stringify(output)).toBe(0);
            expect(output).toMatch(
                /^2\. smoke: alert group, e-mail, link, resolve\s+ok\s+\d+\s+\d+\s+group \d+\.\d s, e-mail \d+\.\d s, resolved \d+\.\d s$/m,
            );
            expect(output).toContain(
                "OK: the alert paged a person on call by e-mail, its link opens Grafana, and it resolved.",
            );
            expect(ins.posted).toHaveLength(2);
            // The port-forward went to the lab's Alertmanager on the e2e cluster's context, and was stopped.
            const forwards = fs
                .readFileSync(record, "utf8")
                .trim()
                .split("\n")
                .map((line) => JSON.parse(line) as { args?: string[]; stoppedBy?: string });
            expect(forwards[0].args?.slice(0, 6)).toEqual([
                "--context",
                "kind-oncall-lab-e2e",
                "-n",
                "monitoring",
                "port-forward",
                "svc/vmalertmanager-vmks",
            ]);
            expect(forwards[1]).toEqual({ stoppedBy: "SIGTERM" });
        } finally {
            fs.rmSync(record, { force: true });
            await ins.stop();
        }
    }, 60_000);
});
