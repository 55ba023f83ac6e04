// Runs the e2e scenarios in order, one table row each, and stops at the first failure: then it
// collects diagnostics and, unless told to keep the lab, cleans up so no cluster is left behind.
import { formatTable } from "../cli";
import { describeError } from "../http";
import { type Clock, realClock } from "../polling";

export interface Scenario<C> {
    id: string;
    title: string;
    /** Resolves with the row's detail; throws to fail. */
    run(context: C): Promise<string>;
}

export interface Row {
    scenario: string;
    result: "ok" | "FAILED" | "not run";
    seconds: string;
    detail: string;
}

export interface RunnerHooks {
    onRow(row: Row): void;
    /** After a failure, before cleanup. */
    collectDiagnostics(): Promise<string>;
    /** After a failure, unless the lab is kept. */
    cleanup(): Promise<void>;
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

export async function runScenarios<C>(scenarios: Scenario<C>[], only: string[] | undefined, context: C, hooks: RunnerHooks): Promise<RunOutcome> {
    const clock = hooks.clock ?? realClock;
    const selected = scenarios.filter((scenario) => only === undefined || only.includes(scenario.id));
    const rows: Row[] = [];
    for (const [index, scenario] of selected.entries()) {
        const startedAt = clock.now();
        let row: Row;
        try {
            const detail = await scenario.run(context);
            row = { scenario: scenarioLabel(scenario), result: "ok", seconds: elapsed(clock, startedAt), detail };
        } catch (error) {
            row = { scenario: scenarioLabel(scenario), result: "FAILED", seconds: elapsed(clock, startedAt), detail: describeError(error) };
        }
        rows.push(row);
        hooks.onRow(row);
        if (row.result === "FAILED") {
            for (const rest of selected.slice(index + 1)) rows.push({ scenario: scenarioLabel(rest), result: "not run", seconds: "-", detail: "" });
            const diagnostics = await hooks.collectDiagnostics().catch((error: unknown) => `could not collect diagnostics: ${describeError(error)}`);
            await hooks.cleanup();
            return { rows, failed: scenario.id, diagnostics };
        }
    }
    return { rows };
}

function elapsed(clock: Clock, startedAt: number): string {
    return ((clock.now() - startedAt) / 1000).toFixed(0);
}

export function formatRows(rows: Row[]): string {
    return formatTable(["scenario", "result", "seconds", "detail"], rows.map((row) => [row.scenario, row.result, row.seconds, row.detail]), [2]);
}

/** The same table in Markdown, for $GITHUB_STEP_SUMMARY. */
export function markdownRows(rows: Row[]): string {
    const cell = (text: string) => text.replace(/\|/g, "\\|").replace(/\n/g, " ");
    return [
        "| scenario | result | seconds | detail |",
        "| --- | --- | ---: | --- |",
        ...rows.map((row) => `| ${cell(row.scenario)} | ${row.result} | ${row.seconds} | ${cell(row.detail)} |`),
    ].join("\n");
}
