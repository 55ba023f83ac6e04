// A deployment target creates or finds the cluster and hands out everything that differs between targets: the
// Kubernetes provider, the options of what lives in the cluster, the URLs and each component's extras. index.ts passes
// them on without asking which target it runs on, as pulumi/examples' kubernetes-ts-multicloud hands each cluster's
// provider to one app. The targets sit above the other components (they create KindCluster and ClusterDns and hand out
// parts of the components' Args): src/ imports neither (test/import-circles.test.ts).
import type * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import type { GrafanaArgs } from "../Grafana";
import type { MailpitArgs } from "../Mailpit";
import type { OnCallArgs } from "../OnCall";
import type { VictoriaMetricsStackArgs } from "../VictoriaMetricsStack";
import type { NetworkPolicyInput } from "../../src/security/networkPolicies";
import type { LabUrls } from "../../src/shared/topology";

export interface DeploymentTarget {
    kubernetes: k8s.Provider;
    /**
     * Options of everything the lab puts in the cluster (on kind: deletedWith the Kubernetes provider, replaced with the
     * cluster, which takes it along).
     */
    inCluster: pulumi.ComponentResourceOptions;
    /** Options of what lives in Grafana's release's database (Grafana's users). */
    inGrafanaRelease(release: pulumi.Resource): pulumi.CustomResourceOptions;
    /**
     * Options of what lives in OnCall's database (OnCall's objects). Where that database outlives the release (an
     * external Postgres), those objects must really be deleted, before the release.
     */
    inOnCallRelease(release: pulumi.Resource): pulumi.CustomResourceOptions;
    /**
     * The wiring's deletedWith: on kind the cluster (its delete cannot reach a deleted Grafana); elsewhere none, so
     * destroy revokes its token.
     */
    wiringDeletedWith?: pulumi.Resource;
    /** What must exist before the engine calls Grafana on its public URL (Kind's CoreDNS rewrite). */
    grafanaReachable: pulumi.Resource[];
    /** Identifies this cluster for the dynamic providers: a new cluster means a new wiring. */
    clusterId: pulumi.Output<string>;
    urls: LabUrls;
    kubeconfig?: pulumi.Output<string>;
    kubectlContext: pulumi.Output<string>;
    /** Grafana's Ingress, storage and the certificate to copy next to it (existing); nothing on kind (its NodePort). */
    grafana: Pick<GrafanaArgs, "cluster" | "tlsSource">;
    /** The engine's Ingress, replicas, volumes and maybe an external Postgres (existing); nothing on kind. */
    oncall: Pick<OnCallArgs, "cluster">;
    /** VictoriaMetrics in cluster mode, Alertmanager and vmalert replicated (existing); nothing on kind. */
    victoriaMetrics: Pick<VictoriaMetricsStackArgs, "cluster">;
    /** Where the lab's own mailbox is published (kind); undefined: the target has none, OnCall needs a real SMTP server. */
    mailbox?: Pick<MailpitArgs, "nodePort"> & { publicUrl: string };
    /** What the NetworkPolicies let through that only this target has. */
    networkPolicies: Pick<NetworkPolicyInput, "vmCluster" | "externalPostgresPort" | "grafanaThroughIngress">;
}
