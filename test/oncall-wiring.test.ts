import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createRequire } from "node:module";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import {
    inClusterWebhookUrl,
    OnCallHeartbeatTimeoutInputs,
    OnCallHeartbeatTimeoutOutputs,
    oncallHeartbeatTimeoutProvider,
    OnCallWiringInputs,
    OnCallWiringOutputs,
    oncallWiringProvider,
    pluginJsonData,
} from "../src/oncall/wiring/wiring";

const provider = oncallWiringProvider as Required<typeof oncallWiringProvider>;
const heartbeatProvider = oncallHeartbeatTimeoutProvider as Required<typeof oncallHeartbeatTimeoutProvider>;

/** create() with its outputs, which these providers always return. */
async function createWiring(inputs: OnCallWiringInputs): Promise<{ id: string; outs: OnCallWiringOutputs }> {
    const { id, outs } = await provider.create(inputs);
    expect(outs).toBeDefined();
    return { id, outs: outs! };
}

async function createHeartbeat(inputs: OnCallHeartbeatTimeoutInputs): Promise<{ id: string; outs: OnCallHeartbeatTimeoutOutputs }> {
    const { id, outs } = await heartbeatProvider.create(inputs);
    expect(outs).toBeDefined();
    return { id, outs: outs! };
}

async function failure(promise: Promise<unknown>): Promise<Error> {
    return promise.then(() => new Error("succeeded"), (error: Error) => error);
}

/** A URL on which nothing listens: connections are refused at once, like a lab whose cluster is gone. */
async function closedPortUrl(): Promise<string> {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    await new Promise((resolve) => server.close(resolve));
    return `http://127.0.0.1:${port}`;
}

const GRAFANA_PASSWORD = "Gr4fana-Admin-Passw0rd";
const IN_CLUSTER_ENGINE = "http://oncall-engine.oncall.svc.cluster.local:8080";
const IN_CLUSTER_GRAFANA = "http://grafana.grafana.svc.cluster.local";
const PLUGIN = "/api/plugins/grafana-oncall-app";
const USERS = "/api/v1/users/";

describe("pluginJsonData", () => {
    it("uses the self-hosted stack and org ids and both in-cluster URLs", () => {
        expect(pluginJsonData({ onCallApiUrl: IN_CLUSTER_ENGINE, grafanaInClusterUrl: IN_CLUSTER_GRAFANA })).toEqual({
            stackId: 5,
            orgId: 100,
            onCallApiUrl: IN_CLUSTER_ENGINE,
            grafanaUrl: IN_CLUSTER_GRAFANA,
        });
    });
});

