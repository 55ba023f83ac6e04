// A cluster the team already runs: the lab adds its namespaces, releases, secrets and custom resources, reaches Grafana
// and OnCall through Ingresses, and leaves the cluster itself and everything else in it alone.
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { ExistingClusterSettings } from "../config/target";
import { existingClusterUrls } from "../shared/topology";
import { DeploymentTarget } from "./target";

export function existingTarget(cluster: ExistingClusterSettings): DeploymentTarget {
    // The context of the team's kubeconfig (kubeconfig takes a path as well as contents). No deleteUnreachable: an
    // unreachable cluster is an error to see, not a reason to forget what the lab put there.
    const kubernetes = new k8s.Provider("kubernetes", {
        context: cluster.kubeContext,
        ...(cluster.kubeconfigPath ? { kubeconfig: cluster.kubeconfigPath } : {}),
    });

    // kube-system's uid is the cluster's own identity: it survives renamed contexts and moved API servers, and another
    // cluster behind the same context has another one. Read (also in preview), never created or deleted.
    const kubeSystem = k8s.core.v1.Namespace.get("cluster-identity", "kube-system", { provider: kubernetes });

    return {
        name: "existing",
        kubernetes,
        // No deletedWith: the cluster stays, so the lab's objects are really deleted on destroy.
        inCluster: { providers: [kubernetes] },
        // The bundled databases go with their release's namespace: skipping the API deletes loses nothing. An external
        // Postgres keeps OnCall's data: the objects are deleted through OnCall's API before the release (dependents first).
        inRelease: (release: pulumi.Resource, dataSurvives = false) => (dataSurvives ? { dependsOn: [release] } : { deletedWith: release }),
        grafanaReachable: [],
        clusterId: kubeSystem.metadata.uid,
        urls: existingClusterUrls(cluster, cluster.tls !== undefined),
        kubectlContext: pulumi.output(cluster.kubeContext),
    };
}
