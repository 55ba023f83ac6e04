// `pulumi preview` against an existing cluster: the program reads the cluster (kube-system, the TLS source) and
// declares what it would create; the dynamic providers do not run, so what they would report stays unknown.
import { beforeAll, describe, expect, it } from "vitest";
import { type ProgramRun, runProgram } from "./support/program";
import { EXISTING_CONFIG } from "./support/existing";

let run: ProgramRun;

beforeAll(async () => {
    run = await runProgram({
        preview: true,
        config: { ...EXISTING_CONFIG, "oncall-lab:tlsSecretName": "certs/wildcard" },
    });
});

describe("preview on an existing cluster", () => {
    it("reads kube-system and the certificate's source, and would create no Kind cluster", () => {
        expect(run.resources.get("cluster-identity")?.type).toBe("kubernetes:core/v1:Namespace");
        expect(run.resources.get("tls-source")?.type).toBe("kubernetes:core/v1:Secret");
        expect([...run.resources.values()].filter((r) => r.type.includes("KindCluster"))).toEqual([]);
        expect(run.resources.get("oncall-wiring-connection")).toBeDefined();
        expect(run.resources.get("oncall-wiring-connection")?.inputs.clusterId).toBe(
            "0d7b2c9e-4f1a-4e8b-9c3d-kube-system",
        );
    });
});
