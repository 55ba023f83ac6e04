// A deployment target hands out a Kubernetes provider; the components take it. index.ts picks the target by config.
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { TargetName } from "../config/target";
import { LabUrls } from "../shared/topology";

export interface DeploymentTarget {
    name: TargetName;
    kubernetes: k8s.Provider;
    /** Options of everything the lab puts in the cluster (on kind: deletedWith the Kubernetes provider, replaced with the cluster, which takes it along). */
    inCluster: pulumi.ComponentResourceOptions;
    /**
     * Options of what lives in a release's database (Grafana's users, OnCall's objects). `dataSurvives`: the database
     * outlives the release (an external Postgres), so those objects must really be deleted, before the release.
     */
    inRelease(release: pulumi.Resource, dataSurvives?: boolean): pulumi.CustomResourceOptions;
    /** The wiring's deletedWith: on kind the cluster (its delete cannot reach a deleted Grafana); elsewhere none, so destroy revokes its token. */
    wiringDeletedWith?: pulumi.Resource;
    /** What must exist before the engine calls Grafana on its public URL (Kind's CoreDNS rewrite). */
    grafanaReachable: pulumi.Resource[];
    /** Identifies this cluster for the dynamic providers: a new cluster means a new wiring. */
    clusterId: pulumi.Output<string>;
    urls: LabUrls;
    kubeconfig?: pulumi.Output<string>;
    kubectlContext: pulumi.Output<string>;
}
