// `npm run e2e`: parses the options, lists or runs the scenarios, prints the table (and writes it
// with the smoke timings to $GITHUB_STEP_SUMMARY on GitHub), and cleans up after a failure.
import { randomBytes } from "node:crypto";
import { appendFileSync, mkdirSync } from "node:fs";
import { startPortForward } from "../processes";
import { realClock } from "../polling";
import { newRunId, runSmoke, type SmokeReport } from "../smoke";
import { alertmanagerTarget, buildSmokeSettings, parseSmokeInputs } from "../smokeSettings";
import { acknowledgeInBrowser } from "./browser";
import { collectDiagnostics } from "./diagnostics";
import { E2eLab } from "./lab";
import { e2eUsage, parseE2eOptions } from "./options";
import { formatRows, markdownRows, runScenarios, scenarioLabel } from "./runner";
import { type E2eContext, labWaits, scenarios } from "./scenarios";

async function smokeAgainst(lab: E2eLab, beforeClear?: (report: SmokeReport) => Promise<void>): Promise<SmokeReport> {
    // SMOKE_* variables (timeouts, poll interval) apply as they do to npm run smoke.
    const inputs = parseSmokeInputs([], lab.env);
    const settings = buildSmokeSettings(inputs === "help" ? {} : inputs, await lab.outputs());
    const forward = await startPortForward(alertmanagerTarget(settings.kubectlContext ?? lab.kubectlContext), { env: lab.env });
    try {
        const runId = newRunId(new Date(), randomBytes(3).toString("hex"));
        const log = (line: string) => process.stderr.write(`e2e smoke: ${line}\n`);
        return await runSmoke(settings, { alertmanagerUrl: forward.url, runId, log, signal: new AbortController().signal, beforeClear });
    } finally {
        await forward.stop();
    }
}

export interface E2eDeps {
    /** Replaced in tests: the smoke, the browser and the waits. */
    context?: Partial<Pick<E2eContext, "smoke" | "acknowledge" | "waits" | "clock">>;
    out?: (text: string) => void;
}

export async function runE2e(argv: string[], env: NodeJS.ProcessEnv, deps: E2eDeps = {}): Promise<number> {
    const out = deps.out ?? ((text: string) => process.stdout.write(`${text}\n`));
    const options = parseE2eOptions(argv, env, scenarios.map((scenario) => scenario.id));
    if (options === "help") {
        out(e2eUsage());
        return 0;
    }
    if (options.list) {
        out(scenarios.map((scenario) => scenarioLabel(scenario)).join("\n"));
        return 0;
    }
    mkdirSync(options.diagnosticsDir, { recursive: true });
    const lab = new E2eLab(options, env);
    const context: E2eContext = {
        lab,
        clock: realClock,
        waits: labWaits(),
        smoke: (beforeClear) => smokeAgainst(lab, beforeClear),
        acknowledge: acknowledgeInBrowser,
        smokeTables: [],
        clusterNames: new Set([options.clusterName]),
        ...deps.context,
    };
    const outcome = await runScenarios(scenarios, options.only, context, {
        onRow: (row) => process.stderr.write(`e2e: ${row.scenario}: ${row.result} in ${row.seconds} s ${row.detail}\n`),
        collectDiagnostics: () => collectDiagnostics(lab),
        cleanup: async () => {
            if (options.keep) return;
            await lab.cleanup([...context.clusterNames]);
        },
        clock: context.clock,
    });
    out(formatRows(outcome.rows));
    for (const table of context.smokeTables) out(`\n${table}`);
    const verdict = outcome.failed
        ? `FAILED at scenario ${outcome.failed}; diagnostics in ${outcome.diagnostics}${options.keep ? "; the lab is kept" : "; the lab was destroyed"}`
        : `OK: ${outcome.rows.length} scenarios passed${outcome.rows.some((row) => row.scenario.startsWith("9.")) ? "" : "; the lab is still up (npm run e2e -- --only 9 destroys it)"}`;
    out(verdict);
    if (env.GITHUB_STEP_SUMMARY) {
        const smoke = context.smokeTables.map((table) => `\n\`\`\`\n${table}\n\`\`\`\n`).join("");
        appendFileSync(env.GITHUB_STEP_SUMMARY, `## npm run e2e\n\n${markdownRows(outcome.rows)}\n\n${verdict}\n${smoke}`);
    }
    return outcome.failed ? 1 : 0;
}
