import { describe, expect, it } from "vitest";
import YAML from "yaml";
import {
    type AlertingSettings,
    type AlertRule,
    buildAlertmanagerConfig,
    buildAlertRuleGroups,
    defaultAlertingSettings,
    durationSeconds,
    heartbeatReceiver,
    heartbeatUrl,
    nullReceiver,
    oncallReceiver,
    validateAlertingSettings,
} from "../src/monitoring/alerting";
import { vmStackValues } from "../src/monitoring/values";

const webhookUrl = "https://oncall.example/integrations/v1/alertmanager/Zx1token/";
const urls = { pagingUrl: webhookUrl, heartbeatUrl: `${webhookUrl}heartbeat/` };

function rulesByName(settings: AlertingSettings = defaultAlertingSettings): Map<string, AlertRule> {
    return new Map(buildAlertRuleGroups(settings).flatMap((group) => group.rules.map((rule) => [rule.alert, rule])));
}

interface RouteShape {
    receiver: string;
    group_by: string[];
    group_wait: string;
    group_interval: string;
    repeat_interval: string;
    routes: { receiver: string; matchers: string[]; group_wait?: string; group_interval?: string; repeat_interval?: string }[];
}

interface ReceiverShape {
    name: string;
    webhook_configs?: { url: string; send_resolved: boolean; max_alerts?: number }[];
}

interface InhibitRuleShape {
    source_matchers: string[];
    target_matchers: string[];
    equal: string[];
}

function alertmanagerConfig(settings: AlertingSettings = defaultAlertingSettings) {
    const config = buildAlertmanagerConfig(urls, settings);
    return {
        route: config.route as RouteShape,
        receivers: config.receivers as ReceiverShape[],
        inhibitRules: config.inhibit_rules as InhibitRuleShape[],
    };
}

/** The receiver Alertmanager picks for these labels: the first sub-route whose matchers all hold, else the root's. */
function receiverFor(route: RouteShape, labels: Record<string, string>): string {
    const holds = (matcher: string): boolean => {
        const match = /^(\w+)(=~|=)"(.*)"$/.exec(matcher);
        if (!match) throw new Error(`unexpected matcher ${matcher}`);
        const [, name, op, value] = match;
        const actual = labels[name] ?? "";
        return op === "=" ? actual === value : new RegExp(`^(?:${value})$`).test(actual);
    };
    return route.routes.find((sub) => sub.matchers.every(holds))?.receiver ?? route.receiver;
}

describe("durationSeconds", () => {
    it.each([
        ["30s", 30],
        ["1m", 60],
        ["1h30m", 5_400],
        ["1d", 86_400],
        ["2w", 1_209_600],
        ["1m0s", 60],
        ["500ms", 0.5],
        ["0", 0],
    ])("reads %s as %d seconds", (duration, seconds) => {
        expect(durationSeconds(duration)).toBe(seconds);
    });

    it.each(["", "1", "5 minutes", "1x", "m", "1m1h", "-1m", "1.5m"])("rejects %j", (duration) => {
        expect(() => durationSeconds(duration)).toThrow(/not a Prometheus duration/);
    });
});

