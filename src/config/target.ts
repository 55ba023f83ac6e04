// Where the lab runs: a Kind cluster it creates (the default), or a cluster a team already has. The settings of the
// `existing` target, validated like the rest of the config (src/config/config.ts calls targetOf).
import type { FileExists, RawConfig } from "./raw";
import { echo } from "../shared/echo";
import { HOST_NAME } from "../shared/patterns";

export const TARGETS = ["kind", "existing"] as const;
export type TargetName = typeof TARGETS[number];

/** Defaults of the keys only the existing target reads (lab-sized Kind values never see them). */
export const existingDefaults = {
    grafanaStorageSize: "10Gi",
    postgresStorageSize: "20Gi",
    redisStorageSize: "8Gi",
    vmStorageSize: "50Gi",
    vmstorageReplicas: 2,
    vminsertReplicas: 2,
    vmselectReplicas: 2,
    vmReplicationFactor: 2,
    alertmanagerReplicas: 3,
    vmalertReplicas: 2,
    oncallEngineReplicas: 2,
    oncallCeleryReplicas: 2,
    oncallDatabasePort: 5432,
    oncallDatabaseName: "oncall",
    oncallDatabaseUser: "oncall",
} as const;

/** Keys without a default that only the existing target reads. */
export const EXISTING_OPTIONAL_KEYS = [
    "kubeContext", "kubeconfigPath", "ingressClassName", "grafanaHost", "oncallHost", "tlsSecretName", "clusterIssuer",
    "tlsDefaultCertificate", "insecurePlainHttp", "storageClass", "oncallDatabaseHost",
] as const;
/** Keys only the Kind target reads (their defaults are what a kind stack has always had). */
export const KIND_ONLY_KEYS = ["clusterName", "kindNodeImage", "grafanaHostPort", "oncallHostPort", "mailHostPort", "mailpitImage"] as const;

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
        vmstorage: number; vminsert: number; vmselect: number; vmReplicationFactor: number;
        alertmanager: number; vmalert: number; oncallEngine: number; oncallCelery: number;
    };
    /** OnCall's database outside the release; its password is the secret config key oncallDatabasePassword. */
    externalPostgres?: ExternalPostgres;
}

// Structural view of config.ts's readers, so that this file needs no runtime import of it.
interface TargetReaders {
    text(name: string, pattern: RegExp, allowed: string): string | undefined;
    integer(name: string, min: number, max: number): number;
}

