// The steps the scenarios and the upgrade scenario share: the run's context and waits, a smoke that must pass, an up
// from nothing (scenarios.ts runs them in order; upgrade.ts builds its base lab with them).
import { existsSync, readdirSync, rmSync } from "node:fs";
import { resolve } from "node:path";
import { defaultAlertingSettings as alerting } from "../../monitoring/alerting";
import { repoRoot, seconds } from "../shared/cli";
import { acceptsConnections } from "../shared/processes";
import type { DrillResult } from "../drills/run";
import { alertPathMs, durationMs, firstEscalationWaitMs, heartbeatMissingMs } from "../drills/bounds";
import type { Clock } from "../shared/polling";
import { formatReport, type SmokeReport } from "../smoke/smoke";
import type { AcknowledgeArgs } from "./browser";
import { commandTimeoutsMs, type E2eLab } from "./lab";

const s = durationMs;
const marginMs = 120_000;

export interface E2eWaits {
    pollMs: number;
    crashLoopMs: number;
    resolveMs: number;
    heartbeatMs: number;
    /** All the rollouts of scenario 6 together. */
    rolloutMs: number;
    /** From the alert group's start until the escalation chain's next step is due, plus a margin. */
    nextEscalationMs: number;
    /** After the browser step, until OnCall's API says acknowledged. */
    acknowledgeMs: number;
}

export function labWaits(): E2eWaits {
    return {
        pollMs: 5_000,
        crashLoopMs: s(alerting.crashLoopFor) + alertPathMs() + marginMs,
        // A resolve goes out on the group's next group_interval tick; the crash-loop rule looks back 5 minutes.
        resolveMs: s(alerting.groupInterval) + s("5m") + marginMs,
        heartbeatMs: heartbeatMissingMs() + marginMs,
        rolloutMs: 300_000,
        nextEscalationMs: firstEscalationWaitMs() + 60_000,
        acknowledgeMs: 60_000,
    };
}

export interface E2eContext {
    lab: E2eLab;
    clock: Clock;
    waits: E2eWaits;
    /** One `npm run smoke` against the lab, in-process; `beforeClear` runs while the group fires. */
    smoke(beforeClear?: (report: SmokeReport) => Promise<void>): Promise<SmokeReport>;
    acknowledge(args: AcknowledgeArgs): Promise<{ before: string; after: string }>;
    /** Smoke tables, for the summary. */
    smokeTables: string[];
    /** Cluster names this run used, for the cleanup after a failure. */
    clusterNames: Set<string>;
    /** Unique to this run: the faults carry it, so nothing an earlier run left can pass for them. */
    runId: string;
    /** The run's headline figures (cold up, re-run, failure to page, to acknowledge), for the summary. */
    figures: Map<string, string>;
    /** `npm run drill -- <name> --ack auto` against the e2e's lab, in-process. */
    drill(name: string): Promise<DrillResult>;
    /** Whether this run may have built (part of) a lab: false until scenario 1 starts its up, true on a kept lab. */
    labBuilt: boolean;
}

export async function smokePasses(
    context: E2eContext,
    beforeClear?: (report: SmokeReport) => Promise<void>,
): Promise<string> {
    const report = await context.smoke(beforeClear);
    const table = formatReport(report);
    context.smokeTables.push(table);
    if (report.failure) throw new Error(`smoke failed: ${table.split("\n").at(-1)}`);
    const at = (step: string) => report.steps.find((outcome) => outcome.step === step)?.afterMs ?? 0;
    return `group ${seconds(at("alertGroup"))}, e-mail ${seconds(at("email"))}, resolved ${seconds(at("resolved"))}`;
}

export async function timed(context: E2eContext, action: () => Promise<unknown>): Promise<string> {
    const startedAt = context.clock.now();
    await action();
    return seconds(context.clock.now() - startedAt);
}

export const up = (context: E2eContext, timeoutMs: number = commandTimeoutsMs.up) =>
    context.lab.pulumi(["up", "--yes", "--skip-preview"], { timeoutMs });

export async function upFromNothing(context: E2eContext): Promise<string> {
    const { lab } = context;
    const { options } = lab;
    if (resolve(options.stateDir) === resolve(repoRoot, ".pulumi"))
        throw new Error("the e2e needs its own state folder, not .pulumi");
    await lab.run("npm", ["run", "check:versions"], {
        log: "check-versions.log",
        timeoutMs: commandTimeoutsMs.checkVersions,
    });
    if ((await lab.kindClusters()).includes(options.clusterName)) {
        throw new Error(
            `a kind cluster "${options.clusterName}" exists already: delete it (kind delete cluster --name ${options.clusterName}) or pass --cluster-name`,
        );
    }
    for (const [key, port] of Object.entries(options.hostPorts)) {
        if (await acceptsConnections(port))
            throw new Error(
                `port ${port} (${key}) is taken on 127.0.0.1: pass another with --${key.replace("HostPort", "")}-port`,
            );
    }
    // A fresh stack: what an earlier run left is removed, but only from a folder that holds a lab's state.
    // (The lab program keeps the stack's settings next to Pulumi.yaml, not here.)
    if (
        existsSync(options.stateDir) &&
        readdirSync(options.stateDir).some((entry) => !["state", "passphrase"].includes(entry))
    ) {
        throw new Error(
            `${options.stateDir} holds more than a lab's state (state/, passphrase): pass another --state-dir`,
        );
    }
    rmSync(options.stateDir, { recursive: true, force: true });
    await lab.configSet("clusterName", options.clusterName);
    for (const [key, port] of Object.entries(options.hostPorts)) await lab.configSet(key, String(port));
    context.clusterNames.add(options.clusterName);
    context.labBuilt = true;
    const took = await timed(context, () => up(context, commandTimeoutsMs.upFromNothing));
    context.figures.set("cold up (from nothing)", took);
    return `versions ok; up took ${took}`;
}