describe("buildAlertRuleGroups", () => {
    it("ships the target-down, crash-loop, node-pressure, disk and Watchdog rules", () => {
        expect([...rulesByName().keys()].sort()).toEqual(
            ["NodeDiskSpaceLow", "NodeUnderPressure", "PodCrashLooping", "TargetDown", "Watchdog"].sort(),
        );
    });

    it("pages on a scrape target down for targetDownFor", () => {
        const rule = rulesByName({ ...defaultAlertingSettings, targetDownFor: "3m" }).get("TargetDown");
        expect(rule).toMatchObject({ expr: "up == 0", for: "3m", labels: { severity: "critical" } });
    });

    it("watches kube-state-metrics' CrashLoopBackOff reason for crashLoopFor", () => {
        const rule = rulesByName({ ...defaultAlertingSettings, crashLoopFor: "10m" }).get("PodCrashLooping");
        expect(rule?.expr).toContain('kube_pod_container_status_waiting_reason{reason="CrashLoopBackOff"}');
        expect(rule?.for).toBe("10m");
    });

    it("covers the kubelet's pressure conditions and the disk free threshold", () => {
        const rules = rulesByName({ ...defaultAlertingSettings, diskFreePercent: 7.5 });
        expect(rules.get("NodeUnderPressure")?.expr).toBe(
            'kube_node_status_condition{condition=~"DiskPressure|MemoryPressure|PIDPressure",status="true"} == 1',
        );
        expect(rules.get("NodeDiskSpaceLow")?.expr).toMatch(/node_filesystem_avail_bytes.*node_filesystem_size_bytes.* < 7\.5$/);
    });

    it("labels every paging rule with the configured severity, and the Watchdog with none", () => {
        const rules = rulesByName({ ...defaultAlertingSettings, severity: "page" });
        for (const [name, rule] of rules) {
            expect(rule.labels.severity, name).toBe(name === "Watchdog" ? "none" : "page");
        }
        expect(rules.get("Watchdog")).toMatchObject({ expr: "vector(1)" });
        expect(rules.get("Watchdog")).not.toHaveProperty("for");
    });

    it("evaluates every group at evaluationInterval and gives every rule a summary", () => {
        const groups = buildAlertRuleGroups({ ...defaultAlertingSettings, evaluationInterval: "30s" });
        expect(new Set(groups.map((group) => group.name)).size).toBe(groups.length);
        for (const group of groups) {
            expect(group.interval).toBe("30s");
            for (const rule of group.rules) expect(rule.annotations.summary, rule.alert).toBeTruthy();
        }
    });

    it("survives a YAML round trip unchanged (no undefined fields for the rules file or the VMRule)", () => {
        const groups = buildAlertRuleGroups(defaultAlertingSettings);
        expect(YAML.parse(YAML.stringify({ groups }))).toEqual({ groups });
    });

    it("leaves the settings alone and gives the same output for the same input", () => {
        const settings = { ...defaultAlertingSettings };
        const first = buildAlertRuleGroups(settings);
        expect(settings).toEqual(defaultAlertingSettings);
        expect(buildAlertRuleGroups(settings)).toEqual(first);
    });
});

