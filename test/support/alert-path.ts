// The real alert path on 127.0.0.1 (src/tools/bench/alertPath.ts, shared with `npm run bench:alert`) and
// what only the alert-path tests use: Alertmanager's counters and alerts, posting alerts.
import { postAlerts as postToAlertmanager } from "../../src/tools/shared/http";

export * from "../../src/tools/bench/alertPath";
export * from "../../src/tools/bench/scrapeSimulation";
export { waitFor } from "../../src/tools/shared/polling";
export { freePort } from "../../src/tools/shared/processes";

/** Sum of one Alertmanager counter over the series whose labels include `labels`. */
export async function alertmanagerCounter(
    alertmanagerUrl: string,
    metric: string,
    labels: Record<string, string>,
): Promise<number> {
    const text = await (await fetch(`${alertmanagerUrl}/metrics`)).text();
    const wanted = Object.entries(labels).map(([name, value]) => `${name}="${value}"`);
    return text
        .split("\n")
        .filter((line) => line.startsWith(`${metric}{`) && wanted.every((pair) => line.includes(pair)))
        .reduce((sum, line) => sum + Number(line.slice(line.lastIndexOf(" ") + 1)), 0);
}

export interface AlertmanagerAlert {
    labels: Record<string, string>;
    receivers: { name: string }[];
    status: { state: "active" | "suppressed" | "unprocessed"; inhibitedBy: string[] };
}

/** Alerts Alertmanager currently holds, with the receivers it routed them to and what inhibits them. */
export async function alertmanagerAlerts(alertmanagerUrl: string): Promise<AlertmanagerAlert[]> {
    const response = await fetch(`${alertmanagerUrl}/api/v2/alerts`);
    if (!response.ok) throw new Error(`Alertmanager /api/v2/alerts answered ${response.status}`);
    return (await response.json()) as AlertmanagerAlert[];
}

/**
 * Posts firing alerts straight to Alertmanager, as vmalert does for the stack's default rules, which
 * this path does not run. They stay firing for `forMs`.
 */
export async function postAlerts(
    alertmanagerUrl: string,
    alerts: { labels: Record<string, string>; annotations?: Record<string, string> }[],
    forMs = 10 * 60_000,
): Promise<void> {
    const endsAt = new Date(Date.now() + forMs).toISOString();
    await postToAlertmanager(
        alertmanagerUrl,
        alerts.map((alert) => ({ annotations: {}, ...alert, endsAt })),
    );
}
