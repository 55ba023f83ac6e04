// Local HTTP stand-ins on 127.0.0.1 for what `npm run smoke` talks to: Alertmanager (records the
// posted alerts), OnCall's public API (an alert group appears once an alert was posted, and is
// resolved once one was posted with endsAt in the past), Mailpit's search and message (the page
// arrives once the alert was posted, unless told it never comes; its HTML links the alert group as
// OnCall's e-mail template does) and Grafana (answers the plugin's pages only for the Host of
// grafanaUrl: a name under .localhost reached through 127.0.0.1, or with `grafanaDirect` its own
// http://127.0.0.1:<port>, as an Ingress host is asked as it is). Shapes follow the upstream
// sources named in src/tools/smoke/smoke.ts.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { PostableAlert } from "../../../src/tools/shared/http";

export interface StandInOptions {
    oncallToken: string;
    /** Who OnCall e-mails; undefined: no e-mail ever arrives. */
    recipient?: string;
    /** Delay after the firing post before OnCall shows the alert group. */
    alertGroupDelayMs: number;
    /** Delay after the alert group before the e-mail arrives. */
    emailDelayMs: number;
    /** Delay after the clearing post before OnCall resolves the group. */
    resolveDelayMs: number;
    /** Where the e-mail's link points; default: the stand-in Grafana's grafanaUrl. */
    linkBase?: string;
    /** Where the Watchdog's generatorURL points (vmalert's -external.url); default: grafanaUrl; null: no Watchdog. */
    sourceBase?: string | null;
    /** grafanaUrl is http://127.0.0.1:<port>, not a .localhost name. */
    grafanaDirect?: boolean;
}

export interface StandIns {
    alertmanagerUrl: string;
    oncallUrl: string;
    mailUrl: string;
    /** http://grafana.oncall-lab.localhost:<port>: answers on 127.0.0.1 with that Host only. */
    grafanaUrl: string;
    /** Host headers Grafana saw. */
    grafanaHosts: string[];
    /** User-Agent headers Grafana saw: fetch sends one, the request through 127.0.0.1 none. */
    grafanaUserAgents: string[];
    /** Every alert posted to Alertmanager, with when it arrived. */
    posted: { alert: PostableAlert; at: number }[];
    /** Authorization headers OnCall saw. */
    oncallAuthorizations: string[];
    stop(): Promise<void>;
}

export type Handler = (
    request: IncomingMessage,
    url: URL,
    body: string,
) => { status: number; json: unknown; headers?: Record<string, string> };

