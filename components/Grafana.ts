import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { stringify } from "yaml";
import { chartRepositories } from "../src/shared/charts";
import { releaseNames } from "../src/shared/topology";
import { grafanaValues, type GrafanaValuesInput, oncallPluginProvisioning } from "../src/grafana/values";
import { tlsCopy } from "../src/shared/tls";
import { labNamespaceArgs } from "../src/security/workloads";
import { onBehalfOf } from "../src/shared/resourceError";
import { childOptions } from "../src/shared/childOptions";

export interface GrafanaArgs {
    namespace: string;
    chartVersion: pulumi.Input<string>;
    imageTag: pulumi.Input<string>;
    oncallPluginVersion: pulumi.Input<string>;
    /** A plugin zip URL that replaces the catalog download of oncallPluginVersion. */
    oncallPluginUrl?: pulumi.Input<string | undefined>;
    nodePort: number;
    /** The Kind host port; the Service listens on it as well, so publicUrl resolves to a working port in the cluster. */
    servicePort: number;
    /** The one URL of Grafana: people open it, and OnCall builds its links from it and calls Grafana on it. */
    publicUrl: pulumi.Input<string>;
    /** OnCall engine URL reachable from Grafana's pod. */
    oncallInClusterUrl: pulumi.Input<string>;
    /** Namespaces whose grafana_datasource and grafana_dashboard ConfigMaps the sidecars load. */
    sidecarNamespaces: string[];
    /** The existing target: an Ingress and the team's storage (nodePort and servicePort are then unused). */
    cluster?: GrafanaValuesInput["cluster"];
    /** tlsSecretName's certificate, copied next to the Ingress. */
    tlsSource?: k8s.core.v1.Secret;
}

/** Grafana with the OnCall app plugin installed and provisioned; datasource and dashboards come from the stack's ConfigMaps. */
export class Grafana extends pulumi.ComponentResource {
    public readonly namespace: k8s.core.v1.Namespace;
    public readonly adminUser: pulumi.Output<string>;
    public readonly adminPassword: pulumi.Output<string>;
    public readonly publicUrl: pulumi.Output<string>;
    /** Grafana's users live in this release's database: resources kept there use it for `deletedWith`. */
    public readonly release: k8s.helm.v3.Release;

    constructor(name: string, args: GrafanaArgs, opts?: pulumi.ComponentResourceOptions) {
        super("oncall-lab:index:Grafana", name, args, opts);
        const childOpts = childOptions(this, opts);

        const namespace = new k8s.core.v1.Namespace(`${name}-namespace`, labNamespaceArgs(args.namespace), childOpts);
        this.namespace = namespace;

        const adminPassword = new random.RandomPassword(
            `${name}-admin-password`,
            {
                length: 24,
                special: false,
            },
            { parent: this },
        );

        const pluginProvisioning = new k8s.core.v1.ConfigMap(
            `${name}-oncall-app-provisioning`,
            {
                metadata: { name: "grafana-oncall-app-provisioning", namespace: namespace.metadata.name },
                data: {
                    "grafana-oncall-app.yaml": pulumi
                        .all([args.oncallInClusterUrl, args.publicUrl])
                        .apply(([oncallInClusterUrl, grafanaPublicUrl]) =>
                            onBehalfOf(this, () =>
                                stringify(oncallPluginProvisioning({ oncallInClusterUrl, grafanaPublicUrl })),
                            ),
                        ),
                },
            },
            childOpts,
        );

        const adminUser = "admin";
        const values = pulumi.secret(
            pulumi
                .all([
                    args.imageTag,
                    adminPassword.result,
                    args.publicUrl,
                    args.oncallPluginVersion,
                    args.oncallPluginUrl,
                    pluginProvisioning.metadata.name,
                ])
                .apply(([imageTag, password, rootUrl, pluginVersion, pluginUrl, configMap]) =>
                    onBehalfOf(this, () =>
                        grafanaValues({
                            imageTag,
                            adminUser,
                            adminPassword: password,
                            nodePort: args.nodePort,
                            servicePort: args.servicePort,
                            rootUrl,
                            pluginVersion,
                            pluginUrl,
                            pluginProvisioningConfigMap: configMap,
                            sidecarNamespaces: args.sidecarNamespaces,
                            cluster: args.cluster,
                        }),
                    ),
                ),
        );
        const tls = args.tlsSource && tlsCopy(`${name}-tls`, args.tlsSource, namespace, childOpts);

        this.release = new k8s.helm.v3.Release(
            `${name}-release`,
            {
                name: releaseNames.grafana,
                chart: "grafana",
                version: args.chartVersion,
                repositoryOpts: { repo: chartRepositories.grafana },
                namespace: namespace.metadata.name,
                values,
                timeout: 900,
            },
            tls ? pulumi.mergeOptions(childOpts, { dependsOn: [tls] }) : childOpts,
        );

        this.adminUser = pulumi.output(adminUser);
        this.adminPassword = pulumi.secret(adminPassword.result);
        this.publicUrl = pulumi.output(args.publicUrl);
        this.registerOutputs({
            adminUser: this.adminUser,
            adminPassword: this.adminPassword,
            publicUrl: this.publicUrl,
        });
    }
}
