import * as pulumi from "@pulumi/pulumi";

/*
 * Wires Grafana OnCall OSS to the lab without the UI: connects the grafana-oncall-app plugin, issues an
 * OnCall API token as the Grafana admin, then finds or creates an Alertmanager integration.
 *
 * Upstream contracts relied on (grafana/oncall, 1.16.x):
 * - grafana-plugin/pkg/plugin/settings.go: jsonData keys onCallApiUrl, stackId, orgId, grafanaUrl.
 * - grafana-plugin/pkg/plugin/status.go: GET resources/plugin/status answers
 *   {"pluginConnection": {"settings"|"service_account_token"|"grafana_url_from_plugin"|"grafana_url_from_engine"|
 *   "oncall_api_url"|"oncall_token": {"ok": bool, "error"?: string}}}; connected means every entry is ok.
 * - grafana-plugin/pkg/plugin/install.go: POST resources/plugin/install; its 200 is not proof of success
 *   (some failures only log), so the status endpoint is the source of truth.
 * - grafana-plugin/pkg/plugin/resources.go + proxy.go: any other resources/<path> is proxied to
 *   {onCallApiUrl}/api/internal/v1/<path> (query kept) as the calling Grafana user.
 * - engine/apps/api/urls.py + views/public_api_tokens.py: tokens/ lists [{"id","name","created_at"}] for the
 *   caller, POST {"name"} answers 201 {"id","token","name","created_at"}, DELETE tokens/<id>/; at most 5 per user
 *   (engine/apps/auth_token/constants.py, 400 "Max token count"); names up to 50 chars (models/api_auth_token.py).
 * - engine/apps/auth_token/auth.py ApiTokenAuthentication: public API takes `Authorization: <token>`, no scheme,
 *   and only for OnCall admins.
 * - engine/apps/public_api/views/integrations.py + serializers/integrations.py: /api/v1/integrations/ pages of
 *   {"next", "results": [{"id","name","type","link",...}]} (50 a page, `page` param, `name` exact filter); POST
 *   {"type","name"} answers 201 with the same shape; 400 "...already exists..." for a duplicate name per team.
 * - engine/apps/alerts/models/alert_receive_channel.py: link = <BASE_URL>/integrations/v1/alertmanager/<token>/.
 */

export interface OnCallWiringInputs {
    /** Grafana as reachable from where Pulumi runs, e.g. http://127.0.0.1:3000. */
    grafanaUrl: string;
    grafanaUser: string;
    grafanaPassword: string;
    /** The OnCall engine as Grafana reaches it (in-cluster); goes in the plugin's jsonData. */
    onCallApiUrl: string;
    /** Grafana as the OnCall engine reaches it (in-cluster); goes in the plugin's jsonData.grafanaUrl. */
    grafanaInClusterUrl: string;
    /** The OnCall engine as reachable from where Pulumi runs, for the public API. */
    oncallUrl: string;
    integrationName: string;
    /** How long each step may wait for Grafana, the plugin and the engine to come up. */
    readyTimeoutSeconds: number;
}

export interface OnCallWiringOutputs extends OnCallWiringInputs {
    integrationId: string;
    /** OnCall's own link for the integration; it embeds the integration's secret token. */
    integrationLink: string;
    /** The OnCall API token this resource manages the integration with. */
    apiToken: string;
}

export interface OnCallPluginJsonData {
    stackId: 5;
    orgId: 100;
    onCallApiUrl: string;
    grafanaUrl: string;
}

/** jsonData for a self-hosted OnCall: the engine only accepts stack 5 / org 100 (engine/settings/base.py). */
export function pluginJsonData(inputs: Pick<OnCallWiringInputs, "onCallApiUrl" | "grafanaInClusterUrl">): OnCallPluginJsonData {
    return { stackId: 5, orgId: 100, onCallApiUrl: inputs.onCallApiUrl, grafanaUrl: inputs.grafanaInClusterUrl };
}

/**
 * OnCall builds the link from its BASE_URL (the host-reachable URL); Alertmanager runs in the cluster, so it
 * needs the same integration path on the in-cluster engine URL.
 */
export function inClusterWebhookUrl(link: string, inClusterEngineUrl: string): string {
    const integrationPath = /\/integrations\/v1\/alertmanager\/[A-Za-z0-9_-]+\/$/;
    let path: string | undefined;
    try {
        path = new URL(link).pathname;
    } catch {
        path = undefined;
    }
    const match = path === undefined ? null : integrationPath.exec(path);
    if (match === null) {
        // The link carries the integration's secret token: describe it without echoing it.
        const shape = path === undefined ? "not a URL" : `path ${path.replace(/[A-Za-z0-9_-]{12,}/g, "<redacted>")}`;
        throw new Error(`OnCall integration link is not an <engine>/integrations/v1/alertmanager/<token>/ URL (${shape})`);
    }
    return inClusterEngineUrl.replace(/\/+$/, "") + match[0];
}

