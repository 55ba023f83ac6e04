import * as pulumi from "@pulumi/pulumi";

/*
 * What no Pulumi package does for Grafana OnCall OSS (integrations, routes and escalation chains are
 * @pulumiverse/grafana resources): connect the grafana-oncall-app plugin, issue the OnCall API token those
 * resources authenticate with, wait until OnCall knows the people they page, and set an integration's
 * heartbeat timeout.
 *
 * Upstream contracts relied on (grafana/oncall v1.16.9):
 * - grafana-plugin/pkg/plugin/settings.go: jsonData keys onCallApiUrl, stackId, orgId, grafanaUrl; the app itself
 *   posts its settings with pinned: true (src/network/grafana-api/http-client.ts).
 * - grafana-plugin/pkg/plugin/status.go: GET resources/plugin/status answers
 *   {"pluginConnection": {"settings"|"service_account_token"|"grafana_url_from_plugin"|"grafana_url_from_engine"|
 *   "oncall_api_url"|"oncall_token": {"ok": bool, "error"?: string}}}; connected means every entry is ok, and then
 *   the call also starts a user sync (sync.go), which holds a lock for 5 minutes: resources/plugin/sync is never used.
 * - grafana-plugin/pkg/plugin/install.go: POST resources/plugin/install; some failures still answer 200, so the
 *   status endpoint is the source of truth.
 * - grafana-plugin/pkg/plugin/resources.go + proxy.go: any other resources/<path> is proxied to
 *   {onCallApiUrl}/api/internal/v1/<path> (query kept) as the calling Grafana user.
 * - engine/apps/api/views/public_api_tokens.py: tokens/ lists [{"id","name","created_at"}] of the caller; POST
 *   {"name"} answers 201 {"id" (integer), "token","name","created_at"}; DELETE tokens/<id>/; at most 5 per user
 *   (400 "Max token count"); names up to 50 chars (auth_token/models/api_auth_token.py).
 * - engine/apps/auth_token/auth.py ApiTokenAuthentication: `Authorization: <token>`, no scheme; an unknown or
 *   revoked token gets 403 "Invalid token." (no WWW-Authenticate, so DRF answers 403, not 401).
 * - engine/apps/public_api/views/users.py: GET /api/v1/users/?username=<login> (iexact filter) pages
 *   {"results": [{"id","username","role",...}]}; users/current/ is the token's own user. role is admin, editor,
 *   viewer or none; only admin and editor can be paged while accessControlOnCall is off (api/permissions.py).
 * - engine/apps/public_api/tf_sync.py: when the User-Agent contains "terraform-provider-grafana", that list first
 *   re-reads Grafana's org users, at most once per 60 s per organization (user_management/sync.py: every org user,
 *   Viewers included, username = Grafana login).
 * - engine/apps/api/views/integration_heartbeat.py + serializers/integration_heartbeat.py:
 *   heartbeats/?alert_receive_channel=<integration id> lists [{"id","timeout_seconds","alert_receive_channel",...}]
 *   (not paged); PATCH heartbeats/<id>/ {"timeout_seconds": N}, N one of heartbeat/models.py TIMEOUT_CHOICES.
 *   alerts/models/alert_receive_channel.py gives an integration with a heartbeat module (alertmanager) its heartbeat.
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
    /** Identifies the cluster the lab runs in: another cluster is another connection, token and set of users. */
    clusterId: string;
    /** Grafana logins OnCall must know (as pageable users) before this resource is ready. */
    userLogins: string[];
    /** How long each step may wait for Grafana, the plugin, the engine and the user sync. */
    readyTimeoutSeconds: number;
    /** Name of the OnCall API token this resource issues (at most 50 characters). */
    apiTokenName: string;
}

