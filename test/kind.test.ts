import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import { createRequire } from "node:module";
import * as os from "node:os";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { KindClusterInputs, KindClusterOutputs, kindClusterProvider, kindConfigYaml } from "../src/kind/provider";

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

// Stand-ins for kind and docker: bash scripts using builtins only, so PATH can hold
// nothing but the stub directory and a real kind or docker can never be reached.
// Every cluster the stub creates gets a new container ID, as a real control-plane node does.
function kindStub(stubDir: string): string {
    return `#!/bin/bash
printf '%s\\n' "kind $*" >> '${stubDir}/calls.log'
state='${stubDir}/clusters'
has_cluster() {
  local line
  [[ -f "$state" ]] || return 1
  while IFS= read -r line; do [[ "$line" == "$1" ]] && return 0; done < "$state"
  return 1
}
args=("$@")
name=""
config=""
for ((i = 0; i < \${#args[@]}; i++)); do
  case "\${args[i]}" in
    --name) name="\${args[i+1]}" ;;
    --config) config="\${args[i+1]}" ;;
  esac
done
case "$1/$2" in
  version/)
    echo "kind v0.0.0-stub" ;;
  get/clusters)
    if [[ -s "$state" ]]; then
      while IFS= read -r line; do printf '%s\\n' "$line"; done < "$state"
    else
      echo "No kind clusters found." >&2
    fi ;;
  get/nodes)
    if has_cluster "$name"; then
      echo "$name-control-plane"
    else
      echo "No kind nodes found for cluster \\"$name\\"." >&2
    fi ;;
  get/kubeconfig)
    if ! has_cluster "$name"; then
      echo "ERROR: could not locate any control plane nodes for cluster named '$name'" >&2
      exit 1
    fi
    printf 'apiVersion: v1\\nkind: Config\\ncurrent-context: kind-%s\\nclusters:\\n- cluster:\\n    server: https://127.0.0.1:6443\\n  name: kind-%s\\n' "$name" "$name" ;;
  create/cluster)
    if [[ -n "$KIND_STUB_CREATE_ERROR" ]]; then
      echo "$KIND_STUB_CREATE_ERROR" >&2
      exit 1
    fi
    if has_cluster "$name"; then
      echo "ERROR: failed to create cluster: node(s) already exist for a cluster with the name \\"$name\\"" >&2
      exit 1
    fi
    printf '%s\\n' "$(< "$config")" > '${stubDir}/config-'"$name"'.yaml'
    created=0
    [[ -f '${stubDir}/created' ]] && created="$(< '${stubDir}/created')"
    created=$((created + 1))
    printf '%s' "$created" > '${stubDir}/created'
    printf 'container%064d' "$created" > '${stubDir}/id-'"$name"
    printf '%s\\n' "$name" >> "$state" ;;
  delete/cluster)
    remaining=""
    if [[ -f "$state" ]]; then
      while IFS= read -r line; do [[ "$line" != "$name" ]] && remaining+="$line"$'\\n'; done < "$state"
    fi
    printf '%s' "$remaining" > "$state"
    echo "Deleting cluster \\"$name\\" ..." >&2 ;;
  *)
    echo "kind stub: unexpected arguments: $*" >&2
    exit 2 ;;
esac
`;
}

type DockerDaemon = "running" | "stopped" | "hung";

function dockerStub(stubDir: string, daemon: DockerDaemon): string {
    const unreachable = {
        running: "",
        stopped: `echo "Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?" >&2\nexit 1`,
        // Blocks on a FIFO that nobody writes to, like a CLI waiting on a daemon that never answers.
        hung: `exec 3<> '${stubDir}/never'\nread -r -t 120 -u 3\nexit 1`,
    }[daemon];
    return `#!/bin/bash
printf '%s\\n' "docker $*" >> '${stubDir}/calls.log'
${unreachable}
case "$1" in
  info)
    echo "27.0.0" ;;
  inspect)
    node="\${@: -1}"
    cluster="\${node%-control-plane}"
    if [[ -f '${stubDir}/id-'"$cluster" ]] && [[ "$(< '${stubDir}/clusters')" == *"$cluster"* ]]; then
      printf '%s\\n' "$(< '${stubDir}/id-'"$cluster")"
    else
      echo "Error: No such object: $node" >&2
      exit 1
    fi ;;
  *)
    echo "docker stub: unexpected arguments: $*" >&2
    exit 2 ;;
esac
`;
}

