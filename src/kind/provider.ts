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

/**
 * Queries answer in about a second; a Docker daemon that is starting or stuck can leave them hanging.
 * ONCALL_LAB_QUERY_TIMEOUT_MS lengthens the wait on a slow machine (and shortens it in the tests).
 */
function queryTimeoutMs(): number {
    const configured = Number(process.env.ONCALL_LAB_QUERY_TIMEOUT_MS);
    return configured > 0 ? configured : 15_000;
}

/**
 * Runs a command without a shell. Resolves with `undefined` when the executable is not
 * on PATH, so callers can say how to install it instead of surfacing a bare ENOENT.
 */
function runCommand(command: string, args: string[], timeoutMs = 0): Promise<CommandResult | undefined> {
    const { execFile } = require("node:child_process") as typeof import("node:child_process");
    return new Promise((resolve, reject) => {
        execFile(
            command,
            args,
            { encoding: "utf8", maxBuffer: 16 * 1024 * 1024, timeout: timeoutMs },
            (error, stdout, stderr) => {
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
            },
        );
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

const KIND_MISSING =
    "kind was not found on PATH: install kind (https://kind.sigs.k8s.io/docs/user/quick-start/#installation) and retry.";
const DOCKER_MISSING =
    "docker was not found on PATH: kind runs the cluster inside Docker containers; install Docker (https://docs.docker.com/get-docker/) and retry.";
// kind labels every node container with its cluster's name (pkg/cluster/internal/providers/docker/constants.go) and
// lists a cluster's nodes with `docker ps -a --filter label=<this>=<name>`, stopped ones included.
const KIND_CLUSTER_LABEL = "io.x-k8s.kind.cluster";

interface Tools {
    kind: boolean;
    docker: "running" | "missing" | "stopped";
    /** Why the daemon does not answer, when it is stopped. */
    dockerStopped?: string;
}

async function checkTools(): Promise<Tools> {
    const kind = (await runCommand("kind", ["version"], queryTimeoutMs())) !== undefined;
    const info = await runCommand("docker", ["info", "--format", "{{.ServerVersion}}"], queryTimeoutMs());
    if (info === undefined) {
        return { kind, docker: "missing" };
    }
    if (info.exitCode !== 0) {
        return {
            kind,
            docker: "stopped",
            dockerStopped: `docker is not running (\`docker info\` failed: ${info.stderr.trim()})`,
        };
    }
    return { kind, docker: "running" };
}

function nonEmptyLines(text: string): string[] {
    return text
        .split("\n")
        .map((line) => line.trim())
        .filter((line) => line !== "");
}

/**
 * The names of the cluster's node containers, running or stopped, as Docker reports them: none when the cluster is
 * gone. Throws when that cannot be told, or when the containers exist but kind, which must delete them, is missing.
 * `whenDockerStopped` says what to do about a daemon that does not answer.
 */
/** `docker` arguments that list the names of a kind cluster's node containers, running or stopped (kind labels them). */
export function kindNodesQuery(clusterName: string): string[] {
    return ["ps", "-a", "--filter", `label=${KIND_CLUSTER_LABEL}=${clusterName}`, "--format", "{{.Names}}"];
}

async function existingNodes(
    clusterName: string,
    tools: Tools,
    whenDockerStopped: (message: string) => string,
): Promise<string[]> {
    if (tools.docker === "missing") {
        // With neither kind nor docker on this machine no kind cluster can exist here; with kind alone, it may.
        if (!tools.kind) {
            return [];
        }
        throw new Error(
            `docker was not found on PATH, so whether kind cluster "${clusterName}" still runs in Docker cannot be told: ` +
                "put docker on PATH (or install Docker: https://docs.docker.com/get-docker/) and retry.",
        );
    }
    if (tools.docker === "stopped") {
        throw new Error(whenDockerStopped(tools.dockerStopped!));
    }
    const nodes = nonEmptyLines(await runOrThrow("docker", kindNodesQuery(clusterName), queryTimeoutMs()));
    if (nodes.length > 0 && !tools.kind) {
        // Its containers keep the host ports: forgetting it would leave a lab nobody can delete with `pulumi destroy`.
        throw new Error(
            `kind cluster "${clusterName}" still exists (Docker has its node container ${nodes.join(", ")}), but ${KIND_MISSING}`,
        );
    }
    return nodes;
}

/**
 * The Docker ID of the cluster's control-plane node container (deleting and recreating a cluster under the same name
 * changes it) and whether that container runs.
 */
async function controlPlaneNode(
    clusterName: string,
    nodes: string[],
): Promise<{ name: string; id: string; running: boolean }> {
    // kind names the first control-plane node <cluster>-control-plane.
    const name = nodes.find((node) => node === `${clusterName}-control-plane`) ?? [...nodes].sort()[0];
    const [id, running] = (
        await runOrThrow("docker", ["inspect", "--format", "{{.Id}} {{.State.Running}}", name], queryTimeoutMs())
    )
        .trim()
        .split(" ");
    return { name, id, running: running === "true" };
}

/**
 * The cluster's control-plane node container as Docker has it, running or stopped; undefined when the cluster is gone.
 * scripts/lab.ts compares its id with the one the stack recorded, with the provider's own query.
 */
export async function findControlPlaneNode(
    clusterName: string,
): Promise<{ name: string; id: string; running: boolean } | undefined> {
    const nodes = await existingNodes(
        clusterName,
        await checkTools(),
        (message) => `${message}: start Docker and retry.`,
    );
    return nodes.length === 0 ? undefined : controlPlaneNode(clusterName, nodes);
}

function getKubeconfig(clusterName: string): Promise<string> {
    return runOrThrow("kind", ["get", "kubeconfig", "--name", clusterName], queryTimeoutMs());
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

        const tools = await checkTools();
        if (!tools.kind) {
            throw new Error(KIND_MISSING);
        }
        if (tools.docker === "missing") {
            throw new Error(DOCKER_MISSING);
        }
        const { clusterName } = inputs;
        if ((await existingNodes(clusterName, tools, (message) => `${message}: start Docker and retry.`)).length > 0) {
            throw new Error(
                `kind cluster "${clusterName}" already exists but is not managed by this stack. ` +
                    `Delete it with \`kind delete cluster --name ${clusterName}\` or choose another cluster name, then run \`pulumi up\` again.`,
            );
        }

        const configDir = fs.mkdtempSync(path.join(os.tmpdir(), "oncall-lab-kind-"));
        try {
            const configFile = path.join(configDir, "kind-config.yaml");
            fs.writeFileSync(configFile, kindConfigYaml(inputs));
            await runOrThrow("kind", [
                "create",
                "cluster",
                "--name",
                clusterName,
                "--config",
                configFile,
                "--wait",
                "3m",
            ]);
        } finally {
            fs.rmSync(configDir, { recursive: true, force: true });
        }

        const nodes = await existingNodes(clusterName, tools, (message) => message);
        if (nodes.length === 0) {
            throw new Error(
                `\`kind create cluster --name ${clusterName}\` succeeded but Docker has no node container for it.`,
            );
        }
        const clusterId = (await controlPlaneNode(clusterName, nodes)).id;
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
        const nodes = await existingNodes(id, await checkTools(), (message) => `${message}: start Docker, then retry.`);
        if (nodes.length === 0) {
            return {};
        }
        const node = await controlPlaneNode(id, nodes);
        if (!node.running) {
            // After a reboot Docker restarts kind's nodes only if it was set to; kind's own error would say `docker exec` failed.
            throw new Error(
                `kind cluster "${id}" is stopped: its node container ${node.name} is not running (Docker did not start it again, ` +
                    `e.g. after a reboot). Run \`docker start ${node.name}\`, then retry.`,
            );
        }
        return {
            id,
            props: {
                ...(props as KindClusterOutputs),
                clusterName: id,
                kubeconfig: await getKubeconfig(id),
                contextName: `kind-${id}`,
                clusterId: node.id,
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
        const nodes = await existingNodes(
            id,
            await checkTools(),
            (message) =>
                `${message}, so kind cluster "${id}" cannot be deleted. Start Docker and run \`npm run destroy\` again. ` +
                "If the cluster no longer exists, drop it from the stack instead: run `npm run pulumi -- state delete`, " +
                "pick the kind cluster, then run `npm run destroy` again.",
        );
        if (nodes.length > 0) {
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
