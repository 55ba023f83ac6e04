// The lab's configuration: defaults, and validation that runs before any resource is declared.
// Pure: index.ts reads the raw strings from Pulumi config and hands them here.
import { RunError } from "@pulumi/pulumi";
import { AlertingSettings, defaultAlertingSettings, validateAlertingSettings } from "../monitoring/alerting";
import { oncallPluginReleaseUrl } from "../oncall/vocabulary";
import * as fs from "node:fs";
import { durationProblem } from "../shared/duration";
import { echo } from "../shared/echo";
import { EMAIL_ADDRESS, HOST_NAME } from "../shared/patterns";
import type { FileExists, RawConfig } from "./raw";
import { EXISTING_OPTIONAL_KEYS, ExistingClusterSettings, existingClusterOf, existingDefaults, TargetName, targetOf } from "./target";

export const CONFIG_NAMESPACE = "oncall-lab";

/** Defaults; Pulumi.yaml's `config:` block declares the same ones (a test keeps them equal). */
export const configDefaults = {
    // Kind unless a team points the lab at a cluster it already runs (src/config/target.ts).
    target: "kind",
    clusterName: "oncall-lab",
    // The image kind v0.33.0 defaults to, pinned by digest as kind's release notes ask.
    kindNodeImage: "kindest/node:v1.37.0@sha256:a1ed56cfb0e7b93589bdf97c8cd566405a265939e3620fc4f5de89adff580ae5",
    grafanaHostPort: 3000,
    oncallHostPort: 8080,
    mailHostPort: 8025,
    vmStackChartVersion: "0.91.2",
    grafanaChartVersion: "12.11.1",
    // Grafana 11.x: OnCall OSS was tested on 11.2, managed service accounts need >= 11.3, and an open
    // report says Grafana 13 does not provision the plugin's service account. 11.6.16 is the last 11.6 patch
    // (11.6.1+security-01 fixed CVE-2025-4123; 11.6.14 and 11.6.15 are security releases); 11.x gets no more.
    grafanaImageTag: "11.6.16",
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
    smtpSsl: false,
    ...existingDefaults,
} as const;

/** Config keys whose values are secrets: only their presence is known before deployment. */
export type SecretKey = "telegramBotToken" | "smtpPassword" | "oncallDatabasePassword";

export interface SmtpSettings {
    host: string;
    port: number;
    username?: string;
    fromEmail: string;
    /** STARTTLS after connecting (EMAIL_USE_TLS). */
    tls: boolean;
    /** Implicit TLS from the first byte, as on port 465 (EMAIL_USE_SSL). */
    ssl: boolean;
}

/** SMTP's implicit-TLS port (RFC 8314 "submissions"): STARTTLS there never starts. */
const SMTP_IMPLICIT_TLS_PORT = 465;

