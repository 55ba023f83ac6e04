// The e2e scenarios, in order. Each resolves with its row's detail or throws saying what went wrong.
// Waits come from the lab's own settings (src/monitoring/alerting.ts, values/oncall-team.yaml).
import { namespaces, releaseNames } from "../../shared/topology";
import { isRecord } from "../../shared/records";
import { loadRoster } from "../../team/roster";
import { seconds } from "../shared/cli";
import { alertmanagerStopped, crashLoopingPod, type Kubectl } from "../drills/faults";
import { buildReport } from "../drills/report";
import { poll } from "../shared/polling";
import { commandTimeoutsMs, type E2eLab, minutes } from "./lab";
import { groupMentions, LabApi } from "./oncallApi";
import type { Scenario } from "./runner";
import { upgradeInPlace } from "./upgrade";
import { type E2eContext, smokePasses, timed, up, upFromNothing } from "./steps";

const kubectlOf =
    (lab: E2eLab): Kubectl =>
    async (args) =>
        (await lab.kubectl(args)).stdout;

async function api(context: E2eContext): Promise<LabApi> {
    return new LabApi(await context.lab.outputs(), context.clock, context.waits.pollMs);
}

async function personActs(context: E2eContext): Promise<string> {
    const outputs = await context.lab.outputs();
    const labApi = new LabApi(outputs, context.clock, context.waits.pollMs);
    const passwords = isRecord(outputs.teamPasswords) ? outputs.teamPasswords : {};
    const roster = loadRoster();
    let acted = "";
    let failure: unknown;
    const detail = await smokePasses(context, async (report) => {
        try {
            const recipients = (report.emailTo ?? []).map((address) => address.toLowerCase());
            const person = roster.people.find((candidate) => recipients.includes(candidate.email.toLowerCase()));
            if (!person || typeof passwords[person.login] !== "string")
                throw new Error(
                    `the e-mail went to ${report.emailTo?.join(", ")}, no one of values/oncall-team.yaml with a password`,
                );
            await context.acknowledge({
                link: report.alertGroupLink ?? "",
                login: person.login,
                password: passwords[person.login] as string,
                screenshotsDir: context.lab.options.diagnosticsDir,
            });
            // The browser saying so is not enough: OnCall itself must hold the acknowledgement.
            const group = await labApi
                .waitForState(report.alertGroupId ?? "", "acknowledged", context.waits.acknowledgeMs)
                .catch((error: Error) => {
                    throw new Error(`the browser step passed, but OnCall did not record it: ${error.message}`);
                });
            const mails = await labApi.mailCount(report.runId);
            const dueAt = Date.parse(group.created_at ?? "") + context.waits.nextEscalationMs;
            await context.clock.sleep(Math.max(0, dueAt - context.clock.now()));
            const later = await labApi.mailCount(report.runId);
            if (later !== mails)
                throw new Error(`${later - mails} more e-mail(s) came after ${person.login} acknowledged`);
            acted = `${person.login} acknowledged at ${group.acknowledged_at}; no e-mail when the next step was due`;
            const createdMs = Date.parse(group.created_at ?? "");
            const acknowledgedMs = Date.parse(group.acknowledged_at ?? "");
            if (Number.isFinite(createdMs) && Number.isFinite(acknowledgedMs)) {
                context.figures.set(
                    "failure to acknowledge (alert group to acknowledged, in a browser)",
                    seconds(acknowledgedMs - createdMs),
                );
            }
        } catch (error) {
            failure = error;
        }
    });
    if (failure !== undefined) throw failure;
    return `${acted}; ${detail}`;
}

