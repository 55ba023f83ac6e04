// What happens to the lab when its cluster is replaced or destroyed, as far as the program decides it: the
// options each resource gives the engine (recorded by test/support/program.ts's stack transform, compared by URN as
// the engine does) and the inputs that tie resources to one particular cluster.
//
// The engine's side, read in pulumi v3.248.0 (unchanged in v3.259.0) pkg/resource/deploy/step_generator.go and
// step.go: replacing the cluster delete-before-create, it deletes the cluster's dependents first, while the old
// cluster runs, those with replaceWith: [cluster] before the rest and in no set order (collected from a Go map); a
// delete is skipped when the resource's deletedWith target is in that run's delete set (sg.deletes), which holds the
// dependents (the Kubernetes provider, whose clusterIdentifier and kubeconfig turn unknown, every object it manages,
// the Helm releases) but not the cluster itself (sg.replaces only).
import type * as pulumi from "@pulumi/pulumi";
import { beforeAll, describe, expect, it } from "vitest";
import { oncallWiringProvider } from "../src/oncall/wiring/wiringProvider";
import {
    CLUSTER_ID,
    ONCALL_API_TOKEN,
    type ProgramRun,
    type RecordedResource,
    reveal,
    runProgram,
} from "./support/program";

let run: ProgramRun;
const get = (name: string): RecordedResource => {
    const resource = run.resources.get(name);
    if (!resource) throw new Error(`no resource named ${name}`);
    return resource;
};
const all = () => [...run.resources.values()];
const valueOf = <T>(output: pulumi.Output<T>) => new Promise<T>((resolve) => output.apply(resolve));
const isKubernetesObject = (r: RecordedResource) => r.type.startsWith("kubernetes:");
const isOnCallObject = (r: RecordedResource) => r.type.startsWith("grafana:onCall/");
const isGrafanaUser = (r: RecordedResource) => r.type === "grafana:oss/user:User";

beforeAll(async () => {
    run = await runProgram();
});

describe("replacing or destroying the cluster", () => {
    // The engine compares URNs (step.go isDeletedWith): what the state holds is the target's URN.
    const deletedWithUrn = (resource: RecordedResource) =>
        resource.opts.deletedWith ? valueOf(resource.opts.deletedWith.urn) : Promise.resolve(undefined);
    const urnOf = (name: string) => valueOf(get(name).resource.urn);

    it("marks the Kubernetes objects deletedWith the Kubernetes provider, which a cluster replacement puts in the delete set", async () => {
        // deletedWith the cluster would skip nothing in a replacement: every release would be uninstalled, waiting on
        // each, from the cluster about to be deleted. The provider is in the delete set there and in every destroy.
        const provider = await urnOf("kubernetes");
        expect(provider).toMatch(/pulumi:providers:kubernetes::kubernetes$/);
        const kubernetesObjects = all().filter(isKubernetesObject);
        expect(kubernetesObjects.length).toBeGreaterThan(0);
        for (const resource of kubernetesObjects) {
            expect(await deletedWithUrn(resource), resource.name).toBe(provider);
            // Managed through it: the engine replaces whatever a replaced provider manages (requiresReplacement).
            expect(resource.provider, resource.name).toBe(`${provider}::kubernetes-id`);
        }
        expect(get("kind-cluster").opts.deletedWith).toBeUndefined();
        expect(get("kubernetes").opts.deletedWith).toBeUndefined();
    });

    it("keeps the wiring deletedWith the cluster: a replacement revokes its token in the old lab, destroy skips it", async () => {
        expect(await deletedWithUrn(get("oncall-wiring-connection"))).toBe(await urnOf("kind-cluster"));
    });

    it("marks what lives in OnCall's and Grafana's databases deletedWith their Helm release, which goes with the cluster", async () => {
        // In a cluster replacement only the dependents are in the engine's delete set, not the cluster itself, so
        // deletedWith: cluster would not skip these; the releases are in that set, and in every destroy.
        const oncallRelease = await urnOf("oncall-release");
        const grafanaRelease = await urnOf("grafana-release");
        const oncallObjects = all().filter((r) => isOnCallObject(r) || r.name === "oncall-heartbeat-timeout");
        expect(oncallObjects.length).toBe(12 + 1);
        for (const resource of oncallObjects) {
            expect(await deletedWithUrn(resource), resource.name).toBe(oncallRelease);
        }
        const users = all().filter(isGrafanaUser);
        expect(users.map((r) => r.name)).toEqual(["team-users-alice", "team-users-bob"]);
        for (const resource of users) {
            expect(await deletedWithUrn(resource), resource.name).toBe(grafanaRelease);
        }
        for (const release of ["oncall-release", "grafana-release"]) {
            expect(await deletedWithUrn(get(release)), release).toBe(await urnOf("kubernetes"));
        }
    });

    it("replaces the people and the OnCall objects together with the cluster (their databases go with it)", async () => {
        // Their inputs do not all come from the cluster (the chain's name, a user's login): without replaceWith a new
        // cluster would keep them "same" in state while they exist nowhere.
        const cluster = await urnOf("kind-cluster");
        const replaced = all().filter((r) => isOnCallObject(r) || isGrafanaUser(r));
        expect(replaced.length).toBe(12 + 2);
        for (const resource of replaced) {
            expect(
                await Promise.all((resource.opts.replaceWith ?? []).map((r) => valueOf(r.urn))),
                resource.name,
            ).toEqual([cluster]);
        }
    });

    it("deletes the old cluster before creating its replacement, also when the engine decides without diff", () => {
        // `pulumi up --replace` and targeted replaces never call the provider's diff, which also asks for it.
        expect(get("kind-cluster").opts.deleteBeforeReplace).toBe(true);
    });
});

describe("cluster identity", () => {
    it("ties the Kubernetes provider, the wiring and the heartbeat to this particular cluster", () => {
        // With clusterIdentifier set, the provider is replaced exactly when it changes, and with it every object in the cluster.
        expect(get("kubernetes").inputs.clusterIdentifier).toBe(CLUSTER_ID);
        expect(get("oncall-wiring-connection").inputs.clusterId).toBe(CLUSTER_ID);
        expect(get("oncall-heartbeat-timeout").inputs.clusterId).toBe(CLUSTER_ID);
    });

    it("makes a recreated cluster replace the wiring, so it connects the new Grafana and issues a new token", async () => {
        const olds = {
            ...(reveal(get("oncall-wiring-connection").inputs) as any),
            apiToken: ONCALL_API_TOKEN,
            userIds: { alice: "UALICE", bob: "UBOB" },
        };
        const news = { ...(reveal(get("oncall-wiring-connection").inputs) as any), clusterId: "0a9b8c7d6e5f" };
        const diff = await oncallWiringProvider.diff!("id", olds, news);
        expect(diff.replaces).toContain("clusterId");
        expect(
            await oncallWiringProvider.diff!("id", olds, reveal(get("oncall-wiring-connection").inputs) as any),
        ).toMatchObject({ changes: false });
    });
});
