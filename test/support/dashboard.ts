// Runs the dashboard's queries as Grafana would: variables substituted, through VictoriaMetrics' query API.
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import type { Dashboard } from "../../src/monitoring/dashboard";

export interface PanelQuery {
    panel: string;
    expr: string;
}

/** Every panel query, with the title of its panel. */
export function dashboardQueries(dashboard: Dashboard): PanelQuery[] {
    return dashboard.panels.flatMap((panel) =>
        (panel.targets ?? []).map((target) => ({ panel: panel.title, expr: target.expr })),
    );
}

/** Grafana's `$name` / `${name}` substitution: the dashboard's constants, plus the built-ins given. */
export function substituteVariables(expr: string, dashboard: Dashboard, builtIns: Record<string, string>): string {
    const values: Record<string, string> = { ...builtIns };
    for (const variable of dashboard.templating.list) {
        if (variable.type === "constant") values[variable.name] = variable.query;
    }
    return expr.replace(/\$\{(\w+)\}|\$(\w+)/g, (_whole, braced: string | undefined, bare: string | undefined) => {
        const name = braced ?? bare ?? "";
        if (!(name in values)) throw new Error(`no value for dashboard variable $${name} in: ${expr}`);
        return values[name];
    });
}

export interface Series {
    metric: Record<string, string>;
    values: [number, string][];
}

/** A range query, as Grafana's time series panels send it. Throws on a query VictoriaMetrics rejects. */
export async function queryRange(
    victoriaMetricsUrl: string,
    expr: string,
    startMs: number,
    endMs: number,
    stepSeconds: number,
): Promise<Series[]> {
    const params = new URLSearchParams({
        query: expr,
        start: String(startMs / 1000),
        end: String(endMs / 1000),
        step: `${stepSeconds}s`,
    });
    const response = await fetch(`${victoriaMetricsUrl}/api/v1/query_range`, { method: "POST", body: params });
    const body = (await response.json()) as { status: string; error?: string; data?: { result: Series[] } };
    if (!response.ok || body.status !== "success")
        throw new Error(`VictoriaMetrics rejected ${expr}: ${body.error ?? response.status}`);
    return body.data?.result ?? [];
}

/** Undefined when the query returns at least one series and every series has all of `labels`; else what is wrong. */
export async function missingData(
    victoriaMetricsUrl: string,
    expr: string,
    labels: string[],
    window: { startMs: number; endMs: number; stepSeconds: number },
): Promise<string | undefined> {
    const series = await queryRange(victoriaMetricsUrl, expr, window.startMs, window.endMs, window.stepSeconds);
    if (series.length === 0) return `no series for ${expr}`;
    const without = series.find((candidate) => labels.some((label) => !(label in candidate.metric)));
    return without
        ? `a series of ${expr} lacks one of ${labels.join(", ")}: ${JSON.stringify(without.metric)}`
        : undefined;
}

/** Last value of the series whose labels include `labels`. */
export function lastValue(series: Series[], labels: Record<string, string> = {}): number | undefined {
    const found = series.find((candidate) =>
        Object.entries(labels).every(([name, value]) => candidate.metric[name] === value),
    );
    const last = found?.values.at(-1);
    return last ? Number(last[1]) : undefined;
}

const fixtureDir = join(__dirname, "..", "fixtures", "oncall-exporter");

/** Writes one recorded answer of OnCall's /metrics/ (test/fixtures/oncall-exporter/<name>.prom) as scraped at `timestampMs`. */
export async function importOncallExposition(
    victoriaMetricsUrl: string,
    name: "before" | "after",
    timestampMs: number,
): Promise<void> {
    const exposition = await readFile(join(fixtureDir, `${name}.prom`), "utf8");
    const response = await fetch(`${victoriaMetricsUrl}/api/v1/import/prometheus?timestamp=${timestampMs}`, {
        method: "POST",
        body: exposition,
    });
    if (!response.ok) throw new Error(`VictoriaMetrics import answered ${response.status}: ${await response.text()}`);
    const flush = await fetch(`${victoriaMetricsUrl}/internal/force_flush`);
    if (!flush.ok) throw new Error(`VictoriaMetrics force_flush answered ${flush.status}`);
}

/**
 * The query with its `receiver_name` matchers dropped, for an Alertmanager whose metrics carry no receiver names
 * (Debian 12's 0.25): the rest of the query still runs against its real metrics.
 */
export function withoutReceiverMatchers(expr: string): string {
    return expr.replace(/,\s*receiver_name\s*=~?\s*"[^"]*"/g, "");
}

/** Labels each panel's query must return (by panel title); receiver_name is added where Alertmanager has it. */
export const expectedPanelLabels: Record<string, string[]> = {
    "Alerts firing and pending, by severity": ["severity", "alertstate"],
    "Firing now, by severity": ["severity"],
    "Notifications sent, by receiver": [],
    "Notifications failed, by receiver": [],
    "Notification latency p95, by receiver": [],
    "Since Alertmanager last reached the heartbeat": [],
    OnCallHeartBeatMissing: [],
    "Alert groups by state": ["state"],
    "New alert groups, by integration": ["integration"],
    "Mean time to acknowledge (7 days)": [],
    "Response time (7 days)": ["le"],
    "People notified": ["username"],
};

export interface QueryRun {
    window: { startMs: number; endMs: number; stepSeconds: number };
    builtIns: Record<string, string>;
    receiverNamesInMetrics: boolean;
}

/** Runs every panel query; returns one line per panel whose query returned nothing or lacked a label. */
export async function dashboardProblems(
    victoriaMetricsUrl: string,
    dashboard: Dashboard,
    run: QueryRun,
): Promise<string[]> {
    const problems: string[] = [];
    for (const query of dashboardQueries(dashboard)) {
        const labels = expectedPanelLabels[query.panel];
        if (!labels) {
            problems.push(`${query.panel}: no expected labels listed in test/support/dashboard.ts`);
            continue;
        }
        const substituted = substituteVariables(query.expr, dashboard, run.builtIns);
        const byReceiver = run.receiverNamesInMetrics && /by \(receiver_name/.test(substituted);
        const expr = run.receiverNamesInMetrics ? substituted : withoutReceiverMatchers(substituted);
        const problem = await missingData(
            victoriaMetricsUrl,
            expr,
            byReceiver ? [...labels, "receiver_name"] : labels,
            run.window,
        );
        if (problem) problems.push(`${query.panel}: ${problem}`);
    }
    return problems;
}
