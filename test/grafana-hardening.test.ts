// Grafana behind https follows Grafana's security hardening guide; the kind lab's plain-http Grafana on 127.0.0.1 does not
// (a secure cookie would never be sent back over http).
import { describe, expect, it } from "vitest";
import { grafanaValues, type GrafanaValuesInput } from "../src/grafana/values";

const input = (rootUrl: string): GrafanaValuesInput => ({
    imageTag: "11.6.0",
    adminUser: "admin",
    adminPassword: "x",
    nodePort: 30300,
    servicePort: 3000,
    rootUrl,
    pluginVersion: "1.16.9",
    pluginProvisioningConfigMap: "p",
    sidecarNamespaces: ["monitoring"],
});

describe("Grafana's hardening under https", () => {
    const values = grafanaValues({
        ...input("https://grafana.example.com"),
        cluster: {
            ingress: { host: "grafana.example.com", tls: { kind: "clusterIssuer", clusterIssuer: "le" } },
            volume: { size: "10Gi" },
        },
    }) as any;

    it("sends cookies over TLS only, sets HSTS, and answers only on its own domain", () => {
        expect(values["grafana.ini"].security).toEqual({ cookie_secure: true, strict_transport_security: true });
        expect(values["grafana.ini"].server).toEqual({
            root_url: "https://grafana.example.com",
            domain: "grafana.example.com",
            enforce_domain: true,
        });
    });

    it("has the sidecars reload through root_url and the probes send Grafana's host, so enforce_domain redirects neither", () => {
        expect(values.sidecar.datasources.reloadURL).toBe(
            "https://grafana.example.com/api/admin/provisioning/datasources/reload",
        );
        expect(values.sidecar.dashboards.reloadURL).toBe(
            "https://grafana.example.com/api/admin/provisioning/dashboards/reload",
        );
        for (const probe of [values.readinessProbe, values.livenessProbe]) {
            expect(probe).toEqual({ httpGet: { httpHeaders: [{ name: "Host", value: "grafana.example.com" }] } });
        }
    });
});

describe("Grafana over plain http (kind, or insecurePlainHttp)", () => {
    it("keeps the chart's cookies, domain, reload URLs and probes", () => {
        const values = grafanaValues(input("http://grafana.oncall-lab.localhost:3000")) as any;
        expect(values["grafana.ini"].security).toBeUndefined();
        expect(values["grafana.ini"].server).toEqual({ root_url: "http://grafana.oncall-lab.localhost:3000" });
        expect(values.sidecar.datasources.reloadURL).toBeUndefined();
        expect(values.readinessProbe).toBeUndefined();
    });
});
