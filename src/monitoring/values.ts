// Helm values of the victoria-metrics-k8s-stack chart.
import { loadValuesFile, mergeValues, type Values } from "../shared/values";
import { releaseNames } from "../shared/topology";
import { type VolumeSettings } from "../shared/ingress";
import { workloadResources } from "../security/workloads";

export interface VmStackValuesInput {
    scrapeInterval: string;
    evaluationInterval: string;
    /**
     * Grafana's public URL: vmalert's -external.url (each alert's "source" link opens Explore there) and the base of
     * the dashboard links the chart's sync job writes into its rules.
     */
    grafanaPublicUrl: string;
    /** Secret holding alertmanager.yaml; created by the lab once the OnCall integration URL is known. */
    alertmanagerConfigSecret: string;
    /** The namespaces holding the lab's VM objects (its rules and scrapes): on the existing target, the only ones read. */
    labNamespaces?: string[];
    /** The existing target: VictoriaMetrics in cluster mode and Alertmanager and vmalert replicated. */
    cluster?: VmClusterValuesInput;
}

export interface VmClusterValuesInput {
    vmstorageReplicas: number;
    vminsertReplicas: number;
    vmselectReplicas: number;
    replicationFactor: number;
    alertmanagerReplicas: number;
    vmalertReplicas: number;
    /** Each vmstorage node's volume (vmselect's cache volume takes the same class). */
    storage: VolumeSettings;
}

/** The commit values/victoria-metrics-k8s-stack.yaml pins the VictoriaMetrics rules and dashboards to. */
const VM_SOURCES =
    "https://raw.githubusercontent.com/VictoriaMetrics/VictoriaMetrics/b7ef6cc3ed35c607e053a8b7755fc3b896a10eaa";

/**
 * Alertmanager v0.32.1 (the stack's) labels its notification metrics with `receiver_name` only with
 * receiver-name-in-metrics (notify/notify.go NewMetrics, featurecontrol/featurecontrol.go); the dashboard tells the
 * paging receiver from the heartbeat by it. An `enable-feature` extra arg replaces the operator's own
 * `--enable-feature=utf8-strict-mode` (operator v0.74.0 vmalertmanager/statefulset.go addFeatureFlags,
 * build/container.go AddExtraArgsOverrideDefaults), so the list repeats it.
 */
export const ALERTMANAGER_FEATURES = "utf8-strict-mode,receiver-name-in-metrics";

/** How long the lab keeps metrics, in vmsingle or vmcluster: days, not the chart's default month. */
export const RETENTION_PERIOD = "3d";

/** vmsingle's volume on kind (the existing target sizes vmstorage's instead). */
const VMSINGLE_STORAGE = "5Gi";

export function vmStackValues(input: VmStackValuesInput): Values {
    const values = mergeValues(loadValuesFile("victoria-metrics-k8s-stack.yaml"), {
        fullnameOverride: releaseNames.vmStack,
        // victoria-metrics-k8s-stack 0.91.2 _helpers.tpl vm.alert.spec and vm-k8s-stack.grafana.addr: with this host,
        // vmalert gets -external.url and -external.alert.source (Explore on the "VictoriaMetrics" datasource,
        // external.grafana.datasource's default), and the sync job's rules.common.grafanaUrl (sync-job/config.yaml).
        external: { grafana: { host: input.grafanaPublicUrl } },
        vmagent: { spec: { scrapeInterval: input.scrapeInterval } },
        vmalert: { spec: { evaluationInterval: input.evaluationInterval } },
        // A named secret replaces the chart's `alertmanager.config`, so the release need not wait for OnCall.
        // The operator passes extraArgs on as `--name=value` (v0.74.0 vmalertmanager/statefulset.go).
        alertmanager: {
            spec: {
                configSecret: input.alertmanagerConfigSecret,
                extraArgs: { "enable-feature": ALERTMANAGER_FEATURES },
            },
        },
        // victoria-metrics-k8s-stack 0.91.2 values.yaml (syncJob.resources) and its sub-charts' `resources`; the VM
        // components take the operator's defaults (src/security/workloads.ts).
        syncJob: { resources: workloadResources.vmSyncJob },
        "victoria-metrics-operator": { resources: workloadResources.vmOperator },
        "kube-state-metrics": { resources: workloadResources.kubeStateMetrics },
        "prometheus-node-exporter": { resources: workloadResources.nodeExporter },
    });
    if (!input.cluster) return mergeValues(values, vmSingleValues());
    if (!input.labNamespaces?.length)
        throw new Error("the existing target's stack needs the lab's namespaces (labNamespaces)");
    return mergeValues(mergeValues(values, vmClusterValues(input.cluster)), vmScopeValues(input.labNamespaces));
}

