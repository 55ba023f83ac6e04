import * as pulumi from "@pulumi/pulumi";
import { afterEach, describe, expect, it } from "vitest";
import { oncallHeartbeatTimeoutProvider } from "../src/oncall/wiring/heartbeatProvider";
import { oncallWiringProvider } from "../src/oncall/wiring/wiringProvider";
import { type FakeLab } from "./support/fake-grafana-oncall";
import { fakeLabPerTest, loadSerialized } from "./support/wiring-providers";

// Pulumi stores each provider's code in state, serialized with what it uses of the modules it imports (local
// modules by value); the Pulumi engine runs that code, not these modules. So the providers must keep working as
// serialized, outside vitest.
describe("the wiring providers after Pulumi serializes them and Node loads them outside vitest", () => {
    let lab: FakeLab;
    fakeLabPerTest((started) => (lab = started));
    const disposals: Array<() => void> = [];
    afterEach(() => disposals.splice(0).forEach((dispose) => dispose()));

    it("the wiring provider checks, creates, reads, diffs and deletes", async () => {
        const { provider, text, dispose } = await loadSerialized(oncallWiringProvider);
        disposals.push(dispose);
        // The shared modules are inside the text, by value: nothing of the project is require()d, and of
        // src/oncall/vocabulary.ts only what the provider uses is there.
        expect(text).not.toMatch(/require\("\.{1,2}\//);
        expect(text).toContain("API_TOKEN_NAME_MAX");
        expect(text).not.toContain("ESCALATION_STEP_TYPES");

        lab.grafanaUsers.set("alice", "Editor");
        const inputs = lab.inputs({ userLogins: ["alice"] });
        expect((await provider.check(inputs, inputs)).failures).toEqual([]);
        const unknown = {
            ...inputs,
            apiTokenName: pulumi.runtime.unknownValue,
            userLogins: [pulumi.runtime.unknownValue],
        };
        expect((await provider.check(inputs, unknown)).failures).toEqual([]);
        expect((await provider.check(inputs, { ...inputs, apiTokenName: "" })).failures).toHaveLength(1);

        const { id, outs } = await provider.create(inputs);
        expect(outs!.userIds).toEqual({ alice: lab.oncallUsers.get("alice")!.id });
        expect(await provider.read(id, outs!)).toEqual({ id, props: outs });
        expect(await provider.diff(id, outs!, inputs)).toEqual({ changes: false, replaces: [] });
        expect(await provider.diff(id, outs!, { ...inputs, clusterId: "cluster-2" })).toEqual({
            changes: true,
            replaces: ["clusterId"],
        });
        await provider.delete(id, outs!);
        expect(lab.tokens.size).toBe(0);
    });

    it("the heartbeat provider checks, creates, reads, diffs and updates", async () => {
        const { provider, text, dispose } = await loadSerialized(oncallHeartbeatTimeoutProvider);
        disposals.push(dispose);
        expect(text).not.toMatch(/require\("\.{1,2}\//);
        lab.connectedAlready();
        const heartbeat = lab.addHeartbeat("CINTEGRATION1");

        const inputs = lab.heartbeatInputs({ timeoutSeconds: 120 });
        expect((await provider.check(inputs, inputs)).failures).toEqual([]);
        expect((await provider.check(inputs, { ...inputs, timeoutSeconds: 90 })).failures).toHaveLength(1);
        const { id, outs } = await provider.create(inputs);
        expect(heartbeat.timeout_seconds).toBe(120);
        expect(await provider.read(id, outs!)).toEqual({ id, props: outs });
        expect(await provider.diff(id, outs!, inputs)).toEqual({ changes: false, replaces: [] });
        await provider.update(id, outs!, { ...inputs, timeoutSeconds: 300 });
        expect(heartbeat.timeout_seconds).toBe(300);
    });
});
