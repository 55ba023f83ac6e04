// The dynamic providers' inputs and outputs. Their keys are in users' state: a renamed key goes in stateKeys.ts.

export interface OnCallWiringInputs {
    /** Grafana's API as reachable from where Pulumi runs, e.g. http://127.0.0.1:3000. */
    grafanaLocalApiUrl: string;
    grafanaUser: string;
    grafanaPassword: string;
    /** The OnCall engine as Grafana reaches it in the cluster; goes in the plugin's jsonData.onCallApiUrl. */
    oncallInClusterUrl: string;
    /** Grafana as the OnCall engine calls it and people open it; goes in the plugin's jsonData.grafanaUrl. */
    grafanaPublicUrl: string;
    /** The OnCall engine as reachable from where Pulumi runs (its public URL), for the public API. */
    oncallPublicUrl: string;
    /** Identifies the cluster the lab runs in: another cluster is another connection, token and set of users. */
    clusterId: string;
    /** Grafana logins OnCall must know (as pageable users) before this resource is ready. */
    userLogins: string[];
    /** How long each step may wait for Grafana, the plugin, the engine and the user sync. */
    readyTimeoutSeconds: number;
    /** Name of the OnCall API token this resource issues (at most API_TOKEN_NAME_MAX characters). */
    apiTokenName: string;
}

export interface OnCallWiringOutputs extends OnCallWiringInputs {
    /** Whether the plugin was seen connected when last created, updated or refreshed. */
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

export interface OnCallHeartbeatTimeoutInputs {
    /** Grafana's API as reachable from where Pulumi runs. */
    grafanaLocalApiUrl: string;
    grafanaUser: string;
    grafanaPassword: string;
    /** The OnCall integration (alert receive channel) whose heartbeat this sets. */
    integrationId: string;
    /** One of HEARTBEAT_TIMEOUT_SECONDS. */
    timeoutSeconds: number;
    clusterId: string;
    /** How long to wait for Grafana and the engine to answer. */
    readyTimeoutSeconds: number;
}

export interface OnCallHeartbeatTimeoutOutputs extends OnCallHeartbeatTimeoutInputs {
    heartbeatId: string;
}

/** What a change of each input does; a Record over the input interface, so a new input cannot be left out of diff. */
export type InputChanges<Inputs> = Record<keyof Inputs, "update" | "replace">;

/** The inputs that differ between olds and news, and those of them that replace the resource. */
export function diffInputs<Inputs>(
    changes: InputChanges<Inputs>,
    olds: Inputs,
    news: Inputs,
): { changed: string[]; replaces: string[] } {
    const names = Object.keys(changes) as Array<keyof Inputs & string>;
    const changed = names.filter((name) => JSON.stringify(olds[name]) !== JSON.stringify(news[name]));
    return { changed, replaces: changed.filter((name) => changes[name] === "replace") };
}
