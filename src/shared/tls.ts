import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { INGRESS_TLS_SECRET } from "./ingress";

/**
 * A copy of the team's certificate (config tlsSecretName) in an Ingress's namespace: an Ingress reads its TLS secret from
 * its own namespace only. The copy is the lab's (destroy deletes it); the source is only read. A renewed source
 * reaches the copy on the next `up`.
 */
export function tlsCopy(
    name: string,
    source: k8s.core.v1.Secret,
    namespace: k8s.core.v1.Namespace,
    opts: pulumi.CustomResourceOptions,
): k8s.core.v1.Secret {
    return new k8s.core.v1.Secret(
        name,
        {
            metadata: { name: INGRESS_TLS_SECRET, namespace: namespace.metadata.name },
            type: "kubernetes.io/tls",
            data: pulumi.secret(source.data),
        },
        opts,
    );
}