describe("inClusterWebhookUrl", () => {
    const token = "Zx8kQ2vN5mP7rT1wY4bC6dF9h";

    it("moves the integration path, trailing slash included, onto the in-cluster engine", () => {
        const link = `http://127.0.0.1:8080/integrations/v1/alertmanager/${token}/`;
        const expected = `${IN_CLUSTER_ENGINE}/integrations/v1/alertmanager/${token}/`;
        expect(inClusterWebhookUrl(link, IN_CLUSTER_ENGINE)).toBe(expected);
        expect(inClusterWebhookUrl(link, `${IN_CLUSTER_ENGINE}/`)).toBe(expected);
    });

    it("drops a path prefix of OnCall's public base URL", () => {
        const link = `https://lab.example/oncall/integrations/v1/alertmanager/${token}/`;
        expect(inClusterWebhookUrl(link, IN_CLUSTER_ENGINE)).toBe(`${IN_CLUSTER_ENGINE}/integrations/v1/alertmanager/${token}/`);
    });

    it.each([
        ["without the trailing slash", `http://127.0.0.1:8080/integrations/v1/alertmanager/${token}`],
        ["of another integration type", `http://127.0.0.1:8080/integrations/v1/webhook/${token}/`],
        ["without a token", "http://127.0.0.1:8080/integrations/v1/alertmanager/"],
        ["that is not a URL", `integrations/v1/alertmanager/${token}/`],
    ])("rejects a link %s, without echoing its token", (_case, link) => {
        let message = "";
        try {
            inClusterWebhookUrl(link, IN_CLUSTER_ENGINE);
        } catch (error) {
            message = (error as Error).message;
        }
        expect(message).toMatch(/integrations\/v1\/alertmanager\/<token>\//);
        expect(message).not.toContain(token);
    });
});

interface RecordedRequest {
    server: "grafana" | "oncall";
    method: string;
    path: string;
    authorization?: string;
    userAgent?: string;
    body: unknown;
}

type GrafanaRole = "Admin" | "Editor" | "Viewer";

interface FakeHeartbeat {
    id: string;
    alert_receive_channel: string;
    timeout_seconds: number;
}

/**
 * Grafana with the OnCall plugin, and the OnCall engine's public API, as far as the providers use them
 * (shapes from grafana/oncall v1.16.9: see the comment at the top of src/oncall/wiring/wiring.ts).
 */
class FakeCluster extends pulumi.CustomResource {
    constructor(name: string) {
        super("test:index:Cluster", name, {});
    }
}

class FakeLab {
    grafanaUrl = "";
    oncallUrl = "";
    readonly requests: RecordedRequest[] = [];
    pluginSettings: { enabled: boolean; pinned: boolean; jsonData: Record<string, unknown> } = { enabled: false, pinned: false, jsonData: {} };
    connected = false;
    /** Install calls answered as if the engine were still starting. */
    installFailuresLeft = 1;
    neverConnects = false;
    /** Every public API call answered 403 for lack of permission, as for a token of a non-admin. */
    rejectsEveryToken = false;
    readonly tokens = new Map<number, { name: string; token: string }>();
    nextTokenId = 1;
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
        this.grafanaUrl = await this.listen("grafana", (req, body) => this.grafana(req, body));
        this.oncallUrl = await this.listen("oncall", (req) => this.oncall(req));
    }

    async stop(): Promise<void> {
        await Promise.all(this.servers.map((server) => new Promise((resolve) => {
            server.close(resolve);
            server.closeAllConnections();
        })));
    }

    inputs(overrides: Partial<OnCallWiringInputs> = {}): OnCallWiringInputs {
        return {
            grafanaUrl: this.grafanaUrl,
            grafanaUser: "admin",
            grafanaPassword: GRAFANA_PASSWORD,
            onCallApiUrl: IN_CLUSTER_ENGINE,
            grafanaInClusterUrl: IN_CLUSTER_GRAFANA,
            oncallUrl: this.oncallUrl,
            clusterId: "cluster-1",
            userLogins: [],
            readyTimeoutSeconds: 10,
            apiTokenName: "pulumi oncall-lab",
            ...overrides,
        };
    }

    heartbeatInputs(overrides: Partial<OnCallHeartbeatTimeoutInputs> = {}): OnCallHeartbeatTimeoutInputs {
        return {
            grafanaUrl: this.grafanaUrl,
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
        this.pluginSettings = { enabled: true, pinned: true, jsonData: { ...pluginJsonData({ onCallApiUrl: IN_CLUSTER_ENGINE, grafanaInClusterUrl: IN_CLUSTER_GRAFANA }) } };
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
        const heartbeat = { id: `B${randomBytes(5).toString("hex").toUpperCase()}`, alert_receive_channel: integrationId, timeout_seconds: timeoutSeconds };
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
        handle: (req: IncomingMessage, body: unknown) => [number, unknown?],
    ): Promise<string> {
        const http = createServer(async (req: IncomingMessage, res: ServerResponse) => {
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
        });
        this.servers.push(http);
        await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
        return `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
    }

    private grafana(req: IncomingMessage, body: unknown): [number, unknown?] {
        const expected = `Basic ${Buffer.from(`admin:${GRAFANA_PASSWORD}`).toString("base64")}`;
        if (req.headers.authorization !== expected) {
            return [401, { message: "invalid username or password" }];
        }
        const url = new URL(req.url!, this.grafanaUrl);
        const route = `${req.method} ${url.pathname}`;
        if (route === "GET /api/user") {
            return [200, { login: "admin" }];
        }
        if (route === `GET ${PLUGIN}/settings`) {
            return [200, { id: "grafana-oncall-app", ...this.pluginSettings }];
        }
        if (route === `POST ${PLUGIN}/settings`) {
            this.pluginSettings = body as typeof this.pluginSettings;
            return [200, { message: "Plugin settings updated" }];
        }
        if (route === `POST ${PLUGIN}/resources/plugin/install`) {
            if (this.neverConnects || this.installFailuresLeft > 0) {
                this.installFailuresLeft--;
                return [502, 'Get "http://oncall-engine:8080/api/internal/v1/health/": connection refused'];
            }
            const { stackId, orgId } = this.pluginSettings.jsonData;
            this.connected = this.pluginSettings.enabled && stackId === 5 && orgId === 100;
            return [200];
        }
        if (route === `GET ${PLUGIN}/resources/plugin/status`) {
            const entry = this.connected ? { ok: true } : { ok: false, error: "Not validated" };
            if (this.connected && !this.statusSyncLocked) {
                this.statusSyncLocked = true;
                this.syncUsers();
            }
            return [200, {
                pluginConnection: {
                    settings: { ok: true },
                    service_account_token: { ok: true },
                    grafana_url_from_plugin: { ok: true },
                    grafana_url_from_engine: entry,
                    oncall_api_url: entry,
                    oncall_token: entry,
                },
                license: "OpenSource",
                version: "v1.16.9",
            }];
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

    private internalTokens(method: string, rest: string, body: unknown): [number, unknown?] {
        if (method === "GET" && rest === "") {
            return [200, [...this.tokens].map(([id, { name }]) => ({ id, name, created_at: "2026-01-01T00:00:00Z" }))];
        }
        if (method === "POST" && rest === "") {
            if (this.tokens.size >= 5) {
                return [400, { detail: "Max token count" }];
            }
            const id = this.nextTokenId++;
            const token = randomBytes(32).toString("hex");
            const name = (body as { name: string }).name;
            this.tokens.set(id, { name, token });
            return [201, { id, token, name, created_at: "2026-01-01T00:00:00Z" }];
        }
        if (method === "DELETE" && /^\d+\/$/.test(rest)) {
            return this.tokens.delete(Number(rest.slice(0, -1))) ? [204] : [404, { detail: "Not found." }];
        }
        return [405];
    }

    private internalHeartbeats(method: string, rest: string, query: URLSearchParams, body: unknown): [number, unknown?] {
        if (method === "GET" && rest === "") {
            const channel = query.get("alert_receive_channel");
            return [200, [...this.heartbeats.values()].filter((h) => channel === null || h.alert_receive_channel === channel)];
        }
        const heartbeat = this.heartbeats.get(rest.replace(/\/$/, ""));
        if (method === "PATCH" && heartbeat !== undefined) {
            const timeout = (body as { timeout_seconds: number }).timeout_seconds;
            if (![60, 120, 180, 300, 600, 900, 1800, 3600, 43200, 86400].includes(timeout)) {
                return [400, { timeout_seconds: [`"${timeout}" is not a valid choice.`] }];
            }
            heartbeat.timeout_seconds = timeout;
            return [200, heartbeat];
        }
        return [404, { detail: "Not found." }];
    }

    private oncall(req: IncomingMessage): [number, unknown?] {
        const authorization = req.headers.authorization;
        if (![...this.tokens.values()].some(({ token }) => token === authorization)) {
            return [403, { detail: "Invalid token." }];
        }
        if (this.rejectsEveryToken) {
            return [403, { detail: "You do not have permission to perform this action." }];
        }
        const url = new URL(req.url!, this.oncallUrl);
        if (req.method === "GET" && url.pathname === `${USERS}current/`) {
            return [200, { id: this.oncallUsers.get("admin")?.id ?? "UADMIN", username: "admin", role: "admin" }];
        }
        if (req.method === "GET" && url.pathname === USERS) {
            if ((req.headers["user-agent"] ?? "").includes("terraform-provider-grafana") && Date.now() - this.lastSyncAt >= this.syncPeriodMs) {
                this.lastSyncAt = Date.now();
                this.syncUsers();
            }
            const username = url.searchParams.get("username")?.toLowerCase();
            const results = [...this.oncallUsers]
                .filter(([login]) => username === undefined || login.toLowerCase() === username)
                .map(([login, { id, role }]) => ({ id, grafana_id: 1, email: `${login}@lab.local`, username: login, role }));
            return [200, { count: results.length, next: null, previous: null, results, page_size: 100, current_page_number: 1, total_pages: 1 }];
        }
        return [404, { detail: "Not found." }];
    }
}

describe("oncallWiringProvider against a fake Grafana and OnCall", () => {
    let lab: FakeLab;

    beforeEach(async () => {
        lab = new FakeLab();
        await lab.start();
    });

    afterEach(async () => {
        vi.restoreAllMocks();
        await lab.stop();
    });

    it("connects the plugin enabled and pinned, issues a token and returns the OnCall id of every login", async () => {
        lab.grafanaUsers.set("alice", "Editor").set("bob", "Admin");
        const inputs = lab.inputs({ userLogins: ["alice", "Bob"] });

        const { id, outs } = await createWiring(inputs);

        expect(lab.requestsTo("POST", `${PLUGIN}/settings`).map((request) => request.body)).toEqual([
            { enabled: true, pinned: true, jsonData: { stackId: 5, orgId: 100, onCallApiUrl: IN_CLUSTER_ENGINE, grafanaUrl: IN_CLUSTER_GRAFANA } },
        ]);
        // The first install meets an engine still starting; the step retries until the status is connected.
        expect(lab.requestsTo("POST", `${PLUGIN}/resources/plugin/install`)).toHaveLength(2);
        // The status call already syncs users and holds the plugin's 5-minute lock: never force another sync.
        expect(lab.requestsTo("POST", `${PLUGIN}/resources/plugin/sync`)).toHaveLength(0);

        const [[tokenId, token]] = [...lab.tokens];
        expect(token.name).toBe("pulumi oncall-lab");
        expect(id).toBe("grafana-oncall-app@cluster-1");
        expect(outs).toEqual({
            ...inputs,
            pluginConnected: true,
            apiToken: token.token,
            apiTokenId: tokenId,
            apiTokenValid: true,
            userIds: { alice: lab.oncallUsers.get("alice")!.id, Bob: lab.oncallUsers.get("bob")!.id },
        });

        // The public API takes the bare token, without "Bearer"; users are looked up by the username filter.
        const oncallRequests = lab.requests.filter((request) => request.server === "oncall");
        expect(oncallRequests.every((request) => request.authorization === token.token)).toBe(true);
        const lookups = lab.requestsTo("GET", `${USERS}?`);
        expect(lookups.map((request) => new URL(request.path, lab.oncallUrl).searchParams.get("username"))).toEqual(["alice", "Bob"]);
        expect(lookups.every((request) => request.userAgent?.includes("terraform-provider-grafana"))).toBe(true);
    });

    it("finds a person added to Grafana after the plugin's own sync, through the engine's user pull", async () => {
        lab.grafanaUsers.set("alice", "Editor");
        lab.connectedAlready();
        lab.grafanaUsers.set("carol", "Editor");

        const { outs } = await createWiring(lab.inputs({ userLogins: ["alice", "carol"], readyTimeoutSeconds: 2 }));

        expect(outs.userIds).toEqual({ alice: lab.oncallUsers.get("alice")!.id, carol: lab.oncallUsers.get("carol")!.id });
        expect(lab.requestsTo("POST", `${PLUGIN}/resources/plugin/sync`)).toHaveLength(0);
    });

    it("keeps waiting, within readyTimeoutSeconds, for a person who shows up in Grafana later", async () => {
        lab.connectedAlready();
        lab.syncPeriodMs = 300;
        setTimeout(() => lab.grafanaUsers.set("dave", "Editor"), 500);

        const { outs } = await createWiring(lab.inputs({ userLogins: ["dave"], readyTimeoutSeconds: 5 }));

        expect(outs.userIds).toEqual({ dave: lab.oncallUsers.get("dave")!.id });
    });

    it("gives up after readyTimeoutSeconds naming who is missing and who cannot be paged, and revokes its token", async () => {
        lab.grafanaUsers.set("alice", "Editor").set("victor", "Viewer");
        const started = Date.now();

        const error = await failure(provider.create(lab.inputs({ userLogins: ["alice", "victor", "nobody"], readyTimeoutSeconds: 1 })));

        expect(Date.now() - started).toBeLessThan(5_000);
        expect(error.message).toMatch(/^OnCall wiring gave up waiting until OnCall knows every person after 1s; last answer: GET /);
        expect(error.message).toContain("not in OnCall: nobody");
        expect(error.message).toContain("not pageable: victor (role viewer)");
        expect(error.message).toContain("exists there with role Editor or Admin (Viewers are synced but cannot be paged)");
        expect(error.message).not.toContain("alice,");
        // A failed create leaves no state behind, so it must not leave its token behind either.
        expect(lab.tokens.size).toBe(0);
    });

    it("stops at once when OnCall's public API rejects a freshly issued token, and revokes it", async () => {
        lab.rejectsEveryToken = true;
        const started = Date.now();

        const error = await failure(provider.create(lab.inputs({ userLogins: ["admin"] })));

        expect(Date.now() - started).toBeLessThan(2_000);
        expect(error.message).toContain("failed while checking the OnCall API token");
        expect(error.message).toContain("HTTP 403");
        expect(error.message).toContain('rejected a freshly issued API token: user "admin" must be an OnCall admin');
        expect(lab.requestsTo("POST", `${PLUGIN}/resources/tokens/`)).toHaveLength(1);
        expect(lab.tokens.size).toBe(0);
    });

    it("on update, replaces a rejected token once and then stops, keeping the token it started with", async () => {
        const created = await createWiring(lab.inputs({ userLogins: ["admin"] }));
        lab.rejectsEveryToken = true;
        const started = Date.now();

        const error = await failure(provider.update(created.id, created.outs, lab.inputs({ userLogins: ["admin"] })));

        expect(Date.now() - started).toBeLessThan(2_000);
        expect(error.message).toContain("rejected a freshly issued API token");
        expect(lab.requestsTo("POST", `${PLUGIN}/resources/tokens/`)).toHaveLength(2);
        expect([...lab.tokens.keys()]).toEqual([created.outs.apiTokenId]);
    });

    it("fails at once on rejected Grafana credentials, naming step, URL and status but not the password", async () => {
        const started = Date.now();

        const error = await failure(provider.create(lab.inputs({ grafanaPassword: `${GRAFANA_PASSWORD}-wrong` })));

        expect(Date.now() - started).toBeLessThan(2_000);
        expect(error.message).toContain("connecting the OnCall plugin");
        expect(error.message).toContain(`GET ${lab.grafanaUrl}${PLUGIN}/settings -> HTTP 401`);
        expect(error.message).toContain('Grafana rejected the credentials of user "admin"');
        expect(error.message).not.toContain(GRAFANA_PASSWORD);
        expect(lab.requests).toHaveLength(1);
    });

    it("gives up after readyTimeoutSeconds with the last answer, and no password in the message", async () => {
        lab.neverConnects = true;
        const started = Date.now();

        const error = await failure(provider.create(lab.inputs({ readyTimeoutSeconds: 1 })));

        expect(Date.now() - started).toBeGreaterThanOrEqual(1_000);
        expect(Date.now() - started).toBeLessThan(5_000);
        expect(error.message).toMatch(/^OnCall wiring gave up connecting the OnCall plugin after 1s; last answer: /);
        expect(error.message).toContain(`POST ${lab.grafanaUrl}${PLUGIN}/resources/plugin/install -> HTTP 502`);
        expect(error.message).toContain("connection refused");
        expect(error.message).not.toContain(GRAFANA_PASSWORD);
        expect(lab.requestsTo("POST", `${PLUGIN}/resources/plugin/install`).length).toBeGreaterThan(1);
    });

    it("stops with a hint when the admin already holds the most API tokens the engine allows", async () => {
        lab.connectedAlready();
        for (let i = 0; i < 5; i++) {
            lab.tokens.set(100 + i, { name: `someone else's ${i}`, token: `other-${i}` });
        }

        await expect(provider.create(lab.inputs())).rejects.toThrow(
            /failed while issuing an OnCall API token: .*HTTP 400.*Max token count.*maximum of API tokens/,
        );
    });

    it("read reports a Grafana that lost its database, and the next update reconnects the plugin and keeps the token", async () => {
        const created = await createWiring(lab.inputs({ userLogins: ["admin"] }));
        lab.loseGrafanaDatabase();

        const { props } = await provider.read(created.id, created.outs);

        expect(props).toEqual({ ...created.outs, pluginConnected: false });
        expect(await provider.diff(created.id, props!, lab.inputs({ userLogins: ["admin"] }))).toEqual({ changes: true, replaces: [] });

        const { outs } = await provider.update(created.id, props!, lab.inputs({ userLogins: ["admin"] }));

        expect(lab.connected).toBe(true);
        expect(lab.requestsTo("POST", `${PLUGIN}/settings`)).toHaveLength(2);
        expect(outs).toEqual(created.outs);
        expect(lab.requestsTo("POST", `${PLUGIN}/resources/tokens/`)).toHaveLength(1);
    });

    it("read reports a revoked token, and the next update issues a new one", async () => {
        const created = await createWiring(lab.inputs());
        lab.tokens.clear();

        const { props } = await provider.read(created.id, created.outs);

        expect(props).toEqual({ ...created.outs, apiTokenValid: false });
        expect((await provider.diff(created.id, props!, lab.inputs())).changes).toBe(true);

        const { outs } = await provider.update(created.id, props!, lab.inputs());

        const [[tokenId, token]] = [...lab.tokens];
        expect(outs).toMatchObject({ apiToken: token.token, apiTokenId: tokenId, apiTokenValid: true });
        expect(tokenId).not.toBe(created.outs.apiTokenId);
    });

    it("read only observes: GETs without the sync User-Agent, and a person gone from OnCall drops out of userIds", async () => {
        lab.grafanaUsers.set("alice", "Editor");
        const created = await createWiring(lab.inputs({ userLogins: ["alice"] }));
        lab.grafanaUsers.delete("alice");
        lab.oncallUsers.delete("alice");
        lab.requests.length = 0;

        const { props } = await provider.read(created.id, created.outs);

        expect(props).toEqual({ ...created.outs, userIds: {} });
        expect(lab.requests.length).toBeGreaterThan(0);
        expect(lab.requests.every((request) => request.method === "GET")).toBe(true);
        expect(lab.requests.some((request) => request.userAgent?.includes("terraform-provider-grafana"))).toBe(false);
        // The next up waits for alice again.
        expect((await provider.diff(created.id, props!, lab.inputs({ userLogins: ["alice"] }))).changes).toBe(true);
    });

    it("read of a healthy lab returns the state unchanged", async () => {
        lab.grafanaUsers.set("alice", "Editor");
        const { id, outs } = await createWiring(lab.inputs({ userLogins: ["alice"] }));

        expect(await provider.read(id, outs)).toEqual({ id, props: outs });
    });

    it("deletes only the token it issued, and only while it still authenticates", async () => {
        const { id, outs } = await createWiring(lab.inputs());
        lab.tokens.set(100, { name: "pulumi oncall-lab", token: "someone-elses-token" });

        await provider.delete(id, outs);
        expect([...lab.tokens.keys()]).toEqual([100]);

        // Revoked already: OnCall rejects it, so nothing is deleted by id.
        await provider.delete(id, outs);
        expect(lab.requestsTo("DELETE", `${PLUGIN}/resources/tokens/`)).toHaveLength(1);
    });

    it("after a cluster replacement, the old resource's delete leaves the new lab's token with the same id alone", async () => {
        const old = await createWiring(lab.inputs({ clusterId: "cluster-1" }));
        lab.becomeNewCluster();
        const current = await createWiring(lab.inputs({ clusterId: "cluster-2" }));
        expect(current.outs.apiTokenId).toBe(old.outs.apiTokenId);

        await provider.delete(old.id, old.outs);

        expect([...lab.tokens.values()].map((token) => token.token)).toEqual([current.outs.apiToken]);
        expect(lab.requestsTo("DELETE", `${PLUGIN}/resources/tokens/`)).toHaveLength(0);
    });

    it("still works after Pulumi serializes it and Node loads it outside vitest", async () => {
        const serialized = await pulumi.runtime.serializeFunction(() => oncallWiringProvider, { allowSecrets: true });
        const moduleDir = mkdtempSync(join(tmpdir(), "oncall-wiring-provider-"));
        try {
            const moduleFile = join(moduleDir, "provider.js");
            writeFileSync(moduleFile, serialized.text);
            const serializedProvider: typeof provider = createRequire(moduleFile)(moduleFile).handler();

            lab.grafanaUsers.set("alice", "Editor");
            const inputs = lab.inputs({ userLogins: ["alice"] });
            expect((await serializedProvider.check(inputs, inputs)).failures).toEqual([]);
            const { id, outs } = await serializedProvider.create(inputs);
            expect(outs!.userIds).toEqual({ alice: lab.oncallUsers.get("alice")!.id });
            expect(await serializedProvider.read(id, outs!)).toEqual({ id, props: outs });
            expect((await serializedProvider.diff(id, outs!, inputs)).changes).toBe(false);
            await serializedProvider.delete(id, outs!);
            expect(lab.tokens.size).toBe(0);
        } finally {
            rmSync(moduleDir, { recursive: true, force: true });
        }
    });
});

