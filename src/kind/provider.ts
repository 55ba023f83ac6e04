import * as pulumi from "@pulumi/pulumi";

// Pulumi serializes the provider's methods (and every function they call) into the
// state file and runs them in a separate process. A module imported at the top of
// this file and captured by those functions cannot be serialized reliably, so every
// function reachable from `kindClusterProvider` loads its modules with `require()`.

export interface PortMapping {
    containerPort: number;
    hostPort: number;
}

export interface KindClusterInputs {
    clusterName: string;
    nodeImage: string;
    portMappings: PortMapping[];
}

export interface KindClusterOutputs extends KindClusterInputs {
    kubeconfig: string;
    contextName: string;
    /** The Docker ID of the control-plane node: a cluster recreated under the same name gets a new one. */
    clusterId: string;
}

/** The kind config for a single-node cluster whose published ports are reachable from this machine only. */
export function kindConfigYaml(inputs: KindClusterInputs): string {
    const YAML = require("yaml") as typeof import("yaml");
    return YAML.stringify({
        kind: "Cluster",
        apiVersion: "kind.x-k8s.io/v1alpha4",
        nodes: [
            {
                role: "control-plane",
                image: inputs.nodeImage,
                extraPortMappings: inputs.portMappings.map((mapping) => ({
                    containerPort: mapping.containerPort,
                    hostPort: mapping.hostPort,
                    // kind defaults to 0.0.0.0, which would expose the lab to the LAN.
                    listenAddress: "127.0.0.1",
                    protocol: "TCP",
                })),
            },
        ],
    });
}

interface CommandResult {
    exitCode: number;
    stdout: string;
    stderr: string;
}

// Queries answer in about a second; a Docker daemon that is starting or stuck can leave them hanging.
const QUERY_TIMEOUT_MS = 15_000;

/**
 * Runs a command without a shell. Resolves with `undefined` when the executable is not
 * on PATH, so callers can say how to install it instead of surfacing a bare ENOENT.
 */
function runCommand(command: string, args: string[], timeoutMs = 0): Promise<CommandResult | undefined> {
    const { execFile } = require("node:child_process") as typeof import("node:child_process");
    return new Promise((resolve, reject) => {
        execFile(command, args, { encoding: "utf8", maxBuffer: 16 * 1024 * 1024, timeout: timeoutMs }, (error, stdout, stderr) => {
            if (error === null) {
                resolve({ exitCode: 0, stdout, stderr });
            } else if (error.code === "ENOENT") {
                resolve(undefined);
            } else if (typeof error.code === "number") {
                resolve({ exitCode: error.code, stdout, stderr });
            } else if (error.killed) {
                reject(
                    new Error(
                        `\`${command} ${args.join(" ")}\` did not finish within ${timeoutMs / 1000} s: ` +
                            "Docker is not responding; wait until it has started (or restart it), then retry.",
                    ),
                );
            } else {
                reject(error);
            }
        });
    });
}

/** Runs a command and returns its stdout; a failure becomes an error carrying the command's stderr. */
async function runOrThrow(command: string, args: string[], timeoutMs = 0): Promise<string> {
    const result = await runCommand(command, args, timeoutMs);
    if (result === undefined) {
        throw new Error(`${command} was not found on PATH`);
    }
    if (result.exitCode !== 0) {
        const details = result.stderr.trim() || result.stdout.trim();
        throw new Error(`\`${command} ${args.join(" ")}\` failed with exit code ${result.exitCode}: ${details}`);
    }
    return result.stdout;
}

type Tooling =
    | { state: "ready" }
    /** kind or docker is not installed. */
    | { state: "missing"; message: string }
    /** docker is installed but its daemon does not answer: a cluster may exist but cannot be reached. */
    | { state: "stopped"; message: string };

