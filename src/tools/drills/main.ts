// `npm run drill`: lists the drills, or runs one against the running lab (the stack `npm run up` manages):
// asks first on the existing target, reaches vmalert and Alertmanager through kubectl port-forwards, prints the
// live timeline, the report (written under drill-reports/) and marks the drill on the dashboard.
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { createInterface } from "node:readline/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { durationSeconds } from "../../shared/duration";
import { namespaces, releaseNames } from "../../shared/topology";
import { readStackSettings, settingsTarget } from "../lab/settings";
import {
    type OptionSpec,
    optionLines,
    parseOptions,
    readStackOutputs,
    repoRoot,
    type StackOutputs,
} from "../shared/cli";
import { type Clock, realClock } from "../shared/polling";
import { startPortForward } from "../shared/processes";
import { alertmanagerTarget } from "../smoke/settings";
import { type Drill, drillNamespace, drills, findDrill, listDrills } from "./catalog";
import type { Kubectl } from "./faults";
import { DrillLab, type DrillUrls } from "./probes";
import { annotate, buildReport, reportMarkdown, writeReport } from "./report";
import { runDrill } from "./run";

export const defaultReportsDir = join(repoRoot, "drill-reports");

const specs = {
    list: { flag: "--list", boolean: true, help: "list the drills: what each breaks, what should page" },
    ack: {
        flag: "--ack",
        env: "DRILL_ACK",
        help: "person (default): wait for someone to acknowledge in Grafana; auto: acknowledge through OnCall's API",
    },
    timeout: {
        flag: "--timeout",
        env: "DRILL_TIMEOUT",
        help: "how long to wait for the acknowledgement, then for the resolve (default 30m)",
    },
    yes: { flag: "--yes", boolean: true, help: "do not ask before starting on the existing target (scripts)" },
    alertmanagerMayStop: {
        flag: "--alertmanager-may-stop",
        boolean: true,
        help: "existing target: dead-pipeline may stop the team's Alertmanager",
    },
    reports: { flag: "--reports", env: "DRILL_REPORTS_DIR", help: "folder for the reports (default drill-reports)" },
} satisfies Record<string, OptionSpec>;

export function drillUsage(): string {
    return [
        "usage: npm run drill [-- --list] | npm run drill -- <name> [options]",
        "Breaks something real on the running lab and times the page until it is acknowledged and resolved.",
        ...optionLines(specs),
    ].join("\n");
}

export interface DrillMainDeps {
    outputs?: () => Promise<StackOutputs>;
    /** The stack's `target` setting (kind or existing). */
    target?: () => Promise<string>;
    kubectl?: (context: string) => Kubectl;
    /** vmalert's and Alertmanager's URLs; stops the port-forwards. */
    reach?: (context: string) => Promise<{ vmalertUrl: string; alertmanagerUrl: string; stop(): Promise<void> }>;
    confirm?: (question: string) => Promise<boolean>;
    clock?: Clock;
    out?: (line: string) => void;
    interrupted?: Promise<string>;
    pollMs?: number;
    runId?: string;
}

const text = (outputs: StackOutputs, name: string): string => {
    const value = outputs[name];
    if (typeof value !== "string" || value === "")
        throw new Error(`the stack has no output ${name} (is the lab up? npm run up)`);
    return value;
};

/** The stack outputs and the port-forwards' URLs: everything a drill reads. */
export function drillUrls(outputs: StackOutputs, reached: { vmalertUrl: string; alertmanagerUrl: string }): DrillUrls {
    return {
        vmalertUrl: reached.vmalertUrl,
        alertmanagerUrl: reached.alertmanagerUrl,
        oncallUrl: text(outputs, "oncallUrl"),
        oncallApiToken: text(outputs, "oncallApiToken"),
        mailUrl: typeof outputs.mailUrl === "string" ? outputs.mailUrl : undefined,
        grafanaUrl: text(outputs, "grafanaUrl"),
        grafanaAdminUser: text(outputs, "grafanaAdminUser"),
        grafanaAdminPassword: text(outputs, "grafanaAdminPassword"),
    };
}

/** The target the stack's settings file names, as the lab program reads it. */
function stackTarget(): string {
    return settingsTarget(readStackSettings(repoRoot, process.env).text);
}

const kubectlOn =
    (context: string): Kubectl =>
    async (args) =>
        (
            await promisify(execFile)("kubectl", ["--context", context, ...args], { timeout: 180_000 }).catch(
                (error: { stderr?: string; message: string }) => {
                    throw new Error(`kubectl ${args.join(" ")}: ${(error.stderr ?? "").trim() || error.message}`);
                },
            )
        ).stdout;

