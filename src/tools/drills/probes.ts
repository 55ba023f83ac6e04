// What a drill reads from the running lab while it watches a page travel, and the marks it leaves on Grafana.
//
// vmalert (app/vmalert, /api/v1/alerts): {data: {alerts: [{name, state: "pending" | "firing", activeAt, labels}]}};
// activeAt is when the rule's expression first matched (pending began).
// Alertmanager (notify/notify.go): alertmanager_notifications_total and alertmanager_notifications_failed_total per
// integration, with `receiver_name` when the lab's receiver-name-in-metrics feature is on (Debian's 0.25 has none).
// OnCall v1.16.9 public API: alert groups through the shared client (oncallAlertGroups.ts). It keeps no record of
// who was notified how in that API (no log or notification endpoint under engine/apps/public_api): the e-mails in
// Mailpit (api/v1/search: messages[] with To[].Address and Created) show who was paged by e-mail.
// OnCall's record of who was notified how is in its internal API, which Grafana's OnCall plugin proxies
// (grafana-plugin/pkg/plugin/resources.go: every other path under /api/plugins/grafana-oncall-app/resources/ goes to
// HandleInternalApi; proxy.go: ProxyRequestToOnCall joins it onto the engine's URL under api/internal/v1/ and sends the
// plugin's token with the Grafana user who asked; Grafana's basic auth of the lab's admin is enough). GET
// alertgroups/<id>/ (engine/apps/api/urls.py, views/alert_group.py retrieve, serializers/alert_group.py
// AlertGroupSerializer) answers render_after_resolve_report_json (models/alert_group.py): for each personal
// notification (apps/base/models/user_notification_policy_log_record.py, rendered_notification_log_line_json)
// {realm: "user_notification", type: 0 triggered | 1 finished | 2 success | 3 failed, created_at, author: {username,
// pk}, action}; the action of a triggered one names the channel ("sent email message to {{author}}", "sent telegram
// message to {{author}}", "sent sms to", "called {{author}} by phone", "invited {{author}} in Slack"), a failed one
// says why ("failed to send telegram message to {{author}}, because ...").
// Grafana (HTTP API, annotations): POST /api/annotations {dashboardUID, time, tags, text}, basic auth.
import { oncallReceiver } from "../../monitoring/alerting";
import { ONCALL_PLUGIN_ID } from "../../oncall/vocabulary";
import { isRecord } from "../../shared/records";
import { withTrailingSlash } from "../../shared/urls";
import { createdSince } from "../e2e/oncallApi";
import { basicAuthorization } from "../../shared/basicAuth";
import { getJson, getText, postJson } from "../shared/http";
import { AlertGroupsClient } from "../shared/oncallAlertGroups";

export interface DrillUrls {
    vmalertUrl: string;
    alertmanagerUrl: string;
    oncallUrl: string;
    oncallApiToken: string;
    /** Mailpit; undefined on a lab that sends real e-mail (smtpHost). */
    mailUrl?: string;
    grafanaUrl: string;
    grafanaAdminUser: string;
    grafanaAdminPassword: string;
}

export interface RuleState {
    state: string;
    activeAtMs?: number;
}

export interface Mail {
    id: string;
    to: string[];
    atMs: number;
}

/** One personal notification in OnCall's record of an alert group. */
export interface Notification {
    person: string;
    /** "e-mail", "Telegram", "SMS", "phone call", "Slack", or the backend's own label. */
    channel: string;
    atMs: number;
    /** OnCall's words when the notification failed. */
    failed?: string;
}

/** The personal notifications (triggered or failed) in an alert group's render_after_resolve_report_json. */
export function notificationsOf(group: unknown): Notification[] {
    const log =
        isRecord(group) && Array.isArray(group.render_after_resolve_report_json)
            ? group.render_after_resolve_report_json.filter(isRecord)
            : [];
    const found: Notification[] = [];
    for (const record of log) {
        if (
            record.realm !== "user_notification" ||
            (record.type !== 0 && record.type !== 3) ||
            typeof record.action !== "string"
        )
            continue;
        const person =
            isRecord(record.author) && typeof record.author.username === "string" ? record.author.username : "someone";
        const action = record.action.replaceAll("{{author}}", person);
        const atMs = timeOf(record.created_at) ?? 0;
        if (record.type === 3) {
            found.push({ person, channel: channelOf(record.action) ?? "?", atMs, failed: action });
            continue;
        }
        const channel = channelOf(record.action);
        if (channel) found.push({ person, channel, atMs });
    }
    return found.sort((a, b) => a.atMs - b.atMs);
}

function channelOf(action: string): string | undefined {
    const text = action.toLowerCase();
    if (/\bemail\b|\bmails?\b/.test(text)) return "e-mail";
    if (text.includes("telegram")) return "Telegram";
    if (/\bsms\b/.test(text)) return "SMS";
    if (text.includes("by phone") || text.includes("call")) return "phone call";
    if (text.includes("slack")) return "Slack";
    const backend = /^sent (.+) message to /.exec(text);
    return backend ? backend[1] : undefined;
}

export interface Group {
    id: string;
    state: string;
    createdMs?: number;
    acknowledgedMs?: number;
    acknowledgedBy?: string;
    resolvedMs?: number;
    link?: string;
}

const timeOf = (value: unknown): number | undefined => {
    const at = typeof value === "string" ? Date.parse(value) : Number.NaN;
    return Number.isFinite(at) ? at : undefined;
};

