import { expect } from "vitest";
import * as pulumi from "@pulumi/pulumi";
import { ConfigError, validateConfig } from "../../src/config/config";

/** The problems validateConfig reports for a configuration it must refuse. */
export function problemsOf(
    raw: Record<string, string>,
    secrets: Parameters<typeof validateConfig>[1] = new Set(),
): string[] {
    try {
        validateConfig(raw, secrets);
    } catch (err) {
        expect(err).toBeInstanceOf(ConfigError);
        return (err as ConfigError).problems;
    }
    throw new Error("expected the configuration to be rejected");
}

/**
 * Imports a program (index.ts unless named) under mocks with this stack config: the error it stops with, and every
 * resource it declared, once every registration it started has reached the mock (registrations are asynchronous:
 * a resource declared before the program threw reaches the engine after the import has failed).
 */
export async function importWithConfig(
    config: Record<string, string>,
    program = "../../index.js",
): Promise<{ error: unknown; created: string[] }> {
    const created: string[] = [];
    await pulumi.runtime.setMocks(
        {
            newResource: (args) => {
                created.push(args.name);
                return { id: `${args.name}-id`, state: args.inputs };
            },
            call: (args) => args.inputs,
        },
        "oncall-lab",
        "test",
        false,
    );
    for (const [key, value] of Object.entries(config)) pulumi.runtime.setConfig(key, value);
    const error = await import(program).then(
        () => undefined,
        (err: unknown) => err,
    );
    // As the Pulumi CLI does before it ends a run: wait until no registration (RPC) is pending any more.
    await (pulumi.runtime as unknown as { waitForRPCs(): Promise<void> }).waitForRPCs();
    return { error, created };
}