describe("buildAlertmanagerConfig", () => {
    it("pages OnCall only with the configured severity, resolved notifications included", () => {
        const { route, receivers } = alertmanagerConfig({ ...defaultAlertingSettings, severity: "page", maxAlerts: 42 });
        expect(receiverFor(route, { alertname: "TargetDown", severity: "page" })).toBe(oncallReceiver);
        for (const severity of ["critical", "warning", "info", "none", ""]) {
            expect(receiverFor(route, { alertname: "KubePodNotReady", severity }), severity).toBe(nullReceiver);
        }
        expect(receivers.find((receiver) => receiver.name === oncallReceiver)?.webhook_configs).toEqual([
            { url: webhookUrl, send_resolved: true, max_alerts: 42 },
        ]);
        expect(receivers.find((receiver) => receiver.name === nullReceiver)).toEqual({ name: nullReceiver });
    });

    it("sends the Watchdog to OnCall's heartbeat first, and never pages with it or InfoInhibitor", () => {
        // "none" as the paging severity is the worst case: both alerts carry it.
        const { route, receivers } = alertmanagerConfig({ ...defaultAlertingSettings, severity: "none" });
        expect(route.routes[0].matchers).toEqual(['alertname="Watchdog"']);
        expect(receiverFor(route, { alertname: "Watchdog", severity: "none" })).toBe(heartbeatReceiver);
        expect(receiverFor(route, { alertname: "InfoInhibitor", severity: "none", namespace: "shop" })).toBe(nullReceiver);
        expect(receivers.find((receiver) => receiver.name === heartbeatReceiver)?.webhook_configs).toEqual([
            { url: urls.heartbeatUrl, send_resolved: false },
        ]);
    });

    it("pings the heartbeat at every heartbeatInterval flush, with repeat_interval below it", () => {
        const watchdogRoute = (heartbeatInterval: string) =>
            alertmanagerConfig({ ...defaultAlertingSettings, heartbeatInterval }).route.routes[0];
        expect(watchdogRoute("1m")).toMatchObject({ group_wait: "0s", group_interval: "1m", repeat_interval: "30s" });
        expect(watchdogRoute("1s")).toMatchObject({ group_interval: "1s", repeat_interval: "500ms" });
        expect(durationSeconds(watchdogRoute("2m30s").repeat_interval ?? "")).toBe(75);
    });

    it("inhibits milder alerts of the same kind and info alerts under InfoInhibitor, as kube-prometheus does", () => {
        expect(alertmanagerConfig().inhibitRules).toEqual([
            { source_matchers: ['severity="critical"'], target_matchers: ['severity=~"warning|info"'], equal: ["namespace", "alertname"] },
            { source_matchers: ['severity="warning"'], target_matchers: ['severity="info"'], equal: ["namespace", "alertname"] },
            { source_matchers: ['alertname="InfoInhibitor"'], target_matchers: ['severity="info"'], equal: ["namespace"] },
        ]);
    });

    it("takes grouping and timing from the settings", () => {
        const { route } = alertmanagerConfig({
            ...defaultAlertingSettings,
            groupWait: "10s",
            groupInterval: "1m",
            repeatInterval: "12h",
        });
        expect(route).toMatchObject({
            group_by: ["alertname", "namespace"],
            group_wait: "10s",
            group_interval: "1m",
            repeat_interval: "12h",
        });
    });

    it("has the defaults the lab documents", () => {
        expect(defaultAlertingSettings).toEqual({
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
            heartbeatTimeoutSeconds: 300,
            heartbeatInterval: "1m",
        });
    });

    it.each([
        ["http://oncall:8080/integrations/v1/alertmanager/abc", /must end with "\/"/],
        ["ftp://oncall/integrations/v1/alertmanager/abc/", /must use http or https/],
        ["/integrations/v1/alertmanager/abc/", /absolute http/],
    ])("rejects the webhook URL %s", (url, message) => {
        expect(() => buildAlertmanagerConfig({ ...urls, pagingUrl: url }, defaultAlertingSettings)).toThrow(message);
        expect(() => heartbeatUrl(url)).toThrow(message);
    });

    it.each([
        ["http://oncall:8080/integrations/v1/alertmanager/abc/heartbeat", /heartbeat URL must end with "\/"/],
        ["ftp://oncall/integrations/v1/alertmanager/abc/heartbeat/", /heartbeat URL must use http or https/],
        ["/integrations/v1/alertmanager/abc/heartbeat/", /heartbeat URL must be an absolute http/],
        [webhookUrl, /heartbeat URL must end with "heartbeat\/"/],
    ])("rejects the heartbeat URL %s", (url, message) => {
        expect(() => buildAlertmanagerConfig({ ...urls, heartbeatUrl: url }, defaultAlertingSettings)).toThrow(message);
    });

    it("derives the heartbeat URL from the integration URL", () => {
        expect(heartbeatUrl(webhookUrl)).toBe(`${webhookUrl}heartbeat/`);
        expect(() => buildAlertmanagerConfig({ pagingUrl: webhookUrl, heartbeatUrl: heartbeatUrl(webhookUrl) }, defaultAlertingSettings)).not.toThrow();
    });
});

