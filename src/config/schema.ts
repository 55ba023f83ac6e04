// Every setting of the lab, declared once: its type, default, check, description, the targets it belongs to and
// whether it is a secret. Pulumi.yaml's `config:` block and the README's settings tables are generated from it
// (`npm run schema:config`, src/config/schemaText.ts); validation (config.ts, target.ts) parses with its checks.
// The raw values are Pulumi config strings; each check is a zod schema from that string to the setting's type.
import { z } from "zod";
import { defaultAlertingSettings, SEVERITY_LABEL } from "../monitoring/alerting";
import { oncallPluginReleaseUrl } from "../oncall/vocabulary";
import { durationProblem } from "../shared/duration";
import { echo } from "../shared/echo";
import { EMAIL_ADDRESS, HOST_NAME } from "../shared/patterns";

export const CONFIG_NAMESPACE = "oncall-lab";
/** A setting's full key, as problems name it and `pulumi config set` takes it. */
export const key = (name: string) => `${CONFIG_NAMESPACE}:${name}`;
export const TARGETS = ["kind", "existing"] as const;
export type TargetName = (typeof TARGETS)[number];

/** Which targets read a key: the other one refuses it when it is set. */
export type Targets = "both" | TargetName;

type Check = z.ZodType<string | number | boolean, string>;
interface Declared<C extends Check> {
    /** Pulumi.yaml's type. */
    type: "string" | "integer" | "boolean";
    /** What a value must be, for the messages ("must be <accepts>" and "is required (<accepts>)"). */
    accepts: string;
    check: C;
}

const must = (accepts: string) => ({
    error: (issue: { input?: unknown }) => `must be ${accepts} (got ${echo(issue.input)})`,
});

function text(pattern: RegExp, accepts: string) {
    return { type: "string" as const, accepts, check: z.string().regex(pattern, must(accepts)) };
}
function integer(min: number, max: number) {
    const accepts = `an integer from ${min} to ${max}`;
    const check = z
        .string()
        .refine((value) => /^\d+$/.test(value) && Number(value) >= min && Number(value) <= max, must(accepts));
    return { type: "integer" as const, accepts, check: check.transform(Number) };
}
function boolean() {
    const accepts = "true or false";
    return {
        type: "boolean" as const,
        accepts,
        check: z.enum(["true", "false"], must(accepts)).transform((value) => value === "true"),
    };
}
// The lab's one duration grammar (src/shared/duration.ts), so that what passes here also passes vmalert.
function duration() {
    const check = z.string().superRefine((value, ctx) => {
        const problem = durationProblem(value);
        if (problem) ctx.addIssue({ code: "custom", message: problem });
    });
    return { type: "string" as const, accepts: "a duration", check };
}

interface About<T> {
    default?: T extends string ? string : T extends number ? number : boolean;
    targets: Targets;
    description: string;
    /** Set with `config set --secret`; the program only learns whether it is set. */
    secret?: true;
    /** Must be set on its target (which has to be a single one). */
    required?: true;
}
const declare = <C extends Check, A extends About<z.output<C>>>(declared: Declared<C>, about: A): Declared<C> & A => ({
    ...declared,
    ...about,
});
export type Setting = Declared<Check> & About<string | number | boolean>;

