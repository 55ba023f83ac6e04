// The lab's configuration: every key parsed with its check from the schema (schema.ts), then the rules that need
// several keys, all before any resource is declared. Pure: index.ts reads the raw strings from Pulumi config.
import * as fs from "node:fs";
import { type AlertingSettings, defaultAlertingSettings, validateAlertingSettings } from "../monitoring/alerting";
import { ProblemsError } from "../shared/problems";
import {
    CONFIG_KEYS,
    CONFIG_NAMESPACE,
    configDefaults,
    key,
    type Parsed,
    type SecretKey,
    SETTING_NAMES,
    settingOf,
    type SettingName,
    type TargetName,
} from "./schema";
import { type ExistingClusterSettings, existingClusterOf, targetOf } from "./target";
import type { FileExists, RawConfig, Settings } from "./raw";

export { CONFIG_NAMESPACE, configDefaults, SECRET_KEYS } from "./schema";
export type { SecretKey } from "./schema";

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

export type { RawConfig } from "./raw";

/** A RunError: Pulumi's runner (cmd/run/run.js) prints it as its message alone, any other error with a stack trace. */
export class ConfigError extends ProblemsError {
    constructor(problems: string[]) {
        super("configuration", problems, `Set values with: pulumi config set ${CONFIG_NAMESPACE}:<key> <value>`);
        this.name = "ConfigError";
    }
}

/** Each key through its check; every bad value and every unknown key is a problem named by its key. */
export function parseSettings(raw: RawConfig, presentSecrets: ReadonlySet<string>, problems: string[]): Settings {
    const values: Record<string, unknown> = {};
    for (const name of SETTING_NAMES) {
        const setting = settingOf(name);
        const given = raw[name] ?? (setting.default === undefined ? undefined : String(setting.default));
        if (given === undefined) continue;
        const parsed = setting.check.safeParse(given);
        if (parsed.success) values[name] = parsed.data;
        else problems.push(...parsed.error.issues.map((issue) => `${key(name)} ${issue.message}`));
    }
    for (const name of Object.keys(raw)) {
        if (!CONFIG_KEYS.includes(name) && raw[name] !== undefined) {
            problems.push(`${key(name)} is not a setting of this lab (known: ${[...CONFIG_KEYS].sort().join(", ")})`);
        }
    }
    const defaults: Record<string, unknown> = configDefaults;
    const isSet = (name: SettingName) =>
        presentSecrets.has(name) || (raw[name] !== undefined && raw[name] !== String(defaults[name]));
    return { values: values as Partial<Parsed>, raw, presentSecrets, isSet };
}

function hostPortProblems({ values }: Settings): string[] {
    const names = ["grafanaHostPort", "oncallHostPort", "mailHostPort"] as const;
    return names.flatMap((name, i) =>
        names
            .slice(i + 1)
            .filter((other) => values[name] !== undefined && values[name] === values[other])
            .map((other) => `${key(name)} and ${key(other)} must differ (both are ${values[name]})`),
    );
}

function alertingOf({ values }: Settings, problems: string[]): AlertingSettings {
    const alerting: AlertingSettings = {
        ...defaultAlertingSettings,
        severity: values.alertSeverity!,
        targetDownFor: values.targetDownFor!,
        crashLoopFor: values.crashLoopFor!,
        diskFreePercent: values.diskFreePercent!,
    };
    if (problems.length === 0) {
        // The settings the lab fixes in code next to the user's, checked together once; the builders trust them.
        try {
            validateAlertingSettings(alerting);
        } catch (err) {
            problems.push((err as Error).message);
        }
    }
    return alerting;
}

function smtpOf({ values, raw, isSet }: Settings, problems: string[]): SmtpSettings | undefined {
    const {
        smtpHost: host,
        smtpFromEmail: fromEmail,
        smtpUsername: username,
        smtpPort: port,
        smtpTls: tls,
        smtpSsl: ssl,
    } = values;
    if (raw.smtpHost !== undefined) {
        if (raw.smtpFromEmail === undefined)
            problems.push(`${key("smtpFromEmail")} is required when ${key("smtpHost")} is set`);
        // The chart's template fails on both (helm/oncall _env.tpl); Django refuses them together too.
        if (tls && ssl)
            problems.push(`${key("smtpTls")} and ${key("smtpSsl")} are both true: set smtpTls false for implicit TLS`);
        if (port === SMTP_IMPLICIT_TLS_PORT && ssl === false) {
            problems.push(
                `${key("smtpPort")} ${SMTP_IMPLICIT_TLS_PORT} speaks implicit TLS: set smtpSsl true and smtpTls false`,
            );
        }
        return { host: host!, port: port!, username, fromEmail: fromEmail!, tls: tls!, ssl: ssl! };
    }
    // A key at its default value changes nothing without a host (isSet); a bad value is reported already.
    const withoutHost = (
        ["smtpUsername", "smtpFromEmail", "smtpPort", "smtpTls", "smtpSsl", "smtpPassword"] as const
    ).filter((name) => isSet(name) && (values[name] !== undefined || !(name in configDefaults)));
    for (const name of withoutHost)
        problems.push(`${key(name)} is set but ${key("smtpHost")} is not: set smtpHost too`);
    return undefined;
}

/** Validates raw config strings (undefined = not set) and returns typed settings; reports every problem at once. */
export function validateConfig(
    raw: RawConfig,
    presentSecrets: ReadonlySet<SecretKey> = new Set(),
    fileExists: FileExists = (file) => fs.existsSync(file),
): LabConfig {
    const problems: string[] = [];
    const settings = parseSettings(raw, presentSecrets, problems);
    problems.push(...hostPortProblems(settings));
    const alerting = alertingOf(settings, problems);
    const smtp = smtpOf(settings, problems);
    const target = targetOf(settings, problems);
    const existing =
        target === "existing" ? existingClusterOf(settings, smtp !== undefined, problems, fileExists) : undefined;
    if (problems.length > 0) throw new ConfigError(problems);
    const values = settings.values as Parsed;
    return {
        target,
        existing,
        clusterName: values.clusterName,
        kindNodeImage: values.kindNodeImage,
        grafanaHostPort: values.grafanaHostPort,
        oncallHostPort: values.oncallHostPort,
        mailHostPort: values.mailHostPort,
        chartVersions: {
            vmStack: values.vmStackChartVersion,
            grafana: values.grafanaChartVersion,
            oncall: values.oncallChartVersion,
        },
        grafanaImageTag: values.grafanaImageTag,
        oncallImageTag: values.oncallImageTag,
        oncallPluginVersion: values.oncallPluginVersion,
        oncallPluginUrl: values.oncallPluginUrl,
        mailpitImage: values.mailpitImage,
        alerting,
        telegramEnabled: presentSecrets.has("telegramBotToken"),
        smtp,
    };
}
