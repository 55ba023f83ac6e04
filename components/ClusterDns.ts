import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { COREDNS_CONFIGMAP, kubeadmCorefile, type NameRewrite } from "../src/kind/coredns";
import { childOptions } from "../src/shared/childOptions";

export interface ClusterDnsArgs {
    /** Names that pods resolve to another name's records (e.g. Grafana's public name to its Service). */
    rewrites: NameRewrite[];
}

/** Kind's CoreDNS with the lab's name rewrites, so that a public URL also works from inside the cluster. */
export class ClusterDns extends pulumi.ComponentResource {
    /** The patched ConfigMap, for dependsOn. */
    public readonly corefile: k8s.core.v1.ConfigMapPatch;

    constructor(name: string, args: ClusterDnsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("oncall-lab:index:ClusterDns", name, args, opts);

        this.corefile = new k8s.core.v1.ConfigMapPatch(
            `${name}-corefile`,
            {
                metadata: {
                    name: COREDNS_CONFIGMAP.name,
                    namespace: COREDNS_CONFIGMAP.namespace,
                    // kubeadm's field manager owns the Corefile: a server-side patch of that field must force.
                    annotations: { "pulumi.com/patchForce": "true" },
                },
                data: { [COREDNS_CONFIGMAP.key]: kubeadmCorefile(args.rewrites) },
            },
            // Deleting the patch would give up the forced field and could leave CoreDNS without a Corefile.
            childOptions(this, opts, { retainOnDelete: true }),
        );

        this.registerOutputs({});
    }
}
