// The lab's "From alert to person" Grafana dashboard: values/dashboards/*.json, with the parts that come from
// the lab's settings (receiver names, heartbeat timeout, links) filled in. Pure: unit-tested and run through a
// real VictoriaMetrics in test/alert-path.test.ts.
import * as fs from "node:fs";
import * as path from "node:path";
import { VALUES_DIR } from "../shared/values";
import { heartbeatReceiver, oncallReceiver } from "./alerting";

/** Stable, so links and bookmarks to /d/<uid> survive re-provisioning. */
export const DASHBOARD_UID = "oncall-lab-alert-to-person";
export const DASHBOARD_FILE = "from-alert-to-person.json";
/** Label Grafana's dashboard sidecar looks for (values/grafana.yaml sidecar.dashboards.label / labelValue). */
export const DASHBOARD_SIDECAR_LABEL = { grafana_dashboard: "1" } as const;

/** OnCall's pages in Grafana (grafana-plugin/src/plugin.json `includes` at v1.16.9), relative to Grafana's root. */
export const oncallPluginPages = {
    alertGroups: "/a/grafana-oncall-app/alert-groups",
    schedules: "/a/grafana-oncall-app/schedules",
    insights: "/a/grafana-oncall-app/insights",
} as const;

// Panels the builder fills in (ids in the JSON file).
const HEARTBEAT_LAST_PING_PANEL = 6;
const LINKS_PANEL = 13;

export interface DashboardInput {
    /** OnCall raises OnCallHeartBeatMissing after this many seconds without a ping. */
    heartbeatTimeoutSeconds: number;
    /** Mailpit's web UI on the laptop; absent when OnCall mails through a real SMTP server. */
    mailPublicUrl?: string;
}

export interface DashboardPanel {
    id: number;
    type: string;
    title: string;
    targets?: { expr: string; refId: string }[];
    fieldConfig?: { defaults: { thresholds?: { steps: { color: string; value: number | null }[] } } };
    options?: { mode?: string; content?: string };
}

export interface Dashboard {
    uid: string;
    title: string;
    templating: { list: { name: string; type: string; query: string }[] };
    panels: DashboardPanel[];
}

function panel(dashboard: Dashboard, id: number): DashboardPanel {
    const found = dashboard.panels.find((candidate) => candidate.id === id);
    if (!found) throw new Error(`values/dashboards/${DASHBOARD_FILE} has no panel with id ${id}`);
    return found;
}

function linksMarkdown(mailPublicUrl: string | undefined): string {
    const mailbox = mailPublicUrl
        ? `[Mailpit](${mailPublicUrl}): the e-mails OnCall sent`
        : "Mailpit: not deployed (OnCall mails through the configured SMTP server)";
    return [
        `[Alert groups](${oncallPluginPages.alertGroups}): what OnCall opened, who acknowledged it`,
        `[Schedules](${oncallPluginPages.schedules}): who is on call now`,
        `[Insights](${oncallPluginPages.insights}): OnCall's own charts of the same metrics`,
        mailbox,
    ]
        .map((line) => `- ${line}`)
        .join("\n");
}

/** The dashboard as Grafana's sidecar provisions it. */
export function buildDashboard(input: DashboardInput): Dashboard {
    if (!(Number.isInteger(input.heartbeatTimeoutSeconds) && input.heartbeatTimeoutSeconds > 0)) {
        throw new Error(`heartbeat timeout must be a whole number of seconds, got ${input.heartbeatTimeoutSeconds}`);
    }
    const dashboard = JSON.parse(
        fs.readFileSync(path.join(VALUES_DIR, "dashboards", DASHBOARD_FILE), "utf8"),
    ) as Dashboard;
    if (dashboard.uid !== DASHBOARD_UID) {
        throw new Error(
            `values/dashboards/${DASHBOARD_FILE} must keep uid "${DASHBOARD_UID}" (dashboardUrl links to it), got "${dashboard.uid}"`,
        );
    }
    const constants: Record<string, string> = {
        paging_receiver: oncallReceiver,
        heartbeat_receiver: heartbeatReceiver,
        heartbeat_timeout: String(input.heartbeatTimeoutSeconds),
    };
    for (const variable of dashboard.templating.list) {
        if (variable.name in constants) variable.query = constants[variable.name];
    }
    // Red from the timeout on: the moment OnCall opens OnCallHeartBeatMissing.
    const steps = panel(dashboard, HEARTBEAT_LAST_PING_PANEL).fieldConfig?.defaults.thresholds?.steps ?? [];
    if (steps.length < 2)
        throw new Error(
            `values/dashboards/${DASHBOARD_FILE}: panel ${HEARTBEAT_LAST_PING_PANEL} needs a green and a red threshold`,
        );
    steps[steps.length - 1].value = input.heartbeatTimeoutSeconds;
    panel(dashboard, LINKS_PANEL).options = { mode: "markdown", content: linksMarkdown(input.mailPublicUrl) };
    return dashboard;
}
