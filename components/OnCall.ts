import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { SmtpSettings } from "../src/config/config";
import { chartRepositories } from "../src/shared/charts";
import { releaseNames } from "../src/shared/topology";
import { ONCALL_APP_SECRET_KEYS, ONCALL_EXPORTER_SECRET, oncallValues } from "../src/oncall/values";

export interface OnCallArgs {
    namespace: string;
    chartVersion: pulumi.Input<string>;
    /** grafana/oncall engine image tag (the chart's own default would be its appVersion). */
    imageTag: pulumi.Input<string>;
    nodePort: number;
    /** host:port people and OnCall's own links use (the chart's base_url, no scheme). */
    publicHost: pulumi.Input<string>;
    /** Grafana's public URL, which the engine also reaches (GRAFANA_API_URL). */
    grafanaPublicUrl: pulumi.Input<string>;
    telegramBotToken?: pulumi.Input<string>;
    smtp?: SmtpSettings;
    smtpPassword?: pulumi.Input<string>;
}

/** Grafana OnCall OSS, standalone, with its Postgres and Redis, and every credential generated. */
export class OnCall extends pulumi.ComponentResource {
    /** URL people open (OnCall's base_url with its scheme). */
    public readonly publicUrl: pulumi.Output<string>;
    /** Secret (in the OnCall namespace) holding the token the engine's /metrics/ wants, under ONCALL_EXPORTER_SECRET.key. */
    public readonly exporterSecretName: pulumi.Output<string>;

    constructor(name: string, args: OnCallArgs, opts?: pulumi.ComponentResourceOptions) {
        super("oncall-lab:index:OnCall", name, args, opts);
        const childOpts = { parent: this, deletedWith: opts?.deletedWith };

        const namespace = new k8s.core.v1.Namespace(`${name}-namespace`, {
            metadata: { name: args.namespace },
        }, childOpts);

        const password = (suffix: string, length: number) =>
            new random.RandomPassword(`${name}-${suffix}`, { length, special: false }, { parent: this }).result;
        // Django's SECRET_KEY and the mirage key encrypt tokens in the database: generated once, kept in state.
        const appSecret = new k8s.core.v1.Secret(`${name}-app-secret`, {
            metadata: { name: "oncall-app-secret", namespace: namespace.metadata.name },
            stringData: {
                [ONCALL_APP_SECRET_KEYS.secretKey]: pulumi.secret(password("secret-key", 50)),
                [ONCALL_APP_SECRET_KEYS.mirageSecretKey]: pulumi.secret(password("mirage-secret-key", 50)),
            },
        }, childOpts);
        // The chart points the engine's PROMETHEUS_EXPORTER_SECRET at this secret (optional): it must exist before
        // the engine starts, or /metrics/ would answer without a token.
        const exporterSecret = new k8s.core.v1.Secret(`${name}-exporter-secret`, {
            metadata: { name: ONCALL_EXPORTER_SECRET.name, namespace: namespace.metadata.name },
            stringData: { [ONCALL_EXPORTER_SECRET.key]: pulumi.secret(password("exporter-token", 40)) },
        }, childOpts);
        const postgresPassword = password("postgres-password", 32);
        const redisPassword = password("redis-password", 32);

        const values = pulumi.secret(pulumi.all([
            args.publicHost, args.grafanaPublicUrl, appSecret.metadata.name, postgresPassword, redisPassword,
            args.telegramBotToken, args.smtpPassword, args.imageTag,
        ]).apply(([publicHost, grafanaPublicUrl, appSecretName, postgres, redis, telegramBotToken, smtpPassword, imageTag]) => oncallValues({
            publicHost,
            grafanaPublicUrl,
            nodePort: args.nodePort,
            imageTag,
            appSecretName,
            postgresPassword: postgres,
            redisPassword: redis,
            telegramBotToken,
            smtp: args.smtp && { ...args.smtp, password: smtpPassword },
        })));

        new k8s.helm.v3.Release(`${name}-release`, {
            name: releaseNames.oncall,
            chart: "oncall",
            version: args.chartVersion,
            repositoryOpts: { repo: chartRepositories.oncall },
            namespace: namespace.metadata.name,
            values,
            // Postgres, Redis and the migrate job come up one after another.
            timeout: 1200,
        }, { ...childOpts, dependsOn: [exporterSecret] });

        this.publicUrl = pulumi.interpolate`http://${args.publicHost}`;
        this.exporterSecretName = exporterSecret.metadata.name;
        this.registerOutputs({ publicUrl: this.publicUrl, exporterSecretName: this.exporterSecretName });
    }
}
