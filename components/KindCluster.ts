import * as pulumi from "@pulumi/pulumi";
import { KindClusterResource, type PortMapping } from "../src/kind/provider";
import { kindClusterResourceName } from "../src/shared/resourceNames";

export interface KindClusterArgs {
    clusterName: pulumi.Input<string>;
    /** A pinned kindest/node image (tag and digest), so every run gets the same Kubernetes. */
    nodeImage: pulumi.Input<string>;
    /** Host ports published on 127.0.0.1 only. */
    portMappings: pulumi.Input<PortMapping[]>;
}

/** A local Kind cluster and the kubeconfig to reach it. */
export class KindCluster extends pulumi.ComponentResource {
    /** The cluster itself; resources inside it use it for `deletedWith`. */
    public readonly cluster: KindClusterResource;
    public readonly kubeconfig: pulumi.Output<string>;
    public readonly contextName: pulumi.Output<string>;
    public readonly clusterName: pulumi.Output<string>;
    /**
     * Unique to this cluster instance (the Docker ID of its control-plane node): it changes when the cluster is
     * deleted and created again, even under the same name, so resources that live in the cluster can take it
     * as an input and be replaced with it.
     */
    public readonly clusterId: pulumi.Output<string>;

    constructor(name: string, args: KindClusterArgs, opts?: pulumi.ComponentResourceOptions) {
        super("oncall-lab:index:KindCluster", name, args, opts);

        this.cluster = new KindClusterResource(kindClusterResourceName(name), args, { parent: this });
        // additionalSecretOutputs already hides it in state; wrapping keeps it secret wherever the output flows.
        this.kubeconfig = pulumi.secret(this.cluster.kubeconfig);
        this.contextName = this.cluster.contextName;
        this.clusterName = this.cluster.clusterName;
        this.clusterId = this.cluster.clusterId;

        this.registerOutputs({
            kubeconfig: this.kubeconfig,
            contextName: this.contextName,
            clusterName: this.clusterName,
            clusterId: this.clusterId,
        });
    }
}