/** One stand-in server on 127.0.0.1: JSON answers, or text as it is when the handler says text/plain. */
export async function serve(handler: Handler): Promise<{ server: Server; url: string }> {
    const server = createServer((request: IncomingMessage, response: ServerResponse) => {
        let body = "";
        request.on("data", (chunk: Buffer) => (body += chunk.toString()));
        request.on("end", () => {
            const { status, json, headers } = handler(request, new URL(request.url ?? "/", "http://127.0.0.1"), body);
            response.writeHead(status, { "content-type": "application/json", ...headers });
            response.end(headers?.["content-type"]?.startsWith("text/") ? String(json) : JSON.stringify(json));
        });
    });
    await new Promise<void>((ready) => server.listen(0, "127.0.0.1", ready));
    return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

// An alert group from another alert, listed first, so the smoke has to pick its own by label.
const otherGroup = {
    id: "IOTHER",
    title: "TargetDown (default)",
    state: "firing",
    created_at: new Date(0).toISOString(),
    last_alert: { payload: { status: "firing", alerts: [{ labels: { alertname: "TargetDown" } }] } },
};

export async function startStandIns(options: StandInOptions): Promise<StandIns> {
    const posted: StandIns["posted"] = [];
    const oncallAuthorizations: string[] = [];
    const firing = () => posted.find((entry) => Date.parse(entry.alert.endsAt) > entry.at);
    const cleared = () => posted.find((entry) => Date.parse(entry.alert.endsAt) <= entry.at);

    const alertGroup = () => {
        const fired = firing();
        if (fired === undefined || Date.now() < fired.at + options.alertGroupDelayMs) return undefined;
        const clear = cleared();
        const resolved = clear !== undefined && Date.now() >= clear.at + options.resolveDelayMs;
        const labels = fired.alert.labels;
        // As Alertmanager's webhook body, which OnCall's alertmanager integration keeps as the payload.
        const payload = {
            status: resolved ? "resolved" : "firing",
            groupLabels: { alertname: labels.alertname, namespace: labels.namespace },
            commonLabels: labels,
            alerts: [{ status: resolved ? "resolved" : "firing", labels }],
        };
        return {
            id: "ISMOKE1",
            integration_id: "CINTEGRATION",
            title: `${labels.alertname} (${labels.namespace})`,
            state: resolved ? "resolved" : "firing",
            created_at: new Date(fired.at + options.alertGroupDelayMs).toISOString(),
            resolved_at: resolved ? new Date().toISOString() : null,
            last_alert: { id: "AALERT", alert_group_id: "ISMOKE1", payload },
        };
    };

    const alertmanager = await serve((request, url, body) => {
        if (url.pathname !== "/api/v2/alerts") return { status: 404, json: {} };
        if (request.method === "GET") {
            const base = options.sourceBase === undefined ? grafanaUrl : options.sourceBase;
            const watchdog = {
                labels: { alertname: "Watchdog" },
                generatorURL: `${base}/explore?left=%7B%7D`,
                status: { state: "active" },
            };
            const wanted = url.searchParams.get("filter") === 'alertname="Watchdog"';
            return { status: 200, json: base !== null && wanted ? [watchdog] : [] };
        }
        if (request.method !== "POST") return { status: 404, json: {} };
        for (const alert of JSON.parse(body) as PostableAlert[]) posted.push({ alert, at: Date.now() });
        return { status: 200, json: {} };
    });

    const oncall = await serve((request, url) => {
        oncallAuthorizations.push(request.headers.authorization ?? "");
        if (request.headers.authorization !== options.oncallToken)
            return { status: 401, json: { detail: "Invalid token." } };
        const group = alertGroup();
        if (url.pathname === "/api/v1/alert_groups/") {
            const results = [otherGroup, ...(group ? [group] : [])];
            return { status: 200, json: { count: results.length, next: null, previous: null, results, page_size: 50 } };
        }
        if (group !== undefined && url.pathname === `/api/v1/alert_groups/${group.id}/`)
            return { status: 200, json: group };
        return { status: 404, json: { detail: "Not found." } };
    });

    const grafanaHosts: string[] = [];
    const grafanaUserAgents: string[] = [];
    const grafana = await serve((request, url) => {
        grafanaHosts.push(request.headers.host ?? "");
        grafanaUserAgents.push(request.headers["user-agent"] ?? "");
        if (request.headers.host !== new URL(grafanaUrl).host)
            return { status: 404, json: { message: "unknown host" } };
        if (!url.pathname.startsWith("/a/grafana-oncall-app/alert-groups/")) return { status: 404, json: {} };
        // Not logged in: Grafana sends the browser to its login page.
        return { status: 302, json: {}, headers: { location: "/login" } };
    });
    const grafanaUrl = options.grafanaDirect
        ? grafana.url
        : `http://grafana.oncall-lab.localhost:${new URL(grafana.url).port}`;
    const linkBase = options.linkBase ?? grafanaUrl;

    const mailpit = await serve((_request, url) => {
        if (url.pathname === "/api/v1/message/m1") {
            const html =
                '<p>Status: firing</p>\n<a href="' +
                linkBase +
                '/a/grafana-oncall-app/alert-groups/ISMOKE1">Alert Group #1</a> from ' +
                'VictoriaMetrics Alertmanager\n<a href="http://grafana.grafana.svc.cluster.local">instance</a>';
            return { status: 200, json: { ID: "m1", HTML: html, Text: "Status: firing" } };
        }
        if (url.pathname !== "/api/v1/search") return { status: 404, json: {} };
        const query = (url.searchParams.get("query") ?? "").toLowerCase();
        const fired = firing();
        const messages = [
            { ID: "m0", Subject: "Welcome", To: [{ Name: "", Address: "someone@example.com" }], Snippet: "hello" },
        ];
        if (options.recipient && fired && Date.now() >= fired.at + options.alertGroupDelayMs + options.emailDelayMs) {
            const labels = fired.alert.labels;
            messages.unshift({
                ID: "m1",
                Subject: `${labels.alertname} (${labels.namespace})`,
                To: [{ Name: "", Address: options.recipient }],
                Snippet: `Status: firing CommonLabels: - smoke_run: ${labels.smoke_run}`,
            });
        }
        // Mailpit matches the word in subject, addresses and body text; the snippet stands in for the body.
        const found = messages.filter((message) => JSON.stringify(message).toLowerCase().includes(query));
        return {
            status: 200,
            json: { total: messages.length, messages_count: found.length, start: 0, messages: found },
        };
    });

    return {
        alertmanagerUrl: alertmanager.url,
        oncallUrl: oncall.url,
        mailUrl: mailpit.url,
        grafanaUrl,
        grafanaHosts,
        grafanaUserAgents,
        posted,
        oncallAuthorizations,
        async stop() {
            for (const { server } of [alertmanager, oncall, mailpit, grafana]) {
                server.closeAllConnections();
                await new Promise<void>((closed) => server.close(() => closed()));
            }
        },
    };
}