describe("oncallWiringProvider against a lab that is gone", () => {
    it("read keeps the state as it is and returns in well under a second", async () => {
        const props: OnCallWiringOutputs = {
            ...new FakeLab().inputs({ grafanaUrl: await closedPortUrl(), oncallUrl: await closedPortUrl(), userLogins: ["alice"] }),
            pluginConnected: true,
            apiToken: "a".repeat(64),
            apiTokenId: 1,
            apiTokenValid: true,
            userIds: { alice: "UALICE" },
        };
        const started = Date.now();

        expect(await provider.read("grafana-oncall-app@cluster-1", props)).toEqual({ id: "grafana-oncall-app@cluster-1", props });
        expect(Date.now() - started).toBeLessThan(500);
    });

    it("delete succeeds at once when Grafana and OnCall refuse connections", async () => {
        const props: OnCallWiringOutputs = {
            ...new FakeLab().inputs({ grafanaUrl: await closedPortUrl(), oncallUrl: await closedPortUrl(), readyTimeoutSeconds: 600 }),
            pluginConnected: true,
            apiToken: "a".repeat(64),
            apiTokenId: 1,
            apiTokenValid: true,
            userIds: {},
        };
        const started = Date.now();

        await provider.delete("grafana-oncall-app@cluster-1", props);
        expect(Date.now() - started).toBeLessThan(500);
    });
});

