// The grafana-oncall-app plugin as the providers use it: its settings, connecting it to the engine, and calls
// through its proxy. Upstream contracts (grafana/oncall v1.16.9, grafana-plugin/pkg/plugin/):
// - settings.go: jsonData keys onCallApiUrl, stackId, orgId, grafanaUrl; install saves them with enabled and pinned
//   true and the engine's token in secureJsonData.onCallApiToken (SaveOnCallSettings), and Grafana's
//   GET /api/plugins/<id>/settings lists the stored secure keys as secureJsonFields (grafana/grafana
//   pkg/api/plugins.go GetPluginSettingByID, pkg/api/dtos/plugins.go).
// - status.go: GET resources/plugin/status answers {"pluginConnection": {"settings"|"service_account_token"|
//   "grafana_url_from_plugin"|"grafana_url_from_engine"|"oncall_api_url"|"oncall_token": {"ok", "error"?}}}, and when
//   every entry is ok it starts a full user sync (doSync), which takes the plugin's 5-minute sync lock and makes
//   OnCall delete the users Grafana lacks: only create and update call it, never read.
// - install.go: POST resources/plugin/install; a refusal by the engine is written as {"onCallError": {"code",
//   "message", "fields"?}} before WriteHeader(400), so it arrives as HTTP 200 (errors.go; the engine's codes are in
//   engine/common/api_helpers/errors.py, e.g. 1001 "Invalid stack or org id for self-hosted organization").
//   Other failures answer 200 with no body, so the status stays the source of truth.
// - resources.go + proxy.go: any other resources/<path> is proxied to {onCallApiUrl}/api/internal/v1/<path>
//   (query kept) as the calling Grafana user.
import { type OnCallPluginJsonData, pluginJsonData } from "../pluginJsonData";
import { ONCALL_PLUGIN_ID, SELF_HOSTED_IDS } from "../vocabulary";
import {
    type Attempt,
    call,
    type Credentials,
    giveUp,
    type HttpReply,
    READ_REQUEST_TIMEOUT_MS,
    rejected,
    retryLater,
    retryStep,
    succeeded,
} from "./http";
import { withoutTrailingSlash } from "../../shared/urls";
import type { OnCallWiringInputs } from "./inputs";

export interface GrafanaLogin {
    grafanaLocalApiUrl: string;
    grafanaUser: string;
    grafanaPassword: string;
}

/** The secureJsonData key under which install stores the engine's token (settings.go). */
const ENGINE_TOKEN_FIELD = "onCallApiToken";
/** engine/common/api_helpers/errors.py: wrong stack/org id or a non-OpenSource engine; retrying cannot help. */
const SELF_HOSTED_REFUSAL_CODE = 1001;
const ENGINE_MESSAGE_MAX_CHARS = 200;

/** What to do about each plugin status entry that is not ok (status.go sets them). */
const STATUS_ENTRY_HINTS: Record<string, string> = {
    settings: "the plugin's jsonData is incomplete",
    service_account_token:
        "Grafana rejected the plugin's own token: Grafana needs the externalServiceAccounts feature toggle (values/grafana.yaml)",
    grafana_url_from_plugin:
        "the plugin or the engine cannot reach Grafana at jsonData.grafanaUrl, Grafana's public URL, which must also answer " +
        "inside the cluster (on kind through the CoreDNS rewrite of its host)",
    grafana_url_from_engine: "the engine has not confirmed that it reaches Grafana at jsonData.grafanaUrl",
    oncall_api_url: "Grafana cannot reach the engine at jsonData.onCallApiUrl, the engine's in-cluster URL",
    oncall_token: "the engine rejected the plugin's token; installing the plugin again replaces it",
};

export function grafanaCredentials(login: GrafanaLogin): Credentials {
    return { grafanaUser: login.grafanaUser, grafanaPassword: login.grafanaPassword };
}

export function pluginApiUrl(login: GrafanaLogin): string {
    return `${withoutTrailingSlash(login.grafanaLocalApiUrl)}/api/plugins/${ONCALL_PLUGIN_ID}`;
}

/**
 * A 401/403 through the plugin proxy may come from Grafana (wrong password: retrying only adds to its lockout
 * count) or from the engine (plugin not connected yet): Grafana's own user endpoint tells them apart.
 */
export async function grafanaOrEngineRejection<T>(login: GrafanaLogin, reply: HttpReply): Promise<Attempt<T>> {
    const me = await call(
        "GET",
        `${withoutTrailingSlash(login.grafanaLocalApiUrl)}/api/user`,
        grafanaCredentials(login),
    );
    return rejected(me)
        ? giveUp(me, `Grafana rejected the credentials of user "${login.grafanaUser}"`)
        : retryLater(reply, "the OnCall plugin is not connected yet");
}

/** Lists the plugin status entries that are not ok, each with what to do; empty means connected. */
function pluginConnectionProblems(status: unknown): string[] {
    const entries = (status as { pluginConnection?: Record<string, { ok?: boolean; error?: string }> } | undefined)
        ?.pluginConnection;
    if (entries === undefined || entries === null || typeof entries !== "object") {
        return ["no pluginConnection in the status"];
    }
    return Object.entries(entries)
        .filter(([, entry]) => entry?.ok !== true)
        .map(([name, entry]) => {
            const hint = STATUS_ENTRY_HINTS[name];
            return `${name}: ${entry?.error ?? "not ok"}${hint === undefined ? "" : ` (${hint})`}`;
        });
}

