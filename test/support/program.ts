// Runs index.ts under Pulumi's mocks and records every resource: what the engine would be asked to
// create (type, name, inputs, provider) and the options the program gave it (parent, deletedWith, dependsOn).
// Pulumi's runtime is process-global: one run per test file (vitest runs each file in its own process).
import * as pulumi from "@pulumi/pulumi";

export interface RecordedResource {
    type: string;
    name: string;
    /** As the engine receives them: secrets stay wrapped (see isSecretValue / reveal). */
    inputs: Record<string, unknown>;
    provider?: string;
    resource: pulumi.Resource;
    opts: pulumi.CustomResourceOptions & pulumi.ComponentResourceOptions;
}

export interface ProgramRun {
    program: Record<string, pulumi.Output<unknown>>;
    resources: Map<string, RecordedResource>;
    stackOutputs: Record<string, unknown>;
}

export const INTEGRATION_TOKEN = "IntegrationTok3nXYZ";
export const INTEGRATION_LINK = `http://127.0.0.1:8080/integrations/v1/alertmanager/${INTEGRATION_TOKEN}/`;
export const HEARTBEAT_INTEGRATION_TOKEN = "HeartbeatTok3nXYZ";
export const FAKE_KUBECONFIG = "apiVersion: v1\nkind: Config\ncurrent-context: kind-oncall-lab\n";
export const ONCALL_API_TOKEN = "OnCallApiT0ken-abcdef";
/** The Kind node's container id: what identifies this particular cluster. */
export const CLUSTER_ID = "5f2c0d4e9a1b";
/** kube-system's uid: what identifies a cluster the team already runs (target existing). */
export const KUBE_SYSTEM_UID = "0d7b2c9e-4f1a-4e8b-9c3d-kube-system";
/** What a read of the team's TLS secret returns. */
export const TLS_SOURCE_DATA = { "tls.crt": "Q0VSVA==", "tls.key": "S0VZ" };
/** OnCall's id of a person, as the wiring reports it once OnCall knows them. */
export const oncallUserId = (login: string) => `U${login.toUpperCase()}`;

const SIG_KEY = pulumi.runtime.specialSigKey;
const SECRET_SIG = pulumi.runtime.specialSecretSig;

export function isSecretValue(value: unknown): boolean {
    return typeof value === "object" && value !== null && (value as Record<string, unknown>)[SIG_KEY] === SECRET_SIG;
}

/** The value with every secret wrapper removed, for asserting on content. */
export function reveal(value: unknown): unknown {
    if (isSecretValue(value)) return reveal((value as { value: unknown }).value);
    if (Array.isArray(value)) return value.map(reveal);
    if (typeof value === "object" && value !== null) {
        return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, reveal(v)]));
    }
    return value;
}

/** What a real engine would return for the resources whose outputs the program reads. */
function mockState(
    args: pulumi.runtime.MockResourceArgs,
    preview: boolean,
    clusterId: string,
): Record<string, unknown> {
    const state: Record<string, unknown> = { ...args.inputs };
    // Reads of what the existing target finds in the cluster (they run in preview too).
    if (args.type === "kubernetes:core/v1:Namespace" && args.id === "kube-system") {
        state.metadata = { name: "kube-system", uid: KUBE_SYSTEM_UID };
    }
    if (args.type === "kubernetes:core/v1:Secret" && args.name === "tls-source") {
        state.data = TLS_SOURCE_DATA;
    }
    if (args.type === "kubernetes:helm.sh/v3:Release") {
        state.status = { name: args.inputs.name, namespace: args.inputs.namespace, status: "deployed" };
    }
    if (args.type === "random:index/randomPassword:RandomPassword") {
        state.result = `generated-${args.name}-${"x".repeat(Number(args.inputs.length))}`;
    }
    if (args.type === "random:index/randomString:RandomString") {
        state.result = "r".repeat(Number(args.inputs.length));
    }
    // Dynamic providers do not run during preview: their outputs stay unknown, as with a real engine.
    if (!preview && args.name === "kind-cluster") {
        state.kubeconfig = FAKE_KUBECONFIG;
        state.contextName = `kind-${args.inputs.clusterName}`;
        state.clusterId = clusterId;
    }
    if (!preview && args.name === "oncall-wiring-connection") {
        state.pluginConnected = true;
        state.apiToken = ONCALL_API_TOKEN;
        state.apiTokenId = 7;
        state.apiTokenValid = true;
        state.userIds = Object.fromEntries(
            (args.inputs.userLogins as string[]).map((login) => [login, oncallUserId(login)]),
        );
    }
    if (!preview && args.type === "grafana:onCall/integration:Integration") {
        state.link = args.name.endsWith("-heartbeat-integration")
            ? `http://127.0.0.1:8080/integrations/v1/alertmanager/${HEARTBEAT_INTEGRATION_TOKEN}/`
            : INTEGRATION_LINK;
    }
    if (!preview && args.name === "oncall-heartbeat-timeout") {
        state.heartbeatId = "HEARTBEAT1";
    }
    return state;
}

export interface RunOptions {
    config?: Record<string, string>;
    preview?: boolean;
    /** What the Kind cluster reports as its identity (another value: a recreated cluster). */
    clusterId?: string;
}

export async function runProgram(options: RunOptions = {}): Promise<ProgramRun> {
    const preview = options.preview ?? false;
    const recorded = new Map<string, Omit<RecordedResource, "resource" | "opts">>();
    const constructed = new Map<string, Pick<RecordedResource, "resource" | "opts" | "type">>();

    await pulumi.runtime.setMocks(
        {
            newResource: (args) => {
                recorded.set(args.name, {
                    type: args.type,
                    name: args.name,
                    inputs: args.inputs,
                    provider: args.provider,
                });
                return {
                    id: preview ? undefined : `${args.name}-id`,
                    state: mockState(args, preview, options.clusterId ?? CLUSTER_ID),
                } as pulumi.runtime.MockResourceResult;
            },
            call: (args) => args.inputs,
        },
        "oncall-lab",
        "test",
        preview,
    );
    for (const [key, value] of Object.entries(options.config ?? {})) {
        pulumi.runtime.setConfig(key, value);
    }

    let program: Record<string, pulumi.Output<unknown>> = {};
    const stackOutputs = await pulumi.runtime.runInPulumiStack(async () => {
        pulumi.runtime.registerStackTransformation((args) => {
            constructed.set(args.name, { resource: args.resource, opts: args.opts, type: args.type });
            return undefined;
        });
        program = (await import("../../index.js")) as unknown as Record<string, pulumi.Output<unknown>>;
        return program;
    });

    // Some registrations wait on other resources' outputs: let every one of them reach the engine.
    await Promise.all(
        [...constructed.values()].map(({ resource }) => new Promise((resolve) => resource.urn.apply(resolve))),
    );

    const resources = new Map<string, RecordedResource>();
    for (const [name, { resource, opts, type }] of constructed) {
        const engineView = recorded.get(name);
        resources.set(name, {
            type,
            name,
            inputs: engineView?.inputs ?? {},
            provider: engineView?.provider,
            resource,
            opts,
        });
    }
    return { program, resources, stackOutputs: (stackOutputs ?? {}) as Record<string, unknown> };
}
