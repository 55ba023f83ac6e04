// A lab created by oncall-lab 0.1.0 keeps the providers' first input names in its state (grafanaUrl for the laptop's
// Grafana API, onCallApiUrl, grafanaInClusterUrl for Grafana's public URL, oncallUrl). The engine gives diff and
// update those outputs as olds and read and delete as props, and runs the provider code of the current program for
// diff and update: its next `pulumi up` must neither replace the connection nor lose it.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { oncallHeartbeatTimeoutProvider } from "../src/oncall/wiring/heartbeatProvider";
import type {
    OnCallHeartbeatTimeoutInputs,
    OnCallHeartbeatTimeoutOutputs,
    OnCallWiringInputs,
    OnCallWiringOutputs,
} from "../src/oncall/wiring/inputs";
import { oncallWiringProvider } from "../src/oncall/wiring/wiringProvider";
import { type FakeLab, TOKENS } from "./support/fake-grafana-oncall";
import { fakeLabPerTest, heartbeatProvider, loadSerialized, wiringProvider } from "./support/wiring-providers";

interface RecordedResource {
    id: string;
    outputs: Record<string, unknown>;
}
const recorded = JSON.parse(readFileSync(join(__dirname, "fixtures", "wiring-state-0.1.0.json"), "utf8")) as Record<
    string,
    RecordedResource
>;
const wiringState = recorded["oncall-wiring-connection"];
const heartbeatState = recorded["oncall-heartbeat-timeout"];
/** The current program's inputs carry its own serialized provider. */
const CURRENT_PROVIDER = "exports.handler = <the provider as this version serializes it>";

/** The fake lab as the recorded state describes it: plugin connected, alice known, the state's token and heartbeat. */
function labAsRecorded(lab: FakeLab): void {
    const wiring = wiringState.outputs;
    lab.grafanaUsers.set("alice", "Editor");
    lab.oncallUsers.set("alice", { id: (wiring.userIds as Record<string, string>).alice, role: "editor" });
    lab.connectedAlready();
    lab.tokens.set(wiring.apiTokenId as number, {
        name: wiring.apiTokenName as string,
        token: wiring.apiToken as string,
    });
    lab.nextTokenId = (wiring.apiTokenId as number) + 1;
    lab.heartbeats.set(heartbeatState.id, {
        id: heartbeatState.id,
        alert_receive_channel: "CINTEGRATION1",
        timeout_seconds: 300,
    });
}

/** The recorded outputs, with the laptop's URLs pointing at the fake lab (its ports are drawn per test). */
function oldWiringState(lab: FakeLab): OnCallWiringOutputs {
    return {
        ...wiringState.outputs,
        grafanaUrl: lab.grafanaLocalApiUrl,
        oncallUrl: lab.oncallPublicUrl,
    } as unknown as OnCallWiringOutputs;
}

function oldHeartbeatState(lab: FakeLab): OnCallHeartbeatTimeoutOutputs {
    return {
        ...heartbeatState.outputs,
        grafanaUrl: lab.grafanaLocalApiUrl,
    } as unknown as OnCallHeartbeatTimeoutOutputs;
}

/** What index.ts declares for the same lab now: the same values, the URLs under their current names. */
function currentWiringInputs(lab: FakeLab): OnCallWiringInputs {
    const {
        grafanaUrl,
        onCallApiUrl,
        grafanaInClusterUrl,
        oncallUrl,
        pluginConnected,
        apiToken,
        apiTokenId,
        apiTokenValid,
        userIds,
        __provider,
        ...same
    } = wiringState.outputs;
    return {
        ...same,
        grafanaLocalApiUrl: lab.grafanaLocalApiUrl,
        oncallInClusterUrl: onCallApiUrl,
        grafanaPublicUrl: grafanaInClusterUrl,
        oncallPublicUrl: lab.oncallPublicUrl,
        __provider: CURRENT_PROVIDER,
    } as unknown as OnCallWiringInputs;
}

