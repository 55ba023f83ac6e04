// Helm values of the grafana/oncall chart.
import { SmtpSettings } from "../config/config";
import { loadValuesFile, mergeValues, Values } from "../shared/values";
import { releaseNames } from "../shared/topology";
import { ExternalPostgres } from "../config/target";
import { VolumeSettings } from "../shared/ingress";
import { oncallFirstInstallValues, oncallWorkloadValues } from "./workloads";

export interface OnCallValuesInput {
    /** host[:port] that OnCall builds its own links from (base_url); the chart wants it without a scheme. */
    publicHost: string;
    /**
     * externalGrafana.url, the engine's GRAFANA_API_URL (helm/oncall templates/_env.tpl). The plugin's v2 install
     * takes Grafana's URL from the plugin's grafanaUrl; the legacy self-hosted install (still routed in 1.16.9) stores
     * this one as the organization's grafana_url: the same public URL, so either path gives links that open.
     */
    grafanaPublicUrl: string;
    nodePort: number;
    /** grafana/oncall engine image tag: chart 1.16.5 runs the 1.16.9 engine (same templates). */
    imageTag: string;
    /** Secret holding SECRET_KEY and MIRAGE_SECRET_KEY (see ONCALL_APP_SECRET_KEYS). */
    appSecretName: string;
    postgresPassword: string;
    /** The password of OnCall's own database user (ONCALL_DATABASE_USER) in the bundled Postgres. */
    databasePassword: string;
    /** MIRAGE_CIPHER_IV, generated per lab instead of the chart's public default (`_env.tpl`: 1234567890abcdef). */
    mirageCipherIv: string;
    redisPassword: string;
    telegramBotToken?: string;
    smtp?: SmtpSettings & { password?: string };
    /** The existing target: replicas, volumes, an external Postgres, and https links once TLS is on. */
    cluster?: OnCallClusterValuesInput;
}

export interface OnCallClusterValuesInput {
    tls: boolean;
    engineReplicas: number;
    celeryReplicas: number;
    postgresVolume: VolumeSettings;
    redisVolume: VolumeSettings;
    externalPostgres?: ExternalPostgres & { passwordSecretName: string };
}

/** Key of the external Postgres password in the lab's secret (externalPostgresql.passwordKey). */
export const EXTERNAL_POSTGRES_PASSWORD_KEY = "password";

/**
 * The secret the chart reads PROMETHEUS_EXPORTER_SECRET from once `oncall.exporter.enabled` is set (helm/oncall
 * 1.16.5 templates/_env.tpl "snippet.oncall.exporter.env": `<fullname>-exporter`, key `exporter-secret`, optional).
 * The chart writes it only from `oncall.exporter.authToken`; the lab leaves that unset and writes the secret itself,
 * so the token never passes through the release's values.
 */
export const ONCALL_EXPORTER_SECRET = { name: `${releaseNames.oncall}-exporter`, key: "exporter-secret" } as const;

/** Keys of the secret that holds Django's SECRET_KEY and OnCall's MIRAGE_SECRET_KEY. */
export const ONCALL_APP_SECRET_KEYS = { secretKey: "SECRET_KEY", mirageSecretKey: "MIRAGE_SECRET_KEY" } as const;

export function oncallValues(input: OnCallValuesInput): Values {
    if (/^[a-z]+:\/\//i.test(input.publicHost)) {
        throw new Error(`OnCall base_url must not have a scheme (got "${input.publicHost}")`);
    }
    const telegram = input.telegramBotToken
        ? { enabled: true, token: input.telegramBotToken }
        : { enabled: false };
    const smtp = input.smtp
        ? {
            enabled: true,
            host: input.smtp.host,
            port: input.smtp.port,
            username: input.smtp.username ?? "",
            password: input.smtp.password ?? "",
            // The chart applies `default true` to this value, which turns a boolean false into true.
            tls: input.smtp.tls ? "True" : "False",
            fromEmail: input.smtp.fromEmail,
        }
        : { enabled: false };
    const values = mergeValues(loadValuesFile("oncall.yaml"), {
        fullnameOverride: releaseNames.oncall,
        image: { tag: input.imageTag },
        base_url: input.publicHost,
        externalGrafana: { url: input.grafanaPublicUrl },
        service: { nodePort: input.nodePort },
        oncall: {
            // Without existingSecret the chart generates both keys anew on every render, and each `helm upgrade`
            // would make the data they encrypt in the database unreadable.
            secrets: { existingSecret: input.appSecretName, ...ONCALL_APP_SECRET_KEYS },
            telegram,
            smtp,
            // GET /metrics/ with Bearer-token auth; no authToken: the token's secret is the lab's (ONCALL_EXPORTER_SECRET).
            exporter: { enabled: true },
        },
        // A laptop has no public https host for Telegram's webhook: poll instead.
        telegramPolling: { enabled: telegram.enabled },
        postgresql: { auth: { postgresPassword: input.postgresPassword } },
        redis: { auth: { password: input.redisPassword } },
    });
    const hardened = mergeValues(mergeValues(values, oncallWorkloadValues()), oncallFirstInstallValues(input.databasePassword, input.mirageCipherIv));
    return input.cluster ? mergeValues(hardened, oncallClusterValues(input.cluster)) : hardened;
}

/**
 * oncall chart 1.16.5 values.yaml: base_url_protocol; service.enabled (the extra `-external` Service, off: the Ingress
 * reaches the ClusterIP `oncall-engine`); engine.replicaCount, celery.replicaCount; postgresql.enabled and
 * externalPostgresql.{host,port,db_name,user,existingSecret,passwordKey} (templates/_env.tpl snippet.postgresql.*); the
 * bundled postgresql 11.9.10's primary.persistence.{storageClass,size} and redis 16.13.2's master.persistence (empty
 * storageClass: the cluster's default, common.storage.class). The chart's own Ingress is not used (components/OnCall.ts).
 */
function oncallClusterValues(cluster: OnCallClusterValuesInput): Values {
    const volume = (v: VolumeSettings) => ({ persistence: { storageClass: v.storageClass ?? "", size: v.size } });
    const external = cluster.externalPostgres;
    return {
        base_url_protocol: cluster.tls ? "https" : "http",
        service: { enabled: false },
        engine: { replicaCount: cluster.engineReplicas },
        celery: { replicaCount: cluster.celeryReplicas },
        postgresql: external ? { enabled: false } : { primary: volume(cluster.postgresVolume) },
        ...(external ? {
            externalPostgresql: {
                host: external.host,
                port: external.port,
                db_name: external.database,
                user: external.user,
                existingSecret: external.passwordSecretName,
                passwordKey: EXTERNAL_POSTGRES_PASSWORD_KEY,
            },
        } : {}),
        redis: { master: volume(cluster.redisVolume) },
    };
}
