import { describe, expect, it } from "vitest";
import { COREDNS_CONFIGMAP, kubeadmCorefile } from "../src/kind/coredns";

describe("kubeadmCorefile", () => {
    const rewrite = { from: "grafana.oncall-lab.localhost", to: "grafana.grafana.svc.cluster.local" };
    const corefile = kubeadmCorefile([rewrite]);
    const lines = corefile.split("\n").map((line) => line.trim());

    it("is kubeadm's Corefile with `reload`, so CoreDNS picks up the patched ConfigMap by itself", () => {
        expect(kubeadmCorefile([])).toBe(corefile.replace(/^ {4}rewrite .*\n/m, ""));
        expect(lines).toContain("reload");
        expect(lines).toContain("kubernetes cluster.local in-addr.arpa ip6.arpa {");
        expect(lines).toContain("disable denial cluster.local");
        expect(COREDNS_CONFIGMAP).toEqual({ name: "coredns", namespace: "kube-system", key: "Corefile" });
    });

    it("rewrites Grafana's public name to its Service, and the answer back to the name asked for", () => {
        expect(lines).toContain(
            "rewrite name exact grafana.oncall-lab.localhost grafana.grafana.svc.cluster.local answer auto",
        );
        // In the server block, once: a second `.:53` block would not get the kubernetes plugin.
        expect(corefile.match(/^\.:53 \{$/gm)).toHaveLength(1);
    });

    it("rejects a name that would break the Corefile", () => {
        expect(() => kubeadmCorefile([{ ...rewrite, from: "grafana.oncall lab.localhost" }])).toThrow(
            "not a lowercase DNS name",
        );
        expect(() => kubeadmCorefile([{ ...rewrite, to: "Grafana}" }])).toThrow("not a lowercase DNS name");
    });
});
