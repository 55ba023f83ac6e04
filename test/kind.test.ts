import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import { createRequire } from "node:module";
import * as os from "node:os";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { KindClusterInputs, KindClusterOutputs, kindClusterProvider, kindConfigYaml } from "../src/kind/provider";
import { FakeDocker, installStubs } from "./support/stubs";

const inputs: KindClusterInputs = {
    clusterName: "oncall-lab",
    nodeImage: "kindest/node:v1.0.0@sha256:0123456789abcdef",
    portMappings: [
        { containerPort: 30080, hostPort: 8080 },
        { containerPort: 30090, hostPort: 9090 },
    ],
};

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
    const originalPath = process.env.PATH;
    let stubDir: string;
    let docker: FakeDocker;

    const calls = () => {
        const log = path.join(stubDir, "calls.log");
        return fs.existsSync(log) ? fs.readFileSync(log, "utf8").trim().split("\n") : [];
    };
    const kindCalls = () => calls().filter((call) => call.startsWith("kind "));
    const clustersInState = () => docker.clusters();

    beforeEach(() => {
        stubDir = fs.mkdtempSync(path.join(os.tmpdir(), "kind-stub-"));
        // The stubs use bash builtins only: PATH holds nothing else, so a real kind or docker is never reached.
        installStubs(stubDir, ["kind", "docker"]);
        docker = new FakeDocker(stubDir);
        process.env.PATH = stubDir;
        process.env.STUB_DIR = stubDir;
        process.env.STUB_LOG = path.join(stubDir, "calls.log");
    });

    afterEach(() => {
        process.env.PATH = originalPath;
        delete process.env.KIND_STUB_CREATE_ERROR;
        delete process.env.STUB_DIR;
        delete process.env.STUB_LOG;
        fs.rmSync(stubDir, { recursive: true, force: true });
    });

    describe("create", () => {
        it("creates the cluster from the generated config and returns its kubeconfig", async () => {
            const result = await kindClusterProvider.create(inputs);

            const create = kindCalls().find((call) => call.startsWith("kind create cluster"));
            expect(create).toMatch(/^kind create cluster --name oncall-lab --config \S+ --wait 3m$/);
            const usedConfig = fs.readFileSync(path.join(stubDir, "config-oncall-lab.yaml"), "utf8");
            expect(parse(usedConfig)).toEqual(parse(kindConfigYaml(inputs)));

            expect(result.id).toBe("oncall-lab");
            expect(result.outs).toEqual({
                ...inputs,
                kubeconfig: expect.stringContaining("current-context: kind-oncall-lab"),
                contextName: "kind-oncall-lab",
                clusterId: `container${"1".padStart(64, "0")}`,
            });
            expect(kindCalls()).toContain("kind get kubeconfig --name oncall-lab");
            expect(clustersInState()).toEqual(["oncall-lab"]);
        });

        it("takes the cluster ID from the control-plane node's container", async () => {
            await kindClusterProvider.create(inputs);

            const afterCreate = calls().slice(calls().findIndex((call) => call.startsWith("kind create cluster")) + 1);
            expect(afterCreate.slice(0, 2)).toEqual([
                "docker ps -a --filter label=io.x-k8s.kind.cluster=oncall-lab --format {{.Names}}",
                "docker inspect --format {{.Id}} {{.State.Running}} oncall-lab-control-plane",
            ]);
        });

        it("removes its temporary config file", async () => {
            await kindClusterProvider.create(inputs);

            const create = kindCalls().find((call) => call.startsWith("kind create cluster"));
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
            fs.rmSync(path.join(stubDir, "kind"));

            await expect(kindClusterProvider.create(inputs)).rejects.toThrow(/^kind was not found on PATH: install kind/);
        });

        it("explains that docker is not running before calling kind create", async () => {
            docker.setDaemon("stopped");

            await expect(kindClusterProvider.create(inputs)).rejects.toThrow(
                /^docker is not running .*Cannot connect to the Docker daemon.*: start Docker and retry\.$/,
            );
            expect(kindCalls().some((call) => call.startsWith("kind create"))).toBe(false);
        });
    });

    describe("read", () => {
        it("refreshes the kubeconfig of a running cluster", async () => {
            const { outs } = await kindClusterProvider.create(inputs);
            const stale: KindClusterOutputs = { ...outs!, kubeconfig: "stale" };

            const result = await kindClusterProvider.read!("oncall-lab", stale);

            expect(result.id).toBe("oncall-lab");
            expect(result.props).toEqual(outs);
        });

        it("reports a cluster deleted out of band as gone", async () => {
            const { outs } = await kindClusterProvider.create(inputs);
            docker.deleteCluster("oncall-lab");

            const result = await kindClusterProvider.read!("oncall-lab", outs);

            expect(result.id).toBeUndefined();
            expect(result.props).toBeUndefined();
        });

        it("gives a cluster deleted and created again by hand under the same name a new cluster ID", async () => {
            const { outs } = await kindClusterProvider.create(inputs);
            docker.deleteCluster("oncall-lab");
            docker.createCluster("oncall-lab");

            const result = await kindClusterProvider.read!("oncall-lab", outs);

            expect(result.id).toBe("oncall-lab");
            expect(result.props?.clusterId).toMatch(/^container0+2$/);
            expect(result.props?.clusterId).not.toBe(outs!.clusterId);
        });

        it("reports the cluster as gone only when neither kind nor docker is installed", async () => {
            const { outs } = await kindClusterProvider.create(inputs);
            fs.rmSync(path.join(stubDir, "kind"));
            fs.rmSync(path.join(stubDir, "docker"));

            expect(await kindClusterProvider.read!("oncall-lab", outs)).toEqual({});
        });

        it("does not forget a cluster whose containers still run when kind is missing, and says to install kind", async () => {
            const { outs } = await kindClusterProvider.create(inputs);
            fs.rmSync(path.join(stubDir, "kind"));

            await expect(kindClusterProvider.read!("oncall-lab", outs)).rejects.toThrow(
                /^kind cluster "oncall-lab" still exists \(Docker has its node container oncall-lab-control-plane\), but kind was not found on PATH: install kind/,
            );
            expect(calls()).toContain("docker ps -a --filter label=io.x-k8s.kind.cluster=oncall-lab --format {{.Names}}");
        });

        it("reports the cluster as gone when kind is missing and Docker has no node container of it", async () => {
            const { outs } = await kindClusterProvider.create(inputs);
            docker.deleteCluster("oncall-lab");
            fs.rmSync(path.join(stubDir, "kind"));

            expect(await kindClusterProvider.read!("oncall-lab", outs)).toEqual({});
        });

        it("does not forget the cluster when kind is there but docker is not on PATH", async () => {
            const { outs } = await kindClusterProvider.create(inputs);
            fs.rmSync(path.join(stubDir, "docker"));

            await expect(kindClusterProvider.read!("oncall-lab", outs)).rejects.toThrow(
                /^docker was not found on PATH, so whether kind cluster "oncall-lab" still runs in Docker cannot be told: put docker on PATH/,
            );
        });

        it("says to start a stopped node container instead of passing on kind's error", async () => {
            const { outs } = await kindClusterProvider.create(inputs);
            docker.stopNode("oncall-lab");
            fs.writeFileSync(path.join(stubDir, "calls.log"), "");

            const reading = kindClusterProvider.read!("oncall-lab", outs);

            await expect(reading).rejects.toThrow(
                /^kind cluster "oncall-lab" is stopped: its node container oncall-lab-control-plane is not running .*Run `docker start oncall-lab-control-plane`, then retry\.$/,
            );
            await expect(reading).rejects.not.toThrow(/docker exec/);
            expect(kindCalls()).not.toContain("kind get kubeconfig --name oncall-lab");
        });

        it("reads the cluster again once its node container is started", async () => {
            const { outs } = await kindClusterProvider.create(inputs);
            docker.stopNode("oncall-lab");
            await expect(kindClusterProvider.read!("oncall-lab", outs)).rejects.toThrow(/is stopped/);
            spawnSync(path.join(stubDir, "docker"), ["start", "oncall-lab-control-plane"]);

            expect((await kindClusterProvider.read!("oncall-lab", outs)).props).toEqual(outs);
        });

        it("fails, saying to start Docker, when the daemon is not running", async () => {
            const { outs } = await kindClusterProvider.create(inputs);
            docker.setDaemon("stopped");

            await expect(kindClusterProvider.read!("oncall-lab", outs)).rejects.toThrow(
                /^docker is not running .*Cannot connect to the Docker daemon.*: start Docker, then retry\.$/,
            );
        });

        it("gives up on a Docker daemon that does not answer instead of hanging", async () => {
            const { outs } = await kindClusterProvider.create(inputs);
            // 15 s unless set: the test waits one second instead.
            process.env.ONCALL_LAB_QUERY_TIMEOUT_MS = "1000";
            docker.setDaemon("hung");
            expect(spawnSync("mkfifo", [path.join(stubDir, "never")], { env: { PATH: originalPath } }).status).toBe(0);

            const started = Date.now();
            await expect(kindClusterProvider.read!("oncall-lab", outs)).rejects.toThrow(
                /^`docker info --format \{\{\.ServerVersion\}\}` did not finish within 1 s: Docker is not responding/,
            ).finally(() => delete process.env.ONCALL_LAB_QUERY_TIMEOUT_MS);
            expect(Date.now() - started).toBeLessThan(5_000);
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

            expect(calls()).toEqual([]);
        });
    });

    describe("delete", () => {
        it("deletes the cluster and treats an already deleted cluster as success", async () => {
            const { outs } = await kindClusterProvider.create(inputs);

            await kindClusterProvider.delete!("oncall-lab", outs!);
            await kindClusterProvider.delete!("oncall-lab", outs!);

            expect(kindCalls()).toContain("kind delete cluster --name oncall-lab");
            expect(clustersInState()).toEqual([]);
        });

        it("succeeds without doing anything when neither kind nor docker is installed any more", async () => {
            const { outs } = await kindClusterProvider.create(inputs);
            fs.rmSync(path.join(stubDir, "kind"));
            fs.rmSync(path.join(stubDir, "docker"));

            await kindClusterProvider.delete!("oncall-lab", outs!);

            expect(kindCalls().some((call) => call.startsWith("kind delete"))).toBe(false);
        });

        it("stops, saying to install kind, when kind is missing but the cluster's containers still hold its ports", async () => {
            const { outs } = await kindClusterProvider.create(inputs);
            fs.rmSync(path.join(stubDir, "kind"));

            await expect(kindClusterProvider.delete!("oncall-lab", outs!)).rejects.toThrow(/^kind cluster "oncall-lab" still exists .*install kind/);
            expect(clustersInState()).toEqual(["oncall-lab"]);
        });

        it("succeeds without kind when Docker has no node container of the cluster", async () => {
            const { outs } = await kindClusterProvider.create(inputs);
            docker.deleteCluster("oncall-lab");
            fs.rmSync(path.join(stubDir, "kind"));

            await kindClusterProvider.delete!("oncall-lab", outs!);
        });

        it("deletes a cluster whose node container is stopped", async () => {
            const { outs } = await kindClusterProvider.create(inputs);
            docker.stopNode("oncall-lab");

            await kindClusterProvider.delete!("oncall-lab", outs!);

            expect(clustersInState()).toEqual([]);
        });

        it("stops when Docker is not running and says how to finish the destroy", async () => {
            const { outs } = await kindClusterProvider.create(inputs);
            docker.setDaemon("stopped");

            const deletion = kindClusterProvider.delete!("oncall-lab", outs!);

            await expect(deletion).rejects.toThrow(/^docker is not running .*, so kind cluster "oncall-lab" cannot be deleted\./);
            await expect(deletion).rejects.toThrow(/Start Docker and run `npm run destroy` again\./);
            await expect(deletion).rejects.toThrow(/no longer exists.*`npm run pulumi -- state delete`/);
            expect(kindCalls().some((call) => call.startsWith("kind delete"))).toBe(false);
        });
    });

    it("still works after Pulumi serializes it and Node loads it outside vitest", async () => {
        const serialized = await pulumi.runtime.serializeFunction(() => kindClusterProvider, { allowSecrets: true });
        const moduleDir = fs.mkdtempSync(path.join(os.tmpdir(), "kind-provider-"));
        try {
            // Lets the serialized code resolve `yaml` the way it does from the Pulumi program directory.
            fs.symlinkSync(path.resolve(__dirname, "../node_modules"), path.join(moduleDir, "node_modules"), "dir");
            const moduleFile = path.join(moduleDir, "provider.js");
            fs.writeFileSync(moduleFile, serialized.text);
            const provider: pulumi.dynamic.ResourceProvider = createRequire(moduleFile)(moduleFile).handler();

            const { id, outs } = await provider.create(inputs);
            expect(outs.contextName).toBe("kind-oncall-lab");
            await provider.delete!(id, outs);
            expect(clustersInState()).toEqual([]);
        } finally {
            fs.rmSync(moduleDir, { recursive: true, force: true });
        }
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
                        ? { kubeconfig: "apiVersion: v1", contextName: `kind-${args.inputs.clusterName}`, clusterId: "container-id" }
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
