// How the lab's pods run: Pod Security levels per namespace, the securityContexts the charts let the lab set, and
// requests and limits sized for a laptop's Kind node as well as a team's node. Pure.
import { namespaces } from "../shared/topology";

export type PodSecurityLevel = "privileged" | "baseline" | "restricted";

/**
 * The Pod Security Standard each lab namespace enforces. restricted where every image runs as a fixed non-root user
 * (grafana/oncall v1.16.9 `USER 1000` in engine/Dockerfile, bitnamilegacy postgresql and redis as 1001, Mailpit as the
 * lab sets it); baseline for Grafana, whose chart chowns the volume as root first (grafana chart 12.11.1
 * initChownData, capabilities CHOWN and DAC_OVERRIDE); privileged for monitoring, where node-exporter runs with the
 * node's network, PID namespace and root filesystem (prometheus-node-exporter 4.55.1 hostNetwork, hostPID, hostPath).
 */
export const namespacePodSecurity: Record<string, PodSecurityLevel> = {
    [namespaces.oncall]: "restricted",
    [namespaces.mail]: "restricted",
    [namespaces.grafana]: "baseline",
    [namespaces.monitoring]: "privileged",
};

/** A lab namespace as its component declares it: its name and its Pod Security labels. */
export function labNamespaceArgs(namespace: string): { metadata: { name: string; labels: Record<string, string> } } {
    return { metadata: { name: namespace, labels: podSecurityLabels(namespace) } };
}

/** The namespace's Pod Security Admission labels: enforce its level, warn and audit at restricted. */
function podSecurityLabels(namespace: string): Record<string, string> {
    const level = namespacePodSecurity[namespace];
    if (!level) throw new Error(`no Pod Security level for the namespace ${namespace}`);
    return {
        "pod-security.kubernetes.io/enforce": level,
        "pod-security.kubernetes.io/warn": "restricted",
        "pod-security.kubernetes.io/audit": "restricted",
    };
}

/** A pod under the restricted profile, as a fixed non-root user. */
export function restrictedPod(user: number, group: number) {
    return {
        runAsNonRoot: true,
        runAsUser: user,
        runAsGroup: group,
        fsGroup: group,
        seccompProfile: { type: "RuntimeDefault" },
    };
}

/** A container under the restricted profile. */
export const restrictedContainer = {
    allowPrivilegeEscalation: false,
    capabilities: { drop: ["ALL"] },
    seccompProfile: { type: "RuntimeDefault" },
};

const sized = (cpu: string, memory: string, cpuLimit: string, memoryLimit: string) => ({
    requests: { cpu, memory },
    limits: { cpu: cpuLimit, memory: memoryLimit },
});

/**
 * Requests that let the whole lab schedule on a 4-CPU, 8 GiB laptop node and limits that stop one runaway pod from
 * starving a team's node. The VictoriaMetrics components get the operator's own defaults (operator v0.74.0
 * internal/config/config.go `UseDefaultResources: true` with requests and limits for vmagent, vmalert, vmalertmanager,
 * vmsingle and each VMCluster component).
 */
export const workloadResources = {
    oncallEngine: sized("100m", "512Mi", "1", "1Gi"),
    oncallCelery: sized("100m", "512Mi", "1", "2Gi"),
    oncallMigrate: sized("100m", "256Mi", "1", "1Gi"),
    oncallTelegramPolling: sized("10m", "128Mi", "500m", "512Mi"),
    /** The `wait-for-db` init container of every OnCall pod (a Django check). */
    oncallInit: sized("50m", "128Mi", "500m", "512Mi"),
    postgres: sized("100m", "256Mi", "1", "1Gi"),
    redis: sized("50m", "64Mi", "500m", "256Mi"),
    grafana: sized("100m", "256Mi", "1", "1Gi"),
    grafanaSidecar: sized("10m", "64Mi", "200m", "256Mi"),
    grafanaInit: sized("10m", "16Mi", "100m", "64Mi"),
    vmOperator: sized("50m", "128Mi", "500m", "512Mi"),
    kubeStateMetrics: sized("10m", "64Mi", "200m", "256Mi"),
    nodeExporter: sized("10m", "32Mi", "200m", "128Mi"),
    vmSyncJob: sized("10m", "64Mi", "200m", "256Mi"),
    mailpit: sized("10m", "32Mi", "200m", "128Mi"),
} as const;
