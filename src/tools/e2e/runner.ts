// Runs the e2e scenarios in order, one table row each, and stops at the first failure: then it
// stops what the scenario started, collects diagnostics and hands over to the cleanup. Each scenario
// has a budget: one that runs over it fails there, so the whole run's worst case is the sum of the
// budgets (printed with the rows), and a SIGTERM ends the scenario running at once the same way.
import { formatTable } from "../shared/cli";
import { describeError } from "../shared/http";
import { type Clock, realClock } from "../shared/polling";

export interface Scenario<C> {
    id: string;
    title: string;
    /** Wall time it may take at most, its commands and waits included. */
    budgetMs: number;
    /** Resolves with the row's detail; throws to fail. */
    run(context: C): Promise<string>;
}

export interface Row {
    scenario: string;
    result: "ok" | "FAILED" | "not run";
    seconds: string;
    /** The scenario's budget, in seconds. */
    budget: string;
    detail: string;
}

export interface RunnerHooks {
    onRow(row: Row): void;
    /** After a failure: stop the commands the scenario still runs, refuse new ones. */
    stop(reason: string): void;
    /** After a failure, before cleanup. */
    collectDiagnostics(): Promise<string>;
    /** After a failure. */
    cleanup(): Promise<void>;
    /** Settles with a reason when the run must end now (SIGTERM). */
    interrupted?: Promise<string>;
    clock?: Clock;
}

export interface RunOutcome {
    rows: Row[];
    failed?: string;
    diagnostics?: string;
}

export function scenarioLabel(scenario: { id: string; title: string }): string {
    return `${scenario.id}. ${scenario.title}`;
}

export function minutesText(ms: number): string {
    return ms < 60_000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms / 60_000)} min`;
}

/** The scenario's detail, or an error once it runs over its budget or the run is interrupted. */
async function runWithin<C>(
    scenario: Scenario<C>,
    context: C,
    interrupted: Promise<string> | undefined,
): Promise<string> {
    let timer: NodeJS.Timeout | undefined;
    const overBudget = new Promise<never>((_, reject) => {
        timer = setTimeout(
            () => reject(new Error(`over its budget of ${minutesText(scenario.budgetMs)}: stopped`)),
            scenario.budgetMs,
        );
    });
    const running = scenario.run(context);
    // The loser of the race may still reject later: that is expected, not unhandled.
    running.catch(() => undefined);
    const stop =
        interrupted?.then((reason) => Promise.reject(new Error(reason))) ?? new Promise<never>(() => undefined);
    try {
        return await Promise.race([running, overBudget, stop]);
    } finally {
        clearTimeout(timer);
    }
}

export async function runScenarios<C>(
    scenarios: Scenario<C>[],
    only: string[] | undefined,
    context: C,
    hooks: RunnerHooks,
): Promise<RunOutcome> {
    const clock = hooks.clock ?? realClock;
    const selected = selectedScenarios(scenarios, only);
    const rows: Row[] = [];
    for (const [index, scenario] of selected.entries()) {
        const startedAt = clock.now();
        const row = (result: Row["result"], detail: string): Row => ({
            scenario: scenarioLabel(scenario),
            result,
            seconds: elapsed(clock, startedAt),
            budget: (scenario.budgetMs / 1000).toFixed(0),
            detail,
        });
        let outcome: Row;
        try {
            outcome = row("ok", await runWithin(scenario, context, hooks.interrupted));
        } catch (error) {
            outcome = row("FAILED", describeError(error));
        }
        rows.push(outcome);
        hooks.onRow(outcome);
        if (outcome.result === "FAILED") {
            for (const rest of selected.slice(index + 1)) {
                rows.push({
                    scenario: scenarioLabel(rest),
                    result: "not run",
                    seconds: "-",
                    budget: (rest.budgetMs / 1000).toFixed(0),
                    detail: "",
                });
            }
            hooks.stop(`scenario ${scenario.id} failed`);
            const diagnostics = await hooks
                .collectDiagnostics()
                .catch((error: unknown) => `could not collect diagnostics: ${describeError(error)}`);
            await hooks.cleanup();
            return { rows, failed: scenario.id, diagnostics };
        }
    }
    return { rows };
}

export function selectedScenarios<S extends { id: string }>(scenarios: S[], only: string[] | undefined): S[] {
    return scenarios.filter((scenario) => only === undefined || only.includes(scenario.id));
}

function elapsed(clock: Clock, startedAt: number): string {
    return ((clock.now() - startedAt) / 1000).toFixed(0);
}

export function formatRows(rows: Row[]): string {
    return formatTable(
        ["scenario", "result", "seconds", "budget", "detail"],
        rows.map((row) => [row.scenario, row.result, row.seconds, row.budget, row.detail]),
        [2, 3],
    );
}

/** The budget of each selected scenario and their sum: the worst case before any of them runs. */
export function formatBudget(scenarios: { id: string; title: string; budgetMs: number }[]): string {
    const total = scenarios.reduce((sum, scenario) => sum + scenario.budgetMs, 0);
    const rows = scenarios.map((scenario) => [scenarioLabel(scenario), minutesText(scenario.budgetMs)]);
    return formatTable(["scenario", "budget"], [...rows, ["worst case, all of them", minutesText(total)]], [1]);
}

const cell = (text: string) => text.replace(/\|/g, "\\|").replace(/\n/g, " ");

/** The same table in Markdown, for $GITHUB_STEP_SUMMARY. */
export function markdownRows(rows: Row[]): string {
    return [
        "| scenario | result | seconds | budget (s) | detail |",
        "| --- | --- | ---: | ---: | --- |",
        ...rows.map(
            (row) => `| ${cell(row.scenario)} | ${row.result} | ${row.seconds} | ${row.budget} | ${cell(row.detail)} |`,
        ),
    ].join("\n");
}

/** Two columns of name and value in Markdown (headline figures, host peaks). */
export function markdownPairs(header: [string, string], pairs: [string, string][]): string {
    return [
        `| ${header[0]} | ${header[1]} |`,
        "| --- | ---: |",
        ...pairs.map(([name, value]) => `| ${cell(name)} | ${cell(value)} |`),
    ].join("\n");
}
