import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { type SmtpSettings } from "../src/config/config";
import { type ExternalPostgres } from "../src/config/target";
import { chartRepositories } from "../src/shared/charts";
import { ONCALL_ENGINE_PORT, releaseNames } from "../src/shared/topology";
import { type IngressSettings, ingressAnnotations, ingressTls } from "../src/shared/ingress";
import { tlsCopy } from "../src/shared/tls";
import { PUBLIC_API_PATH } from "../src/oncall/vocabulary";
import { labNamespaceArgs } from "../src/security/workloads";
import { FIRST_INSTALL_ONLY_VALUES, MIRAGE_CIPHER_IV_LENGTH } from "../src/oncall/workloads";
import {
    CELERY_BEAT_POSTRENDER,
    celeryBeatApart,
    EXTERNAL_POSTGRES_PASSWORD_KEY,
    ONCALL_APP_SECRET_KEYS,
    ONCALL_CREDENTIAL_KEYS,
    ONCALL_EXPORTER_SECRET,
    ONCALL_SMTP_SECRET,
    type OnCallClusterValuesInput,
    oncallValues,
} from "../src/oncall/values";
import { onBehalfOf } from "../src/shared/resourceError";
import { childOptions } from "../src/shared/childOptions";

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
        const childOpts = childOptions(this, opts);

        const namespace = new k8s.core.v1.Namespace(`${name}-namespace`, labNamespaceArgs(args.namespace), childOpts);
        this.namespace = namespace;

        const password = (suffix: string, length: number) =>
            new random.RandomPassword(`${name}-${suffix}`, { length, special: false }, { parent: this }).result;
        // Django's SECRET_KEY and the mirage key encrypt tokens in the database: generated once, kept in state.
        const appSecret = new k8s.core.v1.Secret(
            `${name}-app-secret`,
            {
                metadata: { name: "oncall-app-secret", namespace: namespace.metadata.name },
                stringData: {
                    [ONCALL_APP_SECRET_KEYS.secretKey]: pulumi.secret(password("secret-key", 50)),
                    [ONCALL_APP_SECRET_KEYS.mirageSecretKey]: pulumi.secret(password("mirage-secret-key", 50)),
                },
            },
            childOpts,
        );
        // The chart points the engine's PROMETHEUS_EXPORTER_SECRET at this secret (optional): it must exist before
        // the engine starts, or /metrics/ would answer without a token.
        const exporterSecret = new k8s.core.v1.Secret(
            `${name}-exporter-secret`,
            {
                metadata: { name: ONCALL_EXPORTER_SECRET.name, namespace: namespace.metadata.name },
                stringData: { [ONCALL_EXPORTER_SECRET.key]: pulumi.secret(password("exporter-token", 40)) },
            },
            childOpts,
        );
        const cluster = args.cluster && this.clusterResources(name, args.cluster, namespace, childOpts);
        const credentials = this.credentials(name, args, namespace, password, childOpts);
        // Taken by a first install only (FIRST_INSTALL_ONLY_VALUES): it must never change under a running lab's data.
        const mirageCipherIv = new random.RandomString(
            `${name}-mirage-cipher-iv`,
            { length: MIRAGE_CIPHER_IV_LENGTH, special: false },
            { parent: this },
        ).result;

        const publicHost = pulumi.output(args.publicUrl).apply((url) => onBehalfOf(this, () => new URL(url).host));
        // Every credential is in a secret the chart reads: the values hold names and keys only.
        const values = pulumi
            .all([
                publicHost,
                args.grafanaPublicUrl,
                appSecret.metadata.name,
                credentials.secret.metadata.name,
                mirageCipherIv,
                args.imageTag,
            ])
            .apply(([publicHost, grafanaPublicUrl, appSecretName, credentialsSecretName, mirageCipherIv, imageTag]) =>
                onBehalfOf(this, () =>
                    oncallValues({
                        publicHost,
                        grafanaPublicUrl,
                        nodePort: args.nodePort,
                        imageTag,
                        appSecretName,
                        credentialsSecretName,
                        mirageCipherIv,
                        telegram: args.telegramBotToken !== undefined,
                        smtp: args.smtp,
                        cluster: cluster?.values,
                    }),
                ),
            );

        this.release = new k8s.helm.v3.Release(
            `${name}-release`,
            {
                name: releaseNames.oncall,
                chart: "oncall",
                version: args.chartVersion,
                repositoryOpts: { repo: chartRepositories.oncall },
                namespace: namespace.metadata.name,
                values,
                // Exactly one celery beat whatever the replica count.
                postrender:
                    args.cluster && celeryBeatApart(args.cluster.celeryReplicas) ? CELERY_BEAT_POSTRENDER : undefined,
                // Postgres, Redis and the migrate job come up one after another.
                timeout: 1200,
            },
            pulumi.mergeOptions(childOpts, {
                dependsOn: [exporterSecret, ...credentials.dependencies, ...(cluster?.dependencies ?? [])],
                ignoreChanges: [...FIRST_INSTALL_ONLY_VALUES],
            }),
        );
        if (args.cluster)
            this.ingress(
                name,
                args.cluster.ingress,
                namespace,
                pulumi.mergeOptions(childOpts, { dependsOn: [this.release] }),
            );

        this.publicUrl = pulumi.output(args.publicUrl);
        this.exporterSecretName = exporterSecret.metadata.name;
        this.registerOutputs({ publicUrl: this.publicUrl, exporterSecretName: this.exporterSecretName });
    }

    /**
     * The bundled Postgres' and Redis' generated passwords and the Telegram token (ONCALL_CREDENTIAL_KEYS), and the
     * SMTP password where the chart's env looks for it (ONCALL_SMTP_SECRET).
     */
    private credentials(
        name: string,
        args: OnCallArgs,
        namespace: k8s.core.v1.Namespace,
        password: (suffix: string, length: number) => pulumi.Output<string>,
        opts: pulumi.CustomResourceOptions,
    ) {
        const secret = new k8s.core.v1.Secret(
            `${name}-credentials`,
            {
                metadata: { name: `${releaseNames.oncall}-credentials`, namespace: namespace.metadata.name },
                stringData: {
                    [ONCALL_CREDENTIAL_KEYS.postgres]: pulumi.secret(password("postgres-password", 32)),
                    [ONCALL_CREDENTIAL_KEYS.redis]: pulumi.secret(password("redis-password", 32)),
                    ...(args.telegramBotToken !== undefined
                        ? { [ONCALL_CREDENTIAL_KEYS.telegram]: pulumi.secret(args.telegramBotToken) }
                        : {}),
                },
            },
            opts,
        );
        const dependencies: pulumi.Resource[] = [secret];
        if (args.smtpPassword !== undefined) {
            dependencies.push(
                new k8s.core.v1.Secret(
                    `${name}-smtp-password`,
                    {
                        metadata: { name: ONCALL_SMTP_SECRET.name, namespace: namespace.metadata.name },
                        stringData: { [ONCALL_SMTP_SECRET.key]: pulumi.secret(args.smtpPassword) },
                    },
                    opts,
                ),
            );
        }
        return { secret, dependencies };
    }

    /** What the release needs first on the existing target: the certificate's copy and the external Postgres password. */
    private clusterResources(
        name: string,
        cluster: OnCallClusterArgs,
        namespace: k8s.core.v1.Namespace,
        opts: pulumi.CustomResourceOptions,
    ) {
        const dependencies: pulumi.Resource[] = [];
        if (cluster.tlsSource) dependencies.push(tlsCopy(`${name}-tls`, cluster.tlsSource, namespace, opts));
        const { externalPostgres, ingress, tlsSource, ...rest } = cluster;
        if (externalPostgres) {
            dependencies.push(
                new k8s.core.v1.Secret(
                    `${name}-postgres-external`,
                    {
                        metadata: { name: EXTERNAL_POSTGRES_SECRET, namespace: namespace.metadata.name },
                        stringData: { [EXTERNAL_POSTGRES_PASSWORD_KEY]: pulumi.secret(externalPostgres.password) },
                    },
                    opts,
                ),
            );
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
     * templates/ingress-regular.yaml: host base_url, to the `<fullname>-engine` Service on 8080, but only the public API
     * (PUBLIC_API_PATH), which the program, smoke and e2e call with a token. The rest stays inside the cluster: the plugin's
     * /api/internal/v1/plugin/v2/install has no authentication and hands OnCall to whoever posts to it, /telegram/ takes
     * forged updates, and /integrations/v1/ has no sender outside (Alertmanager posts to the in-cluster Service).
     */
    private ingress(
        name: string,
        ingress: IngressSettings,
        namespace: k8s.core.v1.Namespace,
        opts: pulumi.CustomResourceOptions,
    ) {
        new k8s.networking.v1.Ingress(
            `${name}-ingress`,
            {
                metadata: {
                    name: releaseNames.oncall,
                    namespace: namespace.metadata.name,
                    annotations: ingressAnnotations(ingress),
                },
                spec: {
                    ...(ingress.className ? { ingressClassName: ingress.className } : {}),
                    tls: ingressTls(ingress),
                    rules: [
                        {
                            host: ingress.host,
                            http: {
                                paths: [
                                    {
                                        path: PUBLIC_API_PATH,
                                        pathType: "Prefix",
                                        backend: {
                                            service: {
                                                name: `${releaseNames.oncall}-engine`,
                                                port: { number: ONCALL_ENGINE_PORT },
                                            },
                                        },
                                    },
                                ],
                            },
                        },
                    ],
                },
            },
            opts,
        );
    }
}
