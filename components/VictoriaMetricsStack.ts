import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { stringify } from "yaml";
import {
    type AlertingSettings,
    buildAlertmanagerConfig,
    buildAlertRuleGroups,
    heartbeatUrl,
} from "../src/monitoring/alerting";
import { chartRepositories } from "../src/shared/charts";
import { DRILLS_NAMESPACE, releaseNames } from "../src/shared/topology";
import { type VmClusterValuesInput, vmStackValues } from "../src/monitoring/values";
import { buildDashboard, DASHBOARD_FILE, DASHBOARD_SIDECAR_LABEL } from "../src/monitoring/dashboard";
import { oncallScrapeConfig, VM_OPERATOR_API_VERSION } from "../src/monitoring/scrape";
import { grafanaSidecarRole, grafanaSidecarRoleBinding } from "../src/grafana/rbac";
import { labNamespaceArgs } from "../src/security/workloads";
import { onBehalfOf } from "../src/shared/resourceError";
import { childOptions } from "../src/shared/childOptions";

export interface VictoriaMetricsStackArgs {
    namespace: string;
    chartVersion: pulumi.Input<string>;
    alerting: AlertingSettings;
    /**
     * In-cluster OnCall integration URL that Alertmanager's paging receiver posts to (a secret: it holds the
     * token).
     */
    alertmanagerWebhookUrl: pulumi.Input<string>;
    /** In-cluster URL of the heartbeat's own integration (a secret too); the Watchdog pings its heartbeat. */
    heartbeatWebhookUrl: pulumi.Input<string>;
    /** Where vmagent scrapes OnCall's metrics, and the secret (in that namespace) holding the exporter's token. */
    oncallMetrics: {
        namespace: string;
        engineHost: string;
        tokenSecretName: pulumi.Input<string>;
        tokenSecretKey: string;
    };
    /** Grafana's public URL: where each alert's source link and the rules' dashboard links open. */
    grafanaPublicUrl: string;
    /** Mailpit's web UI on the laptop, linked from the dashboard; absent with a real SMTP server. */
    mailPublicUrl?: string;
    /** The existing target: VictoriaMetrics in cluster mode, Alertmanager and vmalert replicated. */
    cluster?: VmClusterValuesInput;
}

/**
 * victoria-metrics-k8s-stack (operator, vmagent, vmsingle or on the existing target vmcluster, vmalert, Alertmanager)
 * plus the lab's own alert rules and Alertmanager routing, the scrape of OnCall's metrics and the "From alert to person"
 * dashboard. The release does not wait for OnCall: Alertmanager reads its configuration from a secret that is written
 * once the integration URL exists.
 */
export class VictoriaMetricsStack extends pulumi.ComponentResource {
    public readonly namespace: k8s.core.v1.Namespace;