async function checkTooling(): Promise<Tooling> {
    if ((await runCommand("kind", ["version"], QUERY_TIMEOUT_MS)) === undefined) {
        return {
            state: "missing",
            message:
                "kind was not found on PATH: install kind (https://kind.sigs.k8s.io/docs/user/quick-start/#installation) and retry.",
        };
    }
    const dockerInfo = await runCommand("docker", ["info", "--format", "{{.ServerVersion}}"], QUERY_TIMEOUT_MS);
    if (dockerInfo === undefined) {
        return {
            state: "missing",
            message:
                "docker was not found on PATH: kind runs the cluster inside Docker containers; install Docker (https://docs.docker.com/get-docker/) and retry.",
        };
    }
    if (dockerInfo.exitCode !== 0) {
        return { state: "stopped", message: `docker is not running (\`docker info\` failed: ${dockerInfo.stderr.trim()})` };
    }
    return { state: "ready" };
}

async function listKindClusters(): Promise<string[]> {
    // kind prints "No kind clusters found." to stderr, so stdout holds only cluster names.
    const stdout = await runOrThrow("kind", ["get", "clusters"], QUERY_TIMEOUT_MS);
    return nonEmptyLines(stdout);
}

function nonEmptyLines(text: string): string[] {
    return text
        .split("\n")
        .map((line) => line.trim())
        .filter((line) => line !== "");
}

function getKubeconfig(clusterName: string): Promise<string> {
    return runOrThrow("kind", ["get", "kubeconfig", "--name", clusterName], QUERY_TIMEOUT_MS);
}

/**
 * The Docker ID of the cluster's control-plane node container, or `undefined` when the cluster has no nodes
 * (it does not exist). Deleting and recreating a cluster under the same name changes it.
 */
async function controlPlaneContainerId(clusterName: string): Promise<string | undefined> {
    // Node names, one a line, on stdout ("No kind nodes found" goes to stderr); kind names the first
    // control-plane node <cluster>-control-plane.
    const nodes = nonEmptyLines(await runOrThrow("kind", ["get", "nodes", "--name", clusterName], QUERY_TIMEOUT_MS));
    const node = nodes.find((name) => name === `${clusterName}-control-plane`) ?? nodes.sort()[0];
    if (node === undefined) {
        return undefined;
    }
    return (await runOrThrow("docker", ["inspect", "--format", "{{.Id}}", node], QUERY_TIMEOUT_MS)).trim();
}

/** Sorted so that reordering the same mappings does not recreate the cluster. */
function portMappingsKey(mappings: PortMapping[]): string {
    // In a preview, mappings computed from another resource arrive as an unknown placeholder, not an array.
    if (!Array.isArray(mappings)) {
        return String(mappings);
    }
    return mappings
        .map((mapping) => `${mapping.hostPort}:${mapping.containerPort}`)
        .sort()
        .join(",");
}

