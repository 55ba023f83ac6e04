import * as pulumi from "@pulumi/pulumi";
import { inClusterWebhookUrl, OnCallWiringResource } from "../src/oncallWiring";

export interface OnCallWiringArgs {
    /** Grafana as reachable from where Pulumi runs, e.g. http://127.0.0.1:3000. */
    grafanaUrl: pulumi.Input<string>;
    grafanaUser: pulumi.Input<string>;
    grafanaPassword: pulumi.Input<string>;
    /** The OnCall engine as Grafana reaches it; stored in the plugin's settings. */
    onCallApiUrl: pulumi.Input<string>;
    /** Grafana as the OnCall engine reaches it; stored in the plugin's settings. */
    grafanaInClusterUrl: pulumi.Input<string>;
    /** The OnCall engine as reachable from where Pulumi runs, for its public API. */
    oncallUrl: pulumi.Input<string>;
    /** The OnCall engine as Alertmanager reaches it, inside the cluster. */
    inClusterEngineUrl: pulumi.Input<string>;
    /** Also the integration's identity: changing it replaces the integration and its webhook URL. */
    integrationName: pulumi.Input<string>;
    /** How long each step may wait for Grafana, the plugin and the engine to come up. */
    readyTimeoutSeconds: pulumi.Input<number>;
}

/** Connects Grafana's OnCall plugin to the engine and gives Alertmanager an OnCall integration to send to. */
export class OnCallWiring extends pulumi.ComponentResource {
    public readonly integration: OnCallWiringResource;
    /** OnCall's own URL for the integration, built on the host-reachable engine URL. */
    public readonly integrationUrl: pulumi.Output<string>;
    /** The same integration on the in-cluster engine URL, for Alertmanager's webhook receiver. */
    public readonly alertmanagerWebhookUrl: pulumi.Output<string>;

    constructor(name: string, args: OnCallWiringArgs, opts?: pulumi.ComponentResourceOptions) {
        super("oncall-lab:index:OnCallWiring", name, args, opts);

        this.integration = new OnCallWiringResource(`${name}-integration`, {
            grafanaUrl: args.grafanaUrl,
            grafanaUser: args.grafanaUser,
            grafanaPassword: args.grafanaPassword,
            onCallApiUrl: args.onCallApiUrl,
            grafanaInClusterUrl: args.grafanaInClusterUrl,
            oncallUrl: args.oncallUrl,
            integrationName: args.integrationName,
            readyTimeoutSeconds: args.readyTimeoutSeconds,
        }, { parent: this, deletedWith: opts?.deletedWith });

        // The link embeds the integration's token. additionalSecretOutputs hides it in state; wrapping keeps it
        // secret wherever the output flows.
        this.integrationUrl = pulumi.secret(this.integration.integrationLink);
        this.alertmanagerWebhookUrl = pulumi.secret(
            pulumi.all([this.integration.integrationLink, args.inClusterEngineUrl])
                .apply(([link, engineUrl]) => inClusterWebhookUrl(link, engineUrl)),
        );

        this.registerOutputs({
            integrationUrl: this.integrationUrl,
            alertmanagerWebhookUrl: this.alertmanagerWebhookUrl,
        });
    }
}
