import * as pulumi from "@pulumi/pulumi";
import { API_TOKEN_NAME_MAX } from "../vocabulary";
import { READ_REQUEST_TIMEOUT_MS, rejected, retryLater, retryStep, succeeded, unreachable } from "./http";
import { diffInputs, type InputChanges, type OnCallWiringInputs, type OnCallWiringOutputs } from "./inputs";
import { connectPlugin, observePluginConnected } from "./plugin";
import { currentKeys } from "./stateKeys";
import { ensureUsableToken, issueApiToken, probeApiToken, revokeApiToken, type TokenSession } from "./tokens";
import { observeUserIds, waitForUsers } from "./users";

/*
 * What no Pulumi package does for Grafana OnCall OSS (integrations, routes and escalation chains are
 * @pulumiverse/grafana resources): connect the grafana-oncall-app plugin, issue the OnCall API token those
 * resources authenticate with, and wait until OnCall knows the people they page. The upstream contracts are
 * listed in plugin.ts, tokens.ts and users.ts.
 */

/** Another cluster, Grafana or engine is another lab; a token cannot be renamed. */
const WIRING_INPUT_CHANGES = {
    grafanaLocalApiUrl: "replace",
    grafanaUser: "update",
    grafanaPassword: "update",
    oncallInClusterUrl: "update",
    grafanaPublicUrl: "update",
    oncallPublicUrl: "replace",
    clusterId: "replace",
    userLogins: "update",
    readyTimeoutSeconds: "update",
    apiTokenName: "replace",
} satisfies InputChanges<OnCallWiringInputs>;

/** Pulumi passes this value for inputs not known yet (during preview); checks skip them. */
const UNKNOWN: unknown = pulumi.runtime.unknownValue;

function isUnknown(value: unknown): boolean {
    return value === UNKNOWN;
}

function wiringInputFailures(inputs: OnCallWiringInputs): pulumi.dynamic.CheckFailure[] {
    const failures: pulumi.dynamic.CheckFailure[] = [];
    const { apiTokenName, userLogins, readyTimeoutSeconds, clusterId } = inputs;
    if (
        typeof apiTokenName === "string" &&
        !isUnknown(apiTokenName) &&
        (apiTokenName.length === 0 || apiTokenName.length > API_TOKEN_NAME_MAX)
    ) {
        failures.push({
            property: "apiTokenName",
            reason: `must be 1 to ${API_TOKEN_NAME_MAX} characters (OnCall's limit)`,
        });
    }
    if (Array.isArray(userLogins)) {
        const known = userLogins.filter((login) => !isUnknown(login));
        const lower = known.map((login) => (typeof login === "string" ? login.toLowerCase() : login));
        if (known.some((login) => typeof login !== "string" || login.length === 0)) {
            failures.push({ property: "userLogins", reason: "must be non-empty Grafana logins" });
        } else if (new Set(lower).size !== lower.length) {
            failures.push({
                property: "userLogins",
                reason: "must not repeat a login (OnCall matches logins case-insensitively)",
            });
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

async function establish(inputs: OnCallWiringInputs, session: TokenSession): Promise<OnCallWiringOutputs> {
    try {
        await ensureUsableToken(inputs, session);
        const userIds = await waitForUsers(inputs, session);
        return {
            ...inputs,
            pluginConnected: true,
            apiToken: session.token,
            apiTokenId: session.id,
            apiTokenValid: true,
            userIds,
        };
    } catch (error) {
        // A failed operation records no token: revoke the one it issued, so retries do not pile up to the limit.
        if (session.issued) {
            await revokeApiToken(inputs, session.id);
        }
        throw error;
    }
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
        const { changed, replaces } = diffInputs<OnCallWiringInputs>(WIRING_INPUT_CHANGES, currentKeys(olds), news);
        const userIds = olds.userIds ?? {};
        const personMissing =
            Array.isArray(news.userLogins) &&
            news.userLogins.some((login) => !Object.prototype.hasOwnProperty.call(userIds, login));
        const needsRepair = olds.pluginConnected === false || olds.apiTokenValid === false || personMissing;
        return { changes: changed.length > 0 || needsRepair, replaces };
    },

    async read(id, props) {
        if (props === undefined) {
            throw new Error(
                "OnCall wiring cannot be imported: reading it needs the state Pulumi saved when creating it",
            );
        }
        const state = currentKeys(props);
        // The plugin's status endpoint is never called here: it would start a user sync.
        const [pluginConnected, probe] = await Promise.all([
            observePluginConnected(state),
            probeApiToken(state, state.apiToken, READ_REQUEST_TIMEOUT_MS),
        ]);
        const userIds = succeeded(probe) ? await observeUserIds(state, state.apiToken) : undefined;
        return {
            id,
            // Under the keys it came with: refresh keeps the provider code that wrote them (the state's __provider).
            props: {
                ...props,
                // What could not be observed stays as it was.
                pluginConnected: pluginConnected ?? props.pluginConnected,
                apiTokenValid: succeeded(probe) ? true : rejected(probe) ? false : props.apiTokenValid,
                userIds: userIds ?? props.userIds,
            },
        };
    },

    async delete(_id, saved) {
        const props = currentKeys(saved);
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
            {
                ...args,
                pluginConnected: undefined,
                apiToken: undefined,
                apiTokenId: undefined,
                apiTokenValid: undefined,
                userIds: undefined,
            },
            pulumi.mergeOptions(opts, { additionalSecretOutputs: ["apiToken", "grafanaPassword"] }),
        );
    }
}