export interface OnCallWiringOutputs extends OnCallWiringInputs {
    /** Whether the plugin's status said connected when last created, updated or refreshed. */
    pluginConnected: boolean;
    /** OnCall API token of the Grafana admin, for the @pulumiverse/grafana provider's oncallAccessToken. */
    apiToken: string;
    /** The engine's id of that token, so that only this token is ever revoked. */
    apiTokenId: number;
    /** Whether OnCall's public API accepted the token when last created, updated or refreshed. */
    apiTokenValid: boolean;
    /** OnCall user id per entry of userLogins. */
    userIds: Record<string, string>;
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
 * OnCall builds an integration's link from its BASE_URL (the host-reachable URL); Alertmanager runs in the
 * cluster, so it needs the same integration path on the in-cluster engine URL.
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

/**
 * The heartbeat timeouts OnCall accepts (engine/apps/heartbeat/models.py TIMEOUT_CHOICES), in seconds. The same
 * list as src/oncall/vocabulary.ts's HEARTBEAT_TIMEOUT_SECONDS (a test keeps them equal): the provider's serialized code cannot
 * import it.
 */
export const HEARTBEAT_TIMEOUT_CHOICES: readonly number[] = [60, 120, 180, 300, 600, 900, 1800, 3600, 43200, 86400];

export interface OnCallHeartbeatTimeoutInputs {
    grafanaUrl: string;
    grafanaUser: string;
    grafanaPassword: string;
    /** The OnCall integration (alert receive channel) whose heartbeat this sets. */
    integrationId: string;
    /** One of HEARTBEAT_TIMEOUT_CHOICES. */
    timeoutSeconds: number;
    clusterId: string;
    /** How long to wait for Grafana and the engine to answer. */
    readyTimeoutSeconds: number;
}

export interface OnCallHeartbeatTimeoutOutputs extends OnCallHeartbeatTimeoutInputs {
    heartbeatId: string;
}

// Everything below runs inside the dynamic providers, which Pulumi serializes as closures: they may use only
// globals (fetch, Buffer, timers) and these module-level functions/constants; a module would have to be
// require()d inside a function.

const ONCALL_PLUGIN_API_PATH = "/api/plugins/grafana-oncall-app";
const REQUEST_TIMEOUT_MS = 15_000;
/** Refresh only looks: a lab that does not answer at once counts as unreachable and its state is kept. */
const READ_REQUEST_TIMEOUT_MS = 3_000;
const FIRST_RETRY_DELAY_MS = 250;
const MAX_RETRY_DELAY_MS = 5_000;
/** The engine re-reads Grafana's users at most once a minute and allows 300 user requests a minute. */
const USER_POLL_MAX_DELAY_MS = 10_000;
const ERROR_BODY_MAX_CHARS = 300;
/** engine/apps/public_api/tf_sync.py keys the user sync on this substring of the User-Agent. */
const USER_SYNC_USER_AGENT = "oncall-lab (user sync as terraform-provider-grafana)";
const PAGEABLE_ROLES: readonly string[] = ["admin", "editor"];
const MAX_TOKEN_NAME_CHARS = 50;
const WIRING_INPUT_NAMES: ReadonlyArray<keyof OnCallWiringInputs> = [
    "grafanaUrl",
    "grafanaUser",
    "grafanaPassword",
    "onCallApiUrl",
    "grafanaInClusterUrl",
    "oncallUrl",
    "clusterId",
    "userLogins",
    "readyTimeoutSeconds",
    "apiTokenName",
];
/** Another cluster, Grafana or engine is another lab; a token cannot be renamed. */
const WIRING_REPLACING_INPUTS: ReadonlyArray<keyof OnCallWiringInputs> = ["clusterId", "grafanaUrl", "oncallUrl", "apiTokenName"];
const HEARTBEAT_INPUT_NAMES: ReadonlyArray<keyof OnCallHeartbeatTimeoutInputs> = [
    "grafanaUrl",
    "grafanaUser",
    "grafanaPassword",
    "integrationId",
    "timeoutSeconds",
    "clusterId",
    "readyTimeoutSeconds",
];
const HEARTBEAT_REPLACING_INPUTS: ReadonlyArray<keyof OnCallHeartbeatTimeoutInputs> = ["integrationId", "clusterId", "grafanaUrl"];

interface GrafanaLogin {
    grafanaUrl: string;
    grafanaUser: string;
    grafanaPassword: string;
}

type Credentials = { grafanaUser: string; grafanaPassword: string } | { oncallApiToken: string };

interface CallOptions {
    payload?: unknown;
    userAgent?: string;
    timeoutMs?: number;
}

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

/** The token an operation works with; `issued` when this operation issued it (and must revoke it on failure). */
interface TokenSession {
    token: string;
    id: number;
    issued: boolean;
    /** A rejected token may be replaced once per operation; a fresh one that is rejected will not do better. */
    mayReissue: boolean;
}

interface OnCallUser {
    id: string;
    username: string;
    role: string;
}

async function call(method: string, url: string, credentials: Credentials, options: CallOptions = {}): Promise<HttpReply> {
    const headers: Record<string, string> = { Accept: "application/json" };
    if ("oncallApiToken" in credentials) {
        // OnCall's public API takes the bare token and rejects a "Bearer" scheme.
        headers.Authorization = credentials.oncallApiToken;
    } else {
        const basic = Buffer.from(`${credentials.grafanaUser}:${credentials.grafanaPassword}`).toString("base64");
        headers.Authorization = `Basic ${basic}`;
    }
    if (options.payload !== undefined) {
        headers["Content-Type"] = "application/json";
    }
    if (options.userAgent !== undefined) {
        headers["User-Agent"] = options.userAgent;
    }
    try {
        const response = await fetch(url, {
            method,
            headers,
            body: options.payload === undefined ? undefined : JSON.stringify(options.payload),
            signal: AbortSignal.timeout(options.timeoutMs ?? REQUEST_TIMEOUT_MS),
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

function unreachable(reply: HttpReply): boolean {
    return reply.status === 0;
}

function rejected(reply: HttpReply): boolean {
    return reply.status === 401 || reply.status === 403;
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
    // A successful answer is not the problem (the why says what is), so its body is left out.
    const body = succeeded(reply) ? "" : scrubSecrets(reply.body.trim(), secrets);
    const clipped = body.length > ERROR_BODY_MAX_CHARS ? `${body.slice(0, ERROR_BODY_MAX_CHARS)}...` : body;
    const answer = reply.networkFailure ?? `HTTP ${reply.status}${clipped === "" ? "" : `: ${clipped}`}`;
    return scrubSecrets(`${reply.method} ${reply.url} -> ${answer}${why ? ` (${why})` : ""}`, secrets);
}

/** Repeats one step with bounded exponential backoff until it succeeds, fails for good, or time runs out. */
async function retryStep<T>(
    step: string,
    timeoutSeconds: number,
    secrets: () => ReadonlyArray<string | undefined>,
    attempt: () => Promise<Attempt<T>>,
    maxDelayMs = MAX_RETRY_DELAY_MS,
): Promise<T> {
    const deadline = Date.now() + timeoutSeconds * 1000;
    let delayMs = FIRST_RETRY_DELAY_MS;
    for (;;) {
        const outcome = await attempt();
        if (outcome.done) {
            return outcome.value;
        }
        if (outcome.fatal) {
            throw new Error(`OnCall wiring failed while ${step}: ${describeFailure(outcome, secrets())}`);
        }
        const remainingMs = deadline - Date.now();
        if (remainingMs <= 0) {
            throw new Error(
                `OnCall wiring gave up ${step} after ${timeoutSeconds}s; last answer: ${describeFailure(outcome, secrets())}`,
            );
        }
        await new Promise((resolve) => setTimeout(resolve, Math.min(delayMs, remainingMs)));
        delayMs = Math.min(delayMs * 2, maxDelayMs);
    }
}

function withoutTrailingSlash(url: string): string {
    return url.replace(/\/+$/, "");
}

function grafanaCredentials(login: GrafanaLogin): Credentials {
    return { grafanaUser: login.grafanaUser, grafanaPassword: login.grafanaPassword };
}

function pluginApiUrl(login: GrafanaLogin): string {
    return withoutTrailingSlash(login.grafanaUrl) + ONCALL_PLUGIN_API_PATH;
}

function publicApiUrl(inputs: OnCallWiringInputs, path: string): string {
    return `${withoutTrailingSlash(inputs.oncallUrl)}/api/v1/${path}`;
}

/**
 * A 401/403 through the plugin proxy may come from Grafana (wrong password: retrying only adds to its lockout
 * count) or from the engine (plugin not connected yet): Grafana's own user endpoint tells them apart.
 */
async function grafanaOrEngineRejection<T>(login: GrafanaLogin, reply: HttpReply): Promise<Attempt<T>> {
    const me = await call("GET", `${withoutTrailingSlash(login.grafanaUrl)}/api/user`, grafanaCredentials(login));
    return rejected(me)
        ? giveUp(me, `Grafana rejected the credentials of user "${login.grafanaUser}"`)
        : retryLater(reply, "the OnCall plugin is not connected yet");
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

function pluginSettingsMatch(current: unknown, desired: OnCallPluginJsonData): boolean {
    const settings = (current ?? {}) as { enabled?: unknown; pinned?: unknown; jsonData?: Record<string, unknown> };
    const jsonData = settings.jsonData ?? {};
    return (
        settings.enabled === true &&
        settings.pinned === true &&
        (Object.keys(desired) as Array<keyof OnCallPluginJsonData>).every((key) => jsonData[key] === desired[key])
    );
}

async function connectPlugin(inputs: OnCallWiringInputs): Promise<void> {
    const pluginApi = pluginApiUrl(inputs);
    const credentials = grafanaCredentials(inputs);
    const desired = pluginJsonData(inputs);
    const statusUrl = `${pluginApi}/resources/plugin/status`;
    await retryStep("connecting the OnCall plugin", inputs.readyTimeoutSeconds, () => [inputs.grafanaPassword], async () => {
        const settings = await call("GET", `${pluginApi}/settings`, credentials);
        if (rejected(settings)) {
            // Retrying rejected credentials cannot help, and failed logins count toward Grafana's lockout.
            return giveUp(settings, `Grafana rejected the credentials of user "${inputs.grafanaUser}"`);
        }
        if (!succeeded(settings)) {
            return retryLater(settings);
        }
        if (!pluginSettingsMatch(settings.json, desired)) {
            const saved = await call("POST", `${pluginApi}/settings`, credentials, {
                payload: { enabled: true, pinned: true, jsonData: desired },
            });
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

/** One look at the plugin, for refresh; undefined when Grafana gives no usable answer. */
async function observePluginConnected(inputs: OnCallWiringInputs): Promise<boolean | undefined> {
    const credentials = grafanaCredentials(inputs);
    const options = { timeoutMs: READ_REQUEST_TIMEOUT_MS };
    const settings = await call("GET", `${pluginApiUrl(inputs)}/settings`, credentials, options);
    if (!succeeded(settings)) {
        return undefined;
    }
    // A Grafana that lost its database still has the plugin, but neither its settings nor its engine token.
    if (!pluginSettingsMatch(settings.json, pluginJsonData(inputs))) {
        return false;
    }
    const status = await call("GET", `${pluginApiUrl(inputs)}/resources/plugin/status`, credentials, options);
    return succeeded(status) ? pluginConnectionProblems(status.json).length === 0 : undefined;
}

async function issueApiToken(inputs: OnCallWiringInputs): Promise<{ token: string; id: number }> {
    const tokensUrl = `${pluginApiUrl(inputs)}/resources/tokens/`;
    return retryStep("issuing an OnCall API token", inputs.readyTimeoutSeconds, () => [inputs.grafanaPassword], async () => {
        const created = await call("POST", tokensUrl, grafanaCredentials(inputs), { payload: { name: inputs.apiTokenName } });
        const issued = created.json as { token?: unknown; id?: unknown } | undefined;
        if (succeeded(created) && typeof issued?.token === "string" && typeof issued.id === "number") {
            return { done: true, value: { token: issued.token, id: issued.id } };
        }
        if (/max token count/i.test(created.body)) {
            return giveUp(created, `user "${inputs.grafanaUser}" already holds the engine's maximum of API tokens; revoke one in OnCall`);
        }
        return rejected(created) ? grafanaOrEngineRejection(inputs, created) : retryLater(created);
    });
}

/** Revokes one token by its id; a Grafana that cannot be reached leaves nothing to revoke it in. */
async function revokeApiToken(inputs: OnCallWiringInputs, id: number): Promise<Attempt<void>> {
    const removed = await call("DELETE", `${pluginApiUrl(inputs)}/resources/tokens/${id}/`, grafanaCredentials(inputs));
    if (succeeded(removed) || removed.status === 404 || unreachable(removed)) {
        return { done: true, value: undefined };
    }
    return rejected(removed) ? grafanaOrEngineRejection(inputs, removed) : retryLater(removed);
}

/** Asks OnCall's public API who the token belongs to: 2xx means this engine issued it and it still works. */
function probeApiToken(inputs: OnCallWiringInputs, token: string, timeoutMs?: number): Promise<HttpReply> {
    return call("GET", publicApiUrl(inputs, "users/current/"), { oncallApiToken: token }, { timeoutMs });
}

/** After OnCall rejected the session's token: replace it once, then stop (retrying a rejection cannot help). */
async function replaceRejectedToken<T>(inputs: OnCallWiringInputs, session: TokenSession, reply: HttpReply): Promise<Attempt<T>> {
    if (!session.mayReissue) {
        return giveUp(
            reply,
            `OnCall's public API rejected a freshly issued API token: user "${inputs.grafanaUser}" must be an OnCall ` +
                "admin (Grafana role Admin), and oncallUrl must reach the engine the plugin is connected to",
        );
    }
    const fresh = await issueApiToken(inputs);
    Object.assign(session, { token: fresh.token, id: fresh.id, issued: true, mayReissue: false });
    return retryLater(reply, "OnCall rejected the API token; issued a new one");
}

async function ensureUsableToken(inputs: OnCallWiringInputs, session: TokenSession): Promise<void> {
    await retryStep("checking the OnCall API token", inputs.readyTimeoutSeconds, () => [inputs.grafanaPassword, session.token], async () => {
        const probe = await probeApiToken(inputs, session.token);
        if (succeeded(probe)) {
            return { done: true, value: undefined };
        }
        return rejected(probe) ? replaceRejectedToken(inputs, session, probe) : retryLater(probe);
    });
}

function findUserReply(inputs: OnCallWiringInputs, token: string, login: string, options: CallOptions): Promise<HttpReply> {
    const url = publicApiUrl(inputs, `users/?username=${encodeURIComponent(login)}&short=true`);
    return call("GET", url, { oncallApiToken: token }, options);
}

/** The user named `login` in a users list answer; null when absent, undefined when the answer is not a list. */
function userFromReply(reply: HttpReply, login: string): OnCallUser | null | undefined {
    const results = (reply.json as { results?: unknown } | undefined)?.results;
    if (!succeeded(reply) || !Array.isArray(results)) {
        return undefined;
    }
    return (results as OnCallUser[]).find((user) => user.username?.toLowerCase() === login.toLowerCase()) ?? null;
}

async function waitForUsers(inputs: OnCallWiringInputs, session: TokenSession): Promise<Record<string, string>> {
    const secrets = () => [inputs.grafanaPassword, session.token];
    const poll = async (): Promise<Attempt<Record<string, string>>> => {
        const userIds: Record<string, string> = {};
        const missing: string[] = [];
        const notPageable: string[] = [];
        let last: HttpReply | undefined;
        for (const login of inputs.userLogins) {
            // The first request of a round makes the engine re-read Grafana's users (at most once a minute).
            last = await findUserReply(inputs, session.token, login, { userAgent: USER_SYNC_USER_AGENT });
            if (rejected(last)) {
                return replaceRejectedToken(inputs, session, last);
            }
            const user = userFromReply(last, login);
            if (user === undefined) {
                return retryLater(last);
            }
            if (user === null) {
                missing.push(login);
            } else if (!PAGEABLE_ROLES.includes(user.role)) {
                notPageable.push(`${login} (role ${user.role})`);
            } else {
                userIds[login] = user.id;
            }
        }
        if (last === undefined || (missing.length === 0 && notPageable.length === 0)) {
            return { done: true, value: userIds };
        }
        const problems = [
            ...(missing.length > 0 ? [`not in OnCall: ${missing.join(", ")}`] : []),
            ...(notPageable.length > 0 ? [`in OnCall but not pageable: ${notPageable.join(", ")}`] : []),
        ];
        return retryLater(
            last,
            `${problems.join("; ")}. OnCall copies the users of Grafana's main org; check that each login exists ` +
                "there with role Editor or Admin (Viewers are synced but cannot be paged)",
        );
    };
    return retryStep("waiting until OnCall knows every person", inputs.readyTimeoutSeconds, secrets, poll, USER_POLL_MAX_DELAY_MS);
}

/** One look at the users, for refresh: no sync is triggered; undefined when OnCall gives no usable answer. */
async function observeUserIds(inputs: OnCallWiringInputs, token: string): Promise<Record<string, string> | undefined> {
    const userIds: Record<string, string> = {};
    for (const login of inputs.userLogins) {
        const user = userFromReply(await findUserReply(inputs, token, login, { timeoutMs: READ_REQUEST_TIMEOUT_MS }), login);
        if (user === undefined) {
            return undefined;
        }
        if (user !== null && PAGEABLE_ROLES.includes(user.role)) {
            userIds[login] = user.id;
        }
    }
    return userIds;
}

async function establish(inputs: OnCallWiringInputs, session: TokenSession): Promise<OnCallWiringOutputs> {
    try {
        await ensureUsableToken(inputs, session);
        const userIds = await waitForUsers(inputs, session);
        return { ...inputs, pluginConnected: true, apiToken: session.token, apiTokenId: session.id, apiTokenValid: true, userIds };
    } catch (error) {
        // A failed operation records no token: revoke the one it issued, so retries do not pile up to the limit of 5.
        if (session.issued) {
            await revokeApiToken(inputs, session.id);
        }
        throw error;
    }
}

function sameValue(a: unknown, b: unknown): boolean {
    return JSON.stringify(a) === JSON.stringify(b);
}

/** Pulumi passes this string for values not known yet (during preview); checks skip them. */
function isUnknown(value: unknown): boolean {
    return value === "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
}

function wiringInputFailures(inputs: OnCallWiringInputs): pulumi.dynamic.CheckFailure[] {
    const failures: pulumi.dynamic.CheckFailure[] = [];
    const { apiTokenName, userLogins, readyTimeoutSeconds, clusterId } = inputs;
    if (typeof apiTokenName === "string" && !isUnknown(apiTokenName) && (apiTokenName.length === 0 || apiTokenName.length > MAX_TOKEN_NAME_CHARS)) {
        failures.push({ property: "apiTokenName", reason: `must be 1 to ${MAX_TOKEN_NAME_CHARS} characters (OnCall's limit)` });
    }
    if (Array.isArray(userLogins)) {
        const known = userLogins.filter((login) => !isUnknown(login));
        const lower = known.map((login) => (typeof login === "string" ? login.toLowerCase() : login));
        if (known.some((login) => typeof login !== "string" || login.length === 0)) {
            failures.push({ property: "userLogins", reason: "must be non-empty Grafana logins" });
        } else if (new Set(lower).size !== lower.length) {
            failures.push({ property: "userLogins", reason: "must not repeat a login (OnCall matches logins case-insensitively)" });
        }
    }
    if (typeof readyTimeoutSeconds === "number" && !(readyTimeoutSeconds > 0)) {
        failures.push({ property: "readyTimeoutSeconds", reason: "must be a positive number of seconds" });
    }
    if (clusterId === "") {
        failures.push({ property: "clusterId", reason: "must identify the cluster" });
    }
    return failures;
}

/**
 * Connects the plugin, issues an API token and waits for OnCall to know userLogins. The resource id names the
 * cluster; refresh only observes, and diff turns what it saw (plugin disconnected, token rejected, a person
 * missing) into an update that repairs it.
 */
export const oncallWiringProvider: pulumi.dynamic.ResourceProvider<OnCallWiringInputs, OnCallWiringOutputs> = {
    async check(_olds, news) {
        return { inputs: news, failures: wiringInputFailures(news) };
    },

    async create(inputs) {
        await connectPlugin(inputs);
        const issued = await issueApiToken(inputs);
        const outs = await establish(inputs, { ...issued, issued: true, mayReissue: false });
        return { id: `grafana-oncall-app@${inputs.clusterId}`, outs };
    },

    async update(_id, olds, news) {
        await connectPlugin(news);
        const session = { token: olds.apiToken, id: olds.apiTokenId, issued: false, mayReissue: true };
        return { outs: await establish(news, session) };
    },

    async diff(_id, olds, news) {
        const changed = WIRING_INPUT_NAMES.filter((name) => !sameValue(olds[name], news[name]));
        const userIds = olds.userIds ?? {};
        const personMissing =
            Array.isArray(news.userLogins) && news.userLogins.some((login) => !Object.prototype.hasOwnProperty.call(userIds, login));
        const needsRepair = olds.pluginConnected === false || olds.apiTokenValid === false || personMissing;
        return {
            changes: changed.length > 0 || needsRepair,
            replaces: changed.filter((name) => WIRING_REPLACING_INPUTS.includes(name)),
        };
    },

    async read(id, props) {
        if (props === undefined) {
            throw new Error("OnCall wiring cannot be imported: reading it needs the state Pulumi saved when creating it");
        }
        const [pluginConnected, probe] = await Promise.all([
            observePluginConnected(props),
            probeApiToken(props, props.apiToken, READ_REQUEST_TIMEOUT_MS),
        ]);
        const userIds = succeeded(probe) ? await observeUserIds(props, props.apiToken) : undefined;
        return {
            id,
            props: {
                ...props,
                // What could not be observed stays as it was.
                pluginConnected: pluginConnected ?? props.pluginConnected,
                apiTokenValid: succeeded(probe) ? true : rejected(probe) ? false : props.apiTokenValid,
                userIds: userIds ?? props.userIds,
            },
        };
    },

    async delete(_id, props) {
        const secrets = () => [props.grafanaPassword, props.apiToken];
        await retryStep("revoking the OnCall API token", props.readyTimeoutSeconds, secrets, async () => {
            const probe = await probeApiToken(props, props.apiToken);
            // Unreachable: the lab is gone. Rejected: this engine never issued the token (a new cluster's OnCall
            // may hold another token with the same id) or it is revoked already.
            if (unreachable(probe) || rejected(probe)) {
                return { done: true, value: undefined };
            }
            return succeeded(probe) ? revokeApiToken(props, props.apiTokenId) : retryLater(probe);
        });
    },
};

export type OnCallWiringResourceArgs = { [Name in keyof OnCallWiringInputs]: pulumi.Input<OnCallWiringInputs[Name]> };

/** Grafana's OnCall plugin connected to the engine, an OnCall API token, and the OnCall ids of userLogins. */
export class OnCallWiringResource extends pulumi.dynamic.Resource {
    declare public readonly pluginConnected: pulumi.Output<boolean>;
    declare public readonly apiToken: pulumi.Output<string>;
    declare public readonly apiTokenId: pulumi.Output<number>;
    declare public readonly apiTokenValid: pulumi.Output<boolean>;
    declare public readonly userIds: pulumi.Output<Record<string, string>>;

    constructor(name: string, args: OnCallWiringResourceArgs, opts?: pulumi.CustomResourceOptions) {
        super(
            oncallWiringProvider,
            name,
            { ...args, pluginConnected: undefined, apiToken: undefined, apiTokenId: undefined, apiTokenValid: undefined, userIds: undefined },
            { ...opts, additionalSecretOutputs: ["apiToken", "grafanaPassword"] },
        );
    }
}

function heartbeatsUrl(inputs: OnCallHeartbeatTimeoutInputs): string {
    return `${pluginApiUrl(inputs)}/resources/heartbeats/`;
}

interface OnCallHeartbeat {
    id: string;
    timeout_seconds: number;
    alert_receive_channel: string;
}

/** The integration's heartbeat in a heartbeats list answer; null when absent, undefined when not a list. */
function heartbeatFromReply(reply: HttpReply, integrationId: string): OnCallHeartbeat | null | undefined {
    if (!succeeded(reply) || !Array.isArray(reply.json)) {
        return undefined;
    }
    return (reply.json as OnCallHeartbeat[]).find((heartbeat) => heartbeat.alert_receive_channel === integrationId) ?? null;
}

function listHeartbeats(inputs: OnCallHeartbeatTimeoutInputs, timeoutMs?: number): Promise<HttpReply> {
    const url = `${heartbeatsUrl(inputs)}?alert_receive_channel=${encodeURIComponent(inputs.integrationId)}`;
    return call("GET", url, grafanaCredentials(inputs), { timeoutMs });
}

async function setHeartbeatTimeout(inputs: OnCallHeartbeatTimeoutInputs): Promise<OnCallHeartbeatTimeoutOutputs> {
    const step = `setting the heartbeat timeout of integration ${inputs.integrationId}`;
    return retryStep(step, inputs.readyTimeoutSeconds, () => [inputs.grafanaPassword], async () => {
        const listed = await listHeartbeats(inputs);
        if (rejected(listed)) {
            return grafanaOrEngineRejection(inputs, listed);
        }
        const heartbeat = heartbeatFromReply(listed, inputs.integrationId);
        if (heartbeat === undefined) {
            return retryLater(listed);
        }
        if (heartbeat === null) {
            return retryLater(listed, "OnCall shows no heartbeat for this integration (only some types, like alertmanager, have one)");
        }
        if (heartbeat.timeout_seconds !== inputs.timeoutSeconds) {
            const patched = await call("PATCH", `${heartbeatsUrl(inputs)}${encodeURIComponent(heartbeat.id)}/`, grafanaCredentials(inputs), {
                payload: { timeout_seconds: inputs.timeoutSeconds },
            });
            if (patched.status === 400) {
                return giveUp(patched, "OnCall refused the timeout");
            }
            if (!succeeded(patched)) {
                return retryLater(patched);
            }
        }
        return { done: true, value: { ...inputs, heartbeatId: heartbeat.id } };
    });
}

/**
 * Sets the heartbeat timeout of an OnCall integration. The heartbeat belongs to the integration: delete leaves
 * it alone, and refresh reports the timeout OnCall has (or the heartbeat gone with its integration).
 */
export const oncallHeartbeatTimeoutProvider: pulumi.dynamic.ResourceProvider<OnCallHeartbeatTimeoutInputs, OnCallHeartbeatTimeoutOutputs> = {
    async check(_olds, news) {
        const { timeoutSeconds } = news;
        const failures =
            typeof timeoutSeconds === "number" && !HEARTBEAT_TIMEOUT_CHOICES.includes(timeoutSeconds)
                ? [{ property: "timeoutSeconds", reason: `must be one of ${HEARTBEAT_TIMEOUT_CHOICES.join(", ")} (OnCall's choices)` }]
                : [];
        return { inputs: news, failures };
    },

    async create(inputs) {
        const outs = await setHeartbeatTimeout(inputs);
        return { id: outs.heartbeatId, outs };
    },

    async update(_id, _olds, news) {
        return { outs: await setHeartbeatTimeout(news) };
    },

    async diff(_id, olds, news) {
        const changed = HEARTBEAT_INPUT_NAMES.filter((name) => !sameValue(olds[name], news[name]));
        return { changes: changed.length > 0, replaces: changed.filter((name) => HEARTBEAT_REPLACING_INPUTS.includes(name)) };
    },

    async read(id, props) {
        if (props === undefined) {
            throw new Error("An OnCall heartbeat timeout cannot be imported: reading it needs the state Pulumi saved");
        }
        const heartbeat = heartbeatFromReply(await listHeartbeats(props, READ_REQUEST_TIMEOUT_MS), props.integrationId);
        if (heartbeat === undefined) {
            return { id, props };
        }
        // An empty id tells Pulumi the heartbeat is gone (its integration was deleted).
        return heartbeat === null ? {} : { id, props: { ...props, heartbeatId: heartbeat.id, timeoutSeconds: heartbeat.timeout_seconds } };
    },

    async delete() {
        // The heartbeat is deleted with its integration; nothing to undo.
    },
};

export type OnCallHeartbeatTimeoutResourceArgs = {
    [Name in keyof OnCallHeartbeatTimeoutInputs]: pulumi.Input<OnCallHeartbeatTimeoutInputs[Name]>;
};

/** The heartbeat timeout of one OnCall integration. */
export class OnCallHeartbeatTimeoutResource extends pulumi.dynamic.Resource {
    declare public readonly heartbeatId: pulumi.Output<string>;
    declare public readonly timeoutSeconds: pulumi.Output<number>;

    constructor(name: string, args: OnCallHeartbeatTimeoutResourceArgs, opts?: pulumi.CustomResourceOptions) {
        super(oncallHeartbeatTimeoutProvider, name, { ...args, heartbeatId: undefined }, {
            ...opts,
            additionalSecretOutputs: ["grafanaPassword"],
        });
    }
}
