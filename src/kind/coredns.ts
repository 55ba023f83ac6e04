// Kind's CoreDNS configuration with the lab's name rewrites. Kind runs kubeadm, which writes the Corefile into the
// ConfigMap kube-system/coredns; the lab takes that ConfigMap over with a server-side patch (components/ClusterDns.ts).

export const COREDNS_CONFIGMAP = { name: "coredns", namespace: "kube-system", key: "Corefile" } as const;

/** A query for `from` is answered as if it asked for `to`. */
export interface NameRewrite {
    from: string;
    to: string;
}

const DNS_NAME = /^(?=.{1,253}$)([a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)(\.[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)*$/;

/**
 * CoreDNS's rewrite plugin (https://coredns.io/plugins/rewrite/): `rewrite name exact FROM TO` answers a query for FROM
 * with TO's records; `answer auto` writes FROM back into the answer, since resolvers such as Go's drop answers whose
 * name differs from the question. The plugin runs before `kubernetes` whatever its place in the block.
 */
function rewriteLine({ from, to }: NameRewrite): string {
    for (const name of [from, to]) {
        if (!DNS_NAME.test(name)) throw new Error(`CoreDNS rewrite: "${name}" is not a lowercase DNS name`);
    }
    return `rewrite name exact ${from} ${to} answer auto`;
}

/**
 * The Corefile kubeadm v1.37 writes (cmd/kubeadm/app/phases/addons/dns/manifests.go, CoreDNSConfigMap, rendered with
 * DNSDomain), plus the rewrites after `ready`. Its `reload` plugin rereads the file when the mounted ConfigMap changes
 * (every 30s ± 15s, https://coredns.io/plugins/reload/), so no CoreDNS restart is needed.
 */
export function kubeadmCorefile(rewrites: readonly NameRewrite[], dnsDomain = "cluster.local"): string {
    return [
        ".:53 {",
        "    errors",
        "    health {",
        "       lameduck 5s",
        "    }",
        "    ready",
        ...rewrites.map((rewrite) => `    ${rewriteLine(rewrite)}`),
        `    kubernetes ${dnsDomain} in-addr.arpa ip6.arpa {`,
        "       pods insecure",
        "       fallthrough in-addr.arpa ip6.arpa",
        "       ttl 30",
        "    }",
        "    prometheus :9153",
        "    forward . /etc/resolv.conf {",
        "       max_concurrent 1000",
        "    }",
        "    cache 30 {",
        `       disable success ${dnsDomain}`,
        `       disable denial ${dnsDomain}`,
        "    }",
        "    loop",
        "    reload",
        "    loadbalance",
        "}",
        "",
    ].join("\n");
}
