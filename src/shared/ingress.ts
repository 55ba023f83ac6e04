// What the existing target hands the Ingresses of Grafana and the OnCall engine. Pure.
import { type TlsSettings } from "../config/target";

/** The certificate's secret next to each Ingress: a copy of tlsSecretName, or what cert-manager issues. */
export const INGRESS_TLS_SECRET = "oncall-lab-tls";

export interface IngressSettings {
    /** DNS name without scheme (grafanaHost, oncallHost). */
    host: string;
    /** undefined: the cluster's default IngressClass. */
    className?: string;
    tls?: TlsSettings;
}

/** cert-manager's ingress-shim issues a certificate into spec.tls's secret for this annotation. */
export function ingressAnnotations(ingress: IngressSettings): Record<string, string> {
    return ingress.tls?.kind === "clusterIssuer" ? { "cert-manager.io/cluster-issuer": ingress.tls.clusterIssuer } : {};
}

/**
 * An Ingress's spec.tls (networking.k8s.io/v1): empty without TLS. With the controller's default certificate the host is
 * listed without a secretName (IngressTLS.secretName is optional; ingress-nginx, Traefik and others then serve their
 * default certificate), so no key is copied anywhere.
 */
export function ingressTls(ingress: IngressSettings): { hosts: string[]; secretName?: string }[] {
    if (!ingress.tls) return [];
    return [
        {
            hosts: [ingress.host],
            ...(ingress.tls.kind === "controllerDefault" ? {} : { secretName: INGRESS_TLS_SECRET }),
        },
    ];
}

export interface VolumeSettings {
    /** undefined: the cluster's default StorageClass. */
    storageClass?: string;
    size: string;
}
