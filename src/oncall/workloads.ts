// How OnCall's pods run (oncall chart 1.16.5 and its bitnami sub-charts) and what only a first install may set.
import { type Values } from "../shared/values";
import { restrictedContainer, restrictedPod, workloadResources } from "../security/workloads";

/** OnCall's own database role in the bundled Postgres (not the superuser): bitnami postgresql 11.9.10 auth.username. */
export const ONCALL_DATABASE_USER = "oncall";

/** django-mirage-field encrypts with AES-CBC and takes MIRAGE_CIPHER_IV's characters as the 16-byte IV. */
export const MIRAGE_CIPHER_IV_LENGTH = 16;

/**
 * Values that only a first install takes (the Release's `ignoreChanges`): on a running lab, Pulumi keeps what the
 * release was installed with, also when that was nothing. The bundled Postgres creates its users only when it
 * initialises its volume (bitnami postgresql 11.9.10), and data encrypted under one MIRAGE_CIPHER_IV does not decrypt
 * under another (engine/settings/base.py at v1.16.9: Organization.api_token, webhook passwords and headers).
 */
export const FIRST_INSTALL_ONLY_VALUES = [
    "values.oncall.mirageCipherIV",
    "values.postgresql.auth.username",
    "values.postgresql.auth.enablePostgresUser",
] as const;

/** The engine image's user and group (grafana/oncall v1.16.9 engine/Dockerfile: `adduser --uid 1000`, `--gid 2000`). */
const ENGINE_USER = 1000;
const ENGINE_GROUP = 2000;
/**
 * bitnamilegacy postgresql and redis run as 1001 (the sub-charts' containerSecurityContext.runAsUser, fsGroup) in the
 * root group, which owns their writable folders (/opt/bitnami/postgresql/tmp, /opt/bitnami/redis/etc): no runAsGroup for them.
 */
const BITNAMI_USER = 1001;

/**
 * oncall chart 1.16.5 values.yaml: podSecurityContext and securityContext (engine, celery, migrate, telegram-polling),
 * init.securityContext and init.resources (the `wait-for-db` container), engine/celery/migrate/telegramPolling.resources;
 * postgresql 11.9.10 and redis 16.13.2 primary/master.podSecurityContext, containerSecurityContext (rendered without
 * their `enabled` key) and resources.
 */
/** `telegram`: whether telegram-polling runs at all (without it its keys would be read by nothing). */
export function oncallWorkloadValues(telegram: boolean): Values {
    const bitnami = (resources: object) => ({
        podSecurityContext: {
            enabled: true,
            runAsNonRoot: true,
            runAsUser: BITNAMI_USER,
            fsGroup: BITNAMI_USER,
            seccompProfile: { type: "RuntimeDefault" },
        },
        containerSecurityContext: {
            enabled: true,
            runAsUser: BITNAMI_USER,
            runAsNonRoot: true,
            ...restrictedContainer,
        },
        resources,
    });
    return {
        podSecurityContext: restrictedPod(ENGINE_USER, ENGINE_GROUP),
        securityContext: restrictedContainer,
        init: { securityContext: restrictedContainer, resources: workloadResources.oncallInit },
        engine: { resources: workloadResources.oncallEngine },
        celery: { resources: workloadResources.oncallCelery },
        migrate: { resources: workloadResources.oncallMigrate },
        ...(telegram ? { telegramPolling: { resources: workloadResources.oncallTelegramPolling } } : {}),
        postgresql: { primary: bitnami(workloadResources.postgres) },
        redis: { master: bitnami(workloadResources.redis) },
    };
}

/**
 * The values that give OnCall its own database user and a generated cipher IV (FIRST_INSTALL_ONLY_VALUES). The user's
 * password is the credentials secret's Postgres password; the superuser gets none, so it cannot log in over the network
 * (bitnami postgresql 11.9.10 auth.enablePostgresUser: no POSTGRES_POSTGRES_PASSWORD in primary/statefulset.yaml).
 */
export function oncallFirstInstallValues(mirageCipherIv: string): Values {
    if (!new RegExp(`^[A-Za-z0-9]{${MIRAGE_CIPHER_IV_LENGTH}}$`).test(mirageCipherIv)) {
        throw new Error(`MIRAGE_CIPHER_IV must be ${MIRAGE_CIPHER_IV_LENGTH} letters or digits`);
    }
    return {
        oncall: { mirageCipherIV: mirageCipherIv },
        postgresql: { auth: { username: ONCALL_DATABASE_USER, enablePostgresUser: false } },
    };
}
