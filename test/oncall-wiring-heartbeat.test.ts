import { describe, expect, it } from "vitest";
import type { OnCallHeartbeatTimeoutInputs, OnCallHeartbeatTimeoutOutputs } from "../src/oncall/wiring/inputs";
import { type FakeLab, GRAFANA_PASSWORD, PLUGIN } from "./support/fake-grafana-oncall";
import { closedPortUrl, createHeartbeat, failure, fakeLabPerTest, heartbeatProvider } from "./support/wiring-providers";

describe("oncallHeartbeatTimeoutProvider against a fake Grafana and OnCall", () => {
    let lab: FakeLab;
    fakeLabPerTest(
        (started) => (lab = started),
        (started) => started.connectedAlready(),
    );

    it("finds the integration's heartbeat and sets its timeout", async () => {
        lab.addHeartbeat("COTHER");
        const heartbeat = lab.addHeartbeat("CINTEGRATION1");
        const inputs = lab.heartbeatInputs({ timeoutSeconds: 300 });

        const { id, outs } = await createHeartbeat(inputs);

        expect(id).toBe(heartbeat.id);
        expect(outs).toEqual({ ...inputs, heartbeatId: heartbeat.id });
        expect(heartbeat.timeout_seconds).toBe(300);
        expect(lab.requestsTo("GET", `${PLUGIN}/resources/heartbeats/`).map((request) => request.path)).toEqual([
            `${PLUGIN}/resources/heartbeats/?alert_receive_channel=CINTEGRATION1`,
        ]);
        expect(
            lab.requestsTo("PATCH", `${PLUGIN}/resources/heartbeats/`).map((request) => [request.path, request.body]),
        ).toEqual([[`${PLUGIN}/resources/heartbeats/${heartbeat.id}/`, { timeout_seconds: 300 }]]);
    });

    it("read reports a timeout changed behind Pulumi's back without writing, and update sets it again", async () => {
        const heartbeat = lab.addHeartbeat("CINTEGRATION1");
        const { id, outs } = await createHeartbeat(lab.heartbeatInputs());
        heartbeat.timeout_seconds = 3600;

        const { props } = await heartbeatProvider.read(id, outs);

        expect(props).toEqual({ ...outs, timeoutSeconds: 3600 });
        expect(lab.requestsTo("PATCH", `${PLUGIN}/resources/heartbeats/`)).toHaveLength(1);
        expect(await heartbeatProvider.diff(id, props!, lab.heartbeatInputs())).toEqual({
            changes: true,
            replaces: [],
        });

        await heartbeatProvider.update(id, props!, lab.heartbeatInputs());
        expect(heartbeat.timeout_seconds).toBe(60);
    });

    it("read reports the heartbeat gone with its integration", async () => {
        const heartbeat = lab.addHeartbeat("CINTEGRATION1");
        const { id, outs } = await createHeartbeat(lab.heartbeatInputs());
        lab.heartbeats.delete(heartbeat.id);

        expect(await heartbeatProvider.read(id, outs)).toEqual({});
    });

    it("delete leaves the heartbeat to its integration", async () => {
        lab.addHeartbeat("CINTEGRATION1");
        const { id, outs } = await createHeartbeat(lab.heartbeatInputs());
        lab.requests.length = 0;

        await heartbeatProvider.delete(id, outs);

        expect(lab.requests).toHaveLength(0);
    });

    it("stops at once when OnCall refuses the timeout, or Grafana the credentials", async () => {
        lab.addHeartbeat("CINTEGRATION1");
        const started = Date.now();

        await expect(heartbeatProvider.create(lab.heartbeatInputs({ timeoutSeconds: 61 }))).rejects.toThrow(
            /failed while setting the heartbeat timeout of integration CINTEGRATION1: PATCH .* HTTP 400: .*not a valid choice.*OnCall refused the timeout/,
        );
        const error = await failure(heartbeatProvider.create(lab.heartbeatInputs({ grafanaPassword: "wrong" })));
        expect(error.message).toContain('Grafana rejected the credentials of user "admin"');
        expect(error.message).not.toContain("wrong");
        expect(Date.now() - started).toBeLessThan(2_000);
    });

    it("waits a bounded time for a heartbeat that does not exist", async () => {
        const error = await failure(heartbeatProvider.create(lab.heartbeatInputs({ readyTimeoutSeconds: 1 })));

        expect(error.message).toMatch(/gave up setting the heartbeat timeout of integration CINTEGRATION1 after 1s/);
        expect(error.message).toContain("OnCall shows no heartbeat for this integration");
    });
});

describe("oncallHeartbeatTimeoutProvider without a lab", () => {
    const inputs: OnCallHeartbeatTimeoutInputs = {
        grafanaLocalApiUrl: "http://127.0.0.1:3000",
        grafanaUser: "admin",
        grafanaPassword: GRAFANA_PASSWORD,
        integrationId: "CINTEGRATION1",
        timeoutSeconds: 600,
        clusterId: "cluster-1",
        readyTimeoutSeconds: 120,
    };
    const olds: OnCallHeartbeatTimeoutOutputs = { ...inputs, heartbeatId: "BHEART" };

    it("accepts only OnCall's timeout choices", async () => {
        expect((await heartbeatProvider.check(inputs, { ...inputs, timeoutSeconds: 86400 })).failures).toEqual([]);
        expect((await heartbeatProvider.check(inputs, { ...inputs, timeoutSeconds: 90 })).failures).toEqual([
            {
                property: "timeoutSeconds",
                reason: "must be one of 60, 120, 180, 300, 600, 900, 1800, 3600, 43200, 86400 (OnCall's choices)",
            },
        ]);
    });

    it.each(["integrationId", "clusterId", "grafanaLocalApiUrl"] as const)("replaces when %s changes", async (name) => {
        expect(await heartbeatProvider.diff("BHEART", olds, { ...inputs, [name]: "changed" })).toEqual({
            changes: true,
            replaces: [name],
        });
    });

    it("updates in place when the timeout changes, and sees no change otherwise", async () => {
        expect(await heartbeatProvider.diff("BHEART", olds, { ...inputs, timeoutSeconds: 60 })).toEqual({
            changes: true,
            replaces: [],
        });
        expect(await heartbeatProvider.diff("BHEART", olds, inputs)).toEqual({ changes: false, replaces: [] });
    });

    it("read keeps the state as it is and returns in well under a second when Grafana refuses connections", async () => {
        const props = { ...olds, grafanaLocalApiUrl: await closedPortUrl() };
        const started = Date.now();

        expect(await heartbeatProvider.read("BHEART", props)).toEqual({ id: "BHEART", props });
        expect(Date.now() - started).toBeLessThan(500);
    });
});
