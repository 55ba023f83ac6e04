// Alerts as code: the lab's alert rules and Alertmanager routing, built from settings.
// Pure (no Pulumi) so the same objects feed the VMRule resource, the Alertmanager
// values, and the tests that run them through Debian's vmalert and Alertmanager.

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
    /** Then sends changes to the group (new or resolved alerts) at most this often. */
    groupInterval: string;
    /** And re-sends a still-firing group this often. */
    repeatInterval: string;
    /** Most alerts per webhook call; OnCall asks for fewer than 100 so requests stay small. */
    maxAlerts: number;
}

export const defaultAlertingSettings: AlertingSettings = {
    scrapeInterval: "15s",
    evaluationInterval: "15s",
    severity: "critical",
    targetDownFor: "1m",
    crashLoopFor: "5m",
    diskFreePercent: 10,
    groupWait: "30s",
    groupInterval: "5m",
    repeatInterval: "4h",
    maxAlerts: 50,
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
export const nullReceiver = "null";
export const watchdogAlertName = "Watchdog";

// Node conditions and disk space change slowly; a fixed few minutes filters blips
// without a setting of its own.
const nodePressureFor = "5m";

// One Alertmanager group becomes one OnCall alert group (OnCall groups by groupKey),
// so group per alert type and namespace.
const alertGroupBy = ["alertname", "namespace"];

const durationPattern = /^(?:(\d+)y)?(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?(?:(\d+)ms)?$/;
const secondsPerUnit = [365 * 86400, 7 * 86400, 86400, 3600, 60, 1, 0.001];

/** Seconds in a Prometheus duration ("30s", "1m", "1h30m", "500ms", "0"). Throws on anything else. */
export function durationSeconds(duration: string): number {
    if (duration === "0") return 0;
    const match = duration === "" ? null : durationPattern.exec(duration);
    if (!match) {
        throw new Error(
            `"${duration}" is not a Prometheus duration: use units in the order y, w, d, h, m, s, ms, e.g. 30s, 1m or 1h30m`,
        );
    }
    return match.slice(1).reduce((total, amount, unit) => total + Number(amount ?? 0) * secondsPerUnit[unit], 0);
}

function checkDuration(setting: keyof AlertingSettings, value: string, zero: "allowed" | "rejected"): number {
    let seconds: number;
    try {
        seconds = durationSeconds(value);
    } catch (error) {
        throw new Error(`alerting setting ${setting}: ${(error as Error).message}`);
    }
    if (seconds === 0 && zero === "rejected") {
        throw new Error(`alerting setting ${setting} must be longer than zero, got "${value}"`);
    }
    return seconds;
}

/** Throws an Error naming the first setting that is out of range, and what is allowed. */
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
    if (!/^[A-Za-z0-9_-]+$/.test(settings.severity)) {
        throw new Error(
            `alerting setting severity must be a non-empty label value of letters, digits, "_" or "-", got "${settings.severity}"`,
        );
    }
    if (!(settings.diskFreePercent > 0 && settings.diskFreePercent < 100)) {
        throw new Error(
            `alerting setting diskFreePercent must be a number greater than 0 and less than 100, got ${settings.diskFreePercent}`,
        );
    }
    if (!Number.isInteger(settings.maxAlerts) || settings.maxAlerts < 1 || settings.maxAlerts > 99) {
        throw new Error(`alerting setting maxAlerts must be an integer from 1 to 99, got ${settings.maxAlerts}`);
    }
}

function checkWebhookUrl(webhookUrl: string): void {
    let protocol: string;
    try {
        protocol = new URL(webhookUrl).protocol;
    } catch {
        throw new Error(`OnCall webhook URL must be an absolute http:// or https:// URL, got "${webhookUrl}"`);
    }
    if (protocol !== "http:" && protocol !== "https:") {
        throw new Error(`OnCall webhook URL must use http or https, got "${webhookUrl}"`);
    }
    if (!webhookUrl.endsWith("/")) {
        throw new Error(
            `OnCall webhook URL must end with "/" (OnCall's integration path needs the trailing slash), got "${webhookUrl}"`,
        );
    }
}

/** Rule groups usable as VMRule `spec.groups` and as the `groups:` of a vmalert rules file. */
export function buildAlertRuleGroups(settings: AlertingSettings): AlertRuleGroup[] {
    validateAlertingSettings(settings);
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
                        summary: "Container {{ $labels.container }} of pod {{ $labels.namespace }}/{{ $labels.pod }} is crash-looping",
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
                    // Always firing: its presence in Alertmanager shows rules, vmalert and Alertmanager
                    // are alive. Routed to the null receiver so it never pages.
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

/** A complete alertmanager.yml: everything pages OnCall, except the Watchdog, which goes nowhere. */
export function buildAlertmanagerConfig(webhookUrl: string, settings: AlertingSettings): Record<string, unknown> {
    checkWebhookUrl(webhookUrl);
    validateAlertingSettings(settings);
    return {
        route: {
            receiver: oncallReceiver,
            group_by: [...alertGroupBy],
            group_wait: settings.groupWait,
            group_interval: settings.groupInterval,
            repeat_interval: settings.repeatInterval,
            // Sub-routes are tried before the default receiver, so the Watchdog never reaches OnCall.
            routes: [{ receiver: nullReceiver, matchers: [`alertname="${watchdogAlertName}"`] }],
        },
        receivers: [
            {
                name: oncallReceiver,
                webhook_configs: [{ url: webhookUrl, send_resolved: true, max_alerts: settings.maxAlerts }],
            },
            { name: nullReceiver },
        ],
    };
}