/** The engine's refusal that install.go wraps in an HTTP 200, or undefined when the answer carries none. */
function installRefusal(reply: HttpReply): { code?: number; message: string } | undefined {
    const refusal = (
        reply.json as { onCallError?: { code?: unknown; message?: unknown; fields?: unknown } } | undefined
    )?.onCallError;
    if (refusal === undefined || refusal === null || typeof refusal !== "object") {
        return undefined;
    }
    const message = typeof refusal.message === "string" && refusal.message !== "" ? refusal.message : "no message";
    const fields = refusal.fields !== undefined && refusal.fields !== null ? ` ${JSON.stringify(refusal.fields)}` : "";
    const text = `${message}${fields}`;
    return {
        code: typeof refusal.code === "number" ? refusal.code : undefined,
        message: text.length > ENGINE_MESSAGE_MAX_CHARS ? `${text.slice(0, ENGINE_MESSAGE_MAX_CHARS)}...` : text,
    };
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

/** Saves enabled, pinned and jsonData unless Grafana has them already; undefined when done, else what to do next. */
async function savePluginSettings(
    inputs: OnCallWiringInputs,
    desired: OnCallPluginJsonData,
): Promise<Attempt<void> | undefined> {
    const credentials = grafanaCredentials(inputs);
    const settings = await call("GET", `${pluginApiUrl(inputs)}/settings`, credentials);
    if (rejected(settings)) {
        // Retrying rejected credentials cannot help, and failed logins count toward Grafana's lockout.
        return giveUp(settings, `Grafana rejected the credentials of user "${inputs.grafanaUser}"`);
    }
    if (!succeeded(settings)) {
        return retryLater(settings);
    }
    if (pluginSettingsMatch(settings.json, desired)) {
        return undefined;
    }
    const saved = await call("POST", `${pluginApiUrl(inputs)}/settings`, credentials, {
        payload: { enabled: true, pinned: true, jsonData: desired },
    });
    return succeeded(saved) ? undefined : retryLater(saved);
}

/** Installs the plugin against the engine; undefined when the engine took it, else what to do next. */
async function installPlugin(inputs: OnCallWiringInputs): Promise<Attempt<void> | undefined> {
    const install = await call("POST", `${pluginApiUrl(inputs)}/resources/plugin/install`, grafanaCredentials(inputs));
    if (!succeeded(install)) {
        return retryLater(install);
    }
    const refusal = installRefusal(install);
    if (refusal === undefined) {
        return undefined;
    }
    const why = `the engine refused the install: ${refusal.message}${refusal.code === undefined ? "" : ` (code ${refusal.code})`}`;
    return refusal.code === SELF_HOSTED_REFUSAL_CODE
        ? giveUp(
              install,
              `${why}; the engine takes only stackId ${SELF_HOSTED_IDS.stackId} and orgId ${SELF_HOSTED_IDS.orgId} ` +
                  "from the plugin and must run as OpenSource, so retrying cannot help",
          )
        : retryLater(install, why);
}

export async function connectPlugin(inputs: OnCallWiringInputs): Promise<void> {
    const desired = pluginJsonData(inputs);
    const statusUrl = `${pluginApiUrl(inputs)}/resources/plugin/status`;
    await retryStep(
        "connecting the OnCall plugin",
        inputs.readyTimeoutSeconds,
        () => [inputs.grafanaPassword],
        async () => {
            const unsaved = await savePluginSettings(inputs, desired);
            if (unsaved !== undefined) {
                return unsaved;
            }
            // Connected already: its status call has started the user sync, as an install would.
            const before = await call("GET", statusUrl, grafanaCredentials(inputs));
            if (succeeded(before) && pluginConnectionProblems(before.json).length === 0) {
                return { done: true, value: undefined };
            }
            const notInstalled = await installPlugin(inputs);
            if (notInstalled !== undefined) {
                return notInstalled;
            }
            const after = await call("GET", statusUrl, grafanaCredentials(inputs));
            if (!succeeded(after)) {
                return retryLater(after);
            }
            const problems = pluginConnectionProblems(after.json);
            return problems.length === 0
                ? { done: true, value: undefined }
                : retryLater(after, `not connected: ${problems.join("; ")}`);
        },
    );
}

/**
 * One look at the plugin's settings, for refresh (the status endpoint would start a sync): connected means
 * enabled, pinned, the lab's jsonData and the engine's token stored. undefined when Grafana gives no usable answer.
 */
export async function observePluginConnected(inputs: OnCallWiringInputs): Promise<boolean | undefined> {
    const settings = await call("GET", `${pluginApiUrl(inputs)}/settings`, grafanaCredentials(inputs), {
        timeoutMs: READ_REQUEST_TIMEOUT_MS,
    });
    if (!succeeded(settings)) {
        return undefined;
    }
    // A Grafana that lost its database still has the plugin, but neither its settings nor its engine token.
    const secureJsonFields = (settings.json as { secureJsonFields?: Record<string, unknown> } | undefined)
        ?.secureJsonFields;
    return (
        pluginSettingsMatch(settings.json, pluginJsonData(inputs)) && secureJsonFields?.[ENGINE_TOKEN_FIELD] === true
    );
}