const DNS_NAME = /^(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)+$/;
const DNS_1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;
const NAMESPACED_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?\/[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;
const QUANTITY = /^[1-9]\d*(Mi|Gi|Ti)$/;
const ANY = /^\S+$/;

type Problems = string[];
type Key = (name: string) => string;

/** A key counts as set when it differs from its default: the Pulumi CLI passes Pulumi.yaml's defaults as set. */
function isSet(raw: RawConfig, name: string, defaults: Record<string, unknown>): boolean {
    return raw[name] !== undefined && raw[name] !== String(defaults[name]);
}

/** The target, and the keys that do not belong to it named as problems. */
export function targetOf(
    raw: RawConfig, presentSecrets: ReadonlySet<string>, read: TargetReaders, defaults: Record<string, unknown>, key: Key, problems: Problems,
): TargetName {
    const target = (read.text("target", /^(kind|existing)$/, "kind or existing") ?? "kind") as TargetName;
    const foreign = target === "kind"
        ? [...EXISTING_OPTIONAL_KEYS, ...Object.keys(existingDefaults), "oncallDatabasePassword"]
        : KIND_ONLY_KEYS;
    for (const name of foreign) {
        if (isSet(raw, name, defaults) || presentSecrets.has(name)) problems.push(`${key(name)} is set but applies only when ${key("target")} is ${target === "kind" ? "existing" : "kind"}`);
    }
    return target;
}

const TRUE_OR_FALSE = /^(true|false)$/;

/**
 * The Ingresses' TLS: exactly one way, or none with insecurePlainHttp. Without TLS the Grafana admin's Basic auth (every
 * `up`), the team's logins and cookies and the OnCall API token cross the network in clear: the key's name says so.
 */
function tlsOf(read: TargetReaders, key: Key, problems: Problems): TlsSettings | undefined {
    const secret = read.text("tlsSecretName", NAMESPACED_NAME, "<namespace>/<name> of a kubernetes.io/tls secret, such as cert-manager/wildcard-tls");
    const clusterIssuer = read.text("clusterIssuer", DNS_1123_SUBDOMAIN, "the name of a cert-manager ClusterIssuer, such as letsencrypt");
    const controllerDefault = read.text("tlsDefaultCertificate", TRUE_OR_FALSE, "true or false") === "true";
    const plainHttp = read.text("insecurePlainHttp", TRUE_OR_FALSE, "true or false") === "true";
    const [sourceNamespace, sourceName] = secret?.split("/") ?? [];
    const ways: { name: string; tls: TlsSettings }[] = [
        ...(secret !== undefined ? [{ name: "tlsSecretName", tls: { kind: "secret" as const, sourceNamespace, sourceName } }] : []),
        ...(clusterIssuer !== undefined ? [{ name: "clusterIssuer", tls: { kind: "clusterIssuer" as const, clusterIssuer } }] : []),
        ...(controllerDefault ? [{ name: "tlsDefaultCertificate", tls: { kind: "controllerDefault" as const } }] : []),
    ];
    if (ways.length > 1) {
        const names = ways.map(way => key(way.name));
        problems.push(`${names.slice(0, -1).join(", ")} and ${names.at(-1)} are ${ways.length === 2 ? "both" : "all"} set: set one (an existing certificate, cert-manager issues one, or the ingress controller's default one)`);
    }
    if (plainHttp && ways.length > 0) problems.push(`${key("insecurePlainHttp")} is set with ${key(ways[0].name)}: with TLS there is no plain http to accept; unset it`);
    if (!plainHttp && ways.length === 0) {
        problems.push(
            `TLS is required when ${key("target")} is existing: set ${key("clusterIssuer")} (cert-manager), ${key("tlsDefaultCertificate")} true ` +
            `(the ingress controller's default certificate) or ${key("tlsSecretName")}; only ${key("insecurePlainHttp")} true accepts plain http, ` +
            "where the Grafana admin's password, the team's logins and the OnCall API token cross the network in clear",
        );
    }
    return ways[0]?.tls;
}

function externalPostgresOf(raw: RawConfig, hasPassword: boolean, read: TargetReaders, key: Key, problems: Problems): ExternalPostgres | undefined {
    const host = read.text("oncallDatabaseHost", HOST_NAME, "a host name such as postgres.db.svc.cluster.local");
    const port = read.integer("oncallDatabasePort", 1, 65535);
    const database = read.text("oncallDatabaseName", /^[A-Za-z_][A-Za-z0-9_$-]{0,62}$/, "a Postgres database name such as oncall")!;
    const user = read.text("oncallDatabaseUser", /^[A-Za-z_][A-Za-z0-9_$.-]{0,62}$/, "a Postgres role name such as oncall")!;
    if (host !== undefined) {
        if (!hasPassword) problems.push(`${key("oncallDatabasePassword")} is required when ${key("oncallDatabaseHost")} is set: pulumi config set --secret ${key("oncallDatabasePassword")} <password>`);
        return { host, port, database, user };
    }
    const withoutHost = [
        ...(["oncallDatabasePort", "oncallDatabaseName", "oncallDatabaseUser"]).filter(name => isSet(raw, name, existingDefaults)),
        ...(hasPassword ? ["oncallDatabasePassword"] : []),
    ];
    for (const name of withoutHost) problems.push(`${key(name)} is set but ${key("oncallDatabaseHost")} is not: set oncallDatabaseHost too`);
    return undefined;
}

function replicasOf(read: TargetReaders, key: Key, problems: Problems): ExistingClusterSettings["replicas"] {
    const replicas = {
        vmstorage: read.integer("vmstorageReplicas", 1, 50),
        vminsert: read.integer("vminsertReplicas", 1, 50),
        vmselect: read.integer("vmselectReplicas", 1, 50),
        vmReplicationFactor: read.integer("vmReplicationFactor", 1, 50),
        alertmanager: read.integer("alertmanagerReplicas", 1, 9),
        vmalert: read.integer("vmalertReplicas", 1, 9),
        oncallEngine: read.integer("oncallEngineReplicas", 1, 50),
        oncallCelery: read.integer("oncallCeleryReplicas", 1, 50),
    };
    // vminsert writes each sample to replicationFactor distinct vmstorage nodes.
    if (replicas.vmReplicationFactor > replicas.vmstorage) {
        problems.push(`${key("vmReplicationFactor")} (${replicas.vmReplicationFactor}) must be at most ${key("vmstorageReplicas")} (${replicas.vmstorage})`);
    }
    return replicas;
}

/** The existing target's settings; every missing or bad key is a problem named by its key. */
export function existingClusterOf(
    raw: RawConfig, presentSecrets: ReadonlySet<string>, hasSmtpHost: boolean, read: TargetReaders, key: Key, problems: Problems,
    fileExists: FileExists,
): ExistingClusterSettings {
    const required = (name: string, pattern: RegExp, allowed: string): string => {
        const value = read.text(name, pattern, allowed);
        if (value === undefined) problems.push(`${key(name)} is required when ${key("target")} is existing (${allowed})`);
        return value ?? "";
    };
    const kubeContext = required("kubeContext", ANY, "a context of your kubeconfig, as `kubectl config get-contexts` lists it");
    const grafanaHost = required("grafanaHost", DNS_NAME, "the DNS name people open Grafana on, such as grafana.example.com");
    const oncallHost = required("oncallHost", DNS_NAME, "the DNS name of the OnCall engine, such as oncall.example.com");
    if (grafanaHost !== "" && grafanaHost === oncallHost) problems.push(`${key("grafanaHost")} and ${key("oncallHost")} must differ (both are ${grafanaHost})`);
    // Without Mailpit the people are e-mailed through the team's own server.
    if (!hasSmtpHost) problems.push(`${key("smtpHost")} is required when ${key("target")} is existing (the lab's Mailpit runs only on kind): set smtpHost and smtpFromEmail`);
    const size = (name: string) => read.text(name, QUANTITY, "a size such as 10Gi")!;
    const kubeconfigPath = read.text("kubeconfigPath", ANY, "a path to a kubeconfig file");
    // Relative to the project directory, where Pulumi runs the program; the shell expands a ~ only when unquoted.
    if (kubeconfigPath !== undefined && ANY.test(kubeconfigPath) && !fileExists(kubeconfigPath)) {
        problems.push(`${key("kubeconfigPath")} names no file (got ${echo(kubeconfigPath)}): give the kubeconfig's full path`);
    }
    return {
        kubeContext,
        kubeconfigPath,
        ingressClassName: read.text("ingressClassName", DNS_1123_SUBDOMAIN, "the name of an IngressClass, such as nginx"),
        grafanaHost,
        oncallHost,
        tls: tlsOf(read, key, problems),
        storageClass: read.text("storageClass", DNS_1123_SUBDOMAIN, "the name of a StorageClass (unset: the cluster's default)"),
        storageSizes: { grafana: size("grafanaStorageSize"), postgres: size("postgresStorageSize"), redis: size("redisStorageSize"), vm: size("vmStorageSize") },
        replicas: replicasOf(read, key, problems),
        externalPostgres: externalPostgresOf(raw, presentSecrets.has("oncallDatabasePassword"), read, key, problems),
    };
}