describe("validateAlertingSettings", () => {
    it("accepts the defaults", () => {
        expect(() => validateAlertingSettings(defaultAlertingSettings)).not.toThrow();
    });

    it.each<[Partial<AlertingSettings>, RegExp]>([
        [{ maxAlerts: 0 }, /maxAlerts must be an integer from 1 to 99, got 0/],
        [{ maxAlerts: 100 }, /maxAlerts must be an integer from 1 to 99, got 100/],
        [{ maxAlerts: 2.5 }, /maxAlerts must be an integer from 1 to 99/],
        [{ diskFreePercent: 0 }, /diskFreePercent must be a number greater than 0 and less than 100/],
        [{ diskFreePercent: 100 }, /diskFreePercent must be a number greater than 0 and less than 100/],
        [{ severity: "" }, /severity must be a non-empty label value/],
        [{ severity: "very bad" }, /severity must be a non-empty label value/],
        [{ scrapeInterval: "15 seconds" }, /scrapeInterval: "15 seconds" is not a Prometheus duration/],
        [{ evaluationInterval: "0s" }, /evaluationInterval must be longer than zero/],
        [{ targetDownFor: "1minute" }, /targetDownFor: .*not a Prometheus duration/],
        [{ groupInterval: "10m", repeatInterval: "5m" }, /repeatInterval \("5m"\) must be at least groupInterval \("10m"\)/],
        [{ heartbeatTimeoutSeconds: 240 }, /heartbeatTimeoutSeconds must be one of OnCall's 60, 120, .*, 86400, got 240/],
        [{ heartbeatTimeoutSeconds: 0 }, /heartbeatTimeoutSeconds must be one of/],
        [{ heartbeatInterval: "0s" }, /heartbeatInterval must be longer than zero/],
        [{ heartbeatInterval: "1500ms" }, /heartbeatInterval must be whole seconds/],
        [{ heartbeatInterval: "every minute" }, /heartbeatInterval: .*not a Prometheus duration/],
        [{ heartbeatInterval: "2m31s" }, /heartbeatInterval \("2m31s"\) must be at most half of heartbeatTimeoutSeconds \(300\)/],
        [{ heartbeatTimeoutSeconds: 60, heartbeatInterval: "1m" }, /must be at most half of heartbeatTimeoutSeconds \(60\)/],
    ])("rejects %j", (override, message) => {
        const settings = { ...defaultAlertingSettings, ...override };
        expect(() => validateAlertingSettings(settings)).toThrow(message);
        expect(() => buildAlertRuleGroups(settings)).toThrow(message);
        expect(() => buildAlertmanagerConfig(urls, settings)).toThrow(message);
    });

    it("accepts a heartbeat interval of exactly half the timeout", () => {
        expect(() =>
            validateAlertingSettings({ ...defaultAlertingSettings, heartbeatTimeoutSeconds: 60, heartbeatInterval: "30s" }),
        ).not.toThrow();
    });

    it("allows a zero `for` and group_wait, which both programs accept", () => {
        expect(() =>
            validateAlertingSettings({ ...defaultAlertingSettings, targetDownFor: "0s", groupWait: "0s" }),
        ).not.toThrow();
    });
});

// The alerting rules chart 0.91.2's sync job installs, read upstream. Chart: VictoriaMetrics/helm-charts
// tag victoria-metrics-k8s-stack-0.91.2, charts/victoria-metrics-k8s-stack/values.yaml (defaultRules.sources,
// each gated by the values named here, whose chart defaults follow) and hack/sync-job/rules.go (a group is
// skipped by defaultRules.groups.<name>.enabled: false, a rule by defaultRules.rules.<alert> or
// defaultRules.groups.<group>.rules.<alert> with enabled: false). Alert names per group, read at the commits
// values/victoria-metrics-k8s-stack.yaml pins the sources to; a group may define one alert at several
// severities (KubePersistentVolumeFillingUp: warning and critical), which the inhibit rules expect.
const kubePrometheus = "https://raw.githubusercontent.com/prometheus-operator/kube-prometheus/4d719f1dea8853540b3823ab1fbe6be74a9953b3/manifests";
const victoriaMetrics = "https://raw.githubusercontent.com/VictoriaMetrics/VictoriaMetrics/b7ef6cc3ed35c607e053a8b7755fc3b896a10eaa/deployment/docker/rules";
const vmOperator = "https://raw.githubusercontent.com/VictoriaMetrics/operator/d0d258c86b5aed0df47dd2b3c52c5a97e40e6b48/config/alerting";

interface StackRuleSource {
    /** Chart values that switch the source on; any of them (none: always on). */
    gates: string[];
    url?: string;
    groups?: Record<string, string[]>;
}

const stackChartDefaults: Record<string, boolean> = {
    kubeEtcd: true,
    alertmanager: true,
    "kube-state-metrics": true,
    "prometheus-node-exporter": true,
    vmsingle: true,
    vmcluster: false,
    vmagent: true,
    vmalert: true,
    "victoria-metrics-operator": true,
    vlsingle: false,
    vlcluster: false,
    vldistributed: false,
    vlagent: false,
    vtsingle: false,
    vtcluster: false,
    kubeApiServer: true,
    coreDns: true,
    // Not a chart value: backupmanager's dashboard is on only with a vmBackup destination, which the lab does not set.
    vmBackupDestination: false,
};

const stackRuleSources: Record<string, StackRuleSource> = {
    etcd: { gates: ["kubeEtcd"] },
    alertmanager: {
        gates: ["alertmanager"],
        url: `${kubePrometheus}/alertmanager-prometheusRule.yaml`,
        groups: {
            "alertmanager.rules": [
                "AlertmanagerFailedReload", "AlertmanagerMembersInconsistent", "AlertmanagerFailedToSendAlerts",
                "AlertmanagerClusterFailedToSendAlerts", "AlertmanagerConfigInconsistent", "AlertmanagerClusterDown",
                "AlertmanagerClusterCrashlooping", "AlertmanagerClusterFailedPeers",
            ],
        },
    },
    "kubernetes-control-plane": {
        gates: [],
        url: `${kubePrometheus}/kubernetesControlPlane-prometheusRule.yaml`,
        groups: {
            "kubernetes-apps": [
                "KubePodCrashLooping", "KubePodNotReady", "KubeDeploymentGenerationMismatch", "KubeDeploymentReplicasMismatch",
                "KubeDeploymentRolloutStuck", "KubeStatefulSetReplicasMismatch", "KubeStatefulSetGenerationMismatch",
                "KubeStatefulSetUpdateNotRolledOut", "KubeDaemonSetRolloutStuck", "KubeContainerWaiting",
                "KubeDaemonSetNotScheduled", "KubeDaemonSetMisScheduled", "KubeJobNotCompleted", "KubeJobFailed",
                "KubeHpaReplicasMismatch", "KubeHpaMaxedOut", "KubePdbNotEnoughHealthyPods",
            ],
            "kubernetes-resources": [
                "KubeCPUOvercommit", "KubeMemoryOvercommit", "KubeCPUQuotaOvercommit", "KubeMemoryQuotaOvercommit",
                "KubeQuotaAlmostFull", "KubeQuotaFullyUsed", "KubeQuotaExceeded", "CPUThrottlingHigh",
            ],
            "kubernetes-storage": ["KubePersistentVolumeFillingUp", "KubePersistentVolumeInodesFillingUp", "KubePersistentVolumeErrors"],
            "kubernetes-system": ["KubeVersionMismatch", "KubeClientErrors"],
            "kube-apiserver-slos": ["KubeAPIErrorBudgetBurn"],
            "kubernetes-system-apiserver": [
                "KubeClientCertificateExpiration", "KubeAggregatedAPIErrors", "KubeAggregatedAPIDown", "KubeAPIDown",
                "KubeAPIInstanceUnreachable", "KubeAPITerminatedRequests",
            ],
            "kubernetes-system-kubelet": [
                "KubeNodeNotReady", "KubeNodePressure", "KubeNodeUnreachable", "KubeletTooManyPods", "KubeNodeReadinessFlapping",
                "KubeNodeEviction", "KubeletPlegDurationHigh", "KubeletPodStartUpLatencyHigh", "KubeletClientCertificateExpiration",
                "KubeletServerCertificateExpiration", "KubeletClientCertificateRenewalErrors", "KubeletServerCertificateRenewalErrors",
                "KubeletInstanceUnreachable", "KubeletDown",
            ],
            "kubernetes-system-scheduler": ["KubeSchedulerDown", "KubeSchedulerInstanceUnreachable"],
            "kubernetes-system-controller-manager": ["KubeControllerManagerDown", "KubeControllerManagerInstanceUnreachable"],
        },
    },
    kubernetes: {
        gates: [],
        url: `${kubePrometheus}/kubePrometheus-prometheusRule.yaml`,
        groups: {
            "general.rules": ["TargetDown", "Watchdog", "InfoInhibitor"],
            "node-network": ["NodeNetworkInterfaceFlapping"],
        },
    },
    "kube-state-metrics": {
        gates: ["kube-state-metrics"],
        url: `${kubePrometheus}/kubeStateMetrics-prometheusRule.yaml`,
        groups: {
            "kube-state-metrics": [
                "KubeStateMetricsListErrors", "KubeStateMetricsWatchErrors", "KubeStateMetricsShardingMismatch",
                "KubeStateMetricsShardsMissing",
            ],
        },
    },
    "node-exporter": {
        gates: ["prometheus-node-exporter"],
        url: `${kubePrometheus}/nodeExporter-prometheusRule.yaml`,
        groups: {
            "node-exporter": [
                "NodeFilesystemSpaceFillingUp", "NodeFilesystemAlmostOutOfSpace", "NodeFilesystemFilesFillingUp",
                "NodeFilesystemAlmostOutOfFiles", "NodeNetworkReceiveErrs", "NodeNetworkTransmitErrs",
                "NodeHighNumberConntrackEntriesUsed", "NodeTextFileCollectorScrapeError", "NodeClockSkewDetected",
                "NodeClockNotSynchronising", "NodeRAIDDegraded", "NodeRAIDDiskFailure", "NodeFileDescriptorLimit",
                "NodeCPUHighUsage", "NodeSystemSaturation", "NodeMemoryMajorPagesFaults", "NodeMemoryHighUtilization",
                "NodeDiskIOSaturation", "NodeSystemdServiceFailed", "NodeSystemdServiceCrashlooping", "NodeBondingDegraded",
            ],
        },
    },
    vmhealth: {
        gates: ["vmsingle", "vmcluster"],
        url: `${victoriaMetrics}/alerts-health.yml`,
        groups: {
            "vm-health": [
                "TooManyRestarts", "UncleanShutdown", "ServiceDown", "ProcessNearFDLimits", "TooHighMemoryUsage",
                "TooHighCPUUsage", "TooHighGoroutineSchedulingLatency", "TooManyLogs", "ConcurrentInsertsHitTheLimit",
                "TooHighQueryLoad", "RowsRejectedOnIngestion",
            ],
        },
    },
    vmagent: {
        gates: ["vmagent"],
        url: `${victoriaMetrics}/alerts-vmagent.yml`,
        groups: {
            vmagent: [
                "PersistentQueueIsDroppingData", "RejectedRemoteWriteDataBlocksAreDropped", "TooManyScrapeErrors",
                "ScrapePoolHasNoTargets", "TooManyWriteErrors", "TooManyRemoteWriteErrors", "RemoteWriteConnectionIsSaturated",
                "PersistentQueueForWritesIsSaturated", "PersistentQueueForReadsIsSaturated", "SeriesLimitHourReached",
                "SeriesLimitDayReached", "ConfigurationReloadFailure", "StreamAggrFlushTimeout", "StreamAggrDedupFlushTimeout",
                "PersistentQueueRunsOutOfSpaceIn12Hours", "PersistentQueueRunsOutOfSpaceIn4Hours",
            ],
        },
    },
    vmalert: {
        gates: ["vmalert"],
        url: `${victoriaMetrics}/alerts-vmalert.yml`,
        groups: {
            vmalert: [
                "ConfigurationReloadFailure", "AlertingRulesError", "RecordingRulesError", "RecordingRulesNoData",
                "TooManyMissedIterations", "GroupIterationReset", "RemoteWriteErrors", "RemoteWriteDroppingData",
                "RemoteWriteQueueHighUsage", "AlertmanagerErrors", "AlertingRuleResultsApproachingLimit",
                "RecordingRuleResultsApproachingLimit",
            ],
        },
    },
    vmsingle: {
        gates: ["vmsingle"],
        url: `${victoriaMetrics}/alerts-single-node.yml`,
        groups: {
            vmsingle: [
                "DiskRunsOutOfSpaceIn3Days", "NodeBecomesReadonlyIn3Days", "DiskRunsOutOfSpace", "RequestErrorsToAPI",
                "TooHighChurnRate", "TooHighChurnRate24h", "TooHighSlowInsertsRate", "MetadataCacheUtilizationIsTooHigh",
                "MetricNameStatsCacheUtilizationIsTooHigh", "IndexDBRecordsDrop", "TooManyTSIDMisses",
            ],
        },
    },
    vmcluster: { gates: ["vmcluster"] },
    vmoperator: {
        gates: ["victoria-metrics-operator"],
        url: `${vmOperator}/vmoperator-rules.yaml`,
        groups: { vmoperator: ["LogErrors", "ReconcileErrors", "HighQueueDepth"] },
    },
    vlhealth: { gates: ["vlsingle", "vlcluster", "vldistributed", "vlagent"] },
    vlagent: { gates: ["vlagent"] },
    victorialogs: { gates: ["vlsingle", "vlcluster", "vldistributed"] },
    victoriatraces: { gates: ["vtsingle", "vtcluster"] },
    vthealth: { gates: ["vtsingle", "vtcluster"] },
};

// The default dashboards' sources (defaultDashboards.sources in the same values.yaml, same gates). The pinned ones are
// each branch's commit on the chart's release date, 2026-08-22: VictoriaMetrics master b7ef6cc3 (2026-08-21, as the
// rules), dotdc/grafana-dashboards-kubernetes master 7fc1dc8c (2026-04-02), rfmoz/grafana-dashboards master 4b1729d1
// (2026-04-29), kube-prometheus main 4d719f1d (2026-08-10, as the rules).
const vmDashboards = "https://raw.githubusercontent.com/VictoriaMetrics/VictoriaMetrics/b7ef6cc3ed35c607e053a8b7755fc3b896a10eaa/dashboards";
const dotdcDashboards = "https://raw.githubusercontent.com/dotdc/grafana-dashboards-kubernetes/7fc1dc8ccd23eeb8c58ddd8be2a122922d424937/dashboards";
const stackDashboardSources: Record<string, { gates: string[]; url?: string }> = {
    "victoriatraces-cluster": { gates: ["vtcluster"] },
    "victoriatraces-single-node": { gates: ["vtsingle"] },
    "victorialogs-cluster": { gates: ["vlcluster", "vldistributed"] },
    "victorialogs-single-node": { gates: ["vlsingle"] },
    "victorialogs-vlagent": { gates: ["vlagent"] },
    "victoriametrics-single-node": { gates: ["vmsingle"], url: `${vmDashboards}/victoriametrics.json` },
    "victoriametrics-vmagent": { gates: ["vmagent"], url: `${vmDashboards}/vmagent.json` },
    "victoriametrics-cluster": { gates: ["vmcluster"] },
    "victoriametrics-vmalert": { gates: ["vmalert"], url: `${vmDashboards}/vmalert.json` },
    "victoriametrics-operator": { gates: ["victoria-metrics-operator"], url: `${vmDashboards}/operator.json` },
    "victoriametrics-backupmanager": { gates: ["vmBackupDestination"] },
    "kubernetes-views-global": { gates: [], url: `${dotdcDashboards}/k8s-views-global.json` },
    "kubernetes-views-namespaces": { gates: [], url: `${dotdcDashboards}/k8s-views-namespaces.json` },
    "kubernetes-views-pods": { gates: [], url: `${dotdcDashboards}/k8s-views-pods.json` },
    "kubernetes-views-nodes": { gates: [], url: `${dotdcDashboards}/k8s-views-nodes.json` },
    "kubernetes-system-api-server": { gates: ["kubeApiServer"], url: `${dotdcDashboards}/k8s-system-api-server.json` },
    "kubernetes-system-coredns": { gates: ["coreDns"], url: `${dotdcDashboards}/k8s-system-coredns.json` },
    "node-exporter-full": {
        gates: ["prometheus-node-exporter"],
        url: "https://raw.githubusercontent.com/rfmoz/grafana-dashboards/4b1729d13b610d449b1055659b070d28c19a9699/prometheus/node-exporter-full.json",
    },
    etcd: { gates: ["kubeEtcd"] },
    "kube-prometheus": { gates: [], url: `${kubePrometheus}/grafana-dashboardDefinitions.yaml` },
};

interface DefaultRulesValues {
    rules?: Record<string, { enabled?: boolean }>;
    groups?: Record<string, { enabled?: boolean; rules?: Record<string, { enabled?: boolean }> }>;
    sources?: Record<string, { url?: string; enabled?: boolean }>;
}

describe("the lab's rules beside the stack's default rules", () => {
    const values = vmStackValues({ scrapeInterval: "15s", evaluationInterval: "15s", alertmanagerConfigSecret: "am" }) as Record<
        string,
        { enabled?: boolean } | undefined
    >;
    const defaultRules = values.defaultRules as DefaultRulesValues;

    const gatesOpen = (gates: string[], explicit?: boolean): boolean =>
        explicit ?? (gates.length === 0 || gates.some((gate) => values[gate]?.enabled ?? stackChartDefaults[gate]));
    const sourceEnabled = (name: string, source: StackRuleSource): boolean => gatesOpen(source.gates, defaultRules.sources?.[name]?.enabled);

    /** group name -> the alert names the sync job keeps in it, for the sources the lab's values leave on. */
    const enabledStackGroups = (): Map<string, string[]> => {
        const groups = new Map<string, string[]>();
        for (const [name, source] of Object.entries(stackRuleSources)) {
            if (!sourceEnabled(name, source)) continue;
            if (!source.groups) throw new Error(`stack rule source ${name} is enabled, but its rules are not recorded here`);
            for (const [group, alerts] of Object.entries(source.groups)) {
                const groupValues = defaultRules.groups?.[group];
                if (groupValues?.enabled === false) continue;
                const kept = alerts.filter(
                    (alert) => defaultRules.rules?.[alert]?.enabled !== false && groupValues?.rules?.[alert]?.enabled !== false,
                );
                groups.set(group, kept);
            }
        }
        return groups;
    };

    it("pins every enabled source to the commit whose rules are recorded here", () => {
        for (const [name, source] of Object.entries(stackRuleSources)) {
            if (sourceEnabled(name, source)) expect(defaultRules.sources?.[name]?.url, name).toBe(source.url);
        }
    });

    it("pins every enabled dashboard source to a commit too: one failed download fails the release", () => {
        const sources = (values.defaultDashboards as { sources?: Record<string, { url?: string; enabled?: boolean }> }).sources ?? {};
        expect(Object.keys(sources).filter((name) => !(name in stackDashboardSources))).toEqual([]);
        for (const [name, source] of Object.entries(stackDashboardSources)) {
            if (!gatesOpen(source.gates, sources[name]?.enabled)) continue;
            expect(sources[name]?.url, name).toBe(source.url);
            expect(source.url, name).toMatch(/^https:\/\/raw\.githubusercontent\.com\/[^/]+\/[^/]+\/[0-9a-f]{40}\//);
        }
    });

    it("only names groups and rules that exist upstream, so no override silently misses", () => {
        const recorded = new Map(
            Object.values(stackRuleSources).flatMap((source) => Object.entries(source.groups ?? {})),
        );
        const allAlerts = new Set([...recorded.values()].flat());
        // Recording-only groups the lab turns off; their names are in the chart's values.yaml.
        const recordingGroups = new Set(["kube-scheduler.rules"]);
        for (const [group, groupValues] of Object.entries(defaultRules.groups ?? {})) {
            if (recordingGroups.has(group)) continue;
            expect(recorded.has(group), group).toBe(true);
            for (const alert of Object.keys(groupValues.rules ?? {})) expect(recorded.get(group), `${group}/${alert}`).toContain(alert);
        }
        for (const alert of Object.keys(defaultRules.rules ?? {})) expect(allAlerts.has(alert), alert).toBe(true);
    });

    it("defines every alert name in exactly one rule group", () => {
        const definedIn = new Map<string, string[]>();
        const lab = buildAlertRuleGroups(defaultAlertingSettings).map((group) => [group.name, group.rules.map((rule) => rule.alert)] as const);
        for (const [group, alerts] of [...lab, ...enabledStackGroups()]) {
            for (const alert of new Set(alerts)) definedIn.set(alert, [...(definedIn.get(alert) ?? []), group]);
        }
        const twice = [...definedIn].filter(([, groups]) => groups.length > 1);
        expect(twice).toEqual([]);
    });

    it("keeps the lab's TargetDown and Watchdog and the stack's InfoInhibitor, which the routing relies on", () => {
        expect(enabledStackGroups().get("general.rules")).toEqual(["InfoInhibitor"]);
        expect([...rulesByName().keys()]).toEqual(expect.arrayContaining(["TargetDown", "Watchdog"]));
    });
});
