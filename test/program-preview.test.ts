// `pulumi preview` before the cluster exists: the kubeconfig is unknown, and the program must still
// declare every resource without failing (the Kubernetes provider then previews them offline).
import * as pulumi from "@pulumi/pulumi";
import { beforeAll, describe, expect, it } from "vitest";
import { isSecretValue, type ProgramRun, runProgram } from "./support/program";

let run: ProgramRun;
beforeAll(async () => {
    run = await runProgram({ preview: true });
});

describe("preview of a new stack", () => {
    it("leaves the kubeconfig unknown rather than failing, and secret", async () => {
        // @pulumi/pulumi 3.276 keeps the secret marker on an unknown value (runtime/rpc.js serializeProperty).
        const kubeconfig = run.resources.get("kubernetes")?.inputs.kubeconfig as { value?: unknown };
        expect(isSecretValue(kubeconfig)).toBe(true);
        expect(pulumi.isUnknown(kubeconfig.value)).toBe(true);
        expect(pulumi.Output.isInstance(run.program.kubeconfig)).toBe(true);
        expect(await (run.program.kubeconfig as any).isKnown).toBe(false);
    });

    it("still declares every component and Kubernetes object", () => {
        const types = [...run.resources.values()].map((r) => r.type);
        for (const type of [
            "oncall-lab:index:KindCluster",
            "oncall-lab:index:Grafana",
            "oncall-lab:index:OnCall",
            "oncall-lab:index:OnCallWiring",
            "oncall-lab:index:VictoriaMetricsStack",
            "oncall-lab:index:Mailpit",
            "oncall-lab:index:TeamUsers",
            "oncall-lab:index:OnCallTeam",
            "oncall-lab:index:OnCallHeartbeat",
            "oncall-lab:index:ClusterDns",
        ]) {
            expect(types).toContain(type);
        }
        expect(types.filter((type) => type.startsWith("kubernetes:"))).toHaveLength(39);
        expect(types.filter((type) => type.startsWith("grafana:onCall/"))).toHaveLength(12);
    });

    it("keeps the integration URL unknown until the wiring has run", async () => {
        expect(await (run.program.integrationUrl as any).isKnown).toBe(false);
    });
});
