// The stack's own default rules and dashboards beside the lab's: which run, which the lab turns off, and that every
// source the sync job downloads is pinned to a commit.
import { describe, expect, it } from "vitest";
import { buildAlertRuleGroups, defaultAlertingSettings } from "../src/monitoring/alerting";
import { vmStackValues } from "../src/monitoring/values";

// The alerting rules chart 0.91.2's sync job installs, read upstream. Chart: VictoriaMetrics/helm-charts
// tag victoria-metrics-k8s-stack-0.91.2, charts/victoria-metrics-k8s-stack/values.yaml (defaultRules.sources,
// each gated by the values named here, whose chart defaults follow) and hack/sync-job/rules.go (a group is
// skipped by defaultRules.groups.<name>.enabled: false, a rule by defaultRules.rules.<alert> or
// defaultRules.groups.<group>.rules.<alert> with enabled: false). Alert names per group, read at the commits
// values/victoria-metrics-k8s-stack.yaml pins the sources to; a group may define one alert at several
// severities (KubePersistentVolumeFillingUp: warning and critical), which the inhibit rules expect.
const kubePrometheus =
    "https://raw.githubusercontent.com/prometheus-operator/kube-prometheus/4d719f1dea8853540b3823ab1fbe6be74a9953b3/manifests";
const victoriaMetrics =
    "https://raw.githubusercontent.com/VictoriaMetrics/VictoriaMetrics/b7ef6cc3ed35c607e053a8b7755fc3b896a10eaa/deployment/docker/rules";