/** vmalert (operator v0.74.0: service vmalert-<cr>, port 8080) and Alertmanager, through kubectl port-forwards. */
export async function reachThroughKubectl(context: string, env: NodeJS.ProcessEnv = process.env) {
    const vmalert = await startPortForward(
        {
            kubectlContext: context,
            namespace: namespaces.monitoring,
            resource: `svc/vmalert-${releaseNames.vmStack}`,
            remotePort: 8080,
        },
        { env },
    );
    const alertmanager = await startPortForward(alertmanagerTarget(context), { env }).catch(async (error: unknown) => {
        await vmalert.stop();
        throw error;
    });
    return {
        vmalertUrl: vmalert.url,
        alertmanagerUrl: alertmanager.url,
        stop: async () => void (await Promise.all([vmalert.stop(), alertmanager.stop()])),
    };
}

async function askOnTerminal(question: string): Promise<boolean> {
    if (!process.stdin.isTTY) return false;
    const terminal = createInterface({ input: process.stdin, output: process.stderr });
    try {
        return /^y(es)?$/i.test((await terminal.question(`${question} [y/N] `)).trim());
    } finally {
        terminal.close();
    }
}

/** The first SIGINT or SIGTERM stops the drill and cleans up; the same signal again exits at once. */
function onSignals(): { interrupted: Promise<string>; release(): void } {
    let handler: (signal: NodeJS.Signals) => void = () => undefined;
    const interrupted = new Promise<string>((settle) => {
        handler = (first) => {
            process.stderr.write(`drill: ${first}: removing the fault (${first} again exits at once)\n`);
            handler = (signal) => (signal === first ? process.exit(130) : undefined);
            settle(`interrupted by ${first}`);
        };
    });
    const listener = (signal: NodeJS.Signals) => handler(signal);
    process.on("SIGINT", listener);
    process.on("SIGTERM", listener);
    return { interrupted, release: () => (process.off("SIGINT", listener), process.off("SIGTERM", listener)) };
}

/** Refuses what the existing target does not allow, and asks before anything else there. */
async function allowed(
    drill: Drill,
    target: string,
    flags: Record<string, string | undefined>,
    context: string,
    confirm: (question: string) => Promise<boolean>,
): Promise<string | undefined> {
    if (target !== "existing") return undefined;
    if (drill.stopsAlertmanager && flags.alertmanagerMayStop !== "true") {
        return `refused: ${drill.name} stops the team's Alertmanager on the existing target (every alert of the cluster waits while it is down); pass --alertmanager-may-stop if it may`;
    }
    if (flags.yes === "true") return undefined;
    const where = drill.stopsAlertmanager
        ? `scales Alertmanager in namespace ${namespaces.monitoring} to 0`
        : `works in namespace ${drillNamespace} only`;
    const yes = await confirm(
        `Run drill ${drill.name} on the existing cluster (context ${context})? It ${where} and pages the person on call.`,
    );
    return yes ? undefined : "not started: not confirmed (pass --yes to run without asking)";
}

export async function runDrillCommand(
    argv: string[],
    env: NodeJS.ProcessEnv,
    deps: DrillMainDeps = {},
): Promise<number> {
    const out = deps.out ?? ((line: string) => process.stdout.write(`${line}\n`));
    const name = argv.find((arg) => !arg.startsWith("-"));
    const flags = parseOptions(
        specs,
        argv.filter((arg) => arg !== name),
        env,
        drillUsage(),
    );
    if (flags === "help") return (out(drillUsage()), 0);
    if (flags.list === "true" || name === undefined) return (out(listDrills()), 0);
    const drill = findDrill(name, drills());
    const ack = flags.ack ?? "person";
    if (ack !== "auto" && ack !== "person") throw new Error(`--ack must be auto or person, not "${ack}"`);
    const timeoutMs = durationSeconds(flags.timeout ?? "30m") * 1000;
    const outputs = await (deps.outputs ?? (() => readStackOutputs(env)))();
    const context = text(outputs, "kubectlContext");
    const refusal = await allowed(
        drill,
        await (deps.target ?? stackTarget)(),
        flags,
        context,
        deps.confirm ?? askOnTerminal,
    );
    if (refusal) return (out(`drill: ${refusal}`), 2);
    const reached = await (deps.reach ?? reachThroughKubectl)(context);
    const signals = deps.interrupted ? { interrupted: deps.interrupted, release: () => undefined } : onSignals();
    try {
        const lab = new DrillLab(drillUrls(outputs, reached));
        const runId = deps.runId ?? `${Date.now().toString(36)}${randomBytes(2).toString("hex")}`;
        out(`drill ${drill.name} (${runId}): ${drill.breaks}; should page: ${drill.pages}`);
        const result = await runDrill(
            drill,
            { ack, timeoutMs, runId, pollMs: deps.pollMs ?? 5_000 },
            {
                lab,
                kubectl: (deps.kubectl ?? kubectlOn)(context),
                clock: deps.clock ?? realClock,
                out,
                interrupted: signals.interrupted,
            },
        );
        const report = buildReport(result);
        for (const warning of await annotate(lab, result)) out(`drill: ${warning}`);
        out(`\n${reportMarkdown(report)}`);
        out(`drill: report written to ${writeReport(flags.reports ?? defaultReportsDir, report).join(" and ")}`);
        return result.failure === undefined ? 0 : 1;
    } finally {
        signals.release();
        await reached.stop();
    }
}
