// Alerts as code: the lab's alert rules and Alertmanager routing, built from settings.
// Pure (no Pulumi) so the same objects feed the VMRule resource, the Alertmanager
// values, and the tests that run them through Debian's vmalert and Alertmanager.

import { HEARTBEAT_TIMEOUT_SECONDS } from "../oncall/vocabulary";
import { durationSeconds } from "../shared/duration";

// The smoke test, bench:alert and the alert-path tests read the settings' durations with the lab's grammar.
export { durationSeconds };

export interface AlertingSettings {
    /** How often vmagent scrapes targets (Prometheus duration). */
    scrapeInterval: string;
    /** How often vmalert evaluates the rule groups. */
    evaluationInterval: string;
    /** `severity` label on the alerts that page. */
    severity: string;
    /** How long a scrape target must be down before it pages. */
    targetDownFor: string;
    /** How long a container must be crash-looping before it pages. */
    crashLoopFor: string;
    /** Page when a node filesystem has less than this percentage free (0 < x < 100). */
    diskFreePercent: number;
    /** Alertmanager waits this long after a group's first alert, to batch its companions. */
    groupWait: string;
    /**
     * Then sends changes to the group (new or resolved alerts) at most this often. Alertmanager does not retry a 429
     * (notify/util.go retries 5xx only): a group OnCall refused is sent again on its next tick, so this is also how
     * soon after OnCall's rate-limit window resets a refused page gets through.
     */
    groupInterval: string;
    /** And re-sends a still-firing group this often. */
    repeatInterval: string;
    /** OnCall raises OnCallHeartBeatMissing when no ping arrives for this long; one of `HEARTBEAT_TIMEOUT_SECONDS`. */
    heartbeatTimeoutSeconds: number;
    /** How often Alertmanager pings the heartbeat while the Watchdog fires; at most half the timeout. */
    heartbeatInterval: string;
}

/** A severity label value: the config's alertSeverity and the rules' label (src/config/schema.ts checks the key with it). */
export const SEVERITY_LABEL = /^[a-z][a-z0-9_-]*$/;

export const defaultAlertingSettings: AlertingSettings = {
    scrapeInterval: "15s",
    evaluationInterval: "15s",
    severity: "critical",
    targetDownFor: "1m",
    crashLoopFor: "5m",
    diskFreePercent: 10,
    groupWait: "30s",
    groupInterval: "1m",
    repeatInterval: "4h",
    heartbeatTimeoutSeconds: 300,
    heartbeatInterval: "1m",
};

/** One alerting rule, in the shape shared by VMRule `spec.groups[].rules` and vmalert rule files. */
export interface AlertRule {
    alert: string;
    expr: string;
    for?: string;
    labels: Record<string, string>;
    annotations: Record<string, string>;
}

export interface AlertRuleGroup {
    name: string;
    interval?: string;
    rules: AlertRule[];
}

export const oncallReceiver = "oncall";
export const heartbeatReceiver = "oncall-heartbeat";
export const nullReceiver = "null";
export const watchdogAlertName = "Watchdog";
/** The stack's default rules fire this while an info alert is alone in its namespace; it only inhibits. */
export const infoInhibitorAlertName = "InfoInhibitor";

/**
 * Where Alertmanager posts: the paging integration's URL, and the heartbeat URL of an integration of its own, whose
 * rate-limit counter a storm of pages cannot use up (src/oncall/rateLimits.ts).
 */
export interface AlertmanagerUrls {
    pagingUrl: string;
    heartbeatUrl: string;
}

// Node conditions and disk space change slowly; a fixed few minutes filters blips
// without a setting of its own.
const nodePressureFor = "5m";

// One Alertmanager group becomes one OnCall alert group (OnCall groups by groupKey),
// so group per alert type and namespace.
const alertGroupBy = ["alertname", "namespace"];

function checkDuration(setting: keyof AlertingSettings, value: string, zero: "allowed" | "rejected"): number {
    let seconds: number;
    try {
        seconds = durationSeconds(value);
    } catch (error) {
        throw new Error(`alerting setting ${setting}: ${(error as Error).message}`, { cause: error });
    }
    if (seconds === 0 && zero === "rejected") {
        throw new Error(`alerting setting ${setting} must be longer than zero, got "${value}"`);
    }
    return seconds;
}

/**
 * Throws an Error naming the first setting that is out of range, and what is allowed. validateConfig runs it once on
 * the lab's settings; the builders below take settings that passed it and do not check them again.
 */
