// The kind provider's kind config, create and diff, and the KindCluster component (read and delete:
// test/kind-read-delete.test.ts).
import * as fs from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { type KindClusterOutputs, kindClusterProvider, kindConfigYaml } from "../src/kind/provider";
import { inputs, kindStubsPerTest } from "./support/stubs";

describe("kindConfigYaml", () => {
    const config = parse(kindConfigYaml(inputs));

    it("describes one control-plane node running the pinned image", () => {
        expect(config.kind).toBe("Cluster");
        expect(config.apiVersion).toBe("kind.x-k8s.io/v1alpha4");
        expect(config.nodes).toHaveLength(1);
        expect(config.nodes[0].role).toBe("control-plane");
        expect(config.nodes[0].image).toBe(inputs.nodeImage);
    });

    it("publishes every port on 127.0.0.1 only", () => {
        expect(config.nodes[0].extraPortMappings).toEqual([
            { containerPort: 30080, hostPort: 8080, listenAddress: "127.0.0.1", protocol: "TCP" },
            { containerPort: 30090, hostPort: 9090, listenAddress: "127.0.0.1", protocol: "TCP" },
        ]);
    });
});

describe("kindClusterProvider", () => {
    const stubs = kindStubsPerTest();

    describe("create", () => {
        it("creates the cluster from the generated config and returns its kubeconfig", async () => {
            const result = await kindClusterProvider.create(inputs);

            const create = stubs.kindCalls().find((call) => call.startsWith("kind create cluster"));
            expect(create).toMatch(/^kind create cluster --name oncall-lab --config \S+ --wait 3m$/);
            const usedConfig = fs.readFileSync(path.join(stubs.stubDir, "config-oncall-lab.yaml"), "utf8");
            expect(parse(usedConfig)).toEqual(parse(kindConfigYaml(inputs)));

            expect(result.id).toBe("oncall-lab");
            expect(result.outs).toEqual({
                ...inputs,
                kubeconfig: expect.stringContaining("current-context: kind-oncall-lab"),
                contextName: "kind-oncall-lab",
                clusterId: `container${"1".padStart(64, "0")}`,
            });
            expect(stubs.kindCalls()).toContain("kind get kubeconfig --name oncall-lab");
            expect(stubs.clustersInState()).toEqual(["oncall-lab"]);
        });

        it("takes the cluster ID from the control-plane node's container", async () => {
            await kindClusterProvider.create(inputs);

            const afterCreate = stubs
                .calls()
                .slice(stubs.calls().findIndex((call) => call.startsWith("kind create cluster")) + 1);
            expect(afterCreate.slice(0, 2)).toEqual([
                "docker ps -a --filter label=io.x-k8s.kind.cluster=oncall-lab --format {{.Names}}",
                "docker inspect --format {{.Id}} {{.State.Running}} oncall-lab-control-plane",
            ]);
        });

        it("removes its temporary config file", async () => {
            await kindClusterProvider.create(inputs);

            const create = stubs.kindCalls().find((call) => call.startsWith("kind create cluster"));
            const configFile = create?.match(/--config (\S+)/)?.[1];
            expect(configFile).toBeDefined();
            expect(fs.existsSync(configFile!)).toBe(false);
        });

        it("refuses a cluster that already exists and says how to remove it", async () => {
            await kindClusterProvider.create(inputs);

            await expect(kindClusterProvider.create(inputs)).rejects.toThrow(
                /already exists.*kind delete cluster --name oncall-lab/,
            );
        });

        it("surfaces kind's stderr when creation fails", async () => {
            process.env.KIND_STUB_CREATE_ERROR = "ERROR: failed to pull image kindest/node";

            await expect(kindClusterProvider.create(inputs)).rejects.toThrow(/failed to pull image kindest\/node/);
        });

        it("explains that kind is missing from PATH", async () => {
            fs.rmSync(path.join(stubs.stubDir, "kind"));

            await expect(kindClusterProvider.create(inputs)).rejects.toThrow(
                /^kind was not found on PATH: install kind/,
            );
        });

        it("explains that docker is not running before calling kind create", async () => {
            stubs.docker.setDaemon("stopped");

            await expect(kindClusterProvider.create(inputs)).rejects.toThrow(
                /^docker is not running .*Cannot connect to the Docker daemon.*: start Docker and retry\.$/,
            );
            expect(stubs.kindCalls().some((call) => call.startsWith("kind create"))).toBe(false);
        });
    });

    describe("diff", () => {
        const olds: KindClusterOutputs = {
            ...inputs,
            kubeconfig: "kubeconfig",
            contextName: "kind-oncall-lab",
            clusterId: "container-id",
        };

        it.each([
            ["clusterName", { clusterName: "other-lab" }],
            ["nodeImage", { nodeImage: "kindest/node:v2.0.0@sha256:fedcba9876543210" }],
            ["portMappings", { portMappings: [{ containerPort: 30080, hostPort: 8081 }] }],
        ])("replaces the cluster, deleting first, when %s changes", async (property, change) => {
            const result = await kindClusterProvider.diff!("oncall-lab", olds, { ...inputs, ...change });

            expect(result).toEqual({ changes: true, replaces: [property], deleteBeforeReplace: true });
        });

        it("reports no changes for the same inputs, even with port mappings reordered", async () => {
            const reordered = { ...inputs, portMappings: [...inputs.portMappings].reverse() };

            expect((await kindClusterProvider.diff!("oncall-lab", olds, inputs)).changes).toBe(false);
            expect((await kindClusterProvider.diff!("oncall-lab", olds, reordered)).changes).toBe(false);
        });

        it("never runs a command", async () => {
            await kindClusterProvider.diff!("oncall-lab", olds, { ...inputs, clusterName: "other-lab" });
            await kindClusterProvider.diff!("oncall-lab", olds, inputs);

            expect(stubs.calls()).toEqual([]);
        });
    });
});
describe("KindCluster component", () => {
    const registered: pulumi.runtime.MockResourceArgs[] = [];
    const valueOf = <T>(output: pulumi.Output<T>) => new Promise<T>((resolve) => output.apply(resolve));

    const createComponent = async () => {
        await pulumi.runtime.setMocks(
            {
                newResource: (args) => {
                    registered.push(args);
                    const outputs = args.type.includes("dynamic")
                        ? {
                              kubeconfig: "apiVersion: v1",
                              contextName: `kind-${args.inputs.clusterName}`,
                              clusterId: "container-id",
                          }
                        : {};
                    return { id: `${args.name}-id`, state: { ...args.inputs, ...outputs } };
                },
                call: (args) => args.inputs,
            },
            "oncall-lab",
            "test",
        );
        // Imported only after the mocks are in place, as Pulumi requires.
        const { KindCluster } = await import("../components/KindCluster.js");
        return new KindCluster("lab", inputs);
    };

    it("parents one serialized dynamic resource named after the component and exposes its outputs", async () => {
        const lab = await createComponent();

        expect(await valueOf(lab.cluster.urn)).toBe(
            "urn:pulumi:test::oncall-lab::oncall-lab:index:KindCluster$pulumi-nodejs:dynamic:KindCluster::lab-cluster",
        );
        const child = registered.find((resource) => resource.name === "lab-cluster");
        expect(child?.type).toBe("pulumi-nodejs:dynamic:KindCluster");
        expect(child?.inputs.__provider).toContain("exports.handler");

        expect(await valueOf(lab.contextName)).toBe("kind-oncall-lab");
        expect(await valueOf(lab.clusterName)).toBe("oncall-lab");
        expect(await valueOf(lab.kubeconfig)).toBe("apiVersion: v1");
        expect(await valueOf(lab.clusterId)).toBe("container-id");
        expect(await pulumi.isSecret(lab.clusterId)).toBe(false);
        expect(await pulumi.isSecret(lab.kubeconfig)).toBe(true);
    });
});
