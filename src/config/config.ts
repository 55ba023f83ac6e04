// The lab's configuration: defaults, and validation that runs before any resource is declared.
// Pure: index.ts reads the raw strings from Pulumi config and hands them here.
import { AlertingSettings, defaultAlertingSettings, validateAlertingSettings } from "../monitoring/alerting";
import { oncallPluginReleaseUrl } from "../oncall/vocabulary";

export const CONFIG_NAMESPACE = "oncall-lab";

/** Defaults; Pulumi.yaml's `config:` block declares the same ones (a test keeps them equal). */
export const configDefaults = {
    clusterName: "oncall-lab",
    // The image kind v0.33.0 defaults to, pinned by digest as kind's release notes ask.
    kindNodeImage: "kindest/node:v1.37.0@sha256:a1ed56cfb0e7b93589bdf97c8cd566405a265939e3620fc4f5de89adff580ae5",
    grafanaHostPort: 3000,
    oncallHostPort: 8080,
    mailHostPort: 8025,
    vmStackChartVersion: "0.91.2",
    grafanaChartVersion: "12.11.1",
    // Grafana 11.x: OnCall OSS was tested on 11.2, managed service accounts need >= 11.3, and an open
    // report says Grafana 13 does not provision the plugin's service account.
    grafanaImageTag: "11.6.0",
    // The grafana helm repository publishes the archived oncall chart only up to 1.16.5; 1.16.6-1.16.9 have
    // the same templates and values, so chart 1.16.5 runs the last engine through its image tag.
    oncallChartVersion: "1.16.5",
    oncallImageTag: "v1.16.9",
    oncallPluginVersion: "1.16.9",
    // The local mailbox that receives OnCall's e-mail when no smtpHost is set.
    mailpitImage: "axllent/mailpit:v1.30.5",
    alertSeverity: defaultAlertingSettings.severity,
    targetDownFor: defaultAlertingSettings.targetDownFor,
    crashLoopFor: defaultAlertingSettings.crashLoopFor,
    diskFreePercent: defaultAlertingSettings.diskFreePercent,
    smtpPort: 587,
    smtpTls: true,
} as const;

/** Config keys whose values are secrets: only their presence is known before deployment. */
export type SecretKey = "telegramBotToken" | "smtpPassword";

export interface SmtpSettings {
    host: string;
    port: number;
    username?: string;
    fromEmail: string;
    tls: boolean;
}

export interface LabConfig {
    clusterName: string;
    kindNodeImage: string;
    grafanaHostPort: number;
    oncallHostPort: number;
    mailHostPort: number;
    chartVersions: { vmStack: string; grafana: string; oncall: string };
    grafanaImageTag: string;
    oncallImageTag: string;
    oncallPluginVersion: string;
    /** A plugin zip Grafana installs instead of asking the catalog for oncallPluginVersion. */
    oncallPluginUrl?: string;
    mailpitImage: string;
    alerting: AlertingSettings;
    telegramEnabled: boolean;
    smtp?: SmtpSettings;
}

export const SECRET_KEYS: readonly SecretKey[] = ["telegramBotToken", "smtpPassword"];
/** Every key the lab reads, so that a typo in a key is reported rather than silently ignored. */
export const CONFIG_KEYS: readonly string[] = [
    ...Object.keys(configDefaults), "oncallPluginUrl", "smtpHost", "smtpUsername", "smtpFromEmail", ...SECRET_KEYS,
];

export type RawConfig = Readonly<Record<string, string | undefined>>;

export class ConfigError extends Error {
    constructor(readonly problems: string[]) {
        super(`invalid configuration:\n  - ${problems.join("\n  - ")}\nSet values with: pulumi config set ${CONFIG_NAMESPACE}:<key> <value>`);
        this.name = "ConfigError";
    }
}

