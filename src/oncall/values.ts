// Helm values of the grafana/oncall chart.
import * as path from "node:path";
import { type SmtpSettings } from "../config/config";
import { loadValuesFile, mergeValues, type Values } from "../shared/values";
import { releaseNames } from "../shared/topology";
import { type ExternalPostgres } from "../config/target";
import { type VolumeSettings } from "../shared/ingress";
import { customRateLimitsEnv } from "./rateLimits";
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
    /**
     * The lab's secret with the bundled Postgres' and Redis' passwords and the Telegram token (ONCALL_CREDENTIAL_KEYS):
     * no credential goes through the release's values.
     */
    credentialsSecretName: string;
    /** The bot token is in the credentials secret. */
    telegram: boolean;
    /** Its password, if any, is in the lab's ONCALL_SMTP_SECRET. */
    smtp?: SmtpSettings;
    /** MIRAGE_CIPHER_IV, generated per lab instead of the chart's public default (`_env.tpl`: 1234567890abcdef). */
    mirageCipherIv: string;
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

/**
 * Every celery pod of chart 1.16.5 runs a beat while celery.worker_beat_enabled is "True" (engine/celery_with_exporter.sh
 * adds --beat), so periodic tasks would run once per replica. With more than one replica the chart's Deployment runs
 * one fewer, without the beat, and this Helm post-renderer adds the one with it (scripts/celery-beat.cjs says how).
 */
export const CELERY_BEAT_POSTRENDER = path.join(__dirname, "..", "..", "scripts", "celery-beat.cjs");
export const celeryBeatApart = (celeryReplicas: number): boolean => celeryReplicas > 1;

/** Key of the external Postgres password in the lab's secret (externalPostgresql.passwordKey). */
export const EXTERNAL_POSTGRES_PASSWORD_KEY = "password";

/**
 * The secret the chart reads PROMETHEUS_EXPORTER_SECRET from once `oncall.exporter.enabled` is set (helm/oncall
 * 1.16.5 templates/_env.tpl "snippet.oncall.exporter.env": `<fullname>-exporter`, key `exporter-secret`, optional).
 * The chart writes it only from `oncall.exporter.authToken`; the lab leaves that unset and writes the secret itself,
 * so the token never passes through the release's values.
 */
export const ONCALL_EXPORTER_SECRET = { name: `${releaseNames.oncall}-exporter`, key: "exporter-secret" } as const;

/**
 * The secret the engine reads EMAIL_HOST_PASSWORD from (helm/oncall 1.16.5 templates/_env.tpl
 * "snippet.oncall.smtp.env": `<fullname>-smtp`, key `smtp-password`, optional). The chart writes it only from
 * `oncall.smtp.password`; the lab writes it itself.
 */
export const ONCALL_SMTP_SECRET = { name: `${releaseNames.oncall}-smtp`, key: "smtp-password" } as const;

/**
 * Keys of the lab's credentials secret: the bundled Postgres' admin password (bitnami postgresql 11.9.10
 * auth.existingSecret with auth.secretKeys.adminPasswordKey, which the oncall chart requires for DATABASE_PASSWORD),
 * Redis' (redis 16.13.2 auth.existingSecret, auth.existingSecretPasswordKey) and the Telegram token
 * (oncall.telegram.existingSecret, tokenKey in _env.tpl "snippet.oncall.telegram.env").
 */
export const ONCALL_CREDENTIAL_KEYS = {
    postgres: "postgres-password",
    redis: "redis-password",
    telegram: "telegram-token",
} as const;

/** Keys of the secret that holds Django's SECRET_KEY and OnCall's MIRAGE_SECRET_KEY. */
export const ONCALL_APP_SECRET_KEYS = { secretKey: "SECRET_KEY", mirageSecretKey: "MIRAGE_SECRET_KEY" } as const;

