// The Kind target's resource graph is users' state: its URNs, types, parents and providers are the list recorded
// from main before the existing-cluster target was added (test/fixtures/kind-graph.json), so that `pulumi preview`
// of a kind stack shows no replacement. Additions are deliberate and only additions (the heartbeat's own integration,
// the credentials secret, the Grafana sidecar's Role, the NetworkPolicies and the cipher IV since).
import * as path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { recordedGraph, resourceGraph } from "./support/graph";
import { CLUSTER_ID, type ProgramRun, reveal, runProgram } from "./support/program";

const FIXTURE = path.join(__dirname, "fixtures", "kind-graph.json");
let run: ProgramRun;

beforeAll(async () => {
    run = await runProgram();
});

describe("the kind target's resource graph", () => {
    it("is the one recorded from main: same URNs, types, parents, providers and deletedWith", async () => {
        const got = await resourceGraph(run);
        expect(got).toEqual(recordedGraph(FIXTURE, got));
    });
});

describe("the kind target's exposure", () => {
    it("has no Ingress (NodePorts on 127.0.0.1 instead) and no existing-cluster read", () => {
        const all = [...run.resources.values()];
        expect(all.filter((r) => r.type.includes("Ingress"))).toEqual([]);
        expect(run.resources.has("cluster-identity")).toBe(false);
        for (const release of ["grafana-release", "oncall-release"]) {
            expect((reveal(run.resources.get(release)!.inputs.values) as any).ingress?.enabled ?? false, release).toBe(
                false,
            );
        }
        expect((reveal(run.resources.get("victoria-metrics-release")!.inputs.values) as any).vmcluster).toBeUndefined();
    });

    it("gives the Kubernetes provider the same inputs as before (a change there would replace everything)", () => {
        const inputs = reveal(run.resources.get("kubernetes")!.inputs) as Record<string, unknown>;
        expect(Object.keys(inputs).sort()).toEqual(["clusterIdentifier", "deleteUnreachable", "kubeconfig"]);
        expect(inputs).toMatchObject({ clusterIdentifier: CLUSTER_ID, deleteUnreachable: "true" });
    });
});
