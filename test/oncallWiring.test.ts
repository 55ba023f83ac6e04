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
    OnCallWiringInputs,
    OnCallWiringOutputs,
    oncallWiringProvider,
    pluginJsonData,
} from "../src/oncallWiring";

const provider = oncallWiringProvider as Required<typeof oncallWiringProvider>;

/** create() with its outputs, which this provider always returns. */
async function createWiring(inputs: OnCallWiringInputs): Promise<{ id: string; outs: OnCallWiringOutputs }> {
    const { id, outs } = await provider.create(inputs);
    expect(outs).toBeDefined();
    return { id, outs: outs! };
}
const GRAFANA_PASSWORD = "Gr4fana-Admin-Passw0rd";
const IN_CLUSTER_ENGINE = "http://oncall-engine.oncall.svc.cluster.local:8080";
const IN_CLUSTER_GRAFANA = "http://grafana.grafana.svc.cluster.local";
const PLUGIN = "/api/plugins/grafana-oncall-app";

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
    body: unknown;
}

interface FakeIntegration {
    id: string;
    name: string;
    type: string;
    link: string;
}

/**
 * Grafana with the OnCall plugin, and the OnCall engine's public API, as far as the wiring uses them
 * (shapes from grafana/oncall: see the comment at the top of src/oncallWiring.ts).
 */
class FakeLab {
    grafanaUrl = "";
    oncallUrl = "";
    readonly requests: RecordedRequest[] = [];
    pluginSettings: { enabled: boolean; jsonData: Record<string, unknown> } = { enabled: false, jsonData: {} };
    connected = false;
    /** Install calls answered as if the engine were still starting. */
    installFailuresLeft = 1;
    neverConnects = false;
    /** Older engines ignore ?name=, so a search must page through everything. */
    ignoresNameFilter = false;
    readonly pageSize = 2;
    readonly tokens = new Map<number, { name: string; token: string }>();
    readonly integrations = new Map<string, FakeIntegration>();
    private nextTokenId = 1;
    private readonly servers: Server[] = [];

    async start(): Promise<void> {
        this.grafanaUrl = await this.listen("grafana", (req, body) => this.grafana(req, body));
        this.oncallUrl = await this.listen("oncall", (req, body) => this.oncall(req, body));
    }

    async stop(): Promise<void> {
        await Promise.all(this.servers.map((server) => new Promise((resolve) => server.close(resolve))));
    }

    inputs(overrides: Partial<OnCallWiringInputs> = {}): OnCallWiringInputs {
        return {
            grafanaUrl: this.grafanaUrl,
            grafanaUser: "admin",
            grafanaPassword: GRAFANA_PASSWORD,
            onCallApiUrl: IN_CLUSTER_ENGINE,
            grafanaInClusterUrl: IN_CLUSTER_GRAFANA,
            oncallUrl: this.oncallUrl,
            integrationName: "VictoriaMetrics Alertmanager",
            readyTimeoutSeconds: 10,
            ...overrides,
        };
    }

    addIntegration(name: string, type = "alertmanager"): FakeIntegration {
        const id = `C${randomBytes(6).toString("hex").toUpperCase()}`;
        const token = randomBytes(18).toString("base64url");
        const integration = { id, name, type, link: `${this.oncallUrl}/integrations/v1/${type}/${token}/` };
        this.integrations.set(id, integration);
        return integration;
    }

    requestsTo(method: string, pathPrefix: string): RecordedRequest[] {
        return this.requests.filter((request) => request.method === method && request.path.startsWith(pathPrefix));
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
            this.requests.push({ server, method: req.method!, path: req.url!, authorization: req.headers.authorization, body });
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
        const path = new URL(req.url!, this.grafanaUrl).pathname;
        const route = `${req.method} ${path}`;
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
            this.connected = stackId === 5 && orgId === 100;
            return [200];
        }
        if (route === `GET ${PLUGIN}/resources/plugin/status`) {
            const entry = this.connected ? { ok: true } : { ok: false, error: "Not validated" };
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
        if (path.startsWith(`${PLUGIN}/resources/tokens/`)) {
            return this.internalTokens(req.method!, path.slice(`${PLUGIN}/resources/tokens/`.length), body);
        }
        return [404, { message: "Not found" }];
    }

