// Where the lab runs: a Kind cluster it creates (the default), or a cluster a team already has. The rules of the
// `existing` target that need several keys; each key's own check is in schema.ts (config.ts parses them first).
import type { FileExists, Settings } from "./raw";
import { echo } from "../shared/echo";
import { configDefaults, key, keysOnlyFor, settingOf, type SettingName, type TargetName } from "./schema";

export type { TargetName } from "./schema";

const existingKeys = keysOnlyFor("existing");
/** Defaults of the keys only the existing target reads (lab-sized Kind values never see them). */
export const existingDefaults = Object.fromEntries(
    Object.entries(configDefaults).filter(([name]) => existingKeys.includes(name as SettingName)),
);
/** Keys without a default that only the existing target reads. */
export const EXISTING_OPTIONAL_KEYS = existingKeys.filter(
    (name) => settingOf(name).default === undefined && !settingOf(name).secret,
);
/** Keys only the Kind target reads (their defaults are what a kind stack has always had). */
export const KIND_ONLY_KEYS = keysOnlyFor("kind");

/** An Ingress's TLS: a certificate copied from an existing secret, issued by cert-manager, or the ingress controller's default one. */
export type TlsSettings =
    | { kind: "secret"; sourceNamespace: string; sourceName: string }
    | { kind: "clusterIssuer"; clusterIssuer: string }
    | { kind: "controllerDefault" };

export interface ExternalPostgres {
    host: string;
    port: number;
    database: string;
    user: string;
}

export interface ExistingClusterSettings {
    kubeContext: string;
    kubeconfigPath?: string;
    ingressClassName?: string;
    grafanaHost: string;
    oncallHost: string;
    /** undefined: plain http, which only insecurePlainHttp accepts. */
    tls?: TlsSettings;
    /** undefined: the cluster's default StorageClass. */
    storageClass?: string;
    storageSizes: { grafana: string; postgres: string; redis: string; vm: string };
    replicas: {
        vmstorage: number;
        vminsert: number;
        vmselect: number;
        vmReplicationFactor: number;
        alertmanager: number;
        vmalert: number;
        oncallEngine: number;
        oncallCelery: number;
    };
    /** OnCall's database outside the release; its password is the secret config key oncallDatabasePassword. */
    externalPostgres?: ExternalPostgres;
}

type Problems = string[];

/** The target, and the keys that do not belong to it named as problems. */
export function targetOf({ values, isSet }: Settings, problems: Problems): TargetName {
    // A bad target is a problem already: which keys are foreign is then unknown.
    if (values.target === undefined) return "kind";
    const target = values.target;
    const other: TargetName = target === "kind" ? "existing" : "kind";
    for (const name of keysOnlyFor(other)) {
        if (isSet(name)) problems.push(`${key(name)} is set but applies only when ${key("target")} is ${other}`);
    }
    return target;
}

/**
 * The Ingresses' TLS: exactly one way, or none with insecurePlainHttp. Without TLS the Grafana admin's Basic auth (every
 * `up`), the team's logins and cookies and the OnCall API token cross the network in clear: the key's name says so.
 */
function tlsOf({ values }: Settings, problems: Problems): TlsSettings | undefined {
    const {
        tlsSecretName: secret,
        clusterIssuer,
        tlsDefaultCertificate: controllerDefault,
        insecurePlainHttp: plainHttp,
    } = values;
    const [sourceNamespace, sourceName] = secret?.split("/") ?? [];
    const ways: { name: string; tls: TlsSettings }[] = [
        ...(secret !== undefined
            ? [{ name: "tlsSecretName", tls: { kind: "secret" as const, sourceNamespace, sourceName } }]
            : []),
        ...(clusterIssuer !== undefined
            ? [{ name: "clusterIssuer", tls: { kind: "clusterIssuer" as const, clusterIssuer } }]
            : []),
        ...(controllerDefault ? [{ name: "tlsDefaultCertificate", tls: { kind: "controllerDefault" as const } }] : []),
    ];
    if (ways.length > 1) {
        const names = ways.map((way) => key(way.name));
        problems.push(
            `${names.slice(0, -1).join(", ")} and ${names.at(-1)} are ${ways.length === 2 ? "both" : "all"} set: set one (an existing certificate, cert-manager issues one, or the ingress controller's default one)`,
        );
    }
    if (plainHttp && ways.length > 0)
        problems.push(
            `${key("insecurePlainHttp")} is set with ${key(ways[0].name)}: with TLS there is no plain http to accept; unset it`,
        );
    if (!plainHttp && ways.length === 0) {
        problems.push(
            `TLS is required when ${key("target")} is existing: set ${key("clusterIssuer")} (cert-manager), ${key("tlsDefaultCertificate")} true ` +
                `(the ingress controller's default certificate) or ${key("tlsSecretName")}; only ${key("insecurePlainHttp")} true accepts plain http, ` +
                "where the Grafana admin's password, the team's logins and the OnCall API token cross the network in clear",
        );
    }
    return ways[0]?.tls;
}

