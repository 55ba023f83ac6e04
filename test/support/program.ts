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
    opts: pulumi.ResourceOptions;
}

export interface ProgramRun {
    program: Record<string, pulumi.Output<unknown>>;
    resources: Map<string, RecordedResource>;
    stackOutputs: Record<string, unknown>;
}

export const INTEGRATION_LINK = "http://127.0.0.1:8080/integrations/v1/alertmanager/TOKEN123/";
export const FAKE_KUBECONFIG = "apiVersion: v1\nkind: Config\ncurrent-context: kind-oncall-lab\n";

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
function mockState(args: pulumi.runtime.MockResourceArgs, preview: boolean): Record<string, unknown> {
    const state: Record<string, unknown> = { ...args.inputs };
    if (args.type === "kubernetes:helm.sh/v3:Release") {
        state.status = { name: args.inputs.name, namespace: args.inputs.namespace, status: "deployed" };
    }
    if (args.type === "random:index/randomPassword:RandomPassword") {
        state.result = `generated-${args.name}-${"x".repeat(Number(args.inputs.length))}`;
    }
    // Dynamic providers do not run during preview: their outputs stay unknown, as with a real engine.
    if (!preview && args.name === "kind-cluster") {
        state.kubeconfig = FAKE_KUBECONFIG;
        state.contextName = `kind-${args.inputs.clusterName}`;
    }
    if (!preview && args.name === "oncall-wiring-integration") {
        state.integrationId = "CINTEGRATION";
        state.integrationLink = INTEGRATION_LINK;
    }
    return state;
}

export async function runProgram(options: { config?: Record<string, string>; preview?: boolean } = {}): Promise<ProgramRun> {
    const preview = options.preview ?? false;
    const recorded = new Map<string, Omit<RecordedResource, "resource" | "opts">>();
    const constructed = new Map<string, Pick<RecordedResource, "resource" | "opts" | "type">>();

    await pulumi.runtime.setMocks({
        newResource: args => {
            recorded.set(args.name, { type: args.type, name: args.name, inputs: args.inputs, provider: args.provider });
            return { id: preview ? undefined : `${args.name}-id`, state: mockState(args, preview) } as pulumi.runtime.MockResourceResult;
        },
        call: args => args.inputs,
    }, "oncall-lab", "test", preview);
    for (const [key, value] of Object.entries(options.config ?? {})) {
        pulumi.runtime.setConfig(key, value);
    }

    let program: Record<string, pulumi.Output<unknown>> = {};
    const stackOutputs = await pulumi.runtime.runInPulumiStack(async () => {
        pulumi.runtime.registerStackTransformation(args => {
            constructed.set(args.name, { resource: args.resource, opts: args.opts, type: args.type });
            return undefined;
        });
        program = (await import("../../index.js")) as unknown as Record<string, pulumi.Output<unknown>>;
        return program;
    });

    // Some registrations wait on other resources' outputs: let every one of them reach the engine.
    await Promise.all([...constructed.values()].map(({ resource }) => new Promise(resolve => resource.urn.apply(resolve))));

    const resources = new Map<string, RecordedResource>();
    for (const [name, { resource, opts, type }] of constructed) {
        const engineView = recorded.get(name);
        resources.set(name, { type, name, inputs: engineView?.inputs ?? {}, provider: engineView?.provider, resource, opts });
    }
    return { program, resources, stackOutputs: (stackOutputs ?? {}) as Record<string, unknown> };
}
