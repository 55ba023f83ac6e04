// npm run drill against the stand-ins: the timeline's order and times from a recorded page, a late stage named,
// the report's figures and files, the dashboard's annotations, the cleanup after a failure and after SIGINT for
// every drill (the stub kubectl's state before and after), and the refusals on the existing target.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { DASHBOARD_UID } from "../src/monitoring/dashboard";
import { drills, findDrill } from "../src/tools/drills/catalog";
import { targetManifests } from "../src/tools/drills/faults";
import { type DrillMainDeps, runDrillCommand } from "../src/tools/drills/main";
import {
    type DrillStandIns,
    FakeClock,
    type RecordedPage,
    startDrillStandIns,
    stubKubectl,
} from "./support/stubs/drill";

const min = 60_000;
let standIns: DrillStandIns | undefined;
let work: string | undefined;
afterEach(async () => {
    await standIns?.stop();
    standIns = undefined;
    if (work) fs.rmSync(work, { recursive: true, force: true });
    work = undefined;
});

/** A crash loop as a healthy lab pages it (crashLoopFor 5m, group_wait 30s). */
const crashLoopPage: RecordedPage = {
    alertName: "PodCrashLooping",
    activeAfterMs: 40_000,
    firingAfterMs: 5 * min + 45_000,
    sentAfterMs: 6 * min + 20_000,
    groupAfterMs: 6 * min + 25_000,
    mails: [{ afterMs: 6 * min + 40_000, to: "alice@oncall-lab.test" }],
    resolvedAfterRemovalMs: 4 * min,
};

async function drillRun(
    name: string,
    page: RecordedPage,
    argv: string[] = ["--ack", "auto"],
    extra: Partial<DrillMainDeps> & { failOn?: RegExp; interruptOn?: "in"; sigint?: boolean; noMailbox?: boolean } = {},
) {
    const clock = new FakeClock();
    const times: { faultAt?: number; removedAt?: number } = {};
    let interrupt: (reason: string) => void = () => undefined;
    const interrupted = new Promise<string>((settle) => (interrupt = settle));
    const stub = stubKubectl({
        failOn: extra.failOn,
        onFault: (event) => {
            if (event === "in") times.faultAt ??= clock.now();
            else times.removedAt ??= clock.now();
            if (event === "in" && extra.interruptOn) interrupt("interrupted by SIGINT");
            // As Ctrl-C does: the process gets the signal, the drill's own handler hears it.
            if (event === "in" && extra.sigint) setImmediate(() => process.emit("SIGINT", "SIGINT"));
        },
    });
    const before = stub.snapshot();
    const mark = `drill-${name}-r1`;
    standIns = await startDrillStandIns(clock, page, name === "dead-pipeline" ? "OnCallHeartBeatMissing" : mark, times);
    work = fs.mkdtempSync(path.join(os.tmpdir(), "oncall-lab-drill-"));
    const lines: string[] = [];
    const outputs = {
        kubectlContext: "kind-oncall-lab",
        oncallUrl: standIns.urls.oncallUrl,
        oncallApiToken: "drill-token",
        mailUrl: extra.noMailbox ? undefined : standIns.urls.mailUrl,
        grafanaUrl: standIns.urls.grafanaUrl,
        grafanaAdminUser: "admin",
        grafanaAdminPassword: "pw",
    };
    const urls = standIns.urls;
    const deps: DrillMainDeps = {
        outputs: async () => outputs,
        target: async () => "kind",
        kubectl: () => stub.kubectl,
        reach: async () => ({
            vmalertUrl: urls.vmalertUrl,
            alertmanagerUrl: urls.alertmanagerUrl,
            stop: async () => undefined,
        }),
        clock,
        out: (line) => lines.push(line),
        interrupted,
        pollMs: 5_000,
        runId: "r1",
        ...extra,
    };
    if ("interrupted" in extra && extra.interrupted === undefined) delete deps.interrupted;
    const code = await runDrillCommand([name, ...argv, "--reports", work], {}, deps);
    return { code, lines, output: lines.join("\n"), stub, before, after: stub.snapshot(), clock, times, reports: work };
}