/** The kind lab's vmsingle (on the existing target it is off, and its keys would be read by nothing). */
function vmSingleValues(): Values {
    return {
        vmsingle: {
            spec: {
                retentionPeriod: RETENTION_PERIOD,
                storage: { resources: { requests: { storage: VMSINGLE_STORAGE } } },
            },
        },
    };
}

// One pod at a time may be evicted from each replicated component (the operator's spec.podDisruptionBudget).
const ONE_AT_A_TIME = { podDisruptionBudget: { maxUnavailable: 1 } };

/**
 * victoria-metrics-k8s-stack 0.91.2 values.yaml: vmsingle.enabled off and vmcluster.enabled on, vmcluster.spec
 * {replicationFactor, vmstorage/vmselect/vminsert.replicaCount, vmstorage.storage.volumeClaimTemplate.spec,
 * vmselect.storage (its cache)}; the chart points vmagent at vminsert and vmalert at vmselect (_helpers.tpl
 * vm.write.endpoint / vm.read.endpoint) and gives vmalert one notifier per Alertmanager replica (vm.alert.remotes:
 * `range until alertmanager.spec.replicaCount`). Operator v0.74.0 (its CRDs in the chart): VMAlertmanager replicaCount > 1
 * forms one gossip cluster (vmalertmanager/statefulset.go --cluster.peer per pod); VMAlert, VMAlertmanager and each
 * VMCluster component take spec.podDisruptionBudget. The cluster's rules and dashboard sources are pinned like the rest.
 */
function vmClusterValues(cluster: VmClusterValuesInput): Values {
    const claim = (size: string) => ({
        volumeClaimTemplate: {
            spec: {
                ...(cluster.storage.storageClass ? { storageClassName: cluster.storage.storageClass } : {}),
                resources: { requests: { storage: size } },
            },
        },
    });
    return {
        vmsingle: { enabled: false },
        vmcluster: {
            enabled: true,
            spec: {
                retentionPeriod: RETENTION_PERIOD,
                replicationFactor: cluster.replicationFactor,
                vmstorage: {
                    replicaCount: cluster.vmstorageReplicas,
                    storage: claim(cluster.storage.size),
                    ...ONE_AT_A_TIME,
                },
                // The chart's own 2Gi cache volume, in the same class.
                vmselect: { replicaCount: cluster.vmselectReplicas, storage: claim("2Gi"), ...ONE_AT_A_TIME },
                vminsert: { replicaCount: cluster.vminsertReplicas, ...ONE_AT_A_TIME },
            },
        },
        alertmanager: { spec: { replicaCount: cluster.alertmanagerReplicas, ...ONE_AT_A_TIME } },
        vmalert: { spec: { replicaCount: cluster.vmalertReplicas, ...ONE_AT_A_TIME } },
        defaultRules: { sources: { vmcluster: { url: `${VM_SOURCES}/deployment/docker/rules/alerts-cluster.yml` } } },
        defaultDashboards: {
            sources: { "victoriametrics-cluster": { url: `${VM_SOURCES}/dashboards/victoriametrics-cluster.json` } },
        },
    };
}

/**
 * On a team's cluster the stack reads only the lab's own objects: VMAgent, VMAlert and VMAlertmanager select nothing by
 * default and take scrapes, rules and Alertmanager configs from the lab's namespaces only (operator v0.74.0
 * common_scrapeparams.go `*NamespaceSelector` with a nil object selector: every object in those namespaces;
 * vmalert_types.go ruleNamespaceSelector, vmalertmanager_types.go configNamespaceSelector), so that no other
 * namespace's admin can add rules that page the team. The operator's admin and view ClusterRoles are not aggregated
 * into every namespace's `admin` and `view` roles (victoria-metrics-operator 0.67.2 rbac.aggregatedClusterRoles).
 */
function vmScopeValues(labNamespaces: string[]): Values {
    const lab = { matchExpressions: [{ key: "kubernetes.io/metadata.name", operator: "In", values: labNamespaces }] };
    const scrapeKinds = ["serviceScrape", "podScrape", "probe", "nodeScrape", "staticScrape", "scrapeConfig"];
    return {
        "victoria-metrics-operator": { rbac: { aggregatedClusterRoles: { enabled: false } } },
        vmagent: {
            spec: {
                selectAllByDefault: false,
                ...Object.fromEntries(scrapeKinds.map((kind) => [`${kind}NamespaceSelector`, lab])),
            },
        },
        vmalert: { spec: { selectAllByDefault: false, ruleNamespaceSelector: lab } },
        alertmanager: { spec: { selectAllByDefault: false, configNamespaceSelector: lab } },
    };
}