// Everything below runs inside the dynamic provider, which Pulumi serializes as a closure: it may use only
// globals (fetch, Buffer, timers) and these module-level functions/constants, never imported modules.

const ONCALL_PLUGIN_API_PATH = "/api/plugins/grafana-oncall-app";
const REQUEST_TIMEOUT_MS = 15_000;
const FIRST_RETRY_DELAY_MS = 250;
const MAX_RETRY_DELAY_MS = 5_000;
const ERROR_BODY_MAX_CHARS = 300;
/** Refresh inspects a running lab; it should not wait as long as a first boot. */
const READ_TIMEOUT_CAP_SECONDS = 60;
const WIRING_INPUT_NAMES: ReadonlyArray<keyof OnCallWiringInputs> = [
    "grafanaUrl",
    "grafanaUser",
    "grafanaPassword",
    "onCallApiUrl",
    "grafanaInClusterUrl",
    "oncallUrl",
    "integrationName",
    "readyTimeoutSeconds",
];

type Credentials = { grafanaUser: string; grafanaPassword: string } | { oncallApiToken: string };

interface HttpReply {
    method: string;
    url: string;
    /** 0 when no HTTP answer came back. */
    status: number;
    body: string;
    json: unknown;
    networkFailure?: string;
}

type Attempt<T> = { done: true; value: T } | { done: false; reply: HttpReply; why?: string; fatal?: boolean };

interface OnCallIntegration {
    id: string;
    name: string;
    type: string;
    link: string;
}

async function call(method: string, url: string, credentials: Credentials, payload?: unknown): Promise<HttpReply> {
    const headers: Record<string, string> = { Accept: "application/json" };
    if ("oncallApiToken" in credentials) {
        // OnCall's public API takes the bare token and rejects a "Bearer" scheme.
        headers.Authorization = credentials.oncallApiToken;
    } else {
        const basic = Buffer.from(`${credentials.grafanaUser}:${credentials.grafanaPassword}`).toString("base64");
        headers.Authorization = `Basic ${basic}`;
    }
    if (payload !== undefined) {
        headers["Content-Type"] = "application/json";
    }
    try {
        const response = await fetch(url, {
            method,
            headers,
            body: payload === undefined ? undefined : JSON.stringify(payload),
            signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
        });
        const body = await response.text();
        let json: unknown;
        try {
            json = body === "" ? undefined : JSON.parse(body);
        } catch {
            json = undefined;
        }
        return { method, url, status: response.status, body, json };
    } catch (error) {
        const cause = (error as { cause?: { code?: string } }).cause?.code;
        const networkFailure = `${(error as Error).message}${cause ? ` (${cause})` : ""}`;
        return { method, url, status: 0, body: "", json: undefined, networkFailure };
    }
}

function succeeded(reply: HttpReply): boolean {
    return reply.status >= 200 && reply.status < 300;
}

function retryLater<T>(reply: HttpReply, why?: string): Attempt<T> {
    return { done: false, reply, why };
}

function giveUp<T>(reply: HttpReply, why: string): Attempt<T> {
    return { done: false, reply, why, fatal: true };
}

