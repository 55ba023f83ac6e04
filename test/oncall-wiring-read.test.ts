import { afterEach, describe, expect, it, vi } from "vitest";
import * as pulumi from "@pulumi/pulumi";
import type { OnCallWiringInputs, OnCallWiringOutputs } from "../src/oncall/wiring/inputs";
import {
    FakeLab,
    GRAFANA_PASSWORD,
    IN_CLUSTER_ENGINE,
    GRAFANA_PUBLIC_URL,
    PLUGIN,
    STATUS,
    TOKENS,
} from "./support/fake-grafana-oncall";
import { closedPortUrl, createWiring, fakeLabPerTest, wiringProvider } from "./support/wiring-providers";

const provider = wiringProvider;

describe("oncallWiringProvider.read against a fake Grafana and OnCall", () => {
    let lab: FakeLab;
    fakeLabPerTest((started) => (lab = started));

    it("never calls the plugin's status, which would start a user sync and take the plugin's sync lock", async () => {
        lab.grafanaUsers.set("alice", "Editor");
        const created = await createWiring(lab.inputs({ userLogins: ["alice"] }));
        lab.requests.length = 0;

        expect(await provider.read(created.id, created.outs)).toEqual({ id: created.id, props: created.outs });
        lab.loseGrafanaDatabase();
        expect((await provider.read(created.id, created.outs)).props?.pluginConnected).toBe(false);

        expect(lab.requestsTo("GET", `${PLUGIN}/settings`)).toHaveLength(2);
        expect(lab.requests.filter((request) => request.path.startsWith(`${PLUGIN}/resources/`))).toEqual([]);
        expect(lab.requestsTo("GET", STATUS)).toHaveLength(0);
    });

    it("reports the plugin disconnected when Grafana keeps its settings but no longer holds the engine's token", async () => {
        const created = await createWiring(lab.inputs());
        // As after an install that the engine refused: jsonData saved, secureJsonData.onCallApiToken never stored.
        lab.connected = false;

        const { props } = await provider.read(created.id, created.outs);

        expect(lab.pluginSettings).toMatchObject({ enabled: true, pinned: true });
        expect(props).toEqual({ ...created.outs, pluginConnected: false });
    });

    it("read reports a Grafana that lost its database, and the next update reconnects the plugin and keeps the token", async () => {
        const created = await createWiring(lab.inputs({ userLogins: ["admin"] }));
        lab.loseGrafanaDatabase();

        const { props } = await provider.read(created.id, created.outs);

        expect(props).toEqual({ ...created.outs, pluginConnected: false });
        expect(await provider.diff(created.id, props!, lab.inputs({ userLogins: ["admin"] }))).toEqual({
            changes: true,
            replaces: [],
        });

        const { outs } = await provider.update(created.id, props!, lab.inputs({ userLogins: ["admin"] }));

        expect(lab.connected).toBe(true);
        expect(lab.requestsTo("POST", `${PLUGIN}/settings`)).toHaveLength(2);
        expect(outs).toEqual(created.outs);
        expect(lab.requestsTo("POST", TOKENS)).toHaveLength(1);
    });

    it("read reports a revoked token, and the next update issues a new one", async () => {
        const created = await createWiring(lab.inputs());
        lab.tokens.clear();

        const { props } = await provider.read(created.id, created.outs);

        expect(props).toEqual({ ...created.outs, apiTokenValid: false });
        expect((await provider.diff(created.id, props!, lab.inputs())).changes).toBe(true);

        const { outs } = await provider.update(created.id, props!, lab.inputs());

        const [[tokenId, token]] = [...lab.tokens];
        expect(outs).toMatchObject({ apiToken: token.token, apiTokenId: tokenId, apiTokenValid: true });
        expect(tokenId).not.toBe(created.outs.apiTokenId);
    });

    it("read only observes: GETs without the sync User-Agent, and a person gone from OnCall drops out of userIds", async () => {
        lab.grafanaUsers.set("alice", "Editor");
        const created = await createWiring(lab.inputs({ userLogins: ["alice"] }));
        lab.grafanaUsers.delete("alice");
        lab.oncallUsers.delete("alice");
        lab.requests.length = 0;

        const { props } = await provider.read(created.id, created.outs);

        expect(props).toEqual({ ...created.outs, userIds: {} });
        expect(lab.requests.length).toBeGreaterThan(0);
        expect(lab.requests.every((request) => request.method === "GET")).toBe(true);
        expect(lab.requests.some((request) => request.userAgent?.includes("terraform-provider-grafana"))).toBe(false);
        // The next up waits for alice again.
        expect((await provider.diff(created.id, props!, lab.inputs({ userLogins: ["alice"] }))).changes).toBe(true);
    });

    it("read of a healthy lab returns the state unchanged", async () => {
        lab.grafanaUsers.set("alice", "Editor");
        const { id, outs } = await createWiring(lab.inputs({ userLogins: ["alice"] }));

        expect(await provider.read(id, outs)).toEqual({ id, props: outs });
    });
});