    constructor(name: string, args: VictoriaMetricsStackArgs, opts?: pulumi.ComponentResourceOptions) {
        super("oncall-lab:index:VictoriaMetricsStack", name, args, opts);
        const childOpts = childOptions(this, opts);

        const namespace = new k8s.core.v1.Namespace(`${name}-namespace`, labNamespaceArgs(args.namespace), childOpts);
        this.namespace = namespace;

        const alertmanagerConfigSecret = "oncall-lab-alertmanager";
        const release = new k8s.helm.v3.Release(
            `${name}-release`,
            {
                name: releaseNames.vmStack,
                chart: "victoria-metrics-k8s-stack",
                version: args.chartVersion,
                repositoryOpts: { repo: chartRepositories.victoriaMetrics },
                namespace: namespace.metadata.name,
                values: vmStackValues({
                    scrapeInterval: args.alerting.scrapeInterval,
                    evaluationInterval: args.alerting.evaluationInterval,
                    grafanaPublicUrl: args.grafanaPublicUrl,
                    alertmanagerConfigSecret,
                    // Its own rules, the scrape of OnCall's metrics and the target of npm run drill's target-down drill.
                    labNamespaces: [args.namespace, args.oncallMetrics.namespace, DRILLS_NAMESPACE],
                    cluster: args.cluster,
                }),
                // Image pulls on a fresh laptop take minutes.
                timeout: 900,
            },
            childOpts,
        );

        new k8s.core.v1.Secret(
            `${name}-alertmanager-config`,
            {
                metadata: { name: alertmanagerConfigSecret, namespace: namespace.metadata.name },
                stringData: {
                    "alertmanager.yaml": pulumi.secret(
                        pulumi
                            .all([args.alertmanagerWebhookUrl, args.heartbeatWebhookUrl])
                            .apply(([pagingUrl, heartbeatIntegrationUrl]) =>
                                onBehalfOf(this, () =>
                                    stringify(
                                        buildAlertmanagerConfig(
                                            { pagingUrl, heartbeatUrl: heartbeatUrl(heartbeatIntegrationUrl) },
                                            args.alerting,
                                        ),
                                    ),
                                ),
                            ),
                    ),
                },
            },
            childOpts,
        );

        // The VMRule kind exists once the release has installed the operator's CRDs.
        new k8s.apiextensions.CustomResource(
            `${name}-lab-rules`,
            {
                apiVersion: "operator.victoriametrics.com/v1beta1",
                kind: "VMRule",
                metadata: { name: "oncall-lab-rules", namespace: namespace.metadata.name },
                spec: { groups: buildAlertRuleGroups(args.alerting) },
            },
            pulumi.mergeOptions(childOpts, { dependsOn: [release] }),
        );

        // In OnCall's namespace: the operator reads bearerTokenSecret from the scrape object's own namespace, so
        // the token lives in one secret, the one the engine reads too.
        const scrape = pulumi.output(args.oncallMetrics.tokenSecretName).apply((secretName) =>
            oncallScrapeConfig({
                namespace: args.oncallMetrics.namespace,
                engineHost: args.oncallMetrics.engineHost,
                tokenSecret: { name: secretName, key: args.oncallMetrics.tokenSecretKey },
                scrapeInterval: args.alerting.scrapeInterval,
            }),
        );
        new k8s.apiextensions.CustomResource(
            `${name}-oncall-scrape`,
            {
                apiVersion: VM_OPERATOR_API_VERSION,
                kind: "VMScrapeConfig",
                metadata: scrape.metadata,
                spec: scrape.spec,
            },
            pulumi.mergeOptions(childOpts, { dependsOn: [release] }),
        );

        // Grafana's sidecars load the labelled datasource and dashboard ConfigMaps from this namespace (values/grafana.yaml):
        // they may read this namespace's ConfigMaps, and nothing else in the cluster (src/grafana/rbac.ts).
        new k8s.rbac.v1.Role(
            `${name}-grafana-sidecar-role`,
            grafanaSidecarRole(args.namespace),
            pulumi.mergeOptions(childOpts, { dependsOn: [namespace] }),
        );
        new k8s.rbac.v1.RoleBinding(
            `${name}-grafana-sidecar-binding`,
            grafanaSidecarRoleBinding(args.namespace),
            pulumi.mergeOptions(childOpts, { dependsOn: [namespace] }),
        );

        // Grafana's dashboard sidecar loads labelled ConfigMaps from this namespace (values/grafana.yaml).
        new k8s.core.v1.ConfigMap(
            `${name}-dashboard`,
            {
                metadata: {
                    name: "oncall-lab-dashboard",
                    namespace: namespace.metadata.name,
                    labels: { ...DASHBOARD_SIDECAR_LABEL },
                },
                data: {
                    [DASHBOARD_FILE]: JSON.stringify(
                        buildDashboard({
                            heartbeatTimeoutSeconds: args.alerting.heartbeatTimeoutSeconds,
                            mailPublicUrl: args.mailPublicUrl,
                        }),
                    ),
                },
            },
            childOpts,
        );

        this.registerOutputs({});
    }
}
