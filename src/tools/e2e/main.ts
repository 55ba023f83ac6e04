// `npm run e2e`: parses the options, checks the tools, lists or runs the scenarios within their
// budgets, prints the table (and writes it with the headline figures, the host's peaks and the smoke
// timings to $GITHUB_STEP_SUMMARY on GitHub), collects diagnostics after a failure or a SIGTERM,
// redacts them, and cleans up (not on CI, where the runner is thrown away with the lab).
import { randomBytes } from "node:crypto";
import { appendFileSync, mkdirSync } from "node:fs";
import { findDrill, unattendedTimeoutMs } from "../drills/catalog";
import { drillUrls, reachThroughKubectl } from "../drills/main";
import { DrillLab } from "../drills/probes";
import { type DrillDeps, type DrillResult, runDrill } from "../drills/run";
import { startPortForward } from "../shared/processes";
import { realClock } from "../shared/polling";
import { newRunId, runSmoke, type SmokeReport } from "../smoke/smoke";
import { alertmanagerTarget, buildSmokeSettings, parseSmokeInputs } from "../smoke/settings";
import { acknowledgeInBrowser } from "./browser";
import { collectDiagnostics } from "./diagnostics";
import { HostSampler, type HostReaders } from "./host";
import { E2eLab } from "./lab";
import { e2eUsage, type E2eOptions, parseE2eOptions } from "./options";
import { missingTools } from "./preflight";
import { redactFolder } from "./redact";
import {
    formatBudget,
    formatRows,
    markdownPairs,
    markdownRows,
    type RunOutcome,
    runScenarios,
    scenarioLabel,
    selectedScenarios,
} from "./runner";
import { scenarios } from "./scenarios";
import { type E2eContext, labWaits } from "./steps";

/**
 * The e2e's kubectl and stop for a drill: when the runner stops the scenario (over its budget, a SIGTERM, a failure)
 * `stopCommands` refuses new commands, so the drill stops too and its cleanup (the fault's removal, its namespace)
 * runs with `afterStop`, as the dead-pipeline scenario's restore does; everything else stays refused.
 */
export function e2eDrillDeps(lab: E2eLab): Pick<DrillDeps, "kubectl" | "cleanupKubectl" | "interrupted"> {
    const kubectl = (afterStop: boolean) => async (args: string[]) => (await lab.kubectl(args, { afterStop })).stdout;
    return { kubectl: kubectl(false), cleanupKubectl: kubectl(true), interrupted: lab.whenStopped };
}

/** `npm run drill -- <name> --ack auto` against the e2e's lab; the e2e's budget and signals bound it. */
async function drillAgainst(lab: E2eLab, name: string, runId: string): Promise<DrillResult> {
    const outputs = await lab.outputs();
    const reached = await reachThroughKubectl(lab.kubectlContext, lab.env);
    try {
        const drill = findDrill(name);
        const options = { ack: "auto" as const, timeoutMs: unattendedTimeoutMs(drill), runId, pollMs: 5_000 };
        return await runDrill(drill, options, {
            lab: new DrillLab(drillUrls(outputs, reached)),
            ...e2eDrillDeps(lab),
            clock: realClock,
            out: (line) => process.stderr.write(`e2e drill: ${line}\n`),
        });
    } finally {
        await reached.stop();
    }
}

/** The smoke's e-mail wait inside the e2e: its scenarios' budgets count on a healthy lab's minute or two. */
const e2eSmokeEnv = { SMOKE_EMAIL_TIMEOUT: "3m" };

async function smokeAgainst(lab: E2eLab, beforeClear?: (report: SmokeReport) => Promise<void>): Promise<SmokeReport> {
    // SMOKE_* variables (timeouts, poll interval) apply as they do to npm run smoke.
    const inputs = parseSmokeInputs([], { ...e2eSmokeEnv, ...lab.env });
    const settings = buildSmokeSettings(inputs === "help" ? {} : inputs, await lab.outputs());
    const forward = await startPortForward(alertmanagerTarget(settings.kubectlContext ?? lab.kubectlContext), {
        env: lab.env,
    });
    try {
        const runId = newRunId(new Date(), randomBytes(3).toString("hex"));
        const log = (line: string) => process.stderr.write(`e2e smoke: ${line}\n`);
        return await runSmoke(settings, {
            alertmanagerUrl: forward.url,
            runId,
            log,
            signal: new AbortController().signal,
            beforeClear,
        });
    } finally {
        await forward.stop();
    }
}

