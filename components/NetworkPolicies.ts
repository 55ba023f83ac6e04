import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { type LabNetworkPolicy } from "../src/security/networkPolicies";
import { childOptions } from "../src/shared/childOptions";

export interface NetworkPoliciesArgs {
    /** From src/security/networkPolicies.ts: a default deny per lab namespace and the allow-lists of the lab's paths. */
    policies: LabNetworkPolicy[];
    /** Each lab namespace's `metadata.name` output, by name: a policy waits for its namespace through it. */
    namespaces: Record<string, pulumi.Input<string>>;
}

/** The lab's NetworkPolicies: only the lab's own paths reach Alertmanager, VictoriaMetrics, Postgres, Redis and Mailpit. */
export class NetworkPolicies extends pulumi.ComponentResource {
    constructor(name: string, args: NetworkPoliciesArgs, opts?: pulumi.ComponentResourceOptions) {
        super("oncall-lab:index:NetworkPolicies", name, args, opts);
        for (const policy of args.policies) {
            const namespace = args.namespaces[policy.namespace];
            if (!namespace) throw new Error(`no namespace ${policy.namespace} for the NetworkPolicy ${policy.name}`);
            new k8s.networking.v1.NetworkPolicy(
                `${name}-${policy.namespace}-${policy.name}`,
                {
                    metadata: { name: `oncall-lab-${policy.name}`, namespace },
                    spec: policy.spec,
                },
                childOptions(this, opts),
            );
        }
        this.registerOutputs({});
    }
}