async function crashLoop(context: E2eContext): Promise<string> {
    const { lab, waits } = context;
    // Unique to the run: an earlier run's pod, group or e-mail cannot stand in for this one's.
    const pod = `e2e-crashloop-${context.runId}`;
    const labApi = await api(context);
    const fault = crashLoopingPod(kubectlOf(lab), "default", pod);
    const startedAt = context.clock.now();
    await fault.inject();
    const group = await labApi.waitForGroup(
        `crash-looping pod ${pod}`,
        (candidate) => groupMentions(candidate, pod),
        startedAt,
        waits.crashLoopMs,
    );
    const email = await waitForMail(
        context,
        labApi,
        pod,
        startedAt,
        waits.crashLoopMs - (context.clock.now() - startedAt),
    );
    await fault.remove();
    await labApi.waitForState(group.id, "resolved", waits.resolveMs);
    context.figures.set("failure to page (crash-looping pod started to e-mail)", seconds(email - startedAt));
    return `pod ${pod} start to e-mail ${seconds(email - startedAt)} (allowed ${seconds(waits.crashLoopMs)}); resolved after deleting`;
}

async function waitForMail(
    context: E2eContext,
    labApi: LabApi,
    word: string,
    sinceMs: number,
    timeoutMs: number,
): Promise<number> {
    const { clock, waits } = context;
    const found = await poll({ timeoutMs: Math.max(timeoutMs, 0), intervalMs: waits.pollMs, clock }, async () =>
        (await labApi.mailCount(word, sinceMs)) > 0 ? clock.now() : undefined,
    );
    if (found.value === undefined)
        throw new Error(
            `no e-mail mentioning ${word} in Mailpit in time${found.lastError ? ` (${found.lastError})` : ""}`,
        );
    return found.value;
}

async function deadPipeline(context: E2eContext): Promise<string> {
    const { lab, waits } = context;
    const labApi = await api(context);
    const fault = alertmanagerStopped(kubectlOf(lab));
    const stoppedAt = context.clock.now();
    await fault.inject();
    let restored = false;
    try {
        // OnCall names the heartbeat's alert the same every time: only a group opened after the stop counts.
        const matches = (candidate: Record<string, unknown>) => groupMentions(candidate, "OnCallHeartBeatMissing");
        const group = await labApi.waitForGroup("OnCallHeartBeatMissing", matches, stoppedAt, waits.heartbeatMs);
        const raised = seconds(context.clock.now() - stoppedAt);
        context.figures.set("failure to page (Alertmanager stopped to OnCallHeartBeatMissing)", raised);
        await fault.remove();
        restored = true;
        await labApi.waitForState(group.id, "resolved", waits.heartbeatMs);
        return `OnCallHeartBeatMissing ${raised} after Alertmanager stopped; resolved after it came back`;
    } finally {
        // A lab kept after a failure still gets its Alertmanager back (after a stop, the cleanup's commands only).
        if (!restored) await fault.remove().catch(() => undefined);
    }
}

/** The escalation drill with --ack auto: the first person paged, the chain's next step after its wait, then acknowledged and resolved. */
async function escalationDrill(context: E2eContext): Promise<string> {
    const result = await context.drill("escalation");
    const report = buildReport(result);
    const missing = report.stages.filter((row) => row.verdict === "missing").map((row) => row.stage);
    if (result.failure !== undefined || missing.length > 0)
        throw new Error(`drill escalation: ${result.failure ?? `never came: ${missing.join(", ")}`}`);
    const at = (stage: string) => report.stages.find((row) => row.stage.startsWith(stage))?.afterSeconds ?? 0;
    context.figures.set("failure to page (drill target-down: fault to e-mail)", seconds(at("person notified") * 1000));
    const late = report.stages.filter((row) => row.verdict === "LATE").map((row) => row.stage);
    return `paged ${at("person notified")} s, escalated ${at("escalated")} s, acknowledged (--ack auto), resolved ${report.figures.toResolve} s after the removal${late.length > 0 ? `; late: ${late.join(", ")}` : ""}`;
}

/** Waits for each workload's rollout, all of them within `waits.rolloutMs`. */
async function rollout(context: E2eContext, namespace: string, workloads: string[], deadline: number): Promise<void> {
    for (const workload of workloads) {
        const leftMs = Math.max(deadline - context.clock.now(), 1_000);
        await context.lab.kubectl(
            ["rollout", "status", "-n", namespace, workload, `--timeout=${Math.round(leftMs / 1000)}s`],
            { timeoutMs: leftMs + 30_000 },
        );
    }
}