const vmOperator =
    "https://raw.githubusercontent.com/VictoriaMetrics/operator/d0d258c86b5aed0df47dd2b3c52c5a97e40e6b48/config/alerting";

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
                "AlertmanagerFailedReload",
                "AlertmanagerMembersInconsistent",
                "AlertmanagerFailedToSendAlerts",
                "AlertmanagerClusterFailedToSendAlerts",
                "AlertmanagerConfigInconsistent",
                "AlertmanagerClusterDown",
                "AlertmanagerClusterCrashlooping",
                "AlertmanagerClusterFailedPeers",
            ],
        },
    },
    "kubernetes-control-plane": {
        gates: [],
        url: `${kubePrometheus}/kubernetesControlPlane-prometheusRule.yaml`,
        groups: {
            "kubernetes-apps": [
                "KubePodCrashLooping",
                "KubePodNotReady",
                "KubeDeploymentGenerationMismatch",
                "KubeDeploymentReplicasMismatch",
                "KubeDeploymentRolloutStuck",
                "KubeStatefulSetReplicasMismatch",
                "KubeStatefulSetGenerationMismatch",
                "KubeStatefulSetUpdateNotRolledOut",
                "KubeDaemonSetRolloutStuck",
                "KubeContainerWaiting",
                "KubeDaemonSetNotScheduled",
                "KubeDaemonSetMisScheduled",
                "KubeJobNotCompleted",
                "KubeJobFailed",
                "KubeHpaReplicasMismatch",
                "KubeHpaMaxedOut",
                "KubePdbNotEnoughHealthyPods",
            ],
            "kubernetes-resources": [
                "KubeCPUOvercommit",
                "KubeMemoryOvercommit",
                "KubeCPUQuotaOvercommit",
                "KubeMemoryQuotaOvercommit",
                "KubeQuotaAlmostFull",
                "KubeQuotaFullyUsed",
                "KubeQuotaExceeded",
                "CPUThrottlingHigh",
            ],
            "kubernetes-storage": [
                "KubePersistentVolumeFillingUp",
                "KubePersistentVolumeInodesFillingUp",
                "KubePersistentVolumeErrors",
            ],
            "kubernetes-system": ["KubeVersionMismatch", "KubeClientErrors"],
            "kube-apiserver-slos": ["KubeAPIErrorBudgetBurn"],
            "kubernetes-system-apiserver": [
                "KubeClientCertificateExpiration",
                "KubeAggregatedAPIErrors",
                "KubeAggregatedAPIDown",
                "KubeAPIDown",
                "KubeAPIInstanceUnreachable",
                "KubeAPITerminatedRequests",
            ],
            "kubernetes-system-kubelet": [
                "KubeNodeNotReady",
                "KubeNodePressure",
                "KubeNodeUnreachable",
                "KubeletTooManyPods",
                "KubeNodeReadinessFlapping",
                "KubeNodeEviction",
                "KubeletPlegDurationHigh",
                "KubeletPodStartUpLatencyHigh",
                "KubeletClientCertificateExpiration",
                "KubeletServerCertificateExpiration",
                "KubeletClientCertificateRenewalErrors",
                "KubeletServerCertificateRenewalErrors",
                "KubeletInstanceUnreachable",
                "KubeletDown",
            ],
            "kubernetes-system-scheduler": ["KubeSchedulerDown", "KubeSchedulerInstanceUnreachable"],
            "kubernetes-system-controller-manager": [
                "KubeControllerManagerDown",
                "KubeControllerManagerInstanceUnreachable",
            ],
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
                "KubeStateMetricsListErrors",
                "KubeStateMetricsWatchErrors",
                "KubeStateMetricsShardingMismatch",
                "KubeStateMetricsShardsMissing",
            ],
        },
    },
    "node-exporter": {
        gates: ["prometheus-node-exporter"],
        url: `${kubePrometheus}/nodeExporter-prometheusRule.yaml`,
        groups: {
            "node-exporter": [
                "NodeFilesystemSpaceFillingUp",
                "NodeFilesystemAlmostOutOfSpace",
                "NodeFilesystemFilesFillingUp",
                "NodeFilesystemAlmostOutOfFiles",
                "NodeNetworkReceiveErrs",
                "NodeNetworkTransmitErrs",
                "NodeHighNumberConntrackEntriesUsed",
                "NodeTextFileCollectorScrapeError",
                "NodeClockSkewDetected",
                "NodeClockNotSynchronising",
                "NodeRAIDDegraded",
                "NodeRAIDDiskFailure",
                "NodeFileDescriptorLimit",
                "NodeCPUHighUsage",
                "NodeSystemSaturation",
                "NodeMemoryMajorPagesFaults",
                "NodeMemoryHighUtilization",
                "NodeDiskIOSaturation",
                "NodeSystemdServiceFailed",
                "NodeSystemdServiceCrashlooping",
                "NodeBondingDegraded",
            ],
        },
    },
    vmhealth: {
        gates: ["vmsingle", "vmcluster"],
        url: `${victoriaMetrics}/alerts-health.yml`,
        groups: {
            "vm-health": [
                "TooManyRestarts",
                "UncleanShutdown",
                "ServiceDown",
                "ProcessNearFDLimits",
                "TooHighMemoryUsage",
                "TooHighCPUUsage",
                "TooHighGoroutineSchedulingLatency",
                "TooManyLogs",
                "ConcurrentInsertsHitTheLimit",
                "TooHighQueryLoad",
                "RowsRejectedOnIngestion",
            ],
        },
    },
    vmagent: {
        gates: ["vmagent"],
        url: `${victoriaMetrics}/alerts-vmagent.yml`,
        groups: {
            vmagent: [
                "PersistentQueueIsDroppingData",
                "RejectedRemoteWriteDataBlocksAreDropped",
                "TooManyScrapeErrors",
                "ScrapePoolHasNoTargets",
                "TooManyWriteErrors",
                "TooManyRemoteWriteErrors",
                "RemoteWriteConnectionIsSaturated",
                "PersistentQueueForWritesIsSaturated",
                "PersistentQueueForReadsIsSaturated",
                "SeriesLimitHourReached",
                "SeriesLimitDayReached",
                "ConfigurationReloadFailure",
                "StreamAggrFlushTimeout",
                "StreamAggrDedupFlushTimeout",
                "PersistentQueueRunsOutOfSpaceIn12Hours",
                "PersistentQueueRunsOutOfSpaceIn4Hours",
            ],
        },
    },
    vmalert: {
        gates: ["vmalert"],
        url: `${victoriaMetrics}/alerts-vmalert.yml`,
        groups: {
            vmalert: [
                "ConfigurationReloadFailure",
                "AlertingRulesError",
                "RecordingRulesError",
                "RecordingRulesNoData",
                "TooManyMissedIterations",
                "GroupIterationReset",
                "RemoteWriteErrors",
                "RemoteWriteDroppingData",
                "RemoteWriteQueueHighUsage",
                "AlertmanagerErrors",
                "AlertingRuleResultsApproachingLimit",
                "RecordingRuleResultsApproachingLimit",
            ],
        },
    },
    vmsingle: {
        gates: ["vmsingle"],
        url: `${victoriaMetrics}/alerts-single-node.yml`,
        groups: {
            vmsingle: [
                "DiskRunsOutOfSpaceIn3Days",
                "NodeBecomesReadonlyIn3Days",
                "DiskRunsOutOfSpace",
                "RequestErrorsToAPI",
                "TooHighChurnRate",
                "TooHighChurnRate24h",
                "TooHighSlowInsertsRate",
                "MetadataCacheUtilizationIsTooHigh",
                "MetricNameStatsCacheUtilizationIsTooHigh",
                "IndexDBRecordsDrop",
                "TooManyTSIDMisses",
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
const vmDashboards =
    "https://raw.githubusercontent.com/VictoriaMetrics/VictoriaMetrics/b7ef6cc3ed35c607e053a8b7755fc3b896a10eaa/dashboards";
const dotdcDashboards =
    "https://raw.githubusercontent.com/dotdc/grafana-dashboards-kubernetes/7fc1dc8ccd23eeb8c58ddd8be2a122922d424937/dashboards";
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
    const values = vmStackValues({
        scrapeInterval: "15s",
        evaluationInterval: "15s",
        alertmanagerConfigSecret: "am",
        grafanaPublicUrl: "http://grafana",
    }) as Record<string, { enabled?: boolean } | undefined>;
    const defaultRules = values.defaultRules as DefaultRulesValues;

    const gatesOpen = (gates: string[], explicit?: boolean): boolean =>
        explicit ?? (gates.length === 0 || gates.some((gate) => values[gate]?.enabled ?? stackChartDefaults[gate]));
    const sourceEnabled = (name: string, source: StackRuleSource): boolean =>
        gatesOpen(source.gates, defaultRules.sources?.[name]?.enabled);

    /** group name -> the alert names the sync job keeps in it, for the sources the lab's values leave on. */
    const enabledStackGroups = (): Map<string, string[]> => {
        const groups = new Map<string, string[]>();
        for (const [name, source] of Object.entries(stackRuleSources)) {
            if (!sourceEnabled(name, source)) continue;
            if (!source.groups)
                throw new Error(`stack rule source ${name} is enabled, but its rules are not recorded here`);
            for (const [group, alerts] of Object.entries(source.groups)) {
                const groupValues = defaultRules.groups?.[group];
                if (groupValues?.enabled === false) continue;
                const kept = alerts.filter(
                    (alert) =>
                        defaultRules.rules?.[alert]?.enabled !== false &&
                        groupValues?.rules?.[alert]?.enabled !== false,
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
        const sources =
            (values.defaultDashboards as { sources?: Record<string, { url?: string; enabled?: boolean }> }).sources ??
            {};
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
            for (const alert of Object.keys(groupValues.rules ?? {}))
                expect(recorded.get(group), `${group}/${alert}`).toContain(alert);
        }
        for (const alert of Object.keys(defaultRules.rules ?? {})) expect(allAlerts.has(alert), alert).toBe(true);
    });

    it("defines every alert name in exactly one rule group", () => {
        const definedIn = new Map<string, string[]>();
        const lab = buildAlertRuleGroups(defaultAlertingSettings).map(
            (group) => [group.name, group.rules.map((rule) => rule.alert)] as const,
        );
        for (const [group, alerts] of [...lab, ...enabledStackGroups()]) {
            for (const alert of new Set(alerts)) definedIn.set(alert, [...(definedIn.get(alert) ?? []), group]);
        }
        const twice = [...definedIn].filter(([, groups]) => groups.length > 1);
        expect(twice).toEqual([]);
    });

    it("keeps the lab's TargetDown and Watchdog and the stack's InfoInhibitor, which the routing relies on", () => {
        expect(enabledStackGroups().get("general.rules")).toEqual(["InfoInhibitor"]);
        expect(
            buildAlertRuleGroups(defaultAlertingSettings).flatMap((group) => group.rules.map((rule) => rule.alert)),
        ).toEqual(expect.arrayContaining(["TargetDown", "Watchdog"]));
    });
});
