// Nothing the lab installs reads every Secret in the cluster: Grafana's sidecars get ConfigMaps in the namespaces they
// search, kube-state-metrics no secrets collector. Checked on the values the charts get (rendered with Helm 4.1.4 at
// grafana 12.11.1 and kube-state-metrics 7.5.3: no ClusterRole for Grafana, no secrets rule for kube-state-metrics).
import { describe, expect, it } from "vitest";
import { grafanaSidecarRole, grafanaSidecarRoleBinding } from "../src/grafana/rbac";
import { grafanaValues } from "../src/grafana/values";
import { vmStackValues } from "../src/monitoring/values";

const grafana = grafanaValues({
    imageTag: "11.6.0",
    adminUser: "admin",
    adminPassword: "x",
    nodePort: 30300,
    servicePort: 3000,
    rootUrl: "http://g",
    pluginVersion: "1.16.9",
    pluginProvisioningConfigMap: "p",
    sidecarNamespaces: ["monitoring"],
}) as any;

describe("Grafana's service account", () => {
    it("gets no RBAC from the grafana chart (its ClusterRole, and its Role too, read secrets)", () => {
        // templates/clusterrole.yaml, role.yaml, (cluster)rolebinding.yaml all start with `if .Values.rbac.create`.
        expect(grafana.rbac).toEqual({ create: false, namespaced: true });
    });

    it("has its sidecars watch ConfigMaps only, in the namespaces the lab names", () => {
        for (const sidecar of [grafana.sidecar.datasources, grafana.sidecar.dashboards]) {
            expect(sidecar).toMatchObject({ enabled: true, resource: "configmap", searchNamespace: ["monitoring"] });
        }
    });

    it("may read ConfigMaps of the namespace it is granted, and nothing else", () => {
        expect(grafanaSidecarRole("monitoring")).toEqual({
            metadata: { name: "grafana-sidecar", namespace: "monitoring" },
            rules: [{ apiGroups: [""], resources: ["configmaps"], verbs: ["get", "list", "watch"] }],
        });
        expect(grafanaSidecarRoleBinding("monitoring")).toEqual({
            metadata: { name: "grafana-sidecar", namespace: "monitoring" },
            roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "grafana-sidecar" },
            subjects: [{ kind: "ServiceAccount", name: "grafana", namespace: "grafana" }],
        });
    });
});

describe("kube-state-metrics", () => {
    it("collects everything of the chart's default list but secrets (each collector is a list/watch right of its ClusterRole)", () => {
        const collectors = (
            vmStackValues({
                scrapeInterval: "15s",
                evaluationInterval: "15s",
                alertmanagerConfigSecret: "a",
                grafanaPublicUrl: "http://grafana.oncall-lab.localhost:3000",
            }) as any
        )["kube-state-metrics"].collectors;
        // kube-state-metrics chart 7.5.3 values.yaml `collectors`.
        const chartDefault = [
            "certificatesigningrequests",
            "configmaps",
            "cronjobs",
            "daemonsets",
            "deployments",
            "endpointslices",
            "horizontalpodautoscalers",
            "ingresses",
            "jobs",
            "leases",
            "limitranges",
            "mutatingwebhookconfigurations",
            "namespaces",
            "networkpolicies",
            "nodes",
            "persistentvolumeclaims",
            "persistentvolumes",
            "poddisruptionbudgets",
            "pods",
            "replicasets",
            "replicationcontrollers",
            "resourcequotas",
            "secrets",
            "services",
            "statefulsets",
            "storageclasses",
            "validatingwebhookconfigurations",
            "volumeattachments",
        ];
        expect(collectors).toEqual(chartDefault.filter((name) => name !== "secrets"));
    });
});