export interface LabConfig {
    target: TargetName;
    /** The existing target's settings; undefined on kind. */
    existing?: ExistingClusterSettings;
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

export const SECRET_KEYS: readonly SecretKey[] = ["telegramBotToken", "smtpPassword", "oncallDatabasePassword"];
/** Every key the lab reads, so that a typo in a key is reported rather than silently ignored. */
export const CONFIG_KEYS: readonly string[] = [
    ...Object.keys(configDefaults), "oncallPluginUrl", "smtpHost", "smtpUsername", "smtpFromEmail", ...EXISTING_OPTIONAL_KEYS, ...SECRET_KEYS,
];

export type { FileExists, RawConfig } from "./raw";

/** A RunError: Pulumi's runner (cmd/run/run.js) prints it as its message alone, any other error with a stack trace. */
export class ConfigError extends RunError {
    constructor(readonly problems: string[]) {
        super(`invalid configuration:\n  - ${problems.join("\n  - ")}\nSet values with: pulumi config set ${CONFIG_NAMESPACE}:<key> <value>`);
        this.name = "ConfigError";
    }
}

const DNS_1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
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

const key = (name: string) => `${CONFIG_NAMESPACE}:${name}`;
type TextKey = keyof typeof configDefaults | "oncallPluginUrl" | "smtpHost" | "smtpUsername" | "smtpFromEmail" | typeof EXISTING_OPTIONAL_KEYS[number];


/** Readers of raw config values (or their defaults) that add a problem, named by its key, for each bad one. */
function readers(raw: RawConfig, problems: string[]) {
    const text = (name: TextKey, pattern: RegExp, allowed: string): string | undefined => {
        const value = raw[name] ?? (configDefaults as Record<string, unknown>)[name];
        if (value === undefined) return undefined;
        const str = String(value);
        if (!pattern.test(str)) problems.push(`${key(name)} must be ${allowed} (got ${echo(str)})`);
        return str;
    };
    const integer = (name: keyof typeof configDefaults, min: number, max: number): number => {
        const value = raw[name] ?? String(configDefaults[name]);
        const n = Number(value);
        if (!/^\d+$/.test(value) || n < min || n > max) {
            problems.push(`${key(name)} must be an integer from ${min} to ${max} (got ${echo(value)})`);
        }
        return n;
    };
    const bool = (name: "smtpTls" | "smtpSsl"): boolean => {
        const value = raw[name] ?? String(configDefaults[name]);
        if (value !== "true" && value !== "false") problems.push(`${key(name)} must be true or false (got ${echo(value)})`);
        return value === "true";
    };
    // The lab's one duration grammar (src/shared/duration.ts), so that what passes here also passes vmalert.
    const duration = (name: "targetDownFor" | "crashLoopFor"): string => {
        const value = raw[name] ?? configDefaults[name];
        const problem = durationProblem(value);
        if (problem) problems.push(`${key(name)} ${problem}`);
        return value;
    };
    return { text, integer, bool, duration };
}

type Readers = ReturnType<typeof readers>;

function hostPortsOf(read: Readers, problems: string[]) {
    const hostPorts = {
        grafanaHostPort: read.integer("grafanaHostPort", 1024, 65535),
        oncallHostPort: read.integer("oncallHostPort", 1024, 65535),
        mailHostPort: read.integer("mailHostPort", 1024, 65535),
    };
    const portNames = Object.keys(hostPorts) as Array<keyof typeof hostPorts>;
    portNames.forEach((name, i) => {
        for (const other of portNames.slice(i + 1)) {
            if (hostPorts[name] === hostPorts[other]) {
                problems.push(`${key(name)} and ${key(other)} must differ (both are ${hostPorts[name]})`);
            }
        }
    });
    return hostPorts;
}

function alertingOf(read: Readers, problems: string[]): AlertingSettings {
    const alerting: AlertingSettings = {
        ...defaultAlertingSettings,
        severity: read.text("alertSeverity", /^[a-z][a-z0-9_-]*$/, "a lowercase label value such as critical")!,
        targetDownFor: read.duration("targetDownFor"),
        crashLoopFor: read.duration("crashLoopFor"),
        diskFreePercent: read.integer("diskFreePercent", 1, 99),
    };
    if (problems.length === 0) {
        // The rule builders' own checks, so that they too fail here rather than midway through the program.
        try {
            validateAlertingSettings(alerting);
        } catch (err) {
            problems.push((err as Error).message);
        }
    }
    return alerting;
}

function smtpOf(raw: RawConfig, presentSecrets: ReadonlySet<SecretKey>, read: Readers, problems: string[]): SmtpSettings | undefined {
    const host = read.text("smtpHost", HOST_NAME, "a host name such as smtp.example.com");
    const fromEmail = read.text("smtpFromEmail", EMAIL_ADDRESS, "an e-mail address such as oncall@example.com");
    const username = read.text("smtpUsername", NO_CONTROL_CHARACTERS, "a user name without line breaks or other control characters");
    const port = read.integer("smtpPort", 1, 65535);
    const tls = read.bool("smtpTls");
    const ssl = read.bool("smtpSsl");
    if (host !== undefined) {
        if (fromEmail === undefined) problems.push(`${key("smtpFromEmail")} is required when ${key("smtpHost")} is set`);
        // The chart's template fails on both (helm/oncall _env.tpl); Django refuses them together too.
        if (tls && ssl) problems.push(`${key("smtpTls")} and ${key("smtpSsl")} are both true: set smtpTls false for implicit TLS`);
        if (port === SMTP_IMPLICIT_TLS_PORT && !ssl) {
            problems.push(`${key("smtpPort")} ${SMTP_IMPLICIT_TLS_PORT} speaks implicit TLS: set smtpSsl true and smtpTls false`);
        }
        return { host, port, username, fromEmail: fromEmail ?? "", tls, ssl };
    }
    // The Pulumi CLI hands the program Pulumi.yaml's defaults as if they were set (smtpPort 587, smtpTls true),
    // so a key at its default value counts as not set: it changes nothing anyway. A bad value is reported above.
    const setWithoutHost = [
        ...(["smtpUsername", "smtpFromEmail"] as const).filter((name) => raw[name] !== undefined),
        ...(Number.isInteger(port) && port !== configDefaults.smtpPort ? ["smtpPort"] : []),
        ...(raw.smtpTls === String(!configDefaults.smtpTls) ? ["smtpTls"] : []),
        ...(raw.smtpSsl === String(!configDefaults.smtpSsl) ? ["smtpSsl"] : []),
        ...(presentSecrets.has("smtpPassword") ? ["smtpPassword"] : []),
    ];
    for (const name of setWithoutHost) problems.push(`${key(name)} is set but ${key("smtpHost")} is not: set smtpHost too`);
    return undefined;
}

/** Validates raw config strings (undefined = not set) and returns typed settings; reports every problem at once. */
export function validateConfig(
    raw: RawConfig, presentSecrets: ReadonlySet<SecretKey> = new Set(), fileExists: FileExists = (file) => fs.existsSync(file),
): LabConfig {
    const problems: string[] = [];
    const read = readers(raw, problems);

    const clusterName = read.text("clusterName", DNS_1123_LABEL, "a DNS-1123 label: lowercase letters, digits and '-', starting and ending with a letter or digit")!;
    if (clusterName.length > 50) problems.push(`${key("clusterName")} must be at most 50 characters (got ${clusterName.length})`);
    const kindNodeImage = read.text("kindNodeImage", IMAGE_PINNED_BY_DIGEST, "an image reference pinned by digest, such as kindest/node:v1.37.0@sha256:<digest>")!;
    const hostPorts = hostPortsOf(read, problems);
    const semver = "a chart version such as 1.2.3";
    const chartVersions = {
        vmStack: read.text("vmStackChartVersion", SEMVER, semver)!,
        grafana: read.text("grafanaChartVersion", SEMVER, semver)!,
        oncall: read.text("oncallChartVersion", SEMVER, semver)!,
    };
    const grafanaImageTag = read.text("grafanaImageTag", SEMVER, "a Grafana version such as 11.6.16")!;
    const oncallImageTag = read.text("oncallImageTag", IMAGE_TAG, "an image tag of grafana/oncall such as v1.16.9")!;
    const oncallPluginVersion = read.text("oncallPluginVersion", SEMVER, "a plugin version such as 1.16.9")!;
    const oncallPluginUrl = read.text("oncallPluginUrl", PLUGIN_ZIP_URL, `an https URL of a plugin .zip, such as ${oncallPluginReleaseUrl(configDefaults.oncallPluginVersion)}`);
    const mailpitImage = read.text("mailpitImage", IMAGE_PINNED, "an image reference with a tag or digest, such as axllent/mailpit:v1.30.5")!;
    const alerting = alertingOf(read, problems);
    const smtp = smtpOf(raw, presentSecrets, read, problems);
    // The readers' key types are narrower than the target's view of them; the names they get are all lab keys.
    const targetReaders = read as Parameters<typeof targetOf>[2];
    const target = targetOf(raw, presentSecrets, targetReaders, configDefaults, key, problems);
    const existing = target === "existing"
        ? existingClusterOf(raw, presentSecrets, smtp !== undefined, targetReaders, key, problems, fileExists)
        : undefined;

    for (const name of Object.keys(raw)) {
        if (!CONFIG_KEYS.includes(name) && raw[name] !== undefined) {
            problems.push(`${key(name)} is not a setting of this lab (known: ${[...CONFIG_KEYS].sort().join(", ")})`);
        }
    }

    if (problems.length > 0) throw new ConfigError(problems);
    return {
        target,
        existing,
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
