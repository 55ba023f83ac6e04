// The existing target with the ingress controller's default certificate: TLS on both hosts, no key copied anywhere.
import { beforeAll, describe, expect, it } from "vitest";
import { type ProgramRun, reveal, runProgram } from "./support/program";
import { EXISTING_CONFIG, lookups } from "./support/existing";

let run: ProgramRun;
const { get, all, values } = lookups(() => run);

beforeAll(async () => {
    run = await runProgram({ config: { ...EXISTING_CONFIG, "oncall-lab:tlsDefaultCertificate": "true" } });
});

describe("existing cluster with the ingress controller's default certificate", () => {
    it("asks for TLS on both hosts without a secret, copies and reads no certificate, and hands out https URLs", () => {
        expect(values("grafana-release").ingress).toMatchObject({
            annotations: {},
            tls: [{ hosts: ["grafana.example.com"] }],
        });
        expect(values("grafana-release").ingress.tls[0].secretName).toBeUndefined();
        const oncall = reveal(get("oncall-ingress").inputs) as any;
        expect(oncall.metadata.annotations).toEqual({});
        expect(oncall.spec.tls).toEqual([{ hosts: ["oncall.example.com"] }]);
        expect(
            all().filter(
                (r) => r.type === "kubernetes:core/v1:Secret" && (r.inputs as any).type === "kubernetes.io/tls",
            ),
        ).toEqual([]);
        expect(["tls-source", "grafana-tls", "oncall-tls"].filter((name) => run.resources.has(name))).toEqual([]);
        expect(values("oncall-release").base_url_protocol).toBe("https");
        expect(run.stackOutputs).toMatchObject({
            grafanaUrl: "https://grafana.example.com",
            oncallUrl: "https://oncall.example.com",
        });
    });
});
