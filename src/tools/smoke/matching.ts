// What `npm run smoke` finds in OnCall's and Mailpit's answers: pure, so the tests feed it pages.
//
// Upstream facts this relies on:
// - OnCall v1.16.9 engine/apps/public_api: GET /api/v1/alert_groups/ lists the newest first (50 a
//   page) with `id`, `title`, `state` (firing|acknowledged|resolved|silenced), `created_at`,
//   `last_alert.payload`; the alertmanager integration stores the whole webhook body as the payload,
//   so the alert's labels are in `payload.alerts[].labels`. The title and the e-mail subject come
//   from the web title template, "<alertname> (<group label values>)", without our run label; the
//   e-mail body lists the group's common labels, which include it.
// - OnCall v1.16.9 engine/apps/email/alert_rendering.py + templates/email_notification.html: the
//   e-mail links the group as <a href="{{ url }}">, url = alert_group.web_link =
//   UIURLBuilder.alert_group_detail (engine/apps/grafana_plugin/ui_url_builder.py) =
//   urljoin(organization.grafana_url, "a/grafana-oncall-app/alert-groups/<id>").
// - Alertmanager v0.32.1 GET /api/v2/alerts?filter=alertname="<name>" answers the alerts it holds, each with the
//   `generatorURL` its sender set; OnCall's alertmanager integration shows payload.alerts[0].generatorURL as the
//   alert group's source link (engine/config_integrations/alertmanager.py source_link). vmalert builds it on its
//   -external.url, which the lab sets to Grafana's public URL (src/monitoring/values.ts).
// - Mailpit: GET /api/v1/search?query=<word> matches subject, addresses and body text and answers
//   {messages: [{ID, To: [{Name, Address}], Subject, Created, Snippet}]}; GET /api/v1/message/<ID>
//   answers the message with its `HTML` part (docs/apiv1/Message.md).
import { isRecord } from "../../shared/records";

/** Label carrying this run's id, so each step finds this run's alert and not an older one. */
export const runLabel = "smoke_run";
/** OnCall v1.16.9 engine/common/constants/plugin_ids.py: PluginID.ONCALL, the path of the plugin's pages. */
export const oncallPluginId = "grafana-oncall-app";

export interface OnCallAlertGroup {
    id: string;
    title: string | null;
    state: string;
}

/** The first alert group whose newest alert has all these labels, from a public API list page. */
export function findAlertGroupWith(listPage: unknown, labels: Record<string, string>): OnCallAlertGroup | undefined {
    const results = isRecord(listPage) && Array.isArray(listPage.results) ? listPage.results : [];
    return results.filter(isRecord).find((group) => {
        const payload = isRecord(group.last_alert) ? group.last_alert.payload : undefined;
        const alerts = isRecord(payload) && Array.isArray(payload.alerts) ? payload.alerts : [];
        return alerts.some(
            (alert) =>
                isRecord(alert) &&
                isRecord(alert.labels) &&
                Object.entries(labels).every(
                    ([name, value]) => (alert.labels as Record<string, unknown>)[name] === value,
                ),
        );
    }) as OnCallAlertGroup | undefined;
}

/** The alert group whose newest alert carries this run's label. */
export function findAlertGroup(listPage: unknown, runId: string): OnCallAlertGroup | undefined {
    return findAlertGroupWith(listPage, { [runLabel]: runId });
}

export interface MailpitMessage {
    ID: string;
    Subject: string;
    To: { Name: string; Address: string }[] | null;
}

/** Messages from a Mailpit search that went to one of the team's addresses, and those that did not. */
export function sortMessages(
    searchResult: unknown,
    teamEmails: string[],
): { toTeam?: MailpitMessage; toOthers: string[] } {
    const team = new Set(teamEmails.map((email) => email.toLowerCase()));
    const messages = (isRecord(searchResult) && Array.isArray(searchResult.messages)
        ? searchResult.messages
        : []
    ).filter(isRecord) as unknown as MailpitMessage[];
    const recipients = (message: MailpitMessage) => (message.To ?? []).map((to) => to.Address.toLowerCase());
    return {
        toTeam: messages.find((message) => recipients(message).some((address) => team.has(address))),
        toOthers: messages.flatMap(recipients).filter((address) => !team.has(address)),
    };
}

/** The link to this alert group among the e-mail's hrefs (Django escapes & as &amp;). */
export function alertGroupLink(html: string, groupId: string): string | undefined {
    const hrefs = [...html.matchAll(/href="([^"]*)"/g)].map((match) => match[1].replace(/&amp;/g, "&"));
    return hrefs.find((href) => href.includes(`/a/${oncallPluginId}/alert-groups/${groupId}`));
}

/** The generator URL of the first alert in an Alertmanager GET /api/v2/alerts answer. */
export function sourceLink(alerts: unknown): string | undefined {
    const found = (Array.isArray(alerts) ? alerts : []).find(
        (alert) => isRecord(alert) && typeof alert.generatorURL === "string",
    );
    return found ? (found as { generatorURL: string }).generatorURL : undefined;
}