export function validateAlertingSettings(settings: AlertingSettings): void {
    checkDuration("scrapeInterval", settings.scrapeInterval, "rejected");
    checkDuration("evaluationInterval", settings.evaluationInterval, "rejected");
    checkDuration("targetDownFor", settings.targetDownFor, "allowed");
    checkDuration("crashLoopFor", settings.crashLoopFor, "allowed");
    checkDuration("groupWait", settings.groupWait, "allowed");
    const groupInterval = checkDuration("groupInterval", settings.groupInterval, "rejected");
    const repeatInterval = checkDuration("repeatInterval", settings.repeatInterval, "rejected");
    // Alertmanager only repeats on a group flush, so a shorter repeat would silently mean groupInterval.
    if (repeatInterval < groupInterval) {
        throw new Error(
            `alerting setting repeatInterval ("${settings.repeatInterval}") must be at least groupInterval ("${settings.groupInterval}")`,
        );
    }
    if (!SEVERITY_LABEL.test(settings.severity)) {
        throw new Error(
            `alerting setting severity must be a non-empty label value of lowercase letters, digits, "_" or "-", starting with a letter, got "${settings.severity}"`,
        );
    }
    if (!(settings.diskFreePercent > 0 && settings.diskFreePercent < 100)) {
        throw new Error(
            `alerting setting diskFreePercent must be a number greater than 0 and less than 100, got ${settings.diskFreePercent}`,
        );
    }
    if (!HEARTBEAT_TIMEOUT_SECONDS.includes(settings.heartbeatTimeoutSeconds)) {
        throw new Error(
            `alerting setting heartbeatTimeoutSeconds must be one of OnCall's ${HEARTBEAT_TIMEOUT_SECONDS.join(", ")}, got ${settings.heartbeatTimeoutSeconds}`,
        );
    }
    const heartbeatInterval = checkDuration("heartbeatInterval", settings.heartbeatInterval, "rejected");
    // Whole seconds keep half of it (the Watchdog's repeat_interval) a whole number of milliseconds.
    if (!Number.isInteger(heartbeatInterval)) {
        throw new Error(
            `alerting setting heartbeatInterval must be whole seconds, got "${settings.heartbeatInterval}"`,
        );
    }
    // Half leaves room for one lost ping (or a slow flush) before OnCall declares the pipeline dead.
    if (heartbeatInterval > settings.heartbeatTimeoutSeconds / 2) {
        throw new Error(
            `alerting setting heartbeatInterval ("${settings.heartbeatInterval}") must be at most half of heartbeatTimeoutSeconds (${settings.heartbeatTimeoutSeconds})`,
        );
    }
}

function checkWebhookUrl(webhookUrl: string, what = "OnCall webhook URL"): void {
    let protocol: string;
    try {
        protocol = new URL(webhookUrl).protocol;
    } catch {
        throw new Error(`${what} must be an absolute http:// or https:// URL, got "${webhookUrl}"`);
    }
    if (protocol !== "http:" && protocol !== "https:") {
        throw new Error(`${what} must use http or https, got "${webhookUrl}"`);
    }
    if (!webhookUrl.endsWith("/")) {
        throw new Error(
            `${what} must end with "/" (OnCall's integration path needs the trailing slash), got "${webhookUrl}"`,
        );
    }
}

/** OnCall's heartbeat endpoint of an integration: its URL plus `heartbeat/` (any GET or POST counts as a ping). */
export function heartbeatUrl(integrationWebhookUrl: string): string {
    checkWebhookUrl(integrationWebhookUrl);
    return `${integrationWebhookUrl}heartbeat/`;
}

/** Rule groups usable as VMRule `spec.groups` and as the `groups:` of a vmalert rules file. */
export function buildAlertRuleGroups(settings: AlertingSettings): AlertRuleGroup[] {
    const paging = { severity: settings.severity };
    const interval = settings.evaluationInterval;
    return [
        {
            name: "oncall-lab.targets",
            interval,
            rules: [
                {
                    alert: "TargetDown",
                    expr: "up == 0",
                    for: settings.targetDownFor,
                    labels: { ...paging },
                    annotations: {
                        summary: "Target {{ $labels.instance }} of job {{ $labels.job }} is down",
                        description: `Scrapes of {{ $labels.instance }} have failed for at least ${settings.targetDownFor}.`,
                    },
                },
            ],
        },
        {
            name: "oncall-lab.kubernetes",
            interval,
            rules: [
                {
                    alert: "PodCrashLooping",
                    // The waiting reason drops out of CrashLoopBackOff while each restart runs, which
                    // would reset `for`; the kubelet's back-off never exceeds 5m, so a 5m max bridges it.
                    expr: 'max_over_time(kube_pod_container_status_waiting_reason{reason="CrashLoopBackOff"}[5m]) >= 1',
                    for: settings.crashLoopFor,
                    labels: { ...paging },
                    annotations: {
                        summary:
                            "Container {{ $labels.container }} of pod {{ $labels.namespace }}/{{ $labels.pod }} is crash-looping",
                        description: `The container has been in CrashLoopBackOff for at least ${settings.crashLoopFor}.`,
                    },
                },
                {
                    alert: "NodeUnderPressure",
                    // The kubelet's own verdict; on Kind it covers memory and PIDs, because Kind
                    // turns disk eviction off (the node shares the host's disk).
                    expr: 'kube_node_status_condition{condition=~"DiskPressure|MemoryPressure|PIDPressure",status="true"} == 1',
                    for: nodePressureFor,
                    labels: { ...paging },
                    annotations: {
                        summary: "Node {{ $labels.node }} reports {{ $labels.condition }}",
                        description: "The kubelet may be evicting pods from this node.",
                    },
                },
                {
                    alert: "NodeDiskSpaceLow",
                    // Catches disk pressure that the kubelet condition misses on Kind (see above).
                    expr:
                        '100 * node_filesystem_avail_bytes{fstype!~"tmpfs|ramfs|squashfs|overlay"}' +
                        ' / node_filesystem_size_bytes{fstype!~"tmpfs|ramfs|squashfs|overlay"}' +
                        ` < ${settings.diskFreePercent}`,
                    for: nodePressureFor,
                    labels: { ...paging },
                    annotations: {
                        summary: "Filesystem {{ $labels.mountpoint }} on {{ $labels.instance }} is almost full",
                        description: `Less than ${settings.diskFreePercent}% of the filesystem is free ({{ $value | humanize }}% left).`,
                    },
                },
            ],
        },
        {
            name: "oncall-lab.meta",
            interval,
            rules: [
                {
                    alert: watchdogAlertName,
                    // Always firing: Alertmanager forwards it to OnCall's heartbeat, so the pings stop
                    // (and OnCall pages) when vmalert, Alertmanager or the path between them dies.
                    expr: "vector(1)",
                    labels: { severity: "none" },
                    annotations: {
                        summary: "Dead man's switch: always firing while the alerting pipeline works",
                    },
                },
            ],
        },
    ];
}

