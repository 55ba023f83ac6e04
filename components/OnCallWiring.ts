import * as pulumi from "@pulumi/pulumi";
import { OnCallWiringResource } from "../src/oncall/wiring/wiringProvider";
import { wiringConnectionName } from "../src/shared/resourceNames";
import { childOptions } from "../src/shared/childOptions";

export interface OnCallWiringArgs {
    /** Where Pulumi, on the laptop, calls Grafana's API, e.g. http://127.0.0.1:3000. */
    grafanaLocalApiUrl: pulumi.Input<string>;
    grafanaUser: pulumi.Input<string>;
    grafanaPassword: pulumi.Input<string>;
    /** Where Grafana reaches the OnCall engine in the cluster; stored in the plugin's settings (jsonData.onCallApiUrl). */
    oncallInClusterUrl: pulumi.Input<string>;
    /**
     * Grafana as the OnCall engine calls it and as people open it: stored in the plugin's settings (jsonData.grafanaUrl),
     * and the base of every link in OnCall's e-mails.
     */
    grafanaPublicUrl: pulumi.Input<string>;
    /** Where Pulumi, on the laptop, reaches the OnCall engine's public API, e.g. http://127.0.0.1:8080. */
    oncallPublicUrl: pulumi.Input<string>;
    /** Changes when the cluster is recreated: a new cluster gets a new connection, token and user ids. */
    clusterId: pulumi.Input<string>;
    /** Grafana logins (Editor or Admin in the main org) that OnCall must know before anything pages them. */
    userLogins: pulumi.Input<string[]>;
    /** How long each step may wait for Grafana, the plugin, the engine and the user sync. */
    readyTimeoutSeconds: pulumi.Input<number>;
    /** Name of the OnCall API token (at most 50 characters); changing it issues a new token. */
    apiTokenName?: pulumi.Input<string>;
}

/** Connects Grafana's OnCall plugin to the engine and provides the OnCall API token and user ids that on-call as code needs. */
export class OnCallWiring extends pulumi.ComponentResource {
    /** The connection itself, for dependsOn and replaceWith. */
    public readonly connection: OnCallWiringResource;
    /** For the @pulumiverse/grafana provider's oncallAccessToken. */
    public readonly apiToken: pulumi.Output<string>;
    /** OnCall user id per login of userLogins. */
    public readonly userIds: pulumi.Output<Record<string, string>>;

    constructor(name: string, args: OnCallWiringArgs, opts?: pulumi.ComponentResourceOptions) {
        super("oncall-lab:index:OnCallWiring", name, args, opts);

        this.connection = new OnCallWiringResource(
            wiringConnectionName(name),
            {
                grafanaLocalApiUrl: args.grafanaLocalApiUrl,
                grafanaUser: args.grafanaUser,
                grafanaPassword: args.grafanaPassword,
                oncallInClusterUrl: args.oncallInClusterUrl,
                grafanaPublicUrl: args.grafanaPublicUrl,
                oncallPublicUrl: args.oncallPublicUrl,
                clusterId: args.clusterId,
                userLogins: args.userLogins,
                readyTimeoutSeconds: args.readyTimeoutSeconds,
                // Not the old wiring's "pulumi <integration name>", whose delete revokes tokens by that name.
                apiTokenName: args.apiTokenName ?? "pulumi oncall-lab",
            },
            childOptions(this, opts),
        );

        // additionalSecretOutputs hides the token in state; wrapping keeps it secret wherever the output flows.
        this.apiToken = pulumi.secret(this.connection.apiToken);
        this.userIds = this.connection.userIds;

        this.registerOutputs({ apiToken: this.apiToken, userIds: this.userIds });
    }
}
