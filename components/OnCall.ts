import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { SmtpSettings } from "../src/config/config";
import { ExternalPostgres } from "../src/config/target";
import { chartRepositories } from "../src/shared/charts";
import { ONCALL_ENGINE_PORT, releaseNames } from "../src/shared/topology";
import { IngressSettings, ingressAnnotations, ingressTls } from "../src/shared/ingress";
import { tlsCopy } from "../src/target/tls";
import { podSecurityLabels } from "../src/security/workloads";
import { FIRST_INSTALL_ONLY_VALUES, MIRAGE_CIPHER_IV_LENGTH } from "../src/oncall/workloads";
import {
    EXTERNAL_POSTGRES_PASSWORD_KEY, ONCALL_APP_SECRET_KEYS, ONCALL_EXPORTER_SECRET, OnCallClusterValuesInput, oncallValues,
} from "../src/oncall/values";

export interface OnCallArgs {
    namespace: string;
    chartVersion: pulumi.Input<string>;
    /** grafana/oncall engine image tag (the chart's own default would be its appVersion). */
    imageTag: pulumi.Input<string>;
    nodePort: number;
    /** The URL people and OnCall's own links use; its host:port is the chart's base_url (no scheme). */
    publicUrl: pulumi.Input<string>;
    /** Grafana's public URL, which the engine also reaches (GRAFANA_API_URL). */
    grafanaPublicUrl: pulumi.Input<string>;
    telegramBotToken?: pulumi.Input<string>;
    smtp?: SmtpSettings;
    smtpPassword?: pulumi.Input<string>;
    /** The existing target: the engine's Ingress, replicas, volumes and maybe an external Postgres. */
    cluster?: OnCallClusterArgs;
}

export interface OnCallClusterArgs extends Omit<OnCallClusterValuesInput, "externalPostgres" | "tls"> {
    ingress: IngressSettings;
    /** tlsSecretName's certificate, copied next to the Ingress. */
    tlsSource?: k8s.core.v1.Secret;
    externalPostgres?: ExternalPostgres & { password: pulumi.Input<string> };
}

/** The external Postgres password's secret (externalPostgresql.existingSecret), written by the lab. */
const EXTERNAL_POSTGRES_SECRET = `${releaseNames.oncall}-postgresql-external`;

/** Grafana OnCall OSS, standalone, with its Postgres and Redis, and every credential generated. */
export class OnCall extends pulumi.ComponentResource {
    /** URL people open (OnCall's base_url with its scheme). */
    public readonly publicUrl: pulumi.Output<string>;
    /** Secret (in the OnCall namespace) holding the token the engine's /metrics/ wants, under ONCALL_EXPORTER_SECRET.key. */
    public readonly exporterSecretName: pulumi.Output<string>;
    /** OnCall's objects live in this release's database: resources kept there use it for `deletedWith`. */
    public readonly release: k8s.helm.v3.Release;
    public readonly namespace: k8s.core.v1.Namespace;