export interface E2eDeps {
    /** Replaced in tests: the smoke, the browser, the waits and the run's id. */
    context?: Partial<Pick<E2eContext, "smoke" | "acknowledge" | "drill" | "waits" | "clock" | "runId">>;
    out?: (text: string) => void;
    /** Settles with a reason to stop now; default: the first SIGTERM or SIGINT. */
    interrupted?: Promise<string>;
    host?: HostReaders;
}

/** The scenarios that build the lab from nothing and destroy it, and the upgrade, which does both on a lab of its own. */
const UP_SCENARIO = "1";
const DESTROY_SCENARIO = "9";
const UPGRADE_SCENARIO = "0";

/** On CI the runner starts empty and is thrown away: whatever is chosen runs after the up from nothing (1) and before destroy (9). */
export function runSelection(options: Pick<E2eOptions, "only" | "ci">, ids: readonly string[]): string[] | undefined {
    if (options.only === undefined || !options.ci) return options.only;
    // The upgrade (0) builds and destroys a lab of its own: alone, it needs neither.
    if (options.only.every((id) => id === UPGRADE_SCENARIO)) return options.only;
    const picked = new Set([UP_SCENARIO, ...options.only, DESTROY_SCENARIO]);
    return ids.filter((id) => picked.has(id));
}

/**
 * The first SIGTERM or SIGINT ends the run the runner's way (diagnostics first); the same signal again
 * exits at once (a second Ctrl-C). Another one is ignored: GitHub cancels a step with SIGINT, then
 * SIGTERM 7.5 s later, then SIGKILL 2.5 s after that, and the collection needs those seconds.
 */
function onSignals(): { interrupted: Promise<string>; release(): void } {
    let handler: (signal: NodeJS.Signals) => void = () => undefined;
    const interrupted = new Promise<string>((settle) => {
        handler = (first) => {
            process.stderr.write(`e2e: ${first}: stopping, collecting diagnostics (${first} again exits at once)\n`);
            handler = (signal) =>
                signal === first
                    ? process.exit(130)
                    : process.stderr.write(`e2e: ${signal} ignored: collecting diagnostics\n`);
            settle(`interrupted by ${first}`);
        };
    });
    const listener = (signal: NodeJS.Signals) => handler(signal);
    process.on("SIGTERM", listener);
    process.on("SIGINT", listener);
    return { interrupted, release: () => (process.off("SIGTERM", listener), process.off("SIGINT", listener)) };
}

/**
 * What the collection may take after a signal: GitHub's SIGKILL comes 10 s after its first signal; redacting and
 * reporting need the rest.
 */
export const interruptedCollectionMs = 5_000;

/** Waits for `collecting`; past `limitMs`, calls `stop` and waits for what it stopped to settle. */
async function collectWithin(
    collecting: Promise<unknown>,
    limitMs: number | undefined,
    stop: () => void,
): Promise<void> {
    const settled = collecting.then(
        () => undefined,
        () => undefined,
    );
    if (limitMs === undefined) return settled;
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<"late">((done) => (timer = setTimeout(() => done("late"), limitMs)));
    if ((await Promise.race([settled, late])) === "late") {
        stop();
        await settled;
    }
    clearTimeout(timer);
}

