import * as pulumi from "@pulumi/pulumi";
import { OnCallHeartbeatTimeoutResource } from "../src/oncall/wiring/heartbeatProvider";
import { childOptions } from "../src/shared/childOptions";

export interface OnCallHeartbeatArgs {
    /** Where Pulumi, on the laptop, reaches Grafana; the heartbeat is set through the OnCall plugin. */
    grafanaLocalApiUrl: pulumi.Input<string>;
    grafanaUser: pulumi.Input<string>;
    grafanaPassword: pulumi.Input<string>;
    /** The OnCall integration whose heartbeat (dead man's switch) this sets. */
    integrationId: pulumi.Input<string>;
    /** One of HEARTBEAT_TIMEOUT_SECONDS (src/oncall/vocabulary.ts), OnCall's choices. */
    timeoutSeconds: pulumi.Input<number>;
    /** Changes when the cluster is recreated. */
    clusterId: pulumi.Input<string>;
    /** How long to wait for Grafana and the engine to answer; 120 unless set. */
    readyTimeoutSeconds?: pulumi.Input<number>;
}

/** Sets how long OnCall waits for an integration's heartbeat before it raises an alert. */
export class OnCallHeartbeat extends pulumi.ComponentResource {
    /** The timeout setting itself, for dependsOn. */
    public readonly timeout: OnCallHeartbeatTimeoutResource;
    public readonly heartbeatId: pulumi.Output<string>;

    constructor(name: string, args: OnCallHeartbeatArgs, opts?: pulumi.ComponentResourceOptions) {
        super("oncall-lab:index:OnCallHeartbeat", name, args, opts);

        this.timeout = new OnCallHeartbeatTimeoutResource(
            `${name}-timeout`,
            {
                grafanaLocalApiUrl: args.grafanaLocalApiUrl,
                grafanaUser: args.grafanaUser,
                grafanaPassword: args.grafanaPassword,
                integrationId: args.integrationId,
                timeoutSeconds: args.timeoutSeconds,
                clusterId: args.clusterId,
                readyTimeoutSeconds: args.readyTimeoutSeconds ?? 120,
            },
            childOptions(this, opts, { dependsOn: opts?.dependsOn }),
        );
        this.heartbeatId = this.timeout.heartbeatId;

        this.registerOutputs({ heartbeatId: this.heartbeatId });
    }
}