/**
 * A complete alertmanager.yml: the Watchdog pings OnCall's heartbeat, alerts of the configured severity
 * page OnCall, and everything else (warnings, info, InfoInhibitor) goes to the `null` receiver.
 */
export function buildAlertmanagerConfig(urls: AlertmanagerUrls, settings: AlertingSettings): Record<string, unknown> {
    checkWebhookUrl(urls.pagingUrl);
    checkWebhookUrl(urls.heartbeatUrl, "OnCall heartbeat URL");
    if (!urls.heartbeatUrl.endsWith("heartbeat/")) {
        throw new Error(
            `OnCall heartbeat URL must end with "heartbeat/" (see heartbeatUrl()), got "${urls.heartbeatUrl}"`,
        );
    }
    // OnCall counts heartbeats against their integration's rate limit: on the paging one, a storm would starve them.
    if (urls.heartbeatUrl === heartbeatUrl(urls.pagingUrl)) {
        throw new Error("OnCall heartbeat URL must belong to an integration of its own, not to the paging integration");
    }
    const heartbeatRepeatSeconds = durationSeconds(settings.heartbeatInterval) / 2;
    return {
        route: {
            // Unmatched alerts (warnings, info) go nowhere: the lab's only notifier is OnCall, where every
            // alert group notifies someone. They stay visible in vmalert, Alertmanager and Grafana.
            receiver: nullReceiver,
            group_by: [...alertGroupBy],
            group_wait: settings.groupWait,
            group_interval: settings.groupInterval,
            repeat_interval: settings.repeatInterval,
            // The first matching sub-route wins, so the order below is the precedence.
            routes: [
                {
                    receiver: heartbeatReceiver,
                    matchers: [`alertname="${watchdogAlertName}"`],
                    group_wait: "0s",
                    group_interval: settings.heartbeatInterval,
                    // Alertmanager re-sends only on a flush, and only once repeat_interval has passed since
                    // the last send finished: equal to group_interval, it would ping every other flush.
                    repeat_interval: Number.isInteger(heartbeatRepeatSeconds)
                        ? `${heartbeatRepeatSeconds}s`
                        : `${heartbeatRepeatSeconds * 1000}ms`,
                },
                // Its severity is "none", which must not page even if that is the configured severity.
                { receiver: nullReceiver, matchers: [`alertname="${infoInhibitorAlertName}"`] },
                { receiver: oncallReceiver, matchers: [`severity="${settings.severity}"`] },
            ],
        },
        // kube-prometheus' rules: a worse alert of the same kind silences the milder ones, and
        // InfoInhibitor silences info alerts in a namespace that has nothing worse firing.
        inhibit_rules: [
            {
                source_matchers: ['severity="critical"'],
                target_matchers: ['severity=~"warning|info"'],
                equal: ["namespace", "alertname"],
            },
            {
                source_matchers: ['severity="warning"'],
                target_matchers: ['severity="info"'],
                equal: ["namespace", "alertname"],
            },
            {
                source_matchers: [`alertname="${infoInhibitorAlertName}"`],
                target_matchers: ['severity="info"'],
                equal: ["namespace"],
            },
        ],
        receivers: [
            {
                name: oncallReceiver,
                // Every alert of the group, however many: a cap keeps the first ones by label order, marks the rest
                // notified and computes the payload's status from the kept ones, so alerts past it never reach
                // OnCall and the page resolves when the kept ones do (notify/webhook truncateAlerts, template.go).
                webhook_configs: [{ url: urls.pagingUrl, send_resolved: true, max_alerts: 0 }],
            },
            {
                name: heartbeatReceiver,
                // A resolved Watchdog means the pipeline is dying: it must not count as a ping.
                webhook_configs: [{ url: urls.heartbeatUrl, send_resolved: false }],
            },
            { name: nullReceiver },
        ],
    };
}
