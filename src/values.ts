// Helm values for the three charts: the static part lives in values/*.yaml, the computed part is
// merged in here. Pure (it only reads the lab's own values files); components pass secrets in
// through Output.apply and mark the result secret.
import * as fs from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import { SmtpSettings } from "./config";
import { pluginJsonData } from "./oncallWiring";
import { mailpitPorts, mailpitSmtpHost, releaseNames } from "./topology";

export type Values = { [key: string]: unknown };

const VALUES_DIR = path.join(__dirname, "..", "values");

export function loadValuesFile(file: string): Values {
    const parsed: unknown = parse(fs.readFileSync(path.join(VALUES_DIR, file), "utf8"));
    if (!isPlainObject(parsed)) throw new Error(`values/${file} must hold a YAML mapping`);
    return parsed;
}

function isPlainObject(value: unknown): value is Values {
    return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Merges `override` into `base` like Helm does: mappings recursively, everything else replaced. */
export function mergeValues(base: Values, override: Values): Values {
    const merged: Values = { ...base };
    for (const [key, value] of Object.entries(override)) {
        const current = merged[key];
        merged[key] = isPlainObject(current) && isPlainObject(value) ? mergeValues(current, value) : value;
    }
    return merged;
}

export interface VmStackValuesInput {
    scrapeInterval: string;
    evaluationInterval: string;
    /** Secret holding alertmanager.yaml; created by the lab once the OnCall integration URL is known. */
    alertmanagerConfigSecret: string;
}

export function vmStackValues(input: VmStackValuesInput): Values {
    return mergeValues(loadValuesFile("victoria-metrics-k8s-stack.yaml"), {
        fullnameOverride: releaseNames.vmStack,
        vmagent: { spec: { scrapeInterval: input.scrapeInterval } },
        vmalert: { spec: { evaluationInterval: input.evaluationInterval } },
        // A named secret replaces the chart's `alertmanager.config`, so the release need not wait for OnCall.
        alertmanager: { spec: { configSecret: input.alertmanagerConfigSecret } },
    });
}

export const ONCALL_PLUGIN_ID = "grafana-oncall-app";

export interface GrafanaValuesInput {
    imageTag: string;
    adminUser: string;
    adminPassword: string;
    nodePort: number;
    /** URL people open, so Grafana's own links point at the host port. */
    rootUrl: string;
    pluginVersion: string;
    /** ConfigMap holding the `apps:` provisioning file for the OnCall plugin. */
    pluginProvisioningConfigMap: string;
    /** Namespaces whose labelled datasource and dashboard ConfigMaps the sidecars load. */
    sidecarNamespaces: string[];
}

export function grafanaValues(input: GrafanaValuesInput): Values {
    return mergeValues(loadValuesFile("grafana.yaml"), {
        fullnameOverride: releaseNames.grafana,
        image: { tag: input.imageTag },
        adminUser: input.adminUser,
        adminPassword: input.adminPassword,
        service: { nodePort: input.nodePort },
        "grafana.ini": { server: { root_url: input.rootUrl } },
        // Grafana 11's image installs GF_INSTALL_PLUGINS before the server starts ("id version");
        // the chart's `plugins:` list becomes GF_PLUGINS_PREINSTALL_SYNC, which only Grafana 12.1+ reads.
        env: { GF_INSTALL_PLUGINS: `${ONCALL_PLUGIN_ID} ${input.pluginVersion}` },
        sidecar: {
            datasources: { searchNamespace: input.sidecarNamespaces },
            dashboards: { searchNamespace: input.sidecarNamespaces },
        },
        extraConfigmapMounts: [{
            name: "oncall-app-provisioning",
            mountPath: "/etc/grafana/provisioning/plugins",
            configMap: input.pluginProvisioningConfigMap,
            readOnly: true,
        }],
    });
}

export interface OnCallPluginSettings {
    onCallApiUrl: string;
    grafanaUrl: string;
}

/** Grafana's `apps:` provisioning file for the OnCall plugin; the same jsonData the wiring posts later. */
export function oncallPluginProvisioning(settings: OnCallPluginSettings): Values {
    return {
        apiVersion: 1,
        apps: [{
            type: ONCALL_PLUGIN_ID,
            name: ONCALL_PLUGIN_ID,
            disabled: false,
            jsonData: pluginJsonData({ onCallApiUrl: settings.onCallApiUrl, grafanaInClusterUrl: settings.grafanaUrl }),
        }],
    };
}

export interface OnCallValuesInput {
    /** host[:port] that OnCall builds its links from; the chart wants it without a scheme. */
    baseUrl: string;
    grafanaUrl: string;
    nodePort: number;
    /** grafana/oncall engine image tag: chart 1.16.5 runs the 1.16.9 engine (same templates). */
    imageTag: string;
    /** Secret holding SECRET_KEY and MIRAGE_SECRET_KEY (see ONCALL_APP_SECRET_KEYS). */
    appSecretName: string;
    postgresPassword: string;
    redisPassword: string;
    telegramBotToken?: string;
    smtp?: SmtpSettings & { password?: string };
}

/** OnCall's SMTP settings for the lab's own mailbox (Mailpit): plain SMTP inside the cluster, no login. */
export const localMailboxSmtp: SmtpSettings = {
    host: mailpitSmtpHost,
    port: mailpitPorts.smtp,
    fromEmail: "oncall@oncall-lab.test",
    tls: false,
};

/** Keys of the secret that holds Django's SECRET_KEY and OnCall's MIRAGE_SECRET_KEY. */
export const ONCALL_APP_SECRET_KEYS = { secretKey: "SECRET_KEY", mirageSecretKey: "MIRAGE_SECRET_KEY" } as const;

export function oncallValues(input: OnCallValuesInput): Values {
    if (/^[a-z]+:\/\//i.test(input.baseUrl)) {
        throw new Error(`OnCall base_url must not have a scheme (got "${input.baseUrl}")`);
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
    return mergeValues(loadValuesFile("oncall.yaml"), {
        fullnameOverride: releaseNames.oncall,
        image: { tag: input.imageTag },
        base_url: input.baseUrl,
        externalGrafana: { url: input.grafanaUrl },
        service: { nodePort: input.nodePort },
        oncall: {
            // Without existingSecret the chart generates both keys anew on every render, and each `helm upgrade`
            // would make the data they encrypt in the database unreadable.
            secrets: { existingSecret: input.appSecretName, ...ONCALL_APP_SECRET_KEYS },
            telegram,
            smtp,
        },
        // A laptop has no public https host for Telegram's webhook: poll instead.
        telegramPolling: { enabled: telegram.enabled },
        postgresql: { auth: { postgresPassword: input.postgresPassword } },
        redis: { auth: { password: input.redisPassword } },
    });
}