describe("oncallWiringProvider.diff and check", () => {
    const inputs: OnCallWiringInputs = {
        grafanaUrl: "http://127.0.0.1:3000",
        grafanaUser: "admin",
        grafanaPassword: GRAFANA_PASSWORD,
        onCallApiUrl: IN_CLUSTER_ENGINE,
        grafanaInClusterUrl: IN_CLUSTER_GRAFANA,
        oncallUrl: "http://127.0.0.1:8080",
        clusterId: "cluster-1",
        userLogins: ["alice"],
        readyTimeoutSeconds: 600,
        apiTokenName: "pulumi oncall-lab",
    };
    const olds: OnCallWiringOutputs = {
        ...inputs,
        pluginConnected: true,
        apiToken: "tok",
        apiTokenId: 1,
        apiTokenValid: true,
        userIds: { alice: "UALICE" },
    };

    afterEach(() => vi.restoreAllMocks());

    it("makes no network calls and sees no change for the same inputs", async () => {
        const fetchSpy = vi.spyOn(globalThis, "fetch");

        expect(await provider.diff("id", olds, { ...inputs, userLogins: ["alice"] })).toEqual({ changes: false, replaces: [] });
        expect(fetchSpy).not.toHaveBeenCalled();
    });

    it.each(["clusterId", "grafanaUrl", "oncallUrl", "apiTokenName"] as const)("replaces when %s changes", async (name) => {
        expect(await provider.diff("id", olds, { ...inputs, [name]: "changed" })).toEqual({ changes: true, replaces: [name] });
    });

    it.each([
        ["grafanaPassword", "changed"],
        ["onCallApiUrl", "http://changed"],
        ["grafanaInClusterUrl", "http://changed"],
        ["readyTimeoutSeconds", 60],
        ["userLogins", ["alice", "bob"]],
    ] as const)("updates in place when %s changes", async (name, value) => {
        expect(await provider.diff("id", olds, { ...inputs, [name]: value })).toEqual({ changes: true, replaces: [] });
    });

    it.each([
        ["the plugin was seen disconnected", { pluginConnected: false }],
        ["the token was seen rejected", { apiTokenValid: false }],
        ["a person is missing from OnCall", { userIds: {} }],
    ])("asks for an update when %s", async (_case, observed) => {
        expect(await provider.diff("id", { ...olds, ...observed }, inputs)).toEqual({ changes: true, replaces: [] });
    });

    it("rejects a token name OnCall cannot store and logins that repeat", async () => {
        const { failures } = await provider.check(inputs, { ...inputs, apiTokenName: "x".repeat(51), userLogins: ["alice", "Alice"] });

        expect(failures).toEqual([
            { property: "apiTokenName", reason: expect.stringContaining("1 to 50 characters") },
            { property: "userLogins", reason: expect.stringContaining("must not repeat a login") },
        ]);
    });

    it("accepts values that preview does not know yet", async () => {
        const unknown = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
        const news = { ...inputs, apiTokenName: unknown, clusterId: unknown, userLogins: unknown as unknown as string[] };

        expect(await provider.check(inputs, news)).toEqual({ inputs: news, failures: [] });
    });
});

