// Grafana with the OnCall plugin, and the OnCall engine's public API, as far as the wiring providers use them,
// on 127.0.0.1. Shapes from grafana/oncall v1.16.9 (see the comments of src/oncall/wiring/plugin.ts, tokens.ts,
// users.ts and heartbeatProvider.ts) and Grafana's plugin settings DTO. Every request is recorded.
import { randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { HEARTBEAT_TIMEOUT_SECONDS, MAX_API_TOKENS_PER_USER, ONCALL_PLUGIN_ID } from "../../src/oncall/vocabulary";
import type { OnCallHeartbeatTimeoutInputs, OnCallWiringInputs } from "../../src/oncall/wiring/inputs";
import { pluginJsonData } from "../../src/oncall/pluginJsonData";

export const GRAFANA_PASSWORD = "Gr4fana-Admin-Passw0rd";
export const IN_CLUSTER_ENGINE = "http://oncall-engine.oncall.svc.cluster.local:8080";
export const GRAFANA_PUBLIC_URL = "http://grafana.oncall-lab.localhost:3000";
export const PLUGIN = `/api/plugins/${ONCALL_PLUGIN_ID}`;
export const USERS = "/api/v1/users/";
export const STATUS = `${PLUGIN}/resources/plugin/status`;
export const INSTALL = `${PLUGIN}/resources/plugin/install`;
export const TOKENS = `${PLUGIN}/resources/tokens/`;
/** An alert group in the engine's internal API, through the plugin's proxy (resources.go HandleInternalApi, proxy.go: api/internal/v1/). */
export const internalAlertGroup = (id: string) => `${PLUGIN}/resources/alertgroups/${id}/`;

/** A personal notification as OnCall records it: "triggered" on its channel, or "failed" with its words. */
export interface PersonalNotification {
    at: string;
    username: string;
    channel: "email" | "telegram" | "sms" | "phone_call" | "slack";
    /** OnCall's words for the failure, {{author}} for the person (user_notification_policy_log_record.py). */
    failed?: string;
}

/**
 * One entry of an alert group's render_after_resolve_report_json for a personal notification, as v1.16.9 renders it
 * (apps/base/models/user_notification_policy_log_record.py: rendered_notification_log_line_json and
 * render_log_line_action with substitute_author_with_tag; type 0 triggered, 3 failed; e-mail's label "Email").
 */
export function personalNotificationRecord(notification: PersonalNotification): Record<string, unknown> {
    const triggered = {
        email: "sent email message to {{author}}",
        telegram: "sent telegram message to {{author}}",
        sms: "sent sms to {{author}}",
        phone_call: "called {{author}} by phone",
        slack: "invited {{author}} in Slack",
    }[notification.channel];
    return {
        time: "a minute",
        action: notification.failed ?? triggered,
        realm: "user_notification",
        type: notification.failed ? 3 : 0,
        created_at: notification.at,
        author: {
            username: notification.username,
            pk: `U${notification.username.toUpperCase()}`,
            avatar: "",
            avatar_full: "",
        },
    };
}

export interface RecordedRequest {
    server: "grafana" | "oncall";
    method: string;
    path: string;
    authorization?: string;
    userAgent?: string;
    body: unknown;
}

type GrafanaRole = "Admin" | "Editor" | "Viewer";
type Reply = [number, unknown?];

/** The entries of the plugin's status answer (grafana-plugin/pkg/plugin/status.go). */
export type StatusEntry =
    | "settings"
    | "service_account_token"
    | "grafana_url_from_plugin"
    | "grafana_url_from_engine"
    | "oncall_api_url"
    | "oncall_token";

interface FakeHeartbeat {
    id: string;
    alert_receive_channel: string;
    timeout_seconds: number;
}

export class FakeLab {
    /** The fake Grafana's address, as the laptop's grafanaLocalApiUrl. */
    grafanaLocalApiUrl = "";
    /** The fake engine's address, as the laptop's oncallPublicUrl. */
    oncallPublicUrl = "";
    readonly requests: RecordedRequest[] = [];
    pluginSettings: { enabled: boolean; pinned: boolean; jsonData: Record<string, unknown> } = {
        enabled: false,
        pinned: false,
        jsonData: {},
    };
    /** The plugin installed: Grafana holds the engine's token (secureJsonData.onCallApiToken) and the engine accepts it. */
    connected = false;
    /** Install calls whose engine health check fails, as while the engine is still starting (install.go: HTTP 400). */
    installFailuresLeft = 1;
    neverConnects = false;
    /** The engine's refusal of an install, which install.go sends with HTTP 200 (errors.go OnCallError). */
    installRefusal?: { code: number; message: string; fields?: Record<string, string[]> };
    /** Status entries that are not ok whatever else holds, with their error. */
    readonly statusFailures: Partial<Record<StatusEntry, string>> = {};
    /** Every public API call answered 403 for lack of permission, as for a token of a non-admin. */
    rejectsEveryToken = false;
    readonly tokens = new Map<number, { name: string; token: string }>();
    nextTokenId = 1;
    /** Token POSTs that issue a token but whose answer is lost on the way back, as when the caller times out. */
    lostTokenAnswersLeft = 0;
    /** The users of Grafana's main org. */
    readonly grafanaUsers = new Map<string, GrafanaRole>([["admin", "Admin"]]);
    /** The users OnCall has copied from Grafana, by login. */
    readonly oncallUsers = new Map<string, { id: string; role: string }>();
    /** How often the engine's User-Agent-triggered sync may run (tf_sync.py: 60 s). */
    syncPeriodMs = 0;
    private lastSyncAt = -Infinity;
    /** The plugin's status call syncs users once, then holds its lock. */
    private statusSyncLocked = false;
    readonly heartbeats = new Map<string, FakeHeartbeat>();
    private readonly servers: Server[] = [];

    async start(): Promise<void> {
        this.grafanaLocalApiUrl = await this.listen("grafana", (req, body) => this.grafana(req, body));
        this.oncallPublicUrl = await this.listen("oncall", (req) => this.oncall(req));
    }

    async stop(): Promise<void> {
        await Promise.all(
            this.servers.map(
                (server) =>
                    new Promise((resolve) => {
                        server.close(resolve);
                        server.closeAllConnections();
                    }),
            ),
        );
    }

    inputs(overrides: Partial<OnCallWiringInputs> = {}): OnCallWiringInputs {
        return {
            grafanaLocalApiUrl: this.grafanaLocalApiUrl,
            grafanaUser: "admin",
            grafanaPassword: GRAFANA_PASSWORD,
            oncallInClusterUrl: IN_CLUSTER_ENGINE,
            grafanaPublicUrl: GRAFANA_PUBLIC_URL,
            oncallPublicUrl: this.oncallPublicUrl,
            clusterId: "cluster-1",
            userLogins: [],
            readyTimeoutSeconds: 10,
            apiTokenName: "pulumi oncall-lab",
            ...overrides,
        };
    }

    heartbeatInputs(overrides: Partial<OnCallHeartbeatTimeoutInputs> = {}): OnCallHeartbeatTimeoutInputs {
        return {
            grafanaLocalApiUrl: this.grafanaLocalApiUrl,
            grafanaUser: "admin",
            grafanaPassword: GRAFANA_PASSWORD,
            integrationId: "CINTEGRATION1",
            timeoutSeconds: 60,
            clusterId: "cluster-1",
            readyTimeoutSeconds: 10,
            ...overrides,
        };
    }

    /** The plugin connected and the engine's users copied, as after an earlier run. */
    connectedAlready(): void {
        this.pluginSettings = {
            enabled: true,
            pinned: true,
            jsonData: {
                ...pluginJsonData({ oncallInClusterUrl: IN_CLUSTER_ENGINE, grafanaPublicUrl: GRAFANA_PUBLIC_URL }),
            },
        };
        this.connected = true;
        this.installFailuresLeft = 0;
        this.syncUsers();
        this.statusSyncLocked = true;
    }

    /** A Grafana restarted without persistence: the plugin is installed but its settings and engine token are gone. */
    loseGrafanaDatabase(): void {
        this.pluginSettings = { enabled: false, pinned: false, jsonData: {} };
        this.connected = false;
    }

    /** Another Kind cluster at the same URLs: a new Grafana and engine, whose token ids start again at 1. */
    becomeNewCluster(): void {
        this.loseGrafanaDatabase();
        this.tokens.clear();
        this.nextTokenId = 1;
        this.oncallUsers.clear();
        this.statusSyncLocked = false;
        this.lastSyncAt = -Infinity;
    }

    addHeartbeat(integrationId: string, timeoutSeconds = 600): FakeHeartbeat {
        const heartbeat = {
            id: `B${randomBytes(5).toString("hex").toUpperCase()}`,
            alert_receive_channel: integrationId,
            timeout_seconds: timeoutSeconds,
        };
        this.heartbeats.set(heartbeat.id, heartbeat);
        return heartbeat;
    }

    requestsTo(method: string, pathPrefix: string): RecordedRequest[] {
        return this.requests.filter((request) => request.method === method && request.path.startsWith(pathPrefix));
    }

    private syncUsers(): void {
        for (const login of this.oncallUsers.keys()) {
            if (!this.grafanaUsers.has(login)) {
                this.oncallUsers.delete(login);
            }
        }
        for (const [login, role] of this.grafanaUsers) {
            const id = this.oncallUsers.get(login)?.id ?? `U${randomBytes(6).toString("hex").toUpperCase()}`;
            this.oncallUsers.set(login, { id, role: role.toLowerCase() });
        }
    }

    private async listen(
        server: RecordedRequest["server"],
        handle: (req: IncomingMessage, body: unknown) => Reply,
    ): Promise<string> {
        // node:http ignores the handler's promise: a throw in it (a body that is not JSON) would be an unhandled
        // rejection that ends the test process, so it answers 500 instead.
        const http = createServer((req: IncomingMessage, res: ServerResponse) => {
            serve(req, res).catch((error: unknown) => {
                res.writeHead(500, { "Content-Type": "text/plain" });
                res.end(error instanceof Error ? error.message : String(error));
            });
        });
        const serve = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
            let text = "";
            for await (const chunk of req) {
                text += chunk;
            }
            const body = text === "" ? undefined : JSON.parse(text);
            this.requests.push({
                server,
                method: req.method!,
                path: req.url!,
                authorization: req.headers.authorization,
                userAgent: req.headers["user-agent"],
                body,
            });
            const [status, reply] = handle(req, body);
            res.writeHead(status, { "Content-Type": typeof reply === "string" ? "text/plain" : "application/json" });
            res.end(reply === undefined ? "" : typeof reply === "string" ? reply : JSON.stringify(reply));
        };
        this.servers.push(http);
        await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
        return `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
    }

    private grafana(req: IncomingMessage, body: unknown): Reply {
        const expected = `Basic ${Buffer.from(`admin:${GRAFANA_PASSWORD}`).toString("base64")}`;
        if (req.headers.authorization !== expected) {
            return [401, { message: "invalid username or password" }];
        }
        const url = new URL(req.url!, this.grafanaLocalApiUrl);
        const route = `${req.method} ${url.pathname}`;
        if (route === "GET /api/user") {
            return [200, { login: "admin" }];
        }
        if (route === `GET ${PLUGIN}/settings`) {
            // Grafana lists which secure keys are stored, never their values (pkg/api/plugins.go).
            const secureJsonFields = this.connected ? { onCallApiToken: true, grafanaToken: true } : {};
            return [200, { id: ONCALL_PLUGIN_ID, ...this.pluginSettings, secureJsonFields }];
        }
        if (route === `POST ${PLUGIN}/settings`) {
            this.pluginSettings = body as typeof this.pluginSettings;
            return [200, { message: "Plugin settings updated" }];
        }
        if (route === `POST ${INSTALL}`) {
            return this.install();
        }
        if (route === `GET ${STATUS}`) {
            return [200, this.status()];
        }
        if (!url.pathname.startsWith(`${PLUGIN}/resources/`)) {
            return [404, { message: "Not found" }];
        }
        // Everything else is the engine's internal API, through the plugin's proxy.
        if (!this.connected) {
            return [401, { detail: "No token provided" }];
        }
        const internal = url.pathname.slice(`${PLUGIN}/resources/`.length);
        if (internal.startsWith("tokens/")) {
            return this.internalTokens(req.method!, internal.slice("tokens/".length), body);
        }
        if (internal.startsWith("heartbeats/")) {
            return this.internalHeartbeats(req.method!, internal.slice("heartbeats/".length), url.searchParams, body);
        }
        return [404, { detail: "Not found." }];
    }

    private install(): Reply {
        if (this.neverConnects || this.installFailuresLeft > 0) {
            this.installFailuresLeft--;
            return [
                400,
                'Get "http://oncall-engine:8080/api/internal/v1/health/": dial tcp 10.96.0.12:8080: connect: connection refused\n',
            ];
        }
        if (this.installRefusal !== undefined) {
            return [200, { onCallError: this.installRefusal }];
        }
        const { stackId, orgId } = this.pluginSettings.jsonData;
        this.connected = this.pluginSettings.enabled && stackId === 5 && orgId === 100;
        return [200];
    }

    private status(): unknown {
        const engine = this.connected ? { ok: true } : { ok: false, error: "Not validated" };
        const pluginConnection: Record<StatusEntry, { ok: boolean; error?: string }> = {
            settings: { ok: true },
            service_account_token: { ok: true },
            grafana_url_from_plugin: { ok: true },
            grafana_url_from_engine: engine,
            oncall_api_url: engine,
            oncall_token: engine,
        };
        for (const [entry, error] of Object.entries(this.statusFailures)) {
            pluginConnection[entry as StatusEntry] = { ok: false, error };
        }
        const allOk = Object.values(pluginConnection).every((entry) => entry.ok);
        if (allOk && !this.statusSyncLocked) {
            this.statusSyncLocked = true;
            this.syncUsers();
        }
        return { pluginConnection, license: "OpenSource", version: "v1.16.9" };
    }

    private internalTokens(method: string, rest: string, body: unknown): Reply {
        if (method === "GET" && rest === "") {
            return [200, [...this.tokens].map(([id, { name }]) => ({ id, name, created_at: "2026-01-01T00:00:00Z" }))];
        }
        if (method === "POST" && rest === "") {
            if (this.tokens.size >= MAX_API_TOKENS_PER_USER) {
                return [400, { detail: "Max token count" }];
            }
            const id = this.nextTokenId++;
            const token = randomBytes(32).toString("hex");
            const name = (body as { name: string }).name;
            this.tokens.set(id, { name, token });
            if (this.lostTokenAnswersLeft > 0) {
                this.lostTokenAnswersLeft--;
                return [504, "upstream request timeout"];
            }
            return [201, { id, token, name, created_at: "2026-01-01T00:00:00Z" }];
        }
        if (method === "DELETE" && /^\d+\/$/.test(rest)) {
            return this.tokens.delete(Number(rest.slice(0, -1))) ? [204] : [404, { detail: "Not found." }];
        }
        return [405];
    }

    private internalHeartbeats(method: string, rest: string, query: URLSearchParams, body: unknown): Reply {
        if (method === "GET" && rest === "") {
            const channel = query.get("alert_receive_channel");
            return [
                200,
                [...this.heartbeats.values()].filter((h) => channel === null || h.alert_receive_channel === channel),
            ];
        }
        const heartbeat = this.heartbeats.get(rest.replace(/\/$/, ""));
        if (method === "PATCH" && heartbeat !== undefined) {
            const timeout = (body as { timeout_seconds: number }).timeout_seconds;
            if (!HEARTBEAT_TIMEOUT_SECONDS.includes(timeout)) {
                return [400, { timeout_seconds: [`"${timeout}" is not a valid choice.`] }];
            }
            heartbeat.timeout_seconds = timeout;
            return [200, heartbeat];
        }
        return [404, { detail: "Not found." }];
    }

    private oncall(req: IncomingMessage): Reply {
        const authorization = req.headers.authorization;
        if (![...this.tokens.values()].some(({ token }) => token === authorization)) {
            return [403, { detail: "Invalid token." }];
        }
        if (this.rejectsEveryToken) {
            return [403, { detail: "You do not have permission to perform this action." }];
        }
        const url = new URL(req.url!, this.oncallPublicUrl);
        if (req.method === "GET" && url.pathname === `${USERS}current/`) {
            return [200, { id: this.oncallUsers.get("admin")?.id ?? "UADMIN", username: "admin", role: "admin" }];
        }
        if (req.method === "GET" && url.pathname === USERS) {
            if (
                (req.headers["user-agent"] ?? "").includes("terraform-provider-grafana") &&
                Date.now() - this.lastSyncAt >= this.syncPeriodMs
            ) {
                this.lastSyncAt = Date.now();
                this.syncUsers();
            }
            const username = url.searchParams.get("username")?.toLowerCase();
            const results = [...this.oncallUsers]
                .filter(([login]) => username === undefined || login.toLowerCase() === username)
                .map(([login, { id, role }]) => ({
                    id,
                    grafana_id: 1,
                    email: `${login}@lab.local`,
                    username: login,
                    role,
                }));
            return [
                200,
                {
                    count: results.length,
                    next: null,
                    previous: null,
                    results,
                    page_size: 100,
                    current_page_number: 1,
                    total_pages: 1,
                },
            ];
        }
        return [404, { detail: "Not found." }];
    }
}