function externalPostgresOf(
    { values, raw, isSet, presentSecrets }: Settings,
    problems: Problems,
): ExternalPostgres | undefined {
    const hasPassword = presentSecrets.has("oncallDatabasePassword");
    if (raw.oncallDatabaseHost !== undefined) {
        if (!hasPassword)
            problems.push(
                `${key("oncallDatabasePassword")} is required when ${key("oncallDatabaseHost")} is set: pulumi config set --secret ${key("oncallDatabasePassword")} <password>`,
            );
        return {
            host: values.oncallDatabaseHost!,
            port: values.oncallDatabasePort!,
            database: values.oncallDatabaseName!,
            user: values.oncallDatabaseUser!,
        };
    }
    const withoutHost = (
        ["oncallDatabasePort", "oncallDatabaseName", "oncallDatabaseUser", "oncallDatabasePassword"] as const
    ).filter(isSet);
    for (const name of withoutHost)
        problems.push(`${key(name)} is set but ${key("oncallDatabaseHost")} is not: set oncallDatabaseHost too`);
    return undefined;
}

function replicasOf({ values }: Settings, problems: Problems): ExistingClusterSettings["replicas"] {
    const replicas = {
        vmstorage: values.vmstorageReplicas!,
        vminsert: values.vminsertReplicas!,
        vmselect: values.vmselectReplicas!,
        vmReplicationFactor: values.vmReplicationFactor!,
        alertmanager: values.alertmanagerReplicas!,
        vmalert: values.vmalertReplicas!,
        oncallEngine: values.oncallEngineReplicas!,
        oncallCelery: values.oncallCeleryReplicas!,
    };
    // vminsert writes each sample to replicationFactor distinct vmstorage nodes.
    if (replicas.vmReplicationFactor > replicas.vmstorage) {
        problems.push(
            `${key("vmReplicationFactor")} (${replicas.vmReplicationFactor}) must be at most ${key("vmstorageReplicas")} (${replicas.vmstorage})`,
        );
    }
    return replicas;
}

/** The existing target's settings; every missing key and bad combination is a problem named by its key. */
export function existingClusterOf(
    settings: Settings,
    hasSmtpHost: boolean,
    problems: Problems,
    fileExists: FileExists,
): ExistingClusterSettings {
    const { values, raw } = settings;
    for (const name of existingKeys.filter((name) => settingOf(name).required)) {
        if (raw[name] === undefined)
            problems.push(`${key(name)} is required when ${key("target")} is existing (${settingOf(name).accepts})`);
    }
    const { grafanaHost = "", oncallHost = "", kubeconfigPath } = values;
    if (grafanaHost !== "" && grafanaHost === oncallHost)
        problems.push(`${key("grafanaHost")} and ${key("oncallHost")} must differ (both are ${grafanaHost})`);
    // Without Mailpit the people are e-mailed through the team's own server.
    if (!hasSmtpHost)
        problems.push(
            `${key("smtpHost")} is required when ${key("target")} is existing (the lab's Mailpit runs only on kind): set smtpHost and smtpFromEmail`,
        );
    // Relative to the project directory, where Pulumi runs the program; the shell expands a ~ only when unquoted.
    if (kubeconfigPath !== undefined && !fileExists(kubeconfigPath)) {
        problems.push(
            `${key("kubeconfigPath")} names no file (got ${echo(kubeconfigPath)}): give the kubeconfig's full path`,
        );
    }
    return {
        kubeContext: values.kubeContext ?? "",
        kubeconfigPath,
        ingressClassName: values.ingressClassName,
        grafanaHost,
        oncallHost,
        tls: tlsOf(settings, problems),
        storageClass: values.storageClass,
        storageSizes: {
            grafana: values.grafanaStorageSize!,
            postgres: values.postgresStorageSize!,
            redis: values.redisStorageSize!,
            vm: values.vmStorageSize!,
        },
        replicas: replicasOf(settings, problems),
        externalPostgres: externalPostgresOf(settings, problems),
    };
}