const timelineLines = (lines: string[]) =>
    lines.filter((line) => /^\s+\+\d/.test(line)).map((line) => line.trim().replace(/\s+/g, " "));

describe("npm run drill -- --list", () => {
    it("names each drill, what it breaks and what should page", async () => {
        const lines: string[] = [];
        expect(await runDrillCommand(["--list"], {}, { out: (line) => lines.push(line) })).toBe(0);
        for (const name of ["crashloop", "target-down", "dead-pipeline", "escalation"])
            expect(lines[0]).toMatch(new RegExp(`^${name}\\s+breaks: .+\\n\\s+pages: .+$`, "m"));
        expect(lines[0]).toContain("pages:  PodCrashLooping after 5m (vmalert)");
    });

    it("refuses a drill it does not have", async () => {
        await expect(runDrillCommand(["fire"], {}, { out: () => undefined })).rejects.toThrow(
            'no drill "fire": crashloop, target-down, dead-pipeline, escalation',
        );
    });
});

describe("the drill's own scrape target", () => {
    it("is scraped by its Service's name (so scaled to 0 it fails, up == 0) and passes Pod Security's restricted level", () => {
        const [deployment, service, scrape] = (
            targetManifests("oncall-lab-drills", "drill-target-down-r1") as { items: Record<string, any>[] }
        ).items;
        expect(scrape).toMatchObject({
            kind: "VMStaticScrape",
            spec: {
                jobName: "drill-target-down-r1",
                targetEndpoints: [{ targets: ["drill-target-down-r1.oncall-lab-drills.svc:8080"], path: "/metrics" }],
            },
        });
        expect(service.spec.selector).toEqual(deployment.spec.template.metadata.labels);
        expect(deployment.spec.template.spec.securityContext).toMatchObject({
            runAsNonRoot: true,
            seccompProfile: { type: "RuntimeDefault" },
        });
        expect(deployment.spec.template.spec.containers[0].securityContext).toEqual({
            allowPrivilegeEscalation: false,
            capabilities: { drop: ["ALL"] },
        });
    });
});

describe("the crash-looping pod", () => {
    it("passes Pod Security's restricted level: kubectl run gets the securityContext through --overrides, for its one container by name", async () => {
        const stub = stubKubectl({ onFault: () => undefined });
        stub.state.namespaces.push("oncall-lab-drills");
        await findDrill("crashloop").fault(stub.kubectl, "drill-crashloop-r1").inject();
        const run = stub.calls.find((call) => call.startsWith("run drill-crashloop-r1 "))!;
        const overrides = JSON.parse(/--overrides=(\{.*\}) -- /.exec(run)![1]);
        expect(overrides.spec.securityContext).toEqual({
            runAsNonRoot: true,
            runAsUser: 65534,
            seccompProfile: { type: "RuntimeDefault" },
        });
        expect(overrides.spec.containers).toEqual([
            {
                name: "drill-crashloop-r1",
                securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } },
            },
        ]);
        expect(run).toMatch(/ -- sh -c exit 1$/);
    });
});