function currentHeartbeatInputs(lab: FakeLab): OnCallHeartbeatTimeoutInputs {
    const { grafanaUrl, heartbeatId, __provider, ...same } = heartbeatState.outputs;
    return {
        ...same,
        grafanaLocalApiUrl: lab.grafanaLocalApiUrl,
        __provider: CURRENT_PROVIDER,
    } as unknown as OnCallHeartbeatTimeoutInputs;
}

type Providers = { wiring: typeof wiringProvider; heartbeat: typeof heartbeatProvider };
const serialized: Array<() => void> = [];
const asSerialized = async (): Promise<Providers> => {
    const [wiring, heartbeat] = await Promise.all([
        loadSerialized(oncallWiringProvider),
        loadSerialized(oncallHeartbeatTimeoutProvider),
    ]);
    serialized.push(wiring.dispose, heartbeat.dispose);
    return { wiring: wiring.provider, heartbeat: heartbeat.provider };
};
afterAll(() => serialized.splice(0).forEach((dispose) => dispose()));

describe.each([
    ["as imported", async (): Promise<Providers> => ({ wiring: wiringProvider, heartbeat: heartbeatProvider })],
    ["as Pulumi serializes them", asSerialized],
])("the providers %s, given the state of a lab created by oncall-lab 0.1.0", (_how, load) => {
    let providers: Providers;
    let lab: FakeLab;
    beforeAll(async () => {
        providers = await load();
    });
    fakeLabPerTest((started) => (lab = started), labAsRecorded);

    it("diff sees no change for the same lab, and a changed password is an update, not a replacement", async () => {
        const { wiring, heartbeat } = providers;
        const news = currentWiringInputs(lab);

        expect(await wiring.diff(wiringState.id, oldWiringState(lab), news)).toEqual({ changes: false, replaces: [] });
        expect(await wiring.diff(wiringState.id, oldWiringState(lab), { ...news, grafanaPassword: "changed" })).toEqual(
            { changes: true, replaces: [] },
        );
        expect(await heartbeat.diff(heartbeatState.id, oldHeartbeatState(lab), currentHeartbeatInputs(lab))).toEqual({
            changes: false,
            replaces: [],
        });
    });

    it("read finds the connection working and the heartbeat set, and returns the state as it was", async () => {
        const { wiring, heartbeat } = providers;

        expect(await wiring.read(wiringState.id, oldWiringState(lab))).toEqual({
            id: wiringState.id,
            props: oldWiringState(lab),
        });
        expect(await heartbeat.read(heartbeatState.id, oldHeartbeatState(lab))).toEqual({
            id: heartbeatState.id,
            props: oldHeartbeatState(lab),
        });
    });

    it("update keeps the connection and the state's token, and writes the current names", async () => {
        const { wiring, heartbeat } = providers;
        const news = { ...currentWiringInputs(lab), readyTimeoutSeconds: 300 };

        const { outs } = await wiring.update(wiringState.id, oldWiringState(lab), news);

        expect(outs).toEqual({
            ...news,
            pluginConnected: true,
            apiToken: wiringState.outputs.apiToken,
            apiTokenId: wiringState.outputs.apiTokenId,
            apiTokenValid: true,
            userIds: wiringState.outputs.userIds,
        });
        expect(lab.requestsTo("POST", TOKENS)).toHaveLength(0);
        await heartbeat.update(heartbeatState.id, oldHeartbeatState(lab), {
            ...currentHeartbeatInputs(lab),
            timeoutSeconds: 600,
        });
        expect(lab.heartbeats.get(heartbeatState.id)?.timeout_seconds).toBe(600);
    });

    it("delete revokes the state's token", async () => {
        await providers.wiring.delete(wiringState.id, oldWiringState(lab));

        expect(lab.tokens.size).toBe(0);
        expect(lab.requestsTo("DELETE", `${TOKENS}${wiringState.outputs.apiTokenId}/`)).toHaveLength(1);
    });
});