export function oncallValues(input: OnCallValuesInput): Values {
    if (/^[a-z]+:\/\//i.test(input.publicHost)) {
        throw new Error(`OnCall base_url must not have a scheme (got "${input.publicHost}")`);
    }
    const credentials = input.credentialsSecretName;
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
            // telegramPolling.enabled turns oncall.telegram.enabled on in the template itself (_env.tpl).
            ...(input.telegram
                ? { telegram: { existingSecret: credentials, tokenKey: ONCALL_CREDENTIAL_KEYS.telegram } }
                : {}),
            smtp: input.smtp ? smtpValues(input.smtp) : { enabled: false },
            // GET /metrics/ with Bearer-token auth; no authToken: the token's secret is the lab's (ONCALL_EXPORTER_SECRET).
            exporter: { enabled: true },
        },
        // A laptop has no public https host for Telegram's webhook: poll instead (the chart's default is off).
        ...(input.telegram ? { telegramPolling: { enabled: true } } : {}),
        // The chart reads DATABASE_PASSWORD from adminPasswordKey whenever the password is in a secret (_env.tpl
        // snippet.postgresql.password.secret.key), while DATABASE_USER is auth.username: both keys name one password,
        // OnCall's own user's on a new lab (its postgres superuser then has none: oncallFirstInstallValues).
        postgresql: {
            auth: {
                existingSecret: credentials,
                secretKeys: {
                    adminPasswordKey: ONCALL_CREDENTIAL_KEYS.postgres,
                    userPasswordKey: ONCALL_CREDENTIAL_KEYS.postgres,
                },
            },
        },
        redis: { auth: { existingSecret: credentials, existingSecretPasswordKey: ONCALL_CREDENTIAL_KEYS.redis } },
        // The list form: the chart writes a map's values unquoted (templates/_helpers.tpl oncall.extraEnvs), which
        // would turn this JSON into a YAML object; the list goes through toYaml. Engine, celery and migrate get it.
        env: [{ name: "CUSTOM_RATELIMITS", value: customRateLimitsEnv() }],
    });
    const hardened = mergeValues(
        mergeValues(values, oncallWorkloadValues(input.telegram)),
        oncallFirstInstallValues(input.mirageCipherIv),
    );
    if (!input.cluster) return hardened;
    const merged = mergeValues(hardened, oncallClusterValues(input.cluster));
    // Replaced, not merged: the keys of a disabled Service, and with an external Postgres those of the bundled one
    // (auth, image, volume), would be read by nothing.
    return {
        ...merged,
        service: { enabled: false },
        ...(input.cluster.externalPostgres ? { postgresql: { enabled: false } } : {}),
    };
}

/**
 * oncall.smtp (helm/oncall 1.16.5 templates/_env.tpl "snippet.oncall.smtp.env"): EMAIL_USE_TLS from `tls` (STARTTLS)
 * and EMAIL_USE_SSL from `ssl` (implicit TLS); the template fails when both are "True". Strings: the chart applies
 * `default true` to tls, which would turn a boolean false into true.
 */
function smtpValues(smtp: SmtpSettings): Values {
    return {
        enabled: true,
        host: smtp.host,
        port: smtp.port,
        username: smtp.username ?? "",
        tls: smtp.tls ? "True" : "False",
        ssl: smtp.ssl ? "True" : "False",
        fromEmail: smtp.fromEmail,
    };
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
        engine: { replicaCount: cluster.engineReplicas },
        celery: celeryBeatApart(cluster.celeryReplicas)
            ? { replicaCount: cluster.celeryReplicas - 1, worker_beat_enabled: "False" }
            : { replicaCount: cluster.celeryReplicas },
        ...(external
            ? {
                  externalPostgresql: {
                      host: external.host,
                      port: external.port,
                      db_name: external.database,
                      user: external.user,
                      existingSecret: external.passwordSecretName,
                      passwordKey: EXTERNAL_POSTGRES_PASSWORD_KEY,
                  },
              }
            : { postgresql: { primary: volume(cluster.postgresVolume) } }),
        redis: { master: volume(cluster.redisVolume) },
    };
}
