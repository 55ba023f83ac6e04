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
 * Runs a command without a shell. Resolves with `undefined` when the executable is not
 * on PATH, so callers can say how to install it instead of surfacing a bare ENOENT.
 */
function runCommand(command: string, args: string[]): Promise<CommandResult | undefined> {
    const { execFile } = require("node:child_process") as typeof import("node:child_process");
    return new Promise((resolve, reject) => {
        execFile(command, args, { encoding: "utf8", maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
            if (error === null) {
                resolve({ exitCode: 0, stdout, stderr });
            } else if (error.code === "ENOENT") {
                resolve(undefined);
            } else if (typeof error.code === "number") {
                resolve({ exitCode: error.code, stdout, stderr });
            } else {
                reject(error);
            }
        });
    });
}

/** Runs a command and returns its stdout; a failure becomes an error carrying the command's stderr. */
async function runOrThrow(command: string, args: string[]): Promise<string> {
    const result = await runCommand(command, args);
    if (result === undefined) {
        throw new Error(`${command} was not found on PATH`);
    }
    if (result.exitCode !== 0) {
        const details = result.stderr.trim() || result.stdout.trim();
        throw new Error(`\`${command} ${args.join(" ")}\` failed with exit code ${result.exitCode}: ${details}`);
    }
    return result.stdout;
}

async function assertKindAndDockerAvailable(): Promise<void> {
    if ((await runCommand("kind", ["version"])) === undefined) {
        throw new Error(
            "kind was not found on PATH: install kind (https://kind.sigs.k8s.io/docs/user/quick-start/#installation) and retry.",
        );
    }
    const dockerInfo = await runCommand("docker", ["info", "--format", "{{.ServerVersion}}"]);
    if (dockerInfo === undefined) {
        throw new Error(
            "docker was not found on PATH: kind runs the cluster inside Docker containers; install Docker (https://docs.docker.com/get-docker/) and retry.",
        );
    }
    if (dockerInfo.exitCode !== 0) {
        throw new Error(
            `docker is not running (\`docker info\` failed: ${dockerInfo.stderr.trim()}): start Docker and retry.`,
        );
    }
}

async function listKindClusters(): Promise<string[]> {
    // kind prints "No kind clusters found." to stderr, so stdout holds only cluster names.
    const stdout = await runOrThrow("kind", ["get", "clusters"]);
    return stdout
        .split("\n")
        .map((line) => line.trim())
        .filter((line) => line !== "");
}

function getKubeconfig(clusterName: string): Promise<string> {
    return runOrThrow("kind", ["get", "kubeconfig", "--name", clusterName]);
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

        await assertKindAndDockerAvailable();
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

        return {
            id: clusterName,
            outs: {
                clusterName,
                nodeImage: inputs.nodeImage,
                portMappings: inputs.portMappings,
                kubeconfig: await getKubeconfig(clusterName),
                contextName: `kind-${clusterName}`,
            },
        };
    },

    async read(id, props) {
        await assertKindAndDockerAvailable();
        if (!(await listKindClusters()).includes(id)) {
            // An empty ID tells the engine the cluster is gone, so refresh drops it from state.
            return {};
        }
        return {
            id,
            props: {
                ...(props as KindClusterOutputs),
                clusterName: id,
                kubeconfig: await getKubeconfig(id),
                contextName: `kind-${id}`,
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
        await assertKindAndDockerAvailable();
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

    constructor(name: string, args: KindClusterResourceArgs, opts?: pulumi.CustomResourceOptions) {
        super(
            kindClusterProvider,
            name,
            { ...args, kubeconfig: undefined, contextName: undefined },
            pulumi.mergeOptions(opts, { additionalSecretOutputs: ["kubeconfig"] }),
            undefined,
            "KindCluster",
        );
    }
}