describe("oncallHeartbeatTimeoutProvider against a fake Grafana and OnCall", () => {
    let lab: FakeLab;

    beforeEach(async () => {
        lab = new FakeLab();
        await lab.start();
        lab.connectedAlready();
    });

    afterEach(async () => {
        await lab.stop();
    });

    it("finds the integration's heartbeat and sets its timeout", async () => {
        lab.addHeartbeat("COTHER");
        const heartbeat = lab.addHeartbeat("CINTEGRATION1");
        const inputs = lab.heartbeatInputs({ timeoutSeconds: 300 });

        const { id, outs } = await createHeartbeat(inputs);

        expect(id).toBe(heartbeat.id);
        expect(outs).toEqual({ ...inputs, heartbeatId: heartbeat.id });
        expect(heartbeat.timeout_seconds).toBe(300);
        expect(lab.requestsTo("GET", `${PLUGIN}/resources/heartbeats/`).map((request) => request.path)).toEqual([
            `${PLUGIN}/resources/heartbeats/?alert_receive_channel=CINTEGRATION1`,
        ]);
        expect(lab.requestsTo("PATCH", `${PLUGIN}/resources/heartbeats/`).map((request) => [request.path, request.body])).toEqual([
            [`${PLUGIN}/resources/heartbeats/${heartbeat.id}/`, { timeout_seconds: 300 }],
        ]);
    });

    it("read reports a timeout changed behind Pulumi's back without writing, and update sets it again", async () => {
        const heartbeat = lab.addHeartbeat("CINTEGRATION1");
        const { id, outs } = await createHeartbeat(lab.heartbeatInputs());
        heartbeat.timeout_seconds = 3600;

        const { props } = await heartbeatProvider.read(id, outs);

        expect(props).toEqual({ ...outs, timeoutSeconds: 3600 });
        expect(lab.requestsTo("PATCH", `${PLUGIN}/resources/heartbeats/`)).toHaveLength(1);
        expect(await heartbeatProvider.diff(id, props!, lab.heartbeatInputs())).toEqual({ changes: true, replaces: [] });

        await heartbeatProvider.update(id, props!, lab.heartbeatInputs());
        expect(heartbeat.timeout_seconds).toBe(60);
    });

    it("read reports the heartbeat gone with its integration", async () => {
        const heartbeat = lab.addHeartbeat("CINTEGRATION1");
        const { id, outs } = await createHeartbeat(lab.heartbeatInputs());
        lab.heartbeats.delete(heartbeat.id);

        expect(await heartbeatProvider.read(id, outs)).toEqual({});
    });

    it("delete leaves the heartbeat to its integration", async () => {
        lab.addHeartbeat("CINTEGRATION1");
        const { id, outs } = await createHeartbeat(lab.heartbeatInputs());
        lab.requests.length = 0;

        await heartbeatProvider.delete(id, outs);

        expect(lab.requests).toHaveLength(0);
    });

    it("stops at once when OnCall refuses the timeout, or Grafana the credentials", async () => {
        lab.addHeartbeat("CINTEGRATION1");
        const started = Date.now();

        await expect(heartbeatProvider.create(lab.heartbeatInputs({ timeoutSeconds: 61 }))).rejects.toThrow(
            /failed while setting the heartbeat timeout of integration CINTEGRATION1: PATCH .* HTTP 400: .*not a valid choice.*OnCall refused the timeout/,
        );
        const error = await failure(heartbeatProvider.create(lab.heartbeatInputs({ grafanaPassword: "wrong" })));
        expect(error.message).toContain('Grafana rejected the credentials of user "admin"');
        expect(error.message).not.toContain("wrong");
        expect(Date.now() - started).toBeLessThan(2_000);
    });

    it("waits a bounded time for a heartbeat that does not exist", async () => {
        const error = await failure(heartbeatProvider.create(lab.heartbeatInputs({ readyTimeoutSeconds: 1 })));

        expect(error.message).toMatch(/gave up setting the heartbeat timeout of integration CINTEGRATION1 after 1s/);
        expect(error.message).toContain("OnCall shows no heartbeat for this integration");
    });

    it("still works after Pulumi serializes it and Node loads it outside vitest", async () => {
        const heartbeat = lab.addHeartbeat("CINTEGRATION1");
        const serialized = await pulumi.runtime.serializeFunction(() => oncallHeartbeatTimeoutProvider, { allowSecrets: true });
        const moduleDir = mkdtempSync(join(tmpdir(), "oncall-heartbeat-provider-"));
        try {
            const moduleFile = join(moduleDir, "provider.js");
            writeFileSync(moduleFile, serialized.text);
            const serializedProvider: typeof heartbeatProvider = createRequire(moduleFile)(moduleFile).handler();

            const inputs = lab.heartbeatInputs({ timeoutSeconds: 120 });
            expect((await serializedProvider.check(inputs, inputs)).failures).toEqual([]);
            const { id, outs } = await serializedProvider.create(inputs);
            expect(heartbeat.timeout_seconds).toBe(120);
            expect(await serializedProvider.read(id, outs!)).toEqual({ id, props: outs });
        } finally {
            rmSync(moduleDir, { recursive: true, force: true });
        }
    });
});