async function restartSurvival(context: E2eContext): Promise<string> {
    const { lab } = context;
    const oncall = releaseNames.oncall;
    await lab.kubectl([
        "delete",
        "pod",
        "-n",
        namespaces.grafana,
        "-l",
        `app.kubernetes.io/name=${releaseNames.grafana}`,
    ]);
    const pods = (await lab.kubectl(["get", "pods", "-n", namespaces.oncall, "-o", "name"])).stdout.split("\n");
    // helm/oncall (v1.16.9): deployments <release>-engine and <release>-celery; the migrate job's pods are <release>-engine-migrate-*.
    const isWorker = (name: string) =>
        [`pod/${oncall}-engine-`, `pod/${oncall}-celery-`].some((prefix) => name.startsWith(prefix));
    const engine = pods.filter((name) => isWorker(name) && !name.includes("-migrate-"));
    if (engine.length > 0) await lab.kubectl(["delete", "-n", namespaces.oncall, ...engine]);
    const deadline = context.clock.now() + context.waits.rolloutMs;
    await rollout(context, namespaces.grafana, [`deployment/${releaseNames.grafana}`], deadline);
    await rollout(context, namespaces.oncall, [`deployment/${oncall}-engine`, `deployment/${oncall}-celery`], deadline);
    // The wiring's read observes the plugin's connection: one that lost it shows as a change to repair.
    await lab.pulumi(["preview", "--refresh", "--expect-no-changes"], { timeoutMs: commandTimeoutsMs.preview });
    return `restarted Grafana and ${engine.length} OnCall pods; plugin still connected (preview --refresh: no changes); ${await smokePasses(context)}`;
}

async function reboot(context: E2eContext): Promise<string> {
    const { lab } = context;
    const nodes = await lab.nodeContainers();
    if (nodes.length === 0) throw new Error(`no node containers of kind cluster ${lab.options.clusterName}`);
    await lab.run("docker", ["stop", ...nodes], { log: "docker.log" });
    await lab.run("docker", ["start", ...nodes], { log: "docker.log" });
    const took = await timed(context, () => up(context));
    return `restarted ${nodes.join(", ")}; up repaired in ${took}; ${await smokePasses(context)}`;
}

async function replaceCluster(context: E2eContext): Promise<string> {
    const { lab } = context;
    const before = lab.options.clusterName;
    const after = `${before}-b`;
    context.clusterNames.add(after);
    await lab.configSet("clusterName", after);
    lab.options.clusterName = after;
    // A new cluster pulls every image again: as long as an up from nothing.
    const took = await timed(context, () => up(context, commandTimeoutsMs.upFromNothing));
    if ((await lab.kindClusters()).includes(before))
        throw new Error(`kind cluster ${before} is still there after the replace`);
    return `clusterName ${before} -> ${after}: one up in ${took}; ${await smokePasses(context)}`;
}

async function destroyLeavesNothing(context: E2eContext): Promise<string> {
    const { lab } = context;
    const took = await timed(context, () =>
        lab.pulumi(["destroy", "--yes", "--skip-preview"], { timeoutMs: commandTimeoutsMs.destroy }),
    );
    const left: string[] = [];
    for (const name of context.clusterNames) {
        if ((await lab.kindClusters()).includes(name)) left.push(`kind cluster ${name}`);
        left.push(...(await lab.nodeContainers(name)).map((container) => `container ${container}`));
    }
    const resources = await lab.stackResources();
    if (resources.length > 0) left.push(`${resources.length} resources in the stack`);
    if (left.length > 0) throw new Error(`destroy left ${left.join(", ")}`);
    return `destroy took ${took}; no kind cluster, no node container, an empty stack`;
}

async function rerunChangesNothing(context: E2eContext): Promise<string> {
    const took = await timed(context, () =>
        context.lab.pulumi(["up", "--yes", "--skip-preview", "--expect-no-changes"], {
            timeoutMs: commandTimeoutsMs.upNoChange,
        }),
    );
    context.figures.set("re-run with no change (up)", took);
    return `up with --expect-no-changes took ${took}`;
}