const DNS_1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;
const DNS_NAME = /^(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)+$/;
const NAMESPACED_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?\/[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;
const QUANTITY = /^[1-9]\d*(Mi|Gi|Ti)$/;
const ANY = /^\S+$/;
const SEMVER = /^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/;
// An image reference is a name, an optional :tag and an optional @digest.
const IMAGE_NAME = "[a-z0-9]+([._\\/-][a-z0-9]+)*";
const TAG = "[\\w][\\w.-]{0,127}";
const DIGEST = "@sha256:[a-f0-9]{64}";
// A tag or a digest: a bare name means whatever :latest is on the day of the pull.
const IMAGE_PINNED = new RegExp(`^${IMAGE_NAME}(:${TAG}(${DIGEST})?|${DIGEST})$`);
const IMAGE_PINNED_BY_DIGEST = new RegExp(`^${IMAGE_NAME}(:${TAG})?${DIGEST}$`);
const IMAGE_TAG = new RegExp(`^${TAG}$`);
// An SMTP user name goes into a header-like AUTH exchange: no line breaks or other control characters.
const NO_CONTROL_CHARACTERS = /^[^\x00-\x1f\x7f]+$/;
// Grafana's image splits GF_INSTALL_PLUGINS on "," and ";": an https URL of a .zip without those or spaces.
const PLUGIN_ZIP_URL = /^https:\/\/[A-Za-z0-9.-]+(:\d+)?\/[^\s,;?#]*\.zip$/;
const CLUSTER_NAME_MAX = 50;
const chart = () => text(SEMVER, "a chart version such as 1.2.3");
const hostPort = () => integer(1024, 65535);
const size = () => text(QUANTITY, "a size such as 10Gi");
const replicas = (max: number) => integer(1, max);
const clusterName = text(
    DNS_1123_LABEL,
    "a DNS-1123 label: lowercase letters, digits and '-', starting and ending with a letter or digit",
);
const existing = "existing" as const;

export const SETTINGS = {
    target: declare(
        { type: "string", accepts: TARGETS.join(" or "), check: z.enum(TARGETS, must(TARGETS.join(" or "))) },
        {
            default: "kind",
            targets: "both",
            description:
                "Where the lab runs - kind (a local Kind cluster the lab creates) or existing (a cluster you already run, reached through kubeContext).",
        },
    ),
    clusterName: declare(
        {
            ...clusterName,
            check: clusterName.check.max(CLUSTER_NAME_MAX, {
                error: (issue) => `must be at most ${CLUSTER_NAME_MAX} characters (got ${String(issue.input).length})`,
            }),
        },
        {
            default: "oncall-lab",
            targets: "kind",
            description: "Name of the Kind cluster (a DNS-1123 label); the kubectl context is kind-<name>.",
        },
    ),
    kindNodeImage: declare(
        text(
            IMAGE_PINNED_BY_DIGEST,
            "an image reference pinned by digest, such as kindest/node:v1.37.0@sha256:<digest>",
        ),
        {
            // The image kind v0.33.0 defaults to, pinned by digest as kind's release notes ask.
            default: "kindest/node:v1.37.0@sha256:a1ed56cfb0e7b93589bdf97c8cd566405a265939e3620fc4f5de89adff580ae5",
            targets: "kind",
            description: "The kindest/node image, pinned by digest (the one kind v0.33.0 defaults to).",
        },
    ),
    grafanaHostPort: declare(hostPort(), {
        default: 3000,
        targets: "kind",
        description: "Port on 127.0.0.1 where Grafana is published (1024-65535, not the OnCall port).",
    }),
    oncallHostPort: declare(hostPort(), {
        default: 8080,
        targets: "kind",
        description: "Port on 127.0.0.1 where the OnCall engine is published (1024-65535, not the Grafana port).",
    }),
    mailHostPort: declare(hostPort(), {
        default: 8025,
        targets: "kind",
        description:
            "Port on 127.0.0.1 where the lab's mailbox (Mailpit) is published when no smtpHost is set (1024-65535, not another lab port).",
    }),
    vmStackChartVersion: declare(chart(), {
        default: "0.91.2",
        targets: "both",
        description: "Version of the victoria-metrics-k8s-stack chart.",
    }),
    grafanaChartVersion: declare(chart(), {
        default: "12.11.1",
        targets: "both",
        description: "Version of the grafana chart (grafana-community repository).",
    }),
    // Grafana 11.x: OnCall OSS was tested on 11.2, managed service accounts need >= 11.3, and an open
    // report says Grafana 13 does not provision the plugin's service account. 11.6.16 is the last 11.6 patch
    // (11.6.1+security-01 fixed CVE-2025-4123; 11.6.14 and 11.6.15 are security releases); 11.x gets no more.
    grafanaImageTag: declare(text(SEMVER, "a Grafana version such as 11.6.16"), {
        default: "11.6.16",
        targets: "both",
        description: "Grafana version; 11.x is what the OnCall plugin works with (11.6.16, the last 11.6 patch).",
    }),
    // The grafana helm repository publishes the archived oncall chart only up to 1.16.5; 1.16.6-1.16.9 have
    // the same templates and values, so chart 1.16.5 runs the last engine through its image tag.
    oncallChartVersion: declare(chart(), {
        default: "1.16.5",
        targets: "both",
        description:
            "Version of the grafana/oncall chart (the last one the grafana helm repository publishes; the project is archived).",
    }),
    oncallImageTag: declare(text(IMAGE_TAG, "an image tag of grafana/oncall such as v1.16.9"), {
        default: "v1.16.9",
        targets: "both",
        description: "Tag of the grafana/oncall engine image (the last release; same chart templates as 1.16.5).",
    }),
    oncallPluginVersion: declare(text(SEMVER, "a plugin version such as 1.16.9"), {
        default: "1.16.9",
        targets: "both",
        description: "Version of the grafana-oncall-app plugin installed into Grafana.",
    }),
    oncallPluginUrl: declare(
        text(PLUGIN_ZIP_URL, `an https URL of a plugin .zip, such as ${oncallPluginReleaseUrl("1.16.9")}`),
        {
            targets: "both",
            description:
                "An https URL of a grafana-oncall-app .zip that Grafana installs instead of asking grafana.com for oncallPluginVersion " +
                `(e.g. the release's own copy, ${oncallPluginReleaseUrl("1.16.9")}).`,
        },
    ),
    // The local mailbox that receives OnCall's e-mail when no smtpHost is set.
    mailpitImage: declare(
        text(IMAGE_PINNED, "an image reference with a tag or digest, such as axllent/mailpit:v1.30.5"),
        {
            default: "axllent/mailpit:v1.30.5",
            targets: "kind",
            description: "Image of the local mailbox that receives OnCall's e-mail when no smtpHost is set.",
        },
    ),
    alertSeverity: declare(text(SEVERITY_LABEL, "a lowercase label value such as critical"), {
        default: defaultAlertingSettings.severity,
        targets: "both",
        description: "Severity label on the lab's paging alerts.",
    }),
    targetDownFor: declare(duration(), {
        default: defaultAlertingSettings.targetDownFor,
        targets: "both",
        description: "How long a scrape target must be down before it pages.",
    }),
    crashLoopFor: declare(duration(), {
        default: defaultAlertingSettings.crashLoopFor,
        targets: "both",
        description: "How long a container must be crash-looping before it pages.",
    }),
    diskFreePercent: declare(integer(1, 99), {
        default: defaultAlertingSettings.diskFreePercent,
        targets: "both",
        description: "Disk pressure alert fires when a node filesystem has less free space than this (percent, 1-99).",
    }),
    smtpHost: declare(text(HOST_NAME, "a host name such as smtp.example.com"), {
        targets: "both",
        description: "An SMTP server OnCall sends e-mail through instead of the lab's Mailpit (required on existing).",
    }),
    smtpPort: declare(integer(1, 65535), {
        default: 587,
        targets: "both",
        description: "Port of the SMTP server (used only when smtpHost is set).",
    }),
    smtpUsername: declare(text(NO_CONTROL_CHARACTERS, "a user name without line breaks or other control characters"), {
        targets: "both",
        description: "User name on the SMTP server (with smtpHost).",
    }),
    smtpFromEmail: declare(text(EMAIL_ADDRESS, "an e-mail address such as oncall@example.com"), {
        targets: "both",
        description: "Sender address of OnCall's e-mail (required with smtpHost).",
    }),
    smtpTls: declare(boolean(), {
        default: true,
        targets: "both",
        description: "Use STARTTLS with the SMTP server (not together with smtpSsl).",
    }),
    smtpSsl: declare(boolean(), {
        default: false,
        targets: "both",
        description: "Use implicit TLS with the SMTP server, as port 465 needs (set smtpTls false with it).",
    }),
    telegramBotToken: declare(text(ANY, "a token"), {
        targets: "both",
        secret: true,
        description: "A Telegram bot token; enables OnCall's Telegram bot, in polling mode (a secret).",
    }),
    smtpPassword: declare(text(ANY, "a password"), {
        targets: "both",
        secret: true,
        description: "Password of smtpUsername on the SMTP server (a secret).",
    }),
    kubeContext: declare(text(ANY, "a context of your kubeconfig, as `kubectl config get-contexts` lists it"), {
        targets: existing,
        required: true,
        description: "The kubeconfig context of your cluster; required there.",
    }),
    kubeconfigPath: declare(text(ANY, "a path to a kubeconfig file"), {
        targets: existing,
        description: "A kubeconfig file other than the default one (KUBECONFIG or ~/.kube/config).",
    }),
    ingressClassName: declare(text(DNS_1123_SUBDOMAIN, "the name of an IngressClass, such as nginx"), {
        targets: existing,
        description: "IngressClass of the Grafana and OnCall Ingresses (unset - the cluster's default IngressClass).",
    }),
    grafanaHost: declare(text(DNS_NAME, "the DNS name people open Grafana on, such as grafana.example.com"), {
        targets: existing,
        required: true,
        description: "DNS name of Grafana's Ingress, e.g. grafana.example.com; required there.",
    }),
    oncallHost: declare(text(DNS_NAME, "the DNS name of the OnCall engine, such as oncall.example.com"), {
        targets: existing,
        required: true,
        description: "DNS name of the OnCall engine's Ingress, e.g. oncall.example.com; required there.",
    }),
    tlsSecretName: declare(
        text(NAMESPACED_NAME, "<namespace>/<name> of a kubernetes.io/tls secret, such as cert-manager/wildcard-tls"),
        {
            targets: existing,
            description:
                "<namespace>/<name> of a kubernetes.io/tls secret for both hosts; the lab copies it (the private key too) next to each Ingress " +
                "and into its state - prefer clusterIssuer or tlsDefaultCertificate. Not with clusterIssuer.",
        },
    ),
    clusterIssuer: declare(text(DNS_1123_SUBDOMAIN, "the name of a cert-manager ClusterIssuer, such as letsencrypt"), {
        targets: existing,
        description: "A cert-manager ClusterIssuer that issues the Ingresses' certificates. Not with tlsSecretName.",
    }),
    tlsDefaultCertificate: declare(boolean(), {
        targets: existing,
        description:
            "true - the ingress controller's default certificate serves both hosts (the Ingresses ask for TLS without a secret; " +
            "nothing is copied). Not with tlsSecretName or clusterIssuer.",
    }),
    insecurePlainHttp: declare(boolean(), {
        targets: existing,
        description:
            "true - accept plain http when no TLS is set; the Grafana admin's password, the team's logins and the OnCall API token " +
            "then cross the network in clear. Refused without it.",
    }),
    storageClass: declare(text(DNS_1123_SUBDOMAIN, "the name of a StorageClass (unset: the cluster's default)"), {
        targets: existing,
        description:
            "StorageClass of the Grafana, Postgres, Redis and VictoriaMetrics volumes (unset - the cluster's default).",
    }),
    grafanaStorageSize: declare(size(), {
        default: "10Gi",
        targets: existing,
        description: "Size of Grafana's volume.",
    }),
    postgresStorageSize: declare(size(), {
        default: "20Gi",
        targets: existing,
        description: "Size of the bundled Postgres volume of OnCall (unused with oncallDatabaseHost).",
    }),
    redisStorageSize: declare(size(), {
        default: "8Gi",
        targets: existing,
        description: "Size of the Redis volume of OnCall.",
    }),
    vmStorageSize: declare(size(), {
        default: "50Gi",
        targets: existing,
        description: "Size of each vmstorage node's volume.",
    }),
    vmstorageReplicas: declare(replicas(50), {
        default: 2,
        targets: existing,
        description: "vmstorage nodes of the VictoriaMetrics cluster (1-50).",
    }),
    vminsertReplicas: declare(replicas(50), {
        default: 2,
        targets: existing,
        description: "vminsert replicas (1-50).",
    }),
    vmselectReplicas: declare(replicas(50), {
        default: 2,
        targets: existing,
        description: "vmselect replicas (1-50).",
    }),
    vmReplicationFactor: declare(replicas(50), {
        default: 2,
        targets: existing,
        description: "Copies of each sample across vmstorage nodes (at most vmstorageReplicas).",
    }),
    alertmanagerReplicas: declare(replicas(9), {
        default: 3,
        targets: existing,
        description: "Alertmanager replicas, one gossip cluster (1-9).",
    }),
    vmalertReplicas: declare(replicas(9), {
        default: 2,
        targets: existing,
        description: "vmalert replicas, each sending to every Alertmanager (1-9).",
    }),
    oncallEngineReplicas: declare(replicas(50), {
        default: 2,
        targets: existing,
        description: "OnCall engine replicas (1-50).",
    }),
    oncallCeleryReplicas: declare(replicas(50), {
        default: 2,
        targets: existing,
        description: "OnCall celery worker replicas (1-50).",
    }),
    oncallDatabaseHost: declare(text(HOST_NAME, "a host name such as postgres.db.svc.cluster.local"), {
        targets: existing,
        description:
            "Host of an external Postgres for OnCall instead of the bundled one; needs the secret oncallDatabasePassword.",
    }),
    oncallDatabasePort: declare(integer(1, 65535), {
        default: 5432,
        targets: existing,
        description: "Port of the external Postgres (with oncallDatabaseHost).",
    }),
    oncallDatabaseName: declare(text(/^[A-Za-z_][A-Za-z0-9_$-]{0,62}$/, "a Postgres database name such as oncall"), {
        default: "oncall",
        targets: existing,
        description: "Database of the external Postgres (with oncallDatabaseHost).",
    }),
    oncallDatabaseUser: declare(text(/^[A-Za-z_][A-Za-z0-9_$.-]{0,62}$/, "a Postgres role name such as oncall"), {
        default: "oncall",
        targets: existing,
        description: "Role OnCall logs in as on the external Postgres (with oncallDatabaseHost).",
    }),
    oncallDatabasePassword: declare(text(ANY, "a password"), {
        targets: existing,
        secret: true,
        description: "Password of oncallDatabaseUser on the external Postgres (a secret; with oncallDatabaseHost).",
    }),
};

export type SettingName = keyof typeof SETTINGS;
type Settings = typeof SETTINGS;
/** A setting's parsed value: its default when unset, undefined when it has none. */
export type Parsed = {
    [K in SettingName]: z.output<Settings[K]["check"]> | (Settings[K] extends { default: unknown } ? never : undefined);
};
type Secrets = { [K in SettingName]: Settings[K] extends { secret: true } ? K : never }[SettingName];
export type SecretKey = Secrets;

export const SETTING_NAMES = Object.keys(SETTINGS) as SettingName[];
/** A setting, seen through the fields every one has. */
export const settingOf = (name: SettingName): Setting => SETTINGS[name];
const entries = Object.entries(SETTINGS) as [SettingName, Setting][];
export const SECRET_KEYS = entries.filter(([, s]) => s.secret).map(([name]) => name) as SecretKey[];
/** The keys that only this target reads. */
export const keysOnlyFor = (target: TargetName): SettingName[] =>
    entries.filter(([, s]) => s.targets === target).map(([name]) => name);
/** The defaults, typed as Pulumi.yaml declares them. */
export const configDefaults = Object.fromEntries(
    entries.filter(([, s]) => s.default !== undefined).map(([name, s]) => [name, s.default]),
) as {
    [K in SettingName as Settings[K] extends { default: unknown } ? K : never]: Settings[K] extends { default: infer D }
        ? D
        : never;
};
export const CONFIG_KEYS: readonly string[] = SETTING_NAMES;