/** Removes passwords and tokens from text bound for an error message (and so for Pulumi's logs). */
function scrubSecrets(text: string, secrets: ReadonlyArray<string | undefined>): string {
    let scrubbed = text.replace(/(\/integrations\/v1\/[^/\s"]+\/)[^/\s"]+/g, "$1<redacted>");
    for (const secret of secrets) {
        if (secret !== undefined && secret.length > 0) {
            scrubbed = scrubbed.split(secret).join("<redacted>");
        }
    }
    return scrubbed;
}

function describeFailure(attempt: { reply: HttpReply; why?: string }, secrets: ReadonlyArray<string | undefined>): string {
    const { reply, why } = attempt;
    const body = scrubSecrets(reply.body.trim(), secrets);
    const clipped = body.length > ERROR_BODY_MAX_CHARS ? `${body.slice(0, ERROR_BODY_MAX_CHARS)}...` : body;
    const answer = reply.networkFailure ?? `HTTP ${reply.status}${clipped === "" ? "" : `: ${clipped}`}`;
    return scrubSecrets(`${reply.method} ${reply.url} -> ${answer}${why ? ` (${why})` : ""}`, secrets);
}

/** Repeats one step with bounded exponential backoff until it succeeds, fails for good, or time runs out. */
async function retryStep<T>(
    step: string,
    timeoutSeconds: number,
    secrets: ReadonlyArray<string | undefined>,
    attempt: () => Promise<Attempt<T>>,
): Promise<T> {
    const deadline = Date.now() + timeoutSeconds * 1000;
    let delayMs = FIRST_RETRY_DELAY_MS;
    for (;;) {
        const outcome = await attempt();
        if (outcome.done) {
            return outcome.value;
        }
        if (outcome.fatal) {
            throw new Error(`OnCall wiring failed while ${step}: ${describeFailure(outcome, secrets)}`);
        }
        const remainingMs = deadline - Date.now();
        if (remainingMs <= 0) {
            throw new Error(
                `OnCall wiring gave up ${step} after ${timeoutSeconds}s; last answer: ${describeFailure(outcome, secrets)}`,
            );
        }
        await new Promise((resolve) => setTimeout(resolve, Math.min(delayMs, remainingMs)));
        delayMs = Math.min(delayMs * 2, MAX_RETRY_DELAY_MS);
    }
}

function withoutTrailingSlash(url: string): string {
    return url.replace(/\/+$/, "");
}

function grafanaCredentials(inputs: OnCallWiringInputs): Credentials {
    return { grafanaUser: inputs.grafanaUser, grafanaPassword: inputs.grafanaPassword };
}

function pluginApiUrl(inputs: OnCallWiringInputs): string {
    return withoutTrailingSlash(inputs.grafanaUrl) + ONCALL_PLUGIN_API_PATH;
}

function integrationsUrl(inputs: OnCallWiringInputs): string {
    return `${withoutTrailingSlash(inputs.oncallUrl)}/api/v1/integrations/`;
}

/** Stable per integration, so a new run replaces its predecessor's token instead of piling up (5 max). */
function apiTokenName(integrationName: string): string {
    return `pulumi ${integrationName}`.slice(0, 50);
}

/** Lists the plugin status entries that are not ok; empty means connected. */
function pluginConnectionProblems(status: unknown): string[] {
    const entries = (status as { pluginConnection?: Record<string, { ok?: boolean; error?: string }> } | undefined)
        ?.pluginConnection;
    if (entries === undefined || entries === null || typeof entries !== "object") {
        return ["no pluginConnection in the status"];
    }
    return Object.entries(entries)
        .filter(([, entry]) => entry?.ok !== true)
        .map(([name, entry]) => `${name}: ${entry?.error ?? "not ok"}`);
}

function pluginJsonDataMatches(current: unknown, desired: OnCallPluginJsonData): boolean {
    const jsonData = (current ?? {}) as Record<string, unknown>;
    return (Object.keys(desired) as Array<keyof OnCallPluginJsonData>).every((key) => jsonData[key] === desired[key]);
}

async function connectPlugin(inputs: OnCallWiringInputs): Promise<void> {
    const pluginApi = pluginApiUrl(inputs);
    const credentials = grafanaCredentials(inputs);
    const desired = pluginJsonData(inputs);
    const statusUrl = `${pluginApi}/resources/plugin/status`;
    await retryStep("connecting the OnCall plugin", inputs.readyTimeoutSeconds, [inputs.grafanaPassword], async () => {
        const settings = await call("GET", `${pluginApi}/settings`, credentials);
        if (settings.status === 401 || settings.status === 403) {
            // Retrying rejected credentials cannot help, and failed logins count toward Grafana's lockout.
            return giveUp(settings, `Grafana rejected the credentials of user "${inputs.grafanaUser}"`);
        }
        if (!succeeded(settings)) {
            return retryLater(settings);
        }
        const current = settings.json as { enabled?: boolean; jsonData?: unknown } | undefined;
        if (current?.enabled !== true || !pluginJsonDataMatches(current.jsonData, desired)) {
            const saved = await call("POST", `${pluginApi}/settings`, credentials, { enabled: true, jsonData: desired });
            if (!succeeded(saved)) {
                return retryLater(saved);
            }
        }
        const before = await call("GET", statusUrl, credentials);
        if (succeeded(before) && pluginConnectionProblems(before.json).length === 0) {
            return { done: true, value: undefined };
        }
        const install = await call("POST", `${pluginApi}/resources/plugin/install`, credentials);
        if (!succeeded(install)) {
            return retryLater(install);
        }
        const after = await call("GET", statusUrl, credentials);
        if (!succeeded(after)) {
            return retryLater(after);
        }
        const problems = pluginConnectionProblems(after.json);
        return problems.length === 0
            ? { done: true, value: undefined }
            : retryLater(after, `not connected: ${problems.join("; ")}`);
    });
}

/** Deletes this integration's API tokens; the engine only shows a token's value once, so old ones are useless. */
async function revokeApiTokens(inputs: OnCallWiringInputs, credentials: Credentials): Promise<Attempt<void>> {
    const tokensUrl = `${pluginApiUrl(inputs)}/resources/tokens/`;
    const listed = await call("GET", tokensUrl, credentials);
    if (!succeeded(listed) || !Array.isArray(listed.json)) {
        return retryLater(listed);
    }
    const ours = (listed.json as Array<{ id: number | string; name: string }>).filter(
        (token) => token.name === apiTokenName(inputs.integrationName),
    );
    for (const token of ours) {
        const removed = await call("DELETE", `${tokensUrl}${token.id}/`, credentials);
        if (!succeeded(removed) && removed.status !== 404) {
            return retryLater(removed);
        }
    }
    return { done: true, value: undefined };
}

async function issueApiToken(inputs: OnCallWiringInputs): Promise<string> {
    const credentials = grafanaCredentials(inputs);
    const tokensUrl = `${pluginApiUrl(inputs)}/resources/tokens/`;
    return retryStep("issuing an OnCall API token", inputs.readyTimeoutSeconds, [inputs.grafanaPassword], async () => {
        const revoked = await revokeApiTokens(inputs, credentials);
        if (!revoked.done) {
            return revoked;
        }
        const created = await call("POST", tokensUrl, credentials, { name: apiTokenName(inputs.integrationName) });
        const token = (created.json as { token?: unknown } | undefined)?.token;
        if (succeeded(created) && typeof token === "string") {
            return { done: true, value: token };
        }
        return /max token count/i.test(created.body)
            ? giveUp(created, "the Grafana admin already holds the engine's maximum of API tokens; revoke one in OnCall")
            : retryLater(created);
    });
}

async function revokeApiTokensUntilDone(inputs: OnCallWiringInputs): Promise<void> {
    const credentials = grafanaCredentials(inputs);
    await retryStep("revoking the OnCall API token", inputs.readyTimeoutSeconds, [inputs.grafanaPassword], () =>
        revokeApiTokens(inputs, credentials),
    );
}

/** A token from state is reused while the engine accepts it; otherwise a new one replaces it. */
async function usableApiToken(inputs: OnCallWiringInputs, previousToken: string | undefined): Promise<string> {
    if (previousToken) {
        const probe = await call("GET", `${integrationsUrl(inputs)}?page=1`, { oncallApiToken: previousToken });
        if (succeeded(probe)) {
            return previousToken;
        }
    }
    return issueApiToken(inputs);
}

async function findIntegration(inputs: OnCallWiringInputs, apiToken: string): Promise<Attempt<OnCallIntegration | undefined>> {
    const maxPages = 100;
    for (let page = 1; page <= maxPages; page++) {
        const query = `?name=${encodeURIComponent(inputs.integrationName)}&page=${page}`;
        const listed = await call("GET", integrationsUrl(inputs) + query, { oncallApiToken: apiToken });
        const content = listed.json as { next?: string | null; results?: OnCallIntegration[] } | undefined;
        if (!succeeded(listed) || !Array.isArray(content?.results)) {
            return retryLater(listed);
        }
        // Older engines ignore the name filter, so match here too.
        const named = content.results.find((integration) => integration.name === inputs.integrationName);
        if (named !== undefined) {
            return named.type === "alertmanager"
                ? { done: true, value: named }
                : giveUp(listed, `integration "${inputs.integrationName}" exists with type "${named.type}", not alertmanager`);
        }
        if (!content.next) {
            break;
        }
    }
    return { done: true, value: undefined };
}

async function findOrCreateIntegration(inputs: OnCallWiringInputs, apiToken: string): Promise<OnCallIntegration> {
    const secrets = [inputs.grafanaPassword, apiToken];
    return retryStep("finding or creating the Alertmanager integration", inputs.readyTimeoutSeconds, secrets, async () => {
        const found = await findIntegration(inputs, apiToken);
        if (!found.done) {
            return found;
        }
        if (found.value !== undefined) {
            return { done: true, value: found.value };
        }
        const created = await call("POST", integrationsUrl(inputs), { oncallApiToken: apiToken }, {
            type: "alertmanager",
            name: inputs.integrationName,
        });
        const integration = created.json as Partial<OnCallIntegration> | undefined;
        if (succeeded(created) && typeof integration?.id === "string" && typeof integration.link === "string") {
            return { done: true, value: integration as OnCallIntegration };
        }
        // A duplicate name means another run got there first: the next attempt finds it.
        const permanent = created.status === 400 && !/already exists/i.test(created.body);
        return permanent ? giveUp(created, "OnCall refused the integration") : retryLater(created);
    });
}

async function wireOnCall(inputs: OnCallWiringInputs, previousToken: string | undefined): Promise<OnCallWiringOutputs> {
    await connectPlugin(inputs);
    const apiToken = await usableApiToken(inputs, previousToken);
    const integration = await findOrCreateIntegration(inputs, apiToken);
    return { ...inputs, integrationId: integration.id, integrationLink: integration.link, apiToken };
}

/**
 * The resource id is the integration id at creation; later steps use the integrationId output, which an
 * update may change if the integration was deleted behind Pulumi's back and had to be recreated.
 */
export const oncallWiringProvider: pulumi.dynamic.ResourceProvider<OnCallWiringInputs, OnCallWiringOutputs> = {
    async create(inputs) {
        const outs = await wireOnCall(inputs, undefined);
        return { id: outs.integrationId, outs };
    },

    async update(_id, olds, news) {
        return { outs: await wireOnCall(news, olds.apiToken) };
    },

    async diff(_id, olds, news) {
        const changed = WIRING_INPUT_NAMES.filter((name) => olds[name] !== news[name]);
        return {
            changes: changed.length > 0,
            // Another name is another integration (and another webhook URL for Alertmanager).
            replaces: changed.includes("integrationName") ? ["integrationName"] : [],
        };
    },

    async read(id, props) {
        if (props === undefined) {
            throw new Error("OnCall wiring cannot be imported: reading it needs the state Pulumi saved when creating it");
        }
        const inspecting = { ...props, readyTimeoutSeconds: Math.min(props.readyTimeoutSeconds, READ_TIMEOUT_CAP_SECONDS) };
        const apiToken = await usableApiToken(inspecting, props.apiToken);
        const integrationUrl = `${integrationsUrl(props)}${encodeURIComponent(props.integrationId)}/`;
        const secrets = [props.grafanaPassword, apiToken];
        return retryStep<pulumi.dynamic.ReadResult<OnCallWiringOutputs>>(
            "reading the Alertmanager integration",
            inspecting.readyTimeoutSeconds,
            secrets,
            async () => {
                const fetched = await call("GET", integrationUrl, { oncallApiToken: apiToken });
                if (fetched.status === 404) {
                    // An empty id tells Pulumi the integration is gone.
                    return { done: true, value: {} };
                }
                const link = (fetched.json as { link?: unknown } | undefined)?.link;
                if (!succeeded(fetched) || typeof link !== "string") {
                    return retryLater(fetched);
                }
                return { done: true, value: { id, props: { ...props, integrationLink: link, apiToken } } };
            },
        );
    },

    async delete(_id, props) {
        const apiToken = await usableApiToken(props, props.apiToken);
        const integrationUrl = `${integrationsUrl(props)}${encodeURIComponent(props.integrationId)}/`;
        const secrets = [props.grafanaPassword, apiToken];
        await retryStep("deleting the Alertmanager integration", props.readyTimeoutSeconds, secrets, async () => {
            const removed = await call("DELETE", integrationUrl, { oncallApiToken: apiToken });
            return succeeded(removed) || removed.status === 404 ? { done: true, value: undefined } : retryLater(removed);
        });
        await revokeApiTokensUntilDone(props);
    },
};

export type OnCallWiringResourceArgs = { [Name in keyof OnCallWiringInputs]: pulumi.Input<OnCallWiringInputs[Name]> };

/** Connects the OnCall plugin and owns one Alertmanager integration. */
export class OnCallWiringResource extends pulumi.dynamic.Resource {
    declare public readonly integrationId: pulumi.Output<string>;
    declare public readonly integrationLink: pulumi.Output<string>;
    declare public readonly apiToken: pulumi.Output<string>;

    constructor(name: string, args: OnCallWiringResourceArgs, opts?: pulumi.CustomResourceOptions) {
        super(
            oncallWiringProvider,
            name,
            { ...args, integrationId: undefined, integrationLink: undefined, apiToken: undefined },
            { ...opts, additionalSecretOutputs: ["apiToken", "integrationLink", "grafanaPassword"] },
        );
    }
}