describe("oncallHeartbeatTimeoutProvider without a lab", () => {
    const inputs: OnCallHeartbeatTimeoutInputs = {
        grafanaUrl: "http://127.0.0.1:3000",
        grafanaUser: "admin",
        grafanaPassword: GRAFANA_PASSWORD,
        integrationId: "CINTEGRATION1",
        timeoutSeconds: 600,
        clusterId: "cluster-1",
        readyTimeoutSeconds: 120,
    };
    const olds: OnCallHeartbeatTimeoutOutputs = { ...inputs, heartbeatId: "BHEART" };

    it("accepts only OnCall's timeout choices", async () => {
        expect((await heartbeatProvider.check(inputs, { ...inputs, timeoutSeconds: 86400 })).failures).toEqual([]);
        expect((await heartbeatProvider.check(inputs, { ...inputs, timeoutSeconds: 90 })).failures).toEqual([
            { property: "timeoutSeconds", reason: "must be one of 60, 120, 180, 300, 600, 900, 1800, 3600, 43200, 86400 (OnCall's choices)" },
        ]);
    });

    it.each(["integrationId", "clusterId", "grafanaUrl"] as const)("replaces when %s changes", async (name) => {
        expect(await heartbeatProvider.diff("BHEART", olds, { ...inputs, [name]: "changed" })).toEqual({ changes: true, replaces: [name] });
    });

    it("updates in place when the timeout changes, and sees no change otherwise", async () => {
        expect(await heartbeatProvider.diff("BHEART", olds, { ...inputs, timeoutSeconds: 60 })).toEqual({ changes: true, replaces: [] });
        expect(await heartbeatProvider.diff("BHEART", olds, inputs)).toEqual({ changes: false, replaces: [] });
    });

    it("read keeps the state as it is and returns in well under a second when Grafana refuses connections", async () => {
        const props = { ...olds, grafanaUrl: await closedPortUrl() };
        const started = Date.now();

        expect(await heartbeatProvider.read("BHEART", props)).toEqual({ id: "BHEART", props });
        expect(Date.now() - started).toBeLessThan(500);
    });
});