export const kindClusterProvider: pulumi.dynamic.ResourceProvider<KindClusterInputs, KindClusterOutputs> = {
    async create(inputs) {
        const fs = require("node:fs") as typeof import("node:fs");
        const os = require("node:os") as typeof import("node:os");
        const path = require("node:path") as typeof import("node:path");

        const tooling = await checkTooling();
        if (tooling.state !== "ready") {
            throw new Error(tooling.state === "stopped" ? `${tooling.message}: start Docker and retry.` : tooling.message);
        }
        const { clusterName } = inputs;
        if ((await listKindClusters()).includes(clusterName)) {
            throw new Error(
                `kind cluster "${clusterName}" already exists but is not managed by this stack. ` +
                    `Delete it with \`kind delete cluster --name ${clusterName}\` or choose another cluster name, then run \`pulumi up\` again.`,
            );
        }

        const configDir = fs.mkdtempSync(path.join(os.tmpdir(), "oncall-lab-kind-"));
        try {
            const configFile = path.join(configDir, "kind-config.yaml");
            fs.writeFileSync(configFile, kindConfigYaml(inputs));
            await runOrThrow("kind", ["create", "cluster", "--name", clusterName, "--config", configFile, "--wait", "3m"]);
        } finally {
            fs.rmSync(configDir, { recursive: true, force: true });
        }

        const clusterId = await controlPlaneContainerId(clusterName);
        if (clusterId === undefined) {
            throw new Error(`\`kind create cluster --name ${clusterName}\` succeeded but kind lists no nodes for it.`);
        }
        return {
            id: clusterName,
            outs: {
                clusterName,
                nodeImage: inputs.nodeImage,
                portMappings: inputs.portMappings,
                kubeconfig: await getKubeconfig(clusterName),
                contextName: `kind-${clusterName}`,
                clusterId,
            },
        };
    },

    // Refresh: an empty result tells the engine the cluster is gone, so it is dropped from state.
    async read(id, props) {
        const tooling = await checkTooling();
        // Without kind or Docker no kind cluster can exist on this machine.
        if (tooling.state === "missing") {
            return {};
        }
        if (tooling.state === "stopped") {
            throw new Error(`${tooling.message}: start Docker, then retry.`);
        }
        const clusterId = await controlPlaneContainerId(id);
        if (clusterId === undefined) {
            return {};
        }
        return {
            id,
            props: {
                ...(props as KindClusterOutputs),
                clusterName: id,
                kubeconfig: await getKubeconfig(id),
                contextName: `kind-${id}`,
                clusterId,
            },
        };
    },

    // Runs during preview, so it only compares values and never shells out.
    async diff(_id, olds, news) {
        const replaces: string[] = [];
        if (olds.clusterName !== news.clusterName) {
            replaces.push("clusterName");
        }
        if (olds.nodeImage !== news.nodeImage) {
            replaces.push("nodeImage");
        }
        if (portMappingsKey(olds.portMappings) !== portMappingsKey(news.portMappings)) {
            replaces.push("portMappings");
        }
        // kind cannot change a running cluster, and the old cluster must go first when the name stays the same.
        return { changes: replaces.length > 0, replaces, deleteBeforeReplace: true };
    },

    async delete(id) {
        const tooling = await checkTooling();
        // Without kind or Docker no kind cluster can exist on this machine: nothing to delete.
        if (tooling.state === "missing") {
            return;
        }
        if (tooling.state === "stopped") {
            throw new Error(
                `${tooling.message}, so kind cluster "${id}" cannot be deleted. Start Docker and run \`npm run destroy\` again. ` +
                    "If the cluster no longer exists, drop it from the stack instead: run `npm run pulumi -- state delete`, " +
                    "pick the kind cluster, then run `npm run destroy` again.",
            );
        }
        if ((await listKindClusters()).includes(id)) {
            await runOrThrow("kind", ["delete", "cluster", "--name", id]);
        }
    },
};

export type KindClusterResourceArgs = { [K in keyof KindClusterInputs]: pulumi.Input<KindClusterInputs[K]> };

/** A Kind cluster on the local Docker daemon; its ID is the cluster name. */
export class KindClusterResource extends pulumi.dynamic.Resource {
    // `declare` keeps ES2022 class fields from overwriting the outputs set by the base constructor.
    declare public readonly clusterName: pulumi.Output<string>;
    declare public readonly nodeImage: pulumi.Output<string>;
    declare public readonly portMappings: pulumi.Output<PortMapping[]>;
    declare public readonly kubeconfig: pulumi.Output<string>;
    declare public readonly contextName: pulumi.Output<string>;
    declare public readonly clusterId: pulumi.Output<string>;

    constructor(name: string, args: KindClusterResourceArgs, opts?: pulumi.CustomResourceOptions) {
        super(
            kindClusterProvider,
            name,
            { ...args, kubeconfig: undefined, contextName: undefined, clusterId: undefined },
            // Also an option, not only diff's answer: a replacement the engine decides without diff (`up --replace`,
            // a targeted replace) would otherwise create the new cluster first, on a taken name and taken ports.
            pulumi.mergeOptions(opts, { additionalSecretOutputs: ["kubeconfig"], deleteBeforeReplace: true }),
            undefined,
            "KindCluster",
        );
    }
}