export async function runE2e(argv: string[], env: NodeJS.ProcessEnv, deps: E2eDeps = {}): Promise<number> {
    const out = deps.out ?? ((text: string) => process.stdout.write(`${text}\n`));
    const ids = scenarios.map((scenario) => scenario.id);
    const options = parseE2eOptions(argv, env, ids);
    if (options === "help") {
        out(e2eUsage());
        return 0;
    }
    if (options.list) {
        out(scenarios.map((scenario) => scenarioLabel(scenario)).join("\n"));
        return 0;
    }
    const only = runSelection(options, ids);
    const selected = selectedScenarios(scenarios, only);
    mkdirSync(options.diagnosticsDir, { recursive: true });
    const missing = await missingTools(
        env,
        selected.some((scenario) => scenario.id === "3"),
    );
    if (missing.length > 0) {
        const verdict = `NOT STARTED: missing ${missing.join("; ")}. Nothing was built.`;
        out(verdict);
        if (env.GITHUB_STEP_SUMMARY) appendFileSync(env.GITHUB_STEP_SUMMARY, `## npm run e2e\n\n${verdict}\n`);
        return 1;
    }
    process.stderr.write(
        `e2e: budget per scenario (a scenario over its budget fails there)\n${formatBudget(selected)}\n`,
    );

    const lab = new E2eLab(options, env);
    const context: E2eContext = {
        lab,
        clock: realClock,
        waits: labWaits(),
        smoke: (beforeClear) => smokeAgainst(lab, beforeClear),
        acknowledge: acknowledgeInBrowser,
        drill: (name) => drillAgainst(lab, name, context.runId),
        smokeTables: [],
        clusterNames: new Set([options.clusterName]),
        runId: `${Date.now().toString(36)}${randomBytes(3).toString("hex")}`,
        figures: new Map(),
        // Without scenario 1, the run works on a lab kept from before.
        labBuilt: !selected.some((scenario) => scenario.id === UP_SCENARIO),
        ...deps.context,
    };
    const host = new HostSampler(deps.host);
    host.start(15_000);
    const signals =
        deps.interrupted === undefined ? onSignals() : { interrupted: deps.interrupted, release: () => undefined };
    let interrupted = false;
    void signals.interrupted.then(() => (interrupted = true));
    let outcome: RunOutcome;
    try {
        outcome = await runScenarios(scenarios, only, context, {
            onRow: (row) =>
                process.stderr.write(`e2e: ${row.scenario}: ${row.result} in ${row.seconds} s ${row.detail}\n`),
            stop: (reason) => lab.stopCommands(reason),
            collectDiagnostics: async () => {
                if (!context.labBuilt) return options.diagnosticsDir;
                // After a signal, the job gives seconds: whatever is still collecting then is stopped, so the redaction below runs.
                await collectWithin(
                    collectDiagnostics(lab, [...context.clusterNames]),
                    interrupted ? interruptedCollectionMs : undefined,
                    () => lab.stopCommands("the collection's time after a signal is over"),
                );
                // Before the cleanup, which a second Ctrl-C may cut short.
                redactFolder(options.diagnosticsDir, [...lab.knownSecrets]);
                return options.diagnosticsDir;
            },
            cleanup: async () => {
                if (options.keep || options.ci || !context.labBuilt) return;
                await lab.cleanup([...context.clusterNames]);
            },
            interrupted: signals.interrupted,
            clock: context.clock,
        });
    } finally {
        signals.release();
        host.stop();
    }
    // Uploaded by CI whatever happened: no token or password leaves in it (again: the cleanup and a passing run log too).
    redactFolder(options.diagnosticsDir, [...lab.knownSecrets]);
    report(out, env, options, context, outcome, host);
    return outcome.failed ? 1 : 0;
}

function verdictOf(options: E2eOptions, context: E2eContext, outcome: RunOutcome): string {
    if (outcome.failed) {
        const lab = options.keep
            ? "the lab is kept"
            : !context.labBuilt
              ? "no lab was built"
              : options.ci
                ? "the lab is kept for collection (CI: the runner is thrown away)"
                : "the lab was destroyed";
        return `FAILED at scenario ${outcome.failed}; diagnostics in ${outcome.diagnostics}; ${lab}`;
    }
    const destroyed = outcome.rows.some((row) => row.scenario.startsWith(`${scenarios[scenarios.length - 1].id}.`));
    return `OK: ${outcome.rows.length} scenarios passed${destroyed ? "" : `; the lab is still up (npm run e2e -- --only ${scenarios[scenarios.length - 1].id} destroys it)`}`;
}

function report(
    out: (text: string) => void,
    env: NodeJS.ProcessEnv,
    options: E2eOptions,
    context: E2eContext,
    outcome: RunOutcome,
    host: HostSampler,
): void {
    out(formatRows(outcome.rows));
    for (const table of context.smokeTables) out(`\n${table}`);
    const verdict = verdictOf(options, context, outcome);
    out(verdict);
    const figures = [...context.figures.entries()];
    for (const [name, value] of [...figures, ...host.figures()]) process.stderr.write(`e2e: ${name}: ${value}\n`);
    if (!env.GITHUB_STEP_SUMMARY) return;
    const smoke = context.smokeTables.map((table) => `\n\`\`\`\n${table}\n\`\`\`\n`).join("");
    const headline =
        figures.length > 0 ? `\n### Headline figures\n\n${markdownPairs(["figure", "time"], figures)}\n` : "";
    appendFileSync(
        env.GITHUB_STEP_SUMMARY,
        `## npm run e2e\n\n${markdownRows(outcome.rows)}\n\n${verdict}\n${headline}\n### Host (sampled every 15 s)\n\n${markdownPairs(["measure", "value"], host.figures())}\n${smoke}`,
    );
}