describe("OnCallWiring and OnCallHeartbeat components", () => {
    const registered: pulumi.runtime.MockResourceArgs[] = [];
    const valueOf = <T>(output: pulumi.Output<T>) => new Promise<T>((resolve) => output.apply(resolve));
    const optionsSeen = new Map<string, pulumi.ResourceOptions>();
    const recordOptions: pulumi.ResourceTransformation = ({ name, opts }) => {
        optionsSeen.set(name, opts);
        return undefined;
    };

    beforeEach(async () => {
        await pulumi.runtime.setMocks(
            {
                newResource: (args) => {
                    registered.push(args);
                    const outputs = args.name.endsWith("-connection")
                        ? { pluginConnected: true, apiToken: "tok", apiTokenId: 1, apiTokenValid: true, userIds: { alice: "UALICE" } }
                        : args.name.endsWith("-timeout") ? { heartbeatId: "BHEART" } : {};
                    return { id: `${args.name}-id`, state: { ...args.inputs, ...outputs } };
                },
                call: (args) => args.inputs,
            },
            "oncall-lab",
            "test",
        );
    });

    it("OnCallWiring parents one serialized dynamic resource, passes deletedWith on, and keeps the token secret", async () => {
        // Imported only after the mocks are in place, as Pulumi requires.
        const { OnCallWiring } = await import("../components/OnCallWiring.js");
        const cluster = new FakeCluster("cluster");
        const wiring = new OnCallWiring("wiring", {
            grafanaUrl: "http://127.0.0.1:3000",
            grafanaUser: "admin",
            grafanaPassword: pulumi.secret(GRAFANA_PASSWORD),
            onCallApiUrl: IN_CLUSTER_ENGINE,
            grafanaInClusterUrl: IN_CLUSTER_GRAFANA,
            oncallUrl: "http://127.0.0.1:8080",
            clusterId: "cluster-1",
            userLogins: ["alice"],
            readyTimeoutSeconds: 600,
        }, { deletedWith: cluster, transformations: [recordOptions] });

        expect(await valueOf(wiring.connection.urn)).toBe(
            "urn:pulumi:test::oncall-lab::oncall-lab:index:OnCallWiring$pulumi-nodejs:dynamic:Resource::wiring-connection",
        );
        expect(optionsSeen.get("wiring-connection")?.deletedWith).toBe(cluster);
        const child = registered.find((resource) => resource.name === "wiring-connection");
        expect(child?.inputs.__provider).toContain("exports.handler");
        expect(child?.inputs).toMatchObject({ clusterId: "cluster-1", userLogins: ["alice"], apiTokenName: "pulumi oncall-lab" });

        expect(await valueOf(wiring.apiToken)).toBe("tok");
        expect(await pulumi.isSecret(wiring.apiToken)).toBe(true);
        expect(await valueOf(wiring.userIds)).toEqual({ alice: "UALICE" });
    });

    it("OnCallHeartbeat parents one serialized dynamic resource and passes deletedWith on", async () => {
        const { OnCallHeartbeat } = await import("../components/OnCallHeartbeat.js");
        const cluster = new FakeCluster("cluster-for-heartbeat");
        const heartbeat = new OnCallHeartbeat("heartbeat", {
            grafanaUrl: "http://127.0.0.1:3000",
            grafanaUser: "admin",
            grafanaPassword: pulumi.secret(GRAFANA_PASSWORD),
            integrationId: "CINTEGRATION1",
            timeoutSeconds: 300,
            clusterId: "cluster-1",
        }, { deletedWith: cluster, transformations: [recordOptions] });

        expect(await valueOf(heartbeat.timeout.urn)).toBe(
            "urn:pulumi:test::oncall-lab::oncall-lab:index:OnCallHeartbeat$pulumi-nodejs:dynamic:Resource::heartbeat-timeout",
        );
        expect(optionsSeen.get("heartbeat-timeout")?.deletedWith).toBe(cluster);
        const child = registered.find((resource) => resource.name === "heartbeat-timeout");
        expect(child?.inputs.__provider).toContain("exports.handler");
        expect(child?.inputs).toMatchObject({ integrationId: "CINTEGRATION1", timeoutSeconds: 300, readyTimeoutSeconds: 120 });
        expect(await valueOf(heartbeat.heartbeatId)).toBe("BHEART");
    });
});