    constructor(name: string, args: OnCallArgs, opts?: pulumi.ComponentResourceOptions) {
        super("oncall-lab:index:OnCall", name, args, opts);
        const childOpts = { parent: this, deletedWith: opts?.deletedWith };

        const namespace = new k8s.core.v1.Namespace(`${name}-namespace`, {
            metadata: { name: args.namespace, labels: podSecurityLabels(args.namespace) },
        }, childOpts);
        this.namespace = namespace;

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
        const cluster = args.cluster && this.clusterResources(name, args.cluster, namespace, childOpts);
        const postgresPassword = password("postgres-password", 32);
        const redisPassword = password("redis-password", 32);
        const databasePassword = password("database-password", 32);
        // Taken by a first install only (FIRST_INSTALL_ONLY_VALUES): it must never change under a running lab's data.
        const mirageCipherIv = new random.RandomString(`${name}-mirage-cipher-iv`, { length: MIRAGE_CIPHER_IV_LENGTH, special: false }, { parent: this }).result;

        const publicHost = pulumi.output(args.publicUrl).apply((url) => new URL(url).host);
        const generated = pulumi.all({ postgres: postgresPassword, redis: redisPassword, database: databasePassword, iv: mirageCipherIv });
        const values = pulumi.secret(pulumi.all([
            publicHost, args.grafanaPublicUrl, appSecret.metadata.name, generated, args.telegramBotToken, args.smtpPassword, args.imageTag,
        ]).apply(([publicHost, grafanaPublicUrl, appSecretName, { postgres, redis, database, iv }, telegramBotToken, smtpPassword, imageTag]) => oncallValues({
            publicHost,
            grafanaPublicUrl,
            nodePort: args.nodePort,
            imageTag,
            appSecretName,
            postgresPassword: postgres,
            databasePassword: database,
            mirageCipherIv: iv,
            redisPassword: redis,
            telegramBotToken,
            smtp: args.smtp && { ...args.smtp, password: smtpPassword },
            cluster: cluster?.values,
        })));

        this.release = new k8s.helm.v3.Release(`${name}-release`, {
            name: releaseNames.oncall,
            chart: "oncall",
            version: args.chartVersion,
            repositoryOpts: { repo: chartRepositories.oncall },
            namespace: namespace.metadata.name,
            values,
            // Postgres, Redis and the migrate job come up one after another.
            timeout: 1200,
        }, { ...childOpts, dependsOn: [exporterSecret, ...(cluster?.dependencies ?? [])], ignoreChanges: [...FIRST_INSTALL_ONLY_VALUES] });
        if (args.cluster) this.ingress(name, args.cluster.ingress, namespace, { ...childOpts, dependsOn: [this.release] });

        this.publicUrl = pulumi.output(args.publicUrl);
        this.exporterSecretName = exporterSecret.metadata.name;
        this.registerOutputs({ publicUrl: this.publicUrl, exporterSecretName: this.exporterSecretName });
    }

    /** What the release needs first on the existing target: the certificate's copy and the external Postgres password. */
    private clusterResources(name: string, cluster: OnCallClusterArgs, namespace: k8s.core.v1.Namespace, opts: pulumi.CustomResourceOptions) {
        const dependencies: pulumi.Resource[] = [];
        if (cluster.tlsSource) dependencies.push(tlsCopy(`${name}-tls`, cluster.tlsSource, namespace, opts));
        const { externalPostgres, ingress, tlsSource, ...rest } = cluster;
        if (externalPostgres) {
            dependencies.push(new k8s.core.v1.Secret(`${name}-postgres-external`, {
                metadata: { name: EXTERNAL_POSTGRES_SECRET, namespace: namespace.metadata.name },
                stringData: { [EXTERNAL_POSTGRES_PASSWORD_KEY]: pulumi.secret(externalPostgres.password) },
            }, opts));
        }
        const values: OnCallClusterValuesInput = {
            ...rest,
            tls: ingress.tls !== undefined,
            externalPostgres: externalPostgres && {
                host: externalPostgres.host,
                port: externalPostgres.port,
                database: externalPostgres.database,
                user: externalPostgres.user,
                passwordSecretName: EXTERNAL_POSTGRES_SECRET,
            },
        };
        return { values, dependencies };
    }

    /**
     * The engine's Ingress, the lab's own rather than the chart's: chart 1.16.5's values.yaml gives ingress.annotations
     * `kubernetes.io/ingress.class: nginx` and `cert-manager.io/issuer: letsencrypt-prod`, which only a null would remove,
     * and helm.v3.Release drops nulls from values (pulumi/pulumi-kubernetes#2034, #3811). Same rule as the chart's
     * templates/ingress-regular.yaml: host base_url, path / to the `<fullname>-engine` Service on 8080.
     */
    private ingress(name: string, ingress: IngressSettings, namespace: k8s.core.v1.Namespace, opts: pulumi.CustomResourceOptions) {
        new k8s.networking.v1.Ingress(`${name}-ingress`, {
            metadata: { name: releaseNames.oncall, namespace: namespace.metadata.name, annotations: ingressAnnotations(ingress) },
            spec: {
                ...(ingress.className ? { ingressClassName: ingress.className } : {}),
                tls: ingressTls(ingress),
                rules: [{
                    host: ingress.host,
                    http: {
                        paths: [{
                            path: "/",
                            pathType: "Prefix",
                            backend: { service: { name: `${releaseNames.oncall}-engine`, port: { number: ONCALL_ENGINE_PORT } } },
                        }],
                    },
                }],
            },
        }, opts);
    }
}