/** The sum of a counter's samples whose labels contain every `wanted` pair. */
export function counterSum(metrics: string, name: string, wanted: Record<string, string>): number {
    let sum = 0;
    for (const line of metrics.split("\n")) {
        const match = new RegExp(`^${name}(\\{[^}]*\\})?\\s+(\\S+)`).exec(line);
        if (!match) continue;
        const labels = match[1] ?? "";
        if (Object.entries(wanted).every(([key, value]) => labels.includes(`${key}="${value}"`)))
            sum += Number(match[2]);
    }
    return sum;
}

export class DrillLab {
    readonly groups: AlertGroupsClient;

    constructor(readonly urls: DrillUrls) {
        this.groups = new AlertGroupsClient(urls.oncallUrl, urls.oncallApiToken);
    }

    /** The rule's alert whose labels mention `mark`, as vmalert sees it now. */
    async ruleState(alertName: string, mark: string): Promise<RuleState | undefined> {
        const body = await getJson(new URL("api/v1/alerts", withTrailingSlash(this.urls.vmalertUrl)), {
            accept: "application/json",
        });
        const alerts =
            isRecord(body) && isRecord(body.data) && Array.isArray(body.data.alerts)
                ? body.data.alerts.filter(isRecord)
                : [];
        const alert = alerts.find(
            (candidate) => candidate.name === alertName && JSON.stringify(candidate.labels ?? {}).includes(mark),
        );
        return alert ? { state: String(alert.state), activeAtMs: timeOf(alert.activeAt) } : undefined;
    }

    /** Webhook notifications Alertmanager sent without failing: to OnCall's receiver when the metrics name receivers. */
    async notificationsSent(): Promise<number> {
        const metrics = await getText(new URL("metrics", withTrailingSlash(this.urls.alertmanagerUrl)));
        const wanted: Record<string, string> = {
            integration: "webhook",
            ...(metrics.includes('receiver_name="') ? { receiver_name: oncallReceiver } : {}),
        };
        return (
            counterSum(metrics, "alertmanager_notifications_total", wanted) -
            counterSum(metrics, "alertmanager_notifications_failed_total", wanted)
        );
    }

    /** The newest alert group that mentions `mark` and opened at or after `sinceMs`. */
    async findGroup(mark: string, sinceMs: number): Promise<Group | undefined> {
        const page = await this.groups.listPage();
        const results = isRecord(page) && Array.isArray(page.results) ? page.results.filter(isRecord) : [];
        const found = results.find(
            (group) =>
                JSON.stringify([group.title, group.last_alert]).includes(mark) &&
                createdSince(group.created_at, sinceMs),
        );
        return found ? this.groupOf(found) : undefined;
    }

    async group(id: string): Promise<Group> {
        const answer = await this.groups.get(id);
        if (!isRecord(answer)) throw new Error(`OnCall answered no alert group ${id}`);
        return this.groupOf(answer);
    }

    private async groupOf(group: Record<string, unknown>): Promise<Group> {
        const permalinks = isRecord(group.permalinks) ? group.permalinks : {};
        let acknowledgedBy: string | undefined;
        if (typeof group.acknowledged_by === "string") {
            const user = await this.groups.user(group.acknowledged_by).catch(() => undefined);
            acknowledgedBy =
                isRecord(user) && typeof user.username === "string" ? user.username : group.acknowledged_by;
        }
        return {
            id: String(group.id),
            state: String(group.state),
            createdMs: timeOf(group.created_at),
            acknowledgedMs: timeOf(group.acknowledged_at),
            acknowledgedBy,
            resolvedMs: timeOf(group.resolved_at),
            link: typeof permalinks.web === "string" ? permalinks.web : undefined,
        };
    }

    acknowledge(id: string): Promise<unknown> {
        return this.groups.acknowledge(id);
    }

    /** OnCall's record of who was notified how, through the Grafana plugin's proxy to the engine's internal API. */
    async notifications(groupId: string): Promise<Notification[]> {
        const url = new URL(
            `api/plugins/${ONCALL_PLUGIN_ID}/resources/alertgroups/${encodeURIComponent(groupId)}/`,
            withTrailingSlash(this.urls.grafanaUrl),
        );
        return notificationsOf(await getJson(url, { accept: "application/json", Authorization: this.basicAuth() }));
    }

    private basicAuth(): string {
        return basicAuthorization(this.urls.grafanaAdminUser, this.urls.grafanaAdminPassword);
    }

    /** E-mails in Mailpit that mention `mark`, received at or after `sinceMs`, oldest first. */
    async mails(mark: string, sinceMs: number): Promise<Mail[]> {
        if (!this.urls.mailUrl) return [];
        const url = new URL("api/v1/search", withTrailingSlash(this.urls.mailUrl));
        url.searchParams.set("query", mark);
        const body = await getJson(url, { accept: "application/json" });
        const messages = isRecord(body) && Array.isArray(body.messages) ? body.messages.filter(isRecord) : [];
        return messages
            .filter((message) => createdSince(message.Created, sinceMs))
            .map((message) => ({
                id: String(message.ID),
                to: (Array.isArray(message.To) ? message.To.filter(isRecord) : []).map((to) => String(to.Address)),
                atMs: timeOf(message.Created) ?? 0,
            }))
            .sort((a, b) => a.atMs - b.atMs);
    }

    /** One annotation on the "From alert to person" dashboard. */
    async annotate(dashboardUid: string, atMs: number, text: string, tags: string[]): Promise<void> {
        const url = new URL("api/annotations", withTrailingSlash(this.urls.grafanaUrl));
        await postJson(
            url,
            { Authorization: this.basicAuth() },
            { dashboardUID: dashboardUid, time: atMs, tags, text },
        );
    }
}
