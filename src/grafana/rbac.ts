// What Grafana's service account may read in the cluster: the ConfigMaps its sidecars load, in the namespaces they search.
// grafana chart 12.11.1 with its defaults (rbac.namespaced false, sidecars on resource `both`) binds a ClusterRole with
// get/list/watch on every Secret and ConfigMap to that account, and its own namespaced Role still names secrets
// (templates/clusterrole.yaml, role.yaml): values/grafana.yaml turns the chart's RBAC off and the lab grants this instead.
import { namespaces, releaseNames } from "../shared/topology";

export const GRAFANA_SIDECAR_ROLE = "grafana-sidecar";

/** A Role in a namespace the sidecars search: its ConfigMaps, read only. Never secrets. */
export function grafanaSidecarRole(namespace: string) {
    return {
        metadata: { name: GRAFANA_SIDECAR_ROLE, namespace },
        rules: [{ apiGroups: [""], resources: ["configmaps"], verbs: ["get", "list", "watch"] }],
    };
}

/** Binds that Role to Grafana's service account (the chart's fullname, templates/_helpers.tpl grafana.serviceAccountName). */
export function grafanaSidecarRoleBinding(namespace: string) {
    return {
        metadata: { name: GRAFANA_SIDECAR_ROLE, namespace },
        roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: GRAFANA_SIDECAR_ROLE },
        subjects: [{ kind: "ServiceAccount", name: releaseNames.grafana, namespace: namespaces.grafana }],
    };
}
