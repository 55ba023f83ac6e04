// The default target: a Kind cluster on the laptop, reached on 127.0.0.1 through its port mappings.
import * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import { ClusterDns } from "../ClusterDns";
import { KindCluster } from "../KindCluster";
import { KIND_CLUSTER_NAME } from "../../src/shared/resourceNames";
import { type LabConfig } from "../../src/config/config";
import { grafanaPublicHost, grafanaServiceHost, labUrls, nodePorts } from "../../src/shared/topology";
import { type DeploymentTarget } from "./target";

export function kindTarget(lab: LabConfig): DeploymentTarget {
    const kind = new KindCluster(KIND_CLUSTER_NAME, {
        clusterName: lab.clusterName,
        nodeImage: lab.kindNodeImage,
        // The mailbox port is mapped even when a real SMTP server is used: changing the mappings replaces the cluster.
        portMappings: [
            { containerPort: nodePorts.grafana, hostPort: lab.grafanaHostPort },
            { containerPort: nodePorts.oncall, hostPort: lab.oncallHostPort },
            { containerPort: nodePorts.mail, hostPort: lab.mailHostPort },
        ],
    });

    // Until the cluster exists the kubeconfig is unknown, and preview shows the Kubernetes resources without contacting anything.
    const kubernetes = new k8s.Provider("kubernetes", {
        kubeconfig: kind.kubeconfig,
        // A cluster recreated under the same name is another cluster: replacing the provider replaces everything in it.
        clusterIdentifier: kind.clusterId,
        // Refresh and destroy drop what lived in a cluster that is gone instead of failing on it.
        deleteUnreachable: true,
    });

    // Everything inside the cluster goes away with it, so the engine skips its deletes: in `destroy` (a deleted cluster
    // cannot answer) and when a setting replaces the cluster. That replacement is delete-before-create, and the engine's
    // delete set then holds the cluster's dependents, this provider among them (a new clusterIdentifier replaces it),
    // but not the cluster itself (pulumi v3.248.0 step_generator.go, step.go isDeletedWith): deletedWith the cluster
    // would uninstall every Helm release from the old cluster first, waiting on each, for nothing.
    const inCluster = { providers: [kubernetes], deletedWith: kubernetes };

    // Pods resolve Grafana's public name to its Service, so that the engine calls Grafana on the URL its links carry.
    const clusterDns = new ClusterDns(
        "cluster-dns",
        {
            rewrites: [{ from: grafanaPublicHost(lab.clusterName), to: grafanaServiceHost }],
        },
        inCluster,
    );

    // Grafana's users and OnCall's objects live in the releases' databases. When the cluster is replaced (delete before
    // create) the engine deletes them first, in no set order, while the old lab runs; their API deletes would trip over
    // each other (an escalation chain takes its steps along). deletedWith their release, which is deleted in the same
    // run, makes the engine skip those deletes, there and in destroy; replaceWith creates them again in the new cluster.
    const inRelease = (release: pulumi.Resource) => ({ deletedWith: release, replaceWith: [kind.cluster] });
    const urls = labUrls(lab.clusterName, lab);

    return {
        kubernetes,
        inCluster,
        inGrafanaRelease: inRelease,
        inOnCallRelease: inRelease,
        // Not the provider: in a replacement the wiring's delete still runs, revoking its token in the old lab (which runs
        // until the cluster's own delete); destroy skips it.
        wiringDeletedWith: kind.cluster,
        grafanaReachable: [clusterDns],
        clusterId: kind.clusterId,
        urls,
        kubeconfig: kind.kubeconfig,
        kubectlContext: kind.contextName,
        // Grafana and OnCall are published on their NodePorts through the port mappings: no extras.
        grafana: {},
        oncall: {},
        // VictoriaMetrics single-node, one Alertmanager, one vmalert.
        victoriaMetrics: {},
        mailbox: { nodePort: nodePorts.mail, publicUrl: urls.mailPublicUrl },
        networkPolicies: { vmCluster: false },
    };
}