    /** The engine's internal tokens API, reached through the plugin's proxy. */
    private internalTokens(method: string, rest: string, body: unknown): [number, unknown?] {
        if (!this.connected) {
            return [401, { detail: "No token provided" }];
        }
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

    private oncall(req: IncomingMessage, body: unknown): [number, unknown?] {
        const authorization = req.headers.authorization;
        if (![...this.tokens.values()].some(({ token }) => token === authorization)) {
            return [403, { detail: "Invalid token." }];
        }
        const url = new URL(req.url!, this.oncallUrl);
        const base = "/api/v1/integrations/";
        if (!url.pathname.startsWith(base)) {
            return [404, { detail: "Not found." }];
        }
        const id = url.pathname.slice(base.length).replace(/\/$/, "");
        if (req.method === "GET" && id === "") {
            const name = url.searchParams.get("name");
            const all = [...this.integrations.values()].filter((i) => this.ignoresNameFilter || name === null || i.name === name);
            const page = Number(url.searchParams.get("page") ?? "1");
            const results = all.slice((page - 1) * this.pageSize, page * this.pageSize);
            const next = page * this.pageSize < all.length ? `${this.oncallUrl}${base}?page=${page + 1}` : null;
            return [200, { count: all.length, next, previous: null, results, page_size: this.pageSize, current_page_number: page }];
        }
        if (req.method === "POST" && id === "") {
            const { type, name } = body as { type: string; name: string };
            if ([...this.integrations.values()].some((i) => i.name === name)) {
                return [400, { detail: "An integration with this name already exists for this team" }];
            }
            return [201, this.addIntegration(name, type)];
        }
        const integration = this.integrations.get(id);
        if (integration === undefined) {
            return [404, { detail: "Not found." }];
        }
        if (req.method === "GET") {
            return [200, integration];
        }
        if (req.method === "DELETE") {
            this.integrations.delete(id);
            return [204];
        }
        return [405];
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

    it("connects the plugin, issues a token and creates the Alertmanager integration", async () => {
        const inputs = lab.inputs();
        const { id, outs } = await createWiring(inputs);

        expect(lab.requestsTo("POST", `${PLUGIN}/settings`).map((request) => request.body)).toEqual([
            { enabled: true, jsonData: { stackId: 5, orgId: 100, onCallApiUrl: IN_CLUSTER_ENGINE, grafanaUrl: IN_CLUSTER_GRAFANA } },
        ]);
        // The first install meets an engine still starting; the step retries until the status is connected.
        expect(lab.requestsTo("POST", `${PLUGIN}/resources/plugin/install`)).toHaveLength(2);
        expect(lab.connected).toBe(true);
        expect([...lab.tokens.values()].map((token) => token.name)).toEqual(["pulumi VictoriaMetrics Alertmanager"]);

        const [integration] = [...lab.integrations.values()];
        expect(lab.integrations.size).toBe(1);
        expect(lab.requestsTo("POST", "/api/v1/integrations/").map((request) => request.body)).toEqual([
            { type: "alertmanager", name: "VictoriaMetrics Alertmanager" },
        ]);
        expect(id).toBe(integration.id);
        expect(outs).toMatchObject({ ...inputs, integrationId: integration.id, integrationLink: integration.link });
        expect(outs.integrationLink).toMatch(/\/integrations\/v1\/alertmanager\/[^/]+\/$/);

        // The public API takes the bare token, without "Bearer".
        const [apiToken] = [...lab.tokens.values()].map((token) => token.token);
        expect(outs.apiToken).toBe(apiToken);
        const oncallRequests = lab.requests.filter((request) => request.server === "oncall");
        expect(oncallRequests.length).toBeGreaterThan(0);
        expect(oncallRequests.every((request) => request.authorization === apiToken)).toBe(true);
    });

    it("finds the integration of an earlier create instead of adding a second, and replaces its token", async () => {
        const first = await createWiring(lab.inputs());
        const second = await createWiring(lab.inputs());

        expect(second.id).toBe(first.id);
        expect(lab.integrations.size).toBe(1);
        expect(lab.requestsTo("POST", "/api/v1/integrations/")).toHaveLength(1);
        // Settings already match, so the plugin is left alone.
        expect(lab.requestsTo("POST", `${PLUGIN}/settings`)).toHaveLength(1);
        expect([...lab.tokens.values()].map((token) => token.token)).toEqual([second.outs.apiToken]);
    });

    it("pages through an engine that ignores the name filter", async () => {
        lab.ignoresNameFilter = true;
        ["Grafana Alerting", "Webhook one", "Webhook two"].forEach((name) => lab.addIntegration(name, "webhook"));
        const existing = lab.addIntegration("VictoriaMetrics Alertmanager");

        const { id } = await provider.create(lab.inputs());

        expect(id).toBe(existing.id);
        expect(lab.requestsTo("POST", "/api/v1/integrations/")).toHaveLength(0);
    });

    it("refuses to adopt a same-named integration of another type", async () => {
        lab.addIntegration("VictoriaMetrics Alertmanager", "webhook");

        await expect(provider.create(lab.inputs())).rejects.toThrow(/exists with type "webhook", not alertmanager/);
    });

    it("updates in place: same integration, token kept, changed settings pushed", async () => {
        const created = await createWiring(lab.inputs());
        const changed = lab.inputs({ grafanaInClusterUrl: "http://grafana.other.svc:3000" });

        const { outs } = await provider.update(created.id, created.outs, changed);

        expect(outs!.integrationId).toBe(created.outs.integrationId);
        expect(outs!.apiToken).toBe(created.outs.apiToken);
        expect(lab.requestsTo("POST", "/api/v1/integrations/")).toHaveLength(1);
        expect(lab.requestsTo("POST", `${PLUGIN}/resources/tokens/`)).toHaveLength(1);
        expect(lab.pluginSettings.jsonData.grafanaUrl).toBe("http://grafana.other.svc:3000");
    });

    it("on update, recreates an integration deleted behind Pulumi's back and replaces a revoked token", async () => {
        const created = await createWiring(lab.inputs());
        lab.integrations.clear();
        lab.tokens.clear();

        const { outs } = await provider.update(created.id, created.outs, lab.inputs());

        expect(lab.integrations.size).toBe(1);
        expect(outs!.integrationId).not.toBe(created.outs.integrationId);
        expect(outs!.apiToken).not.toBe(created.outs.apiToken);
    });

    it("reads the integration back, and reports it gone after a 404", async () => {
        const { id, outs } = await createWiring(lab.inputs());

        expect(await provider.read(id, outs)).toEqual({ id, props: outs });

        lab.integrations.clear();
        expect(await provider.read(id, outs)).toEqual({});
    });

    it("deletes the integration and its token, and a second delete (404) still succeeds", async () => {
        const { id, outs } = await createWiring(lab.inputs());

        await provider.delete(id, outs);
        expect(lab.integrations.size).toBe(0);
        expect(lab.tokens.size).toBe(0);

        await provider.delete(id, outs);
        expect(lab.requestsTo("DELETE", `/api/v1/integrations/${id}/`)).toHaveLength(2);
        expect(lab.tokens.size).toBe(0);
    });

    it("still works after Pulumi serializes it and Node loads it outside vitest", async () => {
        const serialized = await pulumi.runtime.serializeFunction(() => oncallWiringProvider, { allowSecrets: true });
        const moduleDir = mkdtempSync(join(tmpdir(), "oncall-wiring-provider-"));
        try {
            const moduleFile = join(moduleDir, "provider.js");
            writeFileSync(moduleFile, serialized.text);
            const serializedProvider: typeof provider = createRequire(moduleFile)(moduleFile).handler();

            const { id, outs } = await serializedProvider.create(lab.inputs());
            expect(lab.integrations.has(id)).toBe(true);
            await serializedProvider.delete(id, outs!);
            expect(lab.integrations.size).toBe(0);
        } finally {
            rmSync(moduleDir, { recursive: true, force: true });
        }
    });

    it("fails at once on rejected Grafana credentials, naming step, URL and status but not the password", async () => {
        const started = Date.now();
        const wrong = lab.inputs({ grafanaPassword: `${GRAFANA_PASSWORD}-wrong` });

        const error: Error = await provider.create(wrong).then(() => new Error("created"), (e: Error) => e);

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

        const error: Error = await provider
            .create(lab.inputs({ readyTimeoutSeconds: 1 }))
            .then(() => new Error("created"), (e: Error) => e);

        expect(Date.now() - started).toBeGreaterThanOrEqual(1_000);
        expect(Date.now() - started).toBeLessThan(5_000);
        expect(error.message).toMatch(/^OnCall wiring gave up connecting the OnCall plugin after 1s; last answer: /);
        expect(error.message).toContain(`POST ${lab.grafanaUrl}${PLUGIN}/resources/plugin/install -> HTTP 502`);
        expect(error.message).toContain("connection refused");
        expect(error.message).not.toContain(GRAFANA_PASSWORD);
        expect(lab.requestsTo("POST", `${PLUGIN}/resources/plugin/install`).length).toBeGreaterThan(1);
    });

    it("stops with a hint when the admin already holds the most API tokens the engine allows", async () => {
        lab.connected = true;
        lab.installFailuresLeft = 0;
        for (let i = 0; i < 5; i++) {
            lab.tokens.set(100 + i, { name: `someone else's ${i}`, token: `other-${i}` });
        }

        await expect(provider.create(lab.inputs())).rejects.toThrow(/failed while issuing an OnCall API token: .*HTTP 400.*Max token count/);
    });
});

describe("oncallWiringProvider.diff", () => {
    const olds: OnCallWiringOutputs = {
        grafanaUrl: "http://127.0.0.1:3000",
        grafanaUser: "admin",
        grafanaPassword: GRAFANA_PASSWORD,
        onCallApiUrl: IN_CLUSTER_ENGINE,
        grafanaInClusterUrl: IN_CLUSTER_GRAFANA,
        oncallUrl: "http://127.0.0.1:8080",
        integrationName: "VictoriaMetrics Alertmanager",
        readyTimeoutSeconds: 600,
        integrationId: "CABC",
        integrationLink: "http://127.0.0.1:8080/integrations/v1/alertmanager/tok/",
        apiToken: "tok",
    };
    const { integrationId: _id, integrationLink: _link, apiToken: _token, ...inputs } = olds;

    afterEach(() => vi.restoreAllMocks());

    it("makes no network calls and sees no change for the same inputs", async () => {
        const fetchSpy = vi.spyOn(globalThis, "fetch");

        expect(await provider.diff("CABC", olds, inputs)).toEqual({ changes: false, replaces: [] });
        expect(fetchSpy).not.toHaveBeenCalled();
    });

    it("replaces on a new integration name", async () => {
        expect(await provider.diff("CABC", olds, { ...inputs, integrationName: "Other" })).toEqual({
            changes: true,
            replaces: ["integrationName"],
        });
    });

    it.each(["grafanaUrl", "grafanaPassword", "onCallApiUrl", "grafanaInClusterUrl", "oncallUrl"] as const)(
        "updates in place when %s changes",
        async (name) => {
            expect(await provider.diff("CABC", olds, { ...inputs, [name]: "changed" })).toEqual({ changes: true, replaces: [] });
        },
    );
});

describe("OnCallWiring component", () => {
    const registered: pulumi.runtime.MockResourceArgs[] = [];
    const valueOf = <T>(output: pulumi.Output<T>) => new Promise<T>((resolve) => output.apply(resolve));
    const link = "http://127.0.0.1:8080/integrations/v1/alertmanager/Zx8kQ2vN5mP7rT1wY4bC6dF9h/";

    const createComponent = async () => {
        await pulumi.runtime.setMocks(
            {
                newResource: (args) => {
                    registered.push(args);
                    const outputs = args.type.includes("dynamic")
                        ? { integrationId: "CABC", integrationLink: link, apiToken: "tok" }
                        : {};
                    return { id: `${args.name}-id`, state: { ...args.inputs, ...outputs } };
                },
                call: (args) => args.inputs,
            },
            "oncall-lab",
            "test",
        );
        // Imported only after the mocks are in place, as Pulumi requires.
        const { OnCallWiring } = await import("../components/OnCallWiring.js");
        return new OnCallWiring("wiring", {
            grafanaUrl: "http://127.0.0.1:3000",
            grafanaUser: "admin",
            grafanaPassword: pulumi.secret(GRAFANA_PASSWORD),
            onCallApiUrl: IN_CLUSTER_ENGINE,
            grafanaInClusterUrl: IN_CLUSTER_GRAFANA,
            oncallUrl: "http://127.0.0.1:8080",
            inClusterEngineUrl: IN_CLUSTER_ENGINE,
            integrationName: "VictoriaMetrics Alertmanager",
            readyTimeoutSeconds: 600,
        });
    };

    it("parents one serialized dynamic resource and exposes both URLs as secrets", async () => {
        const wiring = await createComponent();

        expect(await valueOf(wiring.integration.urn)).toBe(
            "urn:pulumi:test::oncall-lab::oncall-lab:index:OnCallWiring$pulumi-nodejs:dynamic:Resource::wiring-integration",
        );
        const child = registered.find((resource) => resource.name === "wiring-integration");
        expect(child?.inputs.__provider).toContain("exports.handler");
        expect(child?.inputs).toMatchObject({ integrationName: "VictoriaMetrics Alertmanager", onCallApiUrl: IN_CLUSTER_ENGINE });

        expect(await valueOf(wiring.integrationUrl)).toBe(link);
        expect(await valueOf(wiring.alertmanagerWebhookUrl)).toBe(
            `${IN_CLUSTER_ENGINE}/integrations/v1/alertmanager/Zx8kQ2vN5mP7rT1wY4bC6dF9h/`,
        );
        expect(await pulumi.isSecret(wiring.integrationUrl)).toBe(true);
        expect(await pulumi.isSecret(wiring.alertmanagerWebhookUrl)).toBe(true);
    });
});
