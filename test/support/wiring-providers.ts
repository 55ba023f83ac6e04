// Helpers for the wiring providers' tests: the providers with every method, create() with its outputs, a fake
// lab per test, and the providers as Pulumi serializes them.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import { createRequire } from "node:module";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { afterEach, beforeEach, expect } from "vitest";
import { oncallHeartbeatTimeoutProvider } from "../../src/oncall/wiring/heartbeatProvider";
import type {
    OnCallHeartbeatTimeoutInputs,
    OnCallHeartbeatTimeoutOutputs,
    OnCallWiringInputs,
    OnCallWiringOutputs,
} from "../../src/oncall/wiring/inputs";
import { oncallWiringProvider } from "../../src/oncall/wiring/wiringProvider";
import { FakeLab } from "./fake-grafana-oncall";

export const wiringProvider = oncallWiringProvider as Required<typeof oncallWiringProvider>;
export const heartbeatProvider = oncallHeartbeatTimeoutProvider as Required<typeof oncallHeartbeatTimeoutProvider>;

/** create() with its outputs, which the providers always return. */
export async function createWiring(inputs: OnCallWiringInputs): Promise<{ id: string; outs: OnCallWiringOutputs }> {
    const { id, outs } = await wiringProvider.create(inputs);
    expect(outs).toBeDefined();
    return { id, outs: outs! };
}

export async function createHeartbeat(
    inputs: OnCallHeartbeatTimeoutInputs,
): Promise<{ id: string; outs: OnCallHeartbeatTimeoutOutputs }> {
    const { id, outs } = await heartbeatProvider.create(inputs);
    expect(outs).toBeDefined();
    return { id, outs: outs! };
}

/** Starts a new FakeLab before each test of the enclosing describe (handing it to `use`) and stops it after. */
export function fakeLabPerTest(use: (lab: FakeLab) => void, prepare?: (lab: FakeLab) => void): void {
    let current: FakeLab;
    beforeEach(async () => {
        current = new FakeLab();
        await current.start();
        prepare?.(current);
        use(current);
    });
    afterEach(() => current.stop());
}

/** The rejection of a promise, or an Error("succeeded") when it fulfils. */
export async function failure(promise: Promise<unknown>): Promise<Error> {
    return promise.then(
        () => new Error("succeeded"),
        (error: Error) => error,
    );
}

/** A URL on which nothing listens: connections are refused at once, like a lab whose cluster is gone. */
export async function closedPortUrl(): Promise<string> {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    await new Promise((resolve) => server.close(resolve));
    return `http://127.0.0.1:${port}`;
}

/**
 * Serializes a provider as Pulumi does for state and loads the result with Node's own require, outside vitest's
 * module system, as the Pulumi engine's dynamic provider host does; the temporary file is removed by `dispose`.
 */
export async function loadSerialized<P>(
    provider: P,
): Promise<{ provider: Required<P>; text: string; dispose: () => void }> {
    const serialized = await pulumi.runtime.serializeFunction(() => provider, { allowSecrets: true });
    const moduleDir = mkdtempSync(join(tmpdir(), "oncall-provider-"));
    const moduleFile = join(moduleDir, "provider.js");
    writeFileSync(moduleFile, serialized.text);
    const loaded = createRequire(moduleFile)(moduleFile).handler() as Required<P>;
    return {
        provider: loaded,
        text: serialized.text,
        dispose: () => rmSync(moduleDir, { recursive: true, force: true }),
    };
}