describe("oncallWiringProvider against a lab that is gone", () => {
    it("read keeps the state as it is and returns in well under a second", async () => {
        const props: OnCallWiringOutputs = {
            ...new FakeLab().inputs({
                grafanaLocalApiUrl: await closedPortUrl(),
                oncallPublicUrl: await closedPortUrl(),
                userLogins: ["alice"],
            }),
            pluginConnected: true,
            apiToken: "a".repeat(64),
            apiTokenId: 1,
            apiTokenValid: true,
            userIds: { alice: "UALICE" },
        };
        const started = Date.now();

        expect(await provider.read("grafana-oncall-app@cluster-1", props)).toEqual({
            id: "grafana-oncall-app@cluster-1",
            props,
        });
        expect(Date.now() - started).toBeLessThan(500);
    });

    it("delete succeeds at once when Grafana and OnCall refuse connections", async () => {
        const props: OnCallWiringOutputs = {
            ...new FakeLab().inputs({
                grafanaLocalApiUrl: await closedPortUrl(),
                oncallPublicUrl: await closedPortUrl(),
                readyTimeoutSeconds: 600,
            }),
            pluginConnected: true,
            apiToken: "a".repeat(64),
            apiTokenId: 1,
            apiTokenValid: true,
            userIds: {},
        };
        const started = Date.now();

        await provider.delete("grafana-oncall-app@cluster-1", props);
        expect(Date.now() - started).toBeLessThan(500);
    });
});

describe("oncallWiringProvider.diff and check", () => {
    const inputs: OnCallWiringInputs = {
        grafanaLocalApiUrl: "http://127.0.0.1:3000",
        grafanaUser: "admin",
        grafanaPassword: GRAFANA_PASSWORD,
        oncallInClusterUrl: IN_CLUSTER_ENGINE,
        grafanaPublicUrl: GRAFANA_PUBLIC_URL,
        oncallPublicUrl: "http://127.0.0.1:8080",
        clusterId: "cluster-1",
        userLogins: ["alice"],
        readyTimeoutSeconds: 600,
        apiTokenName: "pulumi oncall-lab",
    };
    const olds: OnCallWiringOutputs = {
        ...inputs,
        pluginConnected: true,
        apiToken: "tok",
        apiTokenId: 1,
        apiTokenValid: true,
        userIds: { alice: "UALICE" },
    };

    afterEach(() => vi.restoreAllMocks());

    it("makes no network calls and sees no change for the same inputs", async () => {
        const fetchSpy = vi.spyOn(globalThis, "fetch");

        expect(await provider.diff("id", olds, { ...inputs, userLogins: ["alice"] })).toEqual({
            changes: false,
            replaces: [],
        });
        expect(fetchSpy).not.toHaveBeenCalled();
    });

    it("sees a change of every input, so no input is left out of diff", async () => {
        for (const name of Object.keys(inputs) as Array<keyof OnCallWiringInputs>) {
            const changed = { ...inputs, [name]: typeof inputs[name] === "number" ? 1 : ["changed"] };
            expect((await provider.diff("id", olds, changed)).changes, name).toBe(true);
        }
    });

    it.each(["clusterId", "grafanaLocalApiUrl", "oncallPublicUrl", "apiTokenName"] as const)(
        "replaces when %s changes",
        async (name) => {
            expect(await provider.diff("id", olds, { ...inputs, [name]: "changed" })).toEqual({
                changes: true,
                replaces: [name],
            });
        },
    );

    it.each([
        ["grafanaPassword", "changed"],
        ["oncallInClusterUrl", "http://changed"],
        ["grafanaPublicUrl", "http://changed"],
        ["readyTimeoutSeconds", 60],
        ["userLogins", ["alice", "bob"]],
    ] as const)("updates in place when %s changes", async (name, value) => {
        expect(await provider.diff("id", olds, { ...inputs, [name]: value })).toEqual({ changes: true, replaces: [] });
    });

    it.each([
        ["the plugin was seen disconnected", { pluginConnected: false }],
        ["the token was seen rejected", { apiTokenValid: false }],
        ["a person is missing from OnCall", { userIds: {} }],
    ])("asks for an update when %s", async (_case, observed) => {
        expect(await provider.diff("id", { ...olds, ...observed }, inputs)).toEqual({ changes: true, replaces: [] });
    });

    it("rejects a token name OnCall cannot store and logins that repeat", async () => {
        const { failures } = await provider.check(inputs, {
            ...inputs,
            apiTokenName: "x".repeat(51),
            userLogins: ["alice", "Alice"],
        });

        expect(failures).toEqual([
            { property: "apiTokenName", reason: expect.stringContaining("1 to 50 characters") },
            { property: "userLogins", reason: expect.stringContaining("must not repeat a login") },
        ]);
    });

    it("accepts values that preview does not know yet", async () => {
        const unknown = pulumi.runtime.unknownValue;
        const news = {
            ...inputs,
            apiTokenName: unknown,
            clusterId: unknown,
            userLogins: unknown as unknown as string[],
        };

        expect(await provider.check(inputs, news)).toEqual({ inputs: news, failures: [] });
    });
});
