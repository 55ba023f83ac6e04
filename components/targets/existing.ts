// A cluster the team already runs: the lab adds its namespaces, releases, secrets and custom resources, reaches Grafana
// and OnCall through Ingresses, and leaves the cluster itself and everything else in it alone.
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { type ExistingClusterSettings } from "../../src/config/target";
import { existingClusterUrls } from "../../src/shared/topology";
import { type DeploymentTarget } from "./target";

/** `oncallDatabasePassword`: the secret config key, which the config requires with an external Postgres. */
export function existingTarget(
    cluster: ExistingClusterSettings,
    oncallDatabasePassword: pulumi.Output<string> | undefined,
): DeploymentTarget {
    // The context of the team's kubeconfig (kubeconfig takes a path as well as contents). No deleteUnreachable: an
    // unreachable cluster is an error to see, not a reason to forget what the lab put there.
    const kubernetes = new k8s.Provider("kubernetes", {
        context: cluster.kubeContext,
        ...(cluster.kubeconfigPath ? { kubeconfig: cluster.kubeconfigPath } : {}),
    });

    // kube-system's uid is the cluster's own identity: it survives renamed contexts and moved API servers, and another
    // cluster behind the same context has another one. Read (also in preview), never created or deleted.
    const kubeSystem = k8s.core.v1.Namespace.get("cluster-identity", "kube-system", { provider: kubernetes });

    // The certificate the Ingresses serve, read where the team keeps it (never changed or deleted).
    const tlsSource =
        cluster.tls?.kind === "secret"
            ? k8s.core.v1.Secret.get("tls-source", `${cluster.tls.sourceNamespace}/${cluster.tls.sourceName}`, {
                  provider: kubernetes,
              })
            : undefined;
    const ingress = (host: string) => ({ host, className: cluster.ingressClassName, tls: cluster.tls });
    const volume = (size: string) => ({ storageClass: cluster.storageClass, size });
    const { replicas, storageSizes, externalPostgres } = cluster;

    return {
        kubernetes,
        // No deletedWith: the cluster stays, so the lab's objects are really deleted on destroy.
        inCluster: { providers: [kubernetes] },
        // The bundled databases go with their release's namespace: skipping the API deletes loses nothing. An external
        // Postgres keeps OnCall's data: the objects are deleted through OnCall's API before the release (dependents first).
        inGrafanaRelease: (release: pulumi.Resource) => ({ deletedWith: release }),
        inOnCallRelease: (release: pulumi.Resource) =>
            externalPostgres ? { dependsOn: [release] } : { deletedWith: release },
        grafanaReachable: [],
        clusterId: kubeSystem.metadata.uid,
        urls: existingClusterUrls(cluster, cluster.tls !== undefined),
        kubectlContext: pulumi.output(cluster.kubeContext),
        grafana: {
            cluster: { ingress: ingress(cluster.grafanaHost), volume: volume(storageSizes.grafana) },
            tlsSource,
        },
        oncall: {
            cluster: {
                ingress: ingress(cluster.oncallHost),
                tlsSource,
                engineReplicas: replicas.oncallEngine,
                celeryReplicas: replicas.oncallCelery,
                postgresVolume: volume(storageSizes.postgres),
                redisVolume: volume(storageSizes.redis),
                externalPostgres: externalPostgres && { ...externalPostgres, password: oncallDatabasePassword! },
            },
        },
        victoriaMetrics: {
            cluster: {
                vmstorageReplicas: replicas.vmstorage,
                vminsertReplicas: replicas.vminsert,
                vmselectReplicas: replicas.vmselect,
                replicationFactor: replicas.vmReplicationFactor,
                alertmanagerReplicas: replicas.alertmanager,
                vmalertReplicas: replicas.vmalert,
                storage: volume(storageSizes.vm),
            },
        },
        // No mailbox: OnCall sends through the team's SMTP server.
        networkPolicies: {
            vmCluster: true,
            externalPostgresPort: externalPostgres?.port,
            grafanaThroughIngress: { tls: cluster.tls !== undefined },
        },
    };
}