describe("kindClusterProvider", () => {
    const originalPath = process.env.PATH;
    let stubDir: string;

    const writeStub = (name: string, script: string) => fs.writeFileSync(path.join(stubDir, name), script, { mode: 0o755 });
    const calls = () => {
        const log = path.join(stubDir, "calls.log");
        return fs.existsSync(log) ? fs.readFileSync(log, "utf8").trim().split("\n") : [];
    };
    const kindCalls = () => calls().filter((call) => call.startsWith("kind "));
    const clustersInState = () => {
        const state = path.join(stubDir, "clusters");
        return fs.existsSync(state) ? fs.readFileSync(state, "utf8").split("\n").filter((line) => line !== "") : [];
    };
    const deleteOutOfBand = (clusterName: string) => {
        const remaining = clustersInState().filter((name) => name !== clusterName);
        fs.writeFileSync(path.join(stubDir, "clusters"), remaining.map((name) => `${name}\n`).join(""));
    };
    // What `kind create cluster` run by hand does: the stub's own create, outside the provider.
    const createOutOfBand = (clusterName: string) => {
        const config = path.join(stubDir, "by-hand.yaml");
        fs.writeFileSync(config, kindConfigYaml(inputs));
        const result = spawnSync(path.join(stubDir, "kind"), ["create", "cluster", "--name", clusterName, "--config", config]);
        expect(result.status).toBe(0);
    };

    beforeEach(() => {
        stubDir = fs.mkdtempSync(path.join(os.tmpdir(), "kind-stub-"));
        writeStub("kind", kindStub(stubDir));
        writeStub("docker", dockerStub(stubDir, "running"));
        process.env.PATH = stubDir;
    });

    afterEach(() => {
        process.env.PATH = originalPath;
        delete process.env.KIND_STUB_CREATE_ERROR;
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
                "kind get nodes --name oncall-lab",
                "docker inspect --format {{.Id}} oncall-lab-control-plane",
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
            writeStub("docker", dockerStub(stubDir, "stopped"));

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
            deleteOutOfBand("oncall-lab");

            const result = await kindClusterProvider.read!("oncall-lab", outs);

            expect(result.id).toBeUndefined();
            expect(result.props).toBeUndefined();
        });

        it("gives a cluster deleted and created again by hand under the same name a new cluster ID", async () => {
            const { outs } = await kindClusterProvider.create(inputs);
            deleteOutOfBand("oncall-lab");
            createOutOfBand("oncall-lab");

            const result = await kindClusterProvider.read!("oncall-lab", outs);

            expect(result.id).toBe("oncall-lab");
            expect(result.props?.clusterId).toMatch(/^container0+2$/);
            expect(result.props?.clusterId).not.toBe(outs!.clusterId);
        });

        it.each(["kind", "docker"])("reports the cluster as gone when %s is not installed", async (tool) => {
            const { outs } = await kindClusterProvider.create(inputs);
            fs.rmSync(path.join(stubDir, tool));

            expect(await kindClusterProvider.read!("oncall-lab", outs)).toEqual({});
        });

        it("fails, saying to start Docker, when the daemon is not running", async () => {
            const { outs } = await kindClusterProvider.create(inputs);
            writeStub("docker", dockerStub(stubDir, "stopped"));

            await expect(kindClusterProvider.read!("oncall-lab", outs)).rejects.toThrow(
                /^docker is not running .*Cannot connect to the Docker daemon.*: start Docker, then retry\.$/,
            );
        });

        it("gives up on a Docker daemon that does not answer instead of hanging", { timeout: 40_000 }, async () => {
            const { outs } = await kindClusterProvider.create(inputs);
            writeStub("docker", dockerStub(stubDir, "hung"));
            expect(spawnSync("mkfifo", [path.join(stubDir, "never")], { env: { PATH: originalPath } }).status).toBe(0);

            const started = Date.now();
            await expect(kindClusterProvider.read!("oncall-lab", outs)).rejects.toThrow(
                /^`docker info --format \{\{\.ServerVersion\}\}` did not finish within 15 s: Docker is not responding/,
            );
            expect(Date.now() - started).toBeLessThan(25_000);
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

        it.each(["kind", "docker"])("succeeds without doing anything when %s is no longer installed", async (tool) => {
            const { outs } = await kindClusterProvider.create(inputs);
            fs.rmSync(path.join(stubDir, tool));

            await kindClusterProvider.delete!("oncall-lab", outs!);

            expect(kindCalls().some((call) => call.startsWith("kind delete"))).toBe(false);
        });

        it("stops when Docker is not running and says how to finish the destroy", async () => {
            const { outs } = await kindClusterProvider.create(inputs);
            writeStub("docker", dockerStub(stubDir, "stopped"));

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