describe("the timeline from a recorded page", () => {
    it("crashloop: one line per stage, in order, with the time since the fault; the report's figures; the dashboard marked", async () => {
        const run = await drillRun("crashloop", crashLoopPage);
        expect(run.code, run.output).toBe(0);
        expect(timelineLines(run.lines)).toEqual([
            "+0.0 s fault injected pod oncall-lab-drills/drill-crashloop-r1 exits 1 at every start",
            "+40.0 s rule pending (vmalert) PodCrashLooping pending",
            "+345.0 s rule firing (vmalert) PodCrashLooping firing",
            "+380.0 s notification sent (Alertmanager) webhook to OnCall (1 since the fault)",
            "+385.0 s alert group opened (OnCall) alert group IDRILL1",
            "+400.0 s person notified alice@oncall-lab.test by e-mail (in the lab's mailbox)",
            "+400.0 s acknowledged by alice",
            "+405.0 s fault removed the fault is undone",
            "+645.0 s resolved (OnCall) alert group IDRILL1",
        ]);
        expect(run.output).toContain(
            "http://grafana.oncall-lab.localhost:3000/a/grafana-oncall-app/alert-groups/IDRILL1",
        );
        expect(run.output).toContain("| 5 min 45 s | 6 min 40 s | 0 s | 4 min |");
        expect(run.output).toMatch(/\| rule firing \(vmalert\) \| 5 min 45 s \| 6 min 45 s \| ok \|/);
        const json = JSON.parse(fs.readFileSync(path.join(run.reports, "crashloop-r1.json"), "utf8"));
        expect(json.figures).toEqual({ toFire: 345, toPage: 400, toAcknowledge: 0, toResolve: 240 });
        expect(json.outcome).toBe("passed");
        expect(fs.readFileSync(path.join(run.reports, "crashloop-r1.md"), "utf8")).toContain("## Drill crashloop (r1)");
        // Fault injected, paged, acknowledged, resolved: on the dashboard, at the stages' times.
        expect(
            standIns!.annotations.map(({ body }) => [
                body.dashboardUID,
                (Number(body.time) - run.times.faultAt!) / 1000,
                String(body.text).split(":")[1].trim(),
            ]),
        ).toEqual([
            [DASHBOARD_UID, 0, "fault injected"],
            [DASHBOARD_UID, 400, "paged"],
            [DASHBOARD_UID, 400, "acknowledged by alice"],
            [DASHBOARD_UID, 645, "resolved"],
        ]);
        expect(standIns!.annotations[0].authorization).toBe(`Basic ${Buffer.from("admin:pw").toString("base64")}`);
        expect(run.after).toBe(run.before);
    });

    it("names a late stage with what to look at, and the report says so", async () => {
        const run = await drillRun("crashloop", {
            ...crashLoopPage,
            groupAfterMs: 9 * min,
            mails: [{ afterMs: 9 * min + 10_000, to: "alice@oncall-lab.test" }],
        });
        expect(run.code, run.output).toBe(0);
        expect(run.output).toMatch(
            /\+500\.0 s {2}LATE: alert group opened \(OnCall\): not within 8 min 15 s; look at OnCall's integration in Grafana/,
        );
        expect(run.output).toMatch(
            /\+540\.0 s {2}alert group opened \(OnCall\) +alert group IDRILL1 {2}\(LATE: bound 8 min 15 s\)/,
        );
        expect(run.output).toContain("Outcome: **passed, with late stages**");
        expect(run.output).toMatch(/\| alert group opened \(OnCall\) \| 9 min \| 8 min 15 s \| LATE \|/);
    });

    it("waits for a person without --ack auto, and never acknowledges for them", async () => {
        const run = await drillRun("crashloop", { ...crashLoopPage, acknowledgedAfterMs: 12 * min }, []);
        expect(run.code, run.output).toBe(0);
        expect(standIns!.acknowledgePosts).toBe(0);
        expect(run.output).toMatch(/\+720\.0 s {2}acknowledged +by alice/);
    });

    it("without the lab's mailbox (smtpHost), --ack auto acknowledges once the group opened; the e-mail stage is missing", async () => {
        const run = await drillRun("crashloop", crashLoopPage, ["--ack", "auto"], { noMailbox: true });
        expect(run.code, run.output).toBe(0);
        expect(run.output).toMatch(/\+385\.0 s {2}acknowledged +by alice/);
        expect(run.output).toMatch(/\| person notified \| - \| 9 min 15 s \| missing \|/);
    });

    it("person notified from OnCall's record (through Grafana's plugin): one line per person and channel, a failure in OnCall's words, the mailbox's e-mail as evidence", async () => {
        const page: RecordedPage = {
            ...crashLoopPage,
            acknowledgedAfterMs: 7 * min,
            notifications: [
                { afterMs: 6 * min + 30_000, username: "alice", channel: "email" },
                { afterMs: 6 * min + 30_000, username: "alice", channel: "telegram" },
                { afterMs: 6 * min + 35_000, username: "alice", channel: "email" },
                {
                    afterMs: 6 * min + 35_000,
                    username: "bob",
                    channel: "telegram",
                    failed: "failed to send telegram message to {{author}}, because user doesn't have a Telegram account linked",
                },
            ],
        };
        const run = await drillRun("crashloop", page, []);
        expect(run.code, run.output).toBe(0);
        expect(timelineLines(run.lines).filter((line) => line.includes("notified"))).toEqual([
            "+390.0 s person notified alice by e-mail (OnCall's record)",
            "+390.0 s person notified alice by Telegram (OnCall's record)",
            "+400.0 s person notified alice@oncall-lab.test by e-mail (in the lab's mailbox)",
        ]);
        expect(run.output).toMatch(
            /\+395\.0 s {2}OnCall's record: failed to send telegram message to bob, because user doesn't have a Telegram account linked$/m,
        );
        expect(run.output).not.toContain("not readable");
    });

    it("person notified: when Grafana's plugin answers an error, the timeline says so once and the mailbox alone shows the page", async () => {
        const run = await drillRun("crashloop", {
            ...crashLoopPage,
            pluginStatus: 502,
            notifications: [{ afterMs: 6 * min + 30_000, username: "alice", channel: "telegram" }],
        });
        expect(run.code, run.output).toBe(0);
        expect(run.output.match(/not readable through Grafana's OnCall plugin/g)).toHaveLength(1);
        expect(run.output).toMatch(
            /OnCall's record of notifications is not readable through Grafana's OnCall plugin \(GET .*\/api\/plugins\/grafana-oncall-app\/resources\/alertgroups\/IDRILL1\/ answered HTTP 502.*\): who was paged by e-mail comes from the lab's mailbox alone/,
        );
        expect(timelineLines(run.lines).filter((line) => line.includes("notified"))).toEqual([
            "+400.0 s person notified alice@oncall-lab.test by e-mail (in the lab's mailbox)",
        ]);
        expect(run.after).toBe(run.before);
    });

    it("escalation: the next step's e-mail after the chain's wait, and --ack auto only then", async () => {
        const page: RecordedPage = {
            alertName: "TargetDown",
            activeAfterMs: 20_000,
            firingAfterMs: 95_000,
            sentAfterMs: 130_000,
            groupAfterMs: 135_000,
            mails: [
                { afterMs: 150_000, to: "alice@oncall-lab.test" },
                { afterMs: 135_000 + 5 * min + 20_000, to: "bob@oncall-lab.test" },
            ],
            resolvedAfterRemovalMs: 70_000,
        };
        const run = await drillRun("escalation", page);
        expect(run.code, run.output).toBe(0);
        const stages = timelineLines(run.lines).map((line) => line.split(" ").slice(0, 4).join(" "));
        expect(stages.slice(5, 8)).toEqual([
            "+150.0 s person notified",
            "+455.0 s escalated (next",
            "+455.0 s acknowledged by",
        ]);
        expect(run.output).toContain("escalated (next step notified) e-mail to bob@oncall-lab.test");
        expect(standIns!.acknowledgePosts).toBe(1);
        expect(run.after).toBe(run.before);
    });

    it("escalation: an e-mail after the wait to no one of the next step (values/oncall-team.yaml: alice, bob) is not the escalation", async () => {
        expect(findDrill("escalation").escalationRecipients).toEqual(["alice@oncall-lab.test", "bob@oncall-lab.test"]);
        const page: RecordedPage = {
            alertName: "TargetDown",
            activeAfterMs: 20_000,
            firingAfterMs: 95_000,
            sentAfterMs: 130_000,
            groupAfterMs: 135_000,
            mails: [
                { afterMs: 150_000, to: "alice@oncall-lab.test" },
                { afterMs: 135_000 + 5 * min + 20_000, to: "carol@elsewhere.test" },
            ],
        };
        const run = await drillRun("escalation", page, ["--ack", "auto", "--timeout", "15m"]);
        expect(run.code).toBe(1);
        expect(run.output).toMatch(
            /\+455\.0 s {2}person notified +carol@elsewhere\.test by e-mail \(in the lab's mailbox\)$/m,
        );
        expect(run.output).toMatch(/LATE: escalated \(next step notified\): not within 9 min 45 s/);
        expect(standIns!.acknowledgePosts).toBe(0);
        expect(run.after).toBe(run.before);
    });
});

describe("the lab is left as the drill found it", () => {
    for (const drill of drills()) {
        const page: RecordedPage = { alertName: drill.alertName, mails: [], groupAfterMs: 60 * min };
        it(`${drill.name}: after a failure (nobody acknowledged in time)`, async () => {
            const run = await drillRun(drill.name, page, ["--timeout", "2m"]);
            expect(run.code).toBe(1);
            expect(run.output).toContain("Outcome: **FAILED: nobody acknowledged within 2 min (--timeout)**");
            expect(run.output).toContain("Cleanup: remove the fault");
            expect(run.times.removedAt).toBeDefined();
            expect(run.after).toBe(run.before);
        });

        it(`${drill.name}: after Ctrl-C as soon as the fault is in`, async () => {
            const run = await drillRun(drill.name, page, [], { interruptOn: "in" });
            expect(run.code).toBe(1);
            expect(run.output).toContain("Outcome: **FAILED: interrupted by SIGINT**");
            expect(run.after).toBe(run.before);
        });

        it(`${drill.name}: after a failed injection`, async () => {
            const run = await drillRun(drill.name, page, [], {
                failOn: /^(run|rollout|scale statefulset .*--replicas=0)/,
            });
            expect(run.code).toBe(1);
            expect(run.output).toContain("the stub fails as told");
            expect(run.after).toBe(run.before);
        });
    }

    it("a real SIGINT to the process stops the drill and cleans up; the handler is released after", async () => {
        const listeners = process.listenerCount("SIGINT");
        const run = await drillRun("crashloop", crashLoopPage, [], { interrupted: undefined, sigint: true });
        expect(run.code).toBe(1);
        expect(run.output).toContain("FAILED: interrupted by SIGINT");
        expect(run.after).toBe(run.before);
        expect(process.listenerCount("SIGINT")).toBe(listeners);
    });
});

describe("on the existing target", () => {
    it("refuses dead-pipeline unless told the team's Alertmanager may stop, and touches nothing", async () => {
        const run = await drillRun("dead-pipeline", { mails: [] }, ["--yes"], { target: async () => "existing" });
        expect(run.code).toBe(2);
        expect(run.output).toContain("refused: dead-pipeline stops the team's Alertmanager on the existing target");
        expect(run.stub.calls).toEqual([]);
    });

    it("asks before it starts, and does nothing when the answer is no", async () => {
        const questions: string[] = [];
        const run = await drillRun("crashloop", crashLoopPage, [], {
            target: async () => "existing",
            confirm: async (question) => (questions.push(question), false),
        });
        expect(run.code).toBe(2);
        expect(questions).toEqual([
            "Run drill crashloop on the existing cluster (context kind-oncall-lab)? It works in namespace oncall-lab-drills only and pages the person on call.",
        ]);
        expect(run.stub.calls).toEqual([]);
    });

    it("runs with --yes without asking, only in its own namespace", async () => {
        const run = await drillRun("crashloop", crashLoopPage, ["--yes", "--ack", "auto"], {
            target: async () => "existing",
            confirm: async () => expect.fail("asked"),
        });
        expect(run.code, run.output).toBe(0);
        expect(run.stub.calls.every((call) => call.includes("oncall-lab-drills"))).toBe(true);
    });

    it("dead-pipeline with --alertmanager-may-stop asks, then scales Alertmanager and brings it back", async () => {
        const page: RecordedPage = {
            mails: [{ afterMs: 7 * min + 30_000, to: "bob@oncall-lab.test" }],
            groupAfterMs: 7 * min + 10_000,
            resolvedAfterRemovalMs: 3 * min,
        };
        const run = await drillRun("dead-pipeline", page, ["--alertmanager-may-stop", "--ack", "auto"], {
            target: async () => "existing",
            confirm: async () => true,
        });
        expect(run.code, run.output).toBe(0);
        expect(findDrill("dead-pipeline").stopsAlertmanager).toBe(true);
        expect(run.stub.calls.filter((call) => call.startsWith("scale"))).toHaveLength(4);
        expect(run.after).toBe(run.before);
    });
});