const DNS_1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const SEMVER = /^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/;
const DURATION = /^(\d+(ms|s|m|h|d|w|y))+$/;
// An image reference is a name, an optional :tag and an optional @digest.
const IMAGE_NAME = "[a-z0-9]+([._\\/-][a-z0-9]+)*";
const TAG = "[\\w][\\w.-]{0,127}";
const DIGEST = "@sha256:[a-f0-9]{64}";
const IMAGE_REF = new RegExp(`^${IMAGE_NAME}(:${TAG})?(${DIGEST})?$`);
const IMAGE_PINNED_BY_DIGEST = new RegExp(`^${IMAGE_NAME}(:${TAG})?${DIGEST}$`);
const IMAGE_TAG = new RegExp(`^${TAG}$`);
const EMAIL = /^[^\s@]+@[^\s@]+$/;
const HOSTNAME = /^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?$/;
// Grafana's image splits GF_INSTALL_PLUGINS on "," and ";": an https URL of a .zip without those or spaces.
const PLUGIN_ZIP_URL = /^https:\/\/[A-Za-z0-9.-]+(:\d+)?\/[^\s,;?#]*\.zip$/;

/** Validates raw config strings (undefined = not set) and returns typed settings; reports every problem at once. */
export function validateConfig(raw: RawConfig, presentSecrets: ReadonlySet<SecretKey> = new Set()): LabConfig {
    const problems: string[] = [];
    const key = (name: string) => `${CONFIG_NAMESPACE}:${name}`;

    const text = (name: keyof typeof configDefaults | "oncallPluginUrl" | "smtpHost" | "smtpUsername" | "smtpFromEmail", pattern: RegExp, allowed: string): string | undefined => {
        const value = raw[name] ?? (configDefaults as Record<string, unknown>)[name];
        if (value === undefined) return undefined;
        const str = String(value);
        if (!pattern.test(str)) problems.push(`${key(name)} must be ${allowed} (got "${str}")`);
        return str;
    };
    const integer = (name: keyof typeof configDefaults, min: number, max: number): number => {
        const value = raw[name] ?? String(configDefaults[name]);
        const n = Number(value);
        if (!/^\d+$/.test(value) || n < min || n > max) {
            problems.push(`${key(name)} must be an integer from ${min} to ${max} (got "${value}")`);
        }
        return n;
    };
    const bool = (name: "smtpTls"): boolean => {
        const value = raw[name] ?? String(configDefaults[name]);
        if (value !== "true" && value !== "false") problems.push(`${key(name)} must be true or false (got "${value}")`);
        return value === "true";
    };

    const clusterName = text("clusterName", DNS_1123_LABEL, "a DNS-1123 label: lowercase letters, digits and '-', starting and ending with a letter or digit")!;
    if (clusterName.length > 50) problems.push(`${key("clusterName")} must be at most 50 characters (got ${clusterName.length})`);
    const kindNodeImage = text("kindNodeImage", IMAGE_PINNED_BY_DIGEST, "an image reference pinned by digest, such as kindest/node:v1.37.0@sha256:<digest>")!;

    const hostPorts = {
        grafanaHostPort: integer("grafanaHostPort", 1024, 65535),
        oncallHostPort: integer("oncallHostPort", 1024, 65535),
        mailHostPort: integer("mailHostPort", 1024, 65535),
    };
    const portNames = Object.keys(hostPorts) as Array<keyof typeof hostPorts>;
    portNames.forEach((name, i) => {
        for (const other of portNames.slice(i + 1)) {
            if (hostPorts[name] === hostPorts[other]) {
                problems.push(`${key(name)} and ${key(other)} must differ (both are ${hostPorts[name]})`);
            }
        }
    });

    const semver = "a chart version such as 1.2.3";
    const chartVersions = {
        vmStack: text("vmStackChartVersion", SEMVER, semver)!,
        grafana: text("grafanaChartVersion", SEMVER, semver)!,
        oncall: text("oncallChartVersion", SEMVER, semver)!,
    };
    const grafanaImageTag = text("grafanaImageTag", SEMVER, "a Grafana version such as 11.6.0")!;
    const oncallImageTag = text("oncallImageTag", IMAGE_TAG, "an image tag of grafana/oncall such as v1.16.9")!;
    const oncallPluginVersion = text("oncallPluginVersion", SEMVER, "a plugin version such as 1.16.9")!;
    const oncallPluginUrl = text("oncallPluginUrl", PLUGIN_ZIP_URL, `an https URL of a plugin .zip, such as ${oncallPluginReleaseUrl(configDefaults.oncallPluginVersion)}`);
    const mailpitImage = text("mailpitImage", IMAGE_REF, "an image reference such as axllent/mailpit:v1.30.5")!;

    const durationText = "a duration such as 30s, 5m or 1h";
    const alerting: AlertingSettings = {
        ...defaultAlertingSettings,
        severity: text("alertSeverity", /^[a-z][a-z0-9_-]*$/, "a lowercase label value such as critical")!,
        targetDownFor: text("targetDownFor", DURATION, durationText)!,
        crashLoopFor: text("crashLoopFor", DURATION, durationText)!,
        diskFreePercent: integer("diskFreePercent", 1, 99),
    };
    if (problems.length === 0) {
        // The rule builders' own checks, so that they too fail here rather than midway through the program.
        try {
            validateAlertingSettings(alerting);
        } catch (err) {
            problems.push((err as Error).message);
        }
    }

    const smtpHost = text("smtpHost", HOSTNAME, "a host name such as smtp.example.com");
    const smtpUsername = raw.smtpUsername;
    const smtpFromEmail = text("smtpFromEmail", EMAIL, "an e-mail address such as oncall@example.com");
    const smtpPort = integer("smtpPort", 1, 65535);
    const smtpTls = bool("smtpTls");
    let smtp: SmtpSettings | undefined;
    if (smtpHost !== undefined) {
        if (smtpFromEmail === undefined) problems.push(`${key("smtpFromEmail")} is required when ${key("smtpHost")} is set`);
        smtp = { host: smtpHost, port: smtpPort, username: smtpUsername, fromEmail: smtpFromEmail ?? "", tls: smtpTls };
    } else {
        for (const name of ["smtpUsername", "smtpFromEmail"] as const) {
            if (raw[name] !== undefined) problems.push(`${key(name)} is set but ${key("smtpHost")} is not: set smtpHost too`);
        }
        if (presentSecrets.has("smtpPassword")) {
            problems.push(`${key("smtpPassword")} is set but ${key("smtpHost")} is not: set smtpHost too`);
        }
    }

    for (const name of Object.keys(raw)) {
        if (!CONFIG_KEYS.includes(name) && raw[name] !== undefined) {
            problems.push(`${key(name)} is not a setting of this lab (known: ${[...CONFIG_KEYS].sort().join(", ")})`);
        }
    }

    if (problems.length > 0) throw new ConfigError(problems);
    return {
        clusterName,
        kindNodeImage,
        ...hostPorts,
        chartVersions,
        grafanaImageTag,
        oncallImageTag,
        oncallPluginVersion,
        oncallPluginUrl,
        mailpitImage,
        alerting,
        telegramEnabled: presentSecrets.has("telegramBotToken"),
        smtp,
    };
}
