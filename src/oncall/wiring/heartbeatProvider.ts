import * as pulumi from "@pulumi/pulumi";
import { HEARTBEAT_TIMEOUT_SECONDS } from "../vocabulary";
import {
    call,
    giveUp,
    type HttpReply,
    READ_REQUEST_TIMEOUT_MS,
    rejected,
    retryLater,
    retryStep,
    succeeded,
} from "./http";
import {
    diffInputs,
    type InputChanges,
    type OnCallHeartbeatTimeoutInputs,
    type OnCallHeartbeatTimeoutOutputs,
} from "./inputs";
import { grafanaCredentials, grafanaOrEngineRejection, pluginApiUrl } from "./plugin";
import { currentKeys } from "./stateKeys";

/*
 * An integration's heartbeat timeout, which neither OnCall's public API nor the Pulumi provider sets. Upstream
 * contracts (grafana/oncall v1.16.9): engine/apps/api/views/integration_heartbeat.py +
 * serializers/integration_heartbeat.py: through the plugin proxy, heartbeats/?alert_receive_channel=<integration id>
 * lists [{"id","timeout_seconds","alert_receive_channel",...}] (not paged); PATCH heartbeats/<id>/
 * {"timeout_seconds": N}, N one of HEARTBEAT_TIMEOUT_SECONDS. alerts/models/alert_receive_channel.py gives an
 * integration with a heartbeat module (alertmanager) its heartbeat.
 */

/** Another integration or cluster is another heartbeat. */
const HEARTBEAT_INPUT_CHANGES = {
    grafanaLocalApiUrl: "replace",
    grafanaUser: "update",
    grafanaPassword: "update",
    integrationId: "replace",
    timeoutSeconds: "update",
    clusterId: "replace",
    readyTimeoutSeconds: "update",
} satisfies InputChanges<OnCallHeartbeatTimeoutInputs>;

interface OnCallHeartbeat {
    id: string;
    timeout_seconds: number;
    alert_receive_channel: string;
}

function heartbeatsUrl(inputs: OnCallHeartbeatTimeoutInputs): string {
    return `${pluginApiUrl(inputs)}/resources/heartbeats/`;
}

/** The integration's heartbeat in a heartbeats list answer; null when absent, undefined when not a list. */
function heartbeatFromReply(reply: HttpReply, integrationId: string): OnCallHeartbeat | null | undefined {
    if (!succeeded(reply) || !Array.isArray(reply.json)) {
        return undefined;
    }
    return (
        (reply.json as OnCallHeartbeat[]).find((heartbeat) => heartbeat.alert_receive_channel === integrationId) ?? null
    );
}

function listHeartbeats(inputs: OnCallHeartbeatTimeoutInputs, timeoutMs?: number): Promise<HttpReply> {
    const url = `${heartbeatsUrl(inputs)}?alert_receive_channel=${encodeURIComponent(inputs.integrationId)}`;
    return call("GET", url, grafanaCredentials(inputs), { timeoutMs });
}

async function setHeartbeatTimeout(inputs: OnCallHeartbeatTimeoutInputs): Promise<OnCallHeartbeatTimeoutOutputs> {
    const step = `setting the heartbeat timeout of integration ${inputs.integrationId}`;
    return retryStep(
        step,
        inputs.readyTimeoutSeconds,
        () => [inputs.grafanaPassword],
        async () => {
            const listed = await listHeartbeats(inputs);
            if (rejected(listed)) {
                return grafanaOrEngineRejection(inputs, listed);
            }
            const heartbeat = heartbeatFromReply(listed, inputs.integrationId);
            if (heartbeat === undefined) {
                return retryLater(listed);
            }
            if (heartbeat === null) {
                return retryLater(
                    listed,
                    "OnCall shows no heartbeat for this integration (only some types, like alertmanager, have one)",
                );
            }
            if (heartbeat.timeout_seconds !== inputs.timeoutSeconds) {
                const patched = await call(
                    "PATCH",
                    `${heartbeatsUrl(inputs)}${encodeURIComponent(heartbeat.id)}/`,
                    grafanaCredentials(inputs),
                    {
                        payload: { timeout_seconds: inputs.timeoutSeconds },
                    },
                );
                if (patched.status === 400) {
                    return giveUp(patched, "OnCall refused the timeout");
                }
                if (!succeeded(patched)) {
                    return retryLater(patched);
                }
            }
            return { done: true, value: { ...inputs, heartbeatId: heartbeat.id } };
        },
    );
}

/**
 * Sets the heartbeat timeout of an OnCall integration. The heartbeat belongs to the integration: delete leaves
 * it alone, and refresh reports the timeout OnCall has (or the heartbeat gone with its integration).
 */
export const oncallHeartbeatTimeoutProvider: pulumi.dynamic.ResourceProvider<
    OnCallHeartbeatTimeoutInputs,
    OnCallHeartbeatTimeoutOutputs
> = {
    async check(_olds, news) {
        const { timeoutSeconds } = news;
        const failures =
            typeof timeoutSeconds === "number" && !HEARTBEAT_TIMEOUT_SECONDS.includes(timeoutSeconds)
                ? [
                      {
                          property: "timeoutSeconds",
                          reason: `must be one of ${HEARTBEAT_TIMEOUT_SECONDS.join(", ")} (OnCall's choices)`,
                      },
                  ]
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
        const { changed, replaces } = diffInputs<OnCallHeartbeatTimeoutInputs>(
            HEARTBEAT_INPUT_CHANGES,
            currentKeys(olds),
            news,
        );
        return { changes: changed.length > 0, replaces };
    },

    async read(id, props) {
        if (props === undefined) {
            throw new Error("An OnCall heartbeat timeout cannot be imported: reading it needs the state Pulumi saved");
        }
        const heartbeat = heartbeatFromReply(
            await listHeartbeats(currentKeys(props), READ_REQUEST_TIMEOUT_MS),
            props.integrationId,
        );
        if (heartbeat === undefined) {
            return { id, props };
        }
        // An empty id tells Pulumi the heartbeat is gone (its integration was deleted).
        return heartbeat === null
            ? {}
            : { id, props: { ...props, heartbeatId: heartbeat.id, timeoutSeconds: heartbeat.timeout_seconds } };
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
        super(
            oncallHeartbeatTimeoutProvider,
            name,
            { ...args, heartbeatId: undefined },
            pulumi.mergeOptions(opts, {
                additionalSecretOutputs: ["grafanaPassword"],
            }),
        );
    }
}
