// The Kind target's resource graph is users' state: its URNs, types, parents and providers are the list recorded
// from main before the existing-cluster target was added (test/fixtures/kind-graph.json), so that `pulumi preview`
// of a kind stack shows no replacement. Additions are deliberate and only additions: the heartbeat's own integration
// (oncall-team-heartbeat-integration, issue 23) is the one resource added since.
import * as fs from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { beforeAll, describe, expect, it } from "vitest";
import { CLUSTER_ID, ProgramRun, reveal, runProgram } from "./support/program";

const FIXTURE = path.join(__dirname, "fixtures", "kind-graph.json");
const valueOf = <T>(output: pulumi.Output<T>) => new Promise<T>(resolve => output.apply(resolve));
let run: ProgramRun;

beforeAll(async () => {
    run = await runProgram();
});

/** URN, type, parent URN and provider reference (URN::id) of every resource, sorted by URN. */
async function graph() {
    const rows = await Promise.all([...run.resources.values()].map(async r => ({
        urn: await valueOf(r.resource.urn),
        type: r.type,
        parent: r.opts.parent ? await valueOf(r.opts.parent.urn) : undefined,
        provider: r.provider ?? null,
        deletedWith: r.opts.deletedWith ? await valueOf(r.opts.deletedWith.urn) : null,
    })));
    return rows.sort((a, b) => a.urn.localeCompare(b.urn));
}

describe("the kind target's resource graph", () => {
    it("is the one recorded from main: same URNs, types, parents, providers and deletedWith", async () => {
        const got = await graph();
        if (process.env.RECORD_KIND_GRAPH) fs.writeFileSync(FIXTURE, `${JSON.stringify(got, null, 2)}\n`);
        expect(got).toEqual(JSON.parse(fs.readFileSync(FIXTURE, "utf8")));
    });
});

describe("the kind target's exposure", () => {
    it("has no Ingress (NodePorts on 127.0.0.1 instead) and no existing-cluster read", () => {
        const all = [...run.resources.values()];
        expect(all.filter(r => r.type.includes("Ingress"))).toEqual([]);
        expect(run.resources.has("cluster-identity")).toBe(false);
        for (const release of ["grafana-release", "oncall-release"]) {
            expect((reveal(run.resources.get(release)!.inputs.values) as any).ingress?.enabled ?? false, release).toBe(false);
        }
        expect((reveal(run.resources.get("victoria-metrics-release")!.inputs.values) as any).vmcluster).toBeUndefined();
    });

    it("gives the Kubernetes provider the same inputs as before (a change there would replace everything)", () => {
        const inputs = reveal(run.resources.get("kubernetes")!.inputs) as Record<string, unknown>;
        expect(Object.keys(inputs).sort()).toEqual(["clusterIdentifier", "deleteUnreachable", "kubeconfig"]);
        expect(inputs).toMatchObject({ clusterIdentifier: CLUSTER_ID, deleteUnreachable: "true" });
    });
});