/**
 * A healthy smoke: the group after group_wait (30 s), the e-mail within a minute or two, the resolve on
 * the next group_interval tick (5 min). Its own waits (SMOKE_*) are longer: a slow step fails the
 * scenario at this budget instead.
 */
export const smokeBudgetMs = minutes(10);

/**
 * The upgrade builds a lab of its own: npm ci at the base (a few minutes), up from nothing, smoke, the head's preview
 * and up over the same state, smoke, destroy. It runs on a runner of its own (e2e.yml's matrix).
 */
export const upgradeBudgetMs =
    minutes(5) +
    commandTimeoutsMs.upFromNothing +
    commandTimeoutsMs.preview +
    commandTimeoutsMs.up +
    commandTimeoutsMs.destroy +
    2 * smokeBudgetMs;

/**
 * The scenarios, in order, with their budgets: what each may take at most, waits and commands included
 * (commandTimeoutsMs in lab.ts, the waits in labWaits()). The sum of 1-9 is the lab runner's worst case, the upgrade (0)
 * runs on a runner of its own; test/e2e-budget.test.ts holds each, with the diagnostics and the job's own steps, inside
 * the workflow's timeout-minutes.
 */
export const scenarios: Scenario<E2eContext>[] = [
    // Its own lab from nothing at the base, smoke, the head over the same state, smoke, destroy (upgrade.ts).
    {
        id: "0",
        title: "upgrade: base commit, then head over the same state",
        budgetMs: upgradeBudgetMs,
        run: (context) => upgradeInPlace(context),
    },
    {
        id: "1",
        title: "check:versions, then up from nothing",
        budgetMs: commandTimeoutsMs.checkVersions + commandTimeoutsMs.upFromNothing + minutes(1),
        run: upFromNothing,
    },
    {
        id: "2",
        title: "smoke: alert group, e-mail, link, resolve",
        budgetMs: smokeBudgetMs,
        run: (context) => smokePasses(context),
    },
    // The smoke, the browser (a minute or two), and the wait for the chain's next step (6 min) inside it.
    {
        id: "3",
        title: "the person on call acknowledges in a browser",
        budgetMs: smokeBudgetMs + minutes(10),
        run: personActs,
    },
    {
        id: "3b",
        title: "a second up changes nothing",
        budgetMs: commandTimeoutsMs.upNoChange + minutes(1),
        run: rerunChangesNothing,
    },
    // Pod start to e-mail (crashLoopFor 5 min, at most 8), then the resolve (next group_interval tick after the rule clears).
    { id: "4", title: "a crash-looping pod pages, deleting it resolves", budgetMs: minutes(20), run: crashLoop },
    // The heartbeat's timeout (5 min) and OnCall's 2-minute check, twice: raised, then resolved.
    {
        id: "5",
        title: "dead pipeline: Alertmanager at zero raises the heartbeat",
        budgetMs: minutes(18),
        run: deadPipeline,
    },
    // The target's rollout (2 min), the page (3 min), the chain's wait (5 min), the resolve (2-5 min), margins.
    {
        id: "5b",
        title: "escalation drill: nobody answers, the next step pages (--ack auto)",
        budgetMs: minutes(20),
        run: escalationDrill,
    },
    // The rollouts (rolloutMs, 5 min), preview --refresh, the smoke.
    {
        id: "6",
        title: "Grafana and OnCall pods restarted: still connected",
        budgetMs: minutes(5) + commandTimeoutsMs.preview + smokeBudgetMs,
        run: restartSurvival,
    },
    {
        id: "7",
        title: "node container stopped and started: up repairs",
        budgetMs: minutes(2) + commandTimeoutsMs.up + smokeBudgetMs,
        run: reboot,
    },
    {
        id: "8",
        title: "clusterName changed: one up rebuilds and rewires",
        budgetMs: commandTimeoutsMs.upFromNothing + smokeBudgetMs + minutes(1),
        run: replaceCluster,
    },
    {
        id: "9",
        title: "destroy leaves nothing",
        budgetMs: commandTimeoutsMs.destroy + minutes(2),
        run: destroyLeavesNothing,
    },
];
