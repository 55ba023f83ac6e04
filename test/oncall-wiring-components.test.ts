import * as pulumi from "@pulumi/pulumi";
import { beforeEach, describe, expect, it } from "vitest";
import { GRAFANA_PASSWORD, IN_CLUSTER_ENGINE, GRAFANA_PUBLIC_URL } from "./support/fake-grafana-oncall";

class FakeCluster extends pulumi.CustomResource {
    constructor(name: string) {
        super("test:index:Cluster", name, {});
    }
}

describe("OnCallWiring and OnCallHeartbeat components", () => {
    const registered: pulumi.runtime.MockResourceArgs[] = [];
    const valueOf = <T>(output: pulumi.Output<T>) => new Promise<T>((resolve) => output.apply(resolve));
    const optionsSeen = new Map<string, pulumi.ResourceOptions>();
    const recordOptions: pulumi.ResourceTransformation = ({ name, opts }) => {
        optionsSeen.set(name, opts);
        return undefined;
    };

    beforeEach(async () => {
        await pulumi.runtime.setMocks(
            {
                newResource: (args) => {
                    registered.push(args);
                    const outputs = args.name.endsWith("-connection")
                        ? {
                              pluginConnected: true,
                              apiToken: "tok",
                              apiTokenId: 1,
                              apiTokenValid: true,
                              userIds: { alice: "UALICE" },
                          }
                        : args.name.endsWith("-timeout")
                          ? { heartbeatId: "BHEART" }
                          : {};
                    return { id: `${args.name}-id`, state: { ...args.inputs, ...outputs } };
                },
                call: (args) => args.inputs,
            },
            "oncall-lab",
            "test",
        );
    });

    it("OnCallWiring parents one serialized dynamic resource, passes deletedWith on, and keeps the token secret", async () => {
        // Imported only after the mocks are in place, as Pulumi requires.
        const { OnCallWiring } = await import("../components/OnCallWiring.js");
        const cluster = new FakeCluster("cluster");
        const wiring = new OnCallWiring(
            "wiring",
            {
                grafanaLocalApiUrl: "http://127.0.0.1:3000",
                grafanaUser: "admin",
                grafanaPassword: pulumi.secret(GRAFANA_PASSWORD),
                oncallInClusterUrl: IN_CLUSTER_ENGINE,
                grafanaPublicUrl: GRAFANA_PUBLIC_URL,
                oncallPublicUrl: "http://127.0.0.1:8080",
                clusterId: "cluster-1",
                userLogins: ["alice"],
                readyTimeoutSeconds: 600,
            },
            { deletedWith: cluster, transformations: [recordOptions] },
        );

        expect(await valueOf(wiring.connection.urn)).toBe(
            "urn:pulumi:test::oncall-lab::oncall-lab:index:OnCallWiring$pulumi-nodejs:dynamic:Resource::wiring-connection",
        );
        expect(optionsSeen.get("wiring-connection")?.deletedWith).toBe(cluster);
        const child = registered.find((resource) => resource.name === "wiring-connection");
        expect(child?.inputs.__provider).toContain("exports.handler");
        // Each URL lands on the provider input of the same name.
        expect(child?.inputs).toMatchObject({
            grafanaLocalApiUrl: "http://127.0.0.1:3000",
            oncallInClusterUrl: IN_CLUSTER_ENGINE,
            grafanaPublicUrl: GRAFANA_PUBLIC_URL,
            oncallPublicUrl: "http://127.0.0.1:8080",
            clusterId: "cluster-1",
            userLogins: ["alice"],
            apiTokenName: "pulumi oncall-lab",
        });

        expect(await valueOf(wiring.apiToken)).toBe("tok");
        expect(await pulumi.isSecret(wiring.apiToken)).toBe(true);
        expect(await valueOf(wiring.userIds)).toEqual({ alice: "UALICE" });
    });

    it("OnCallHeartbeat parents one serialized dynamic resource and passes deletedWith on", async () => {
        const { OnCallHeartbeat } = await import("../components/OnCallHeartbeat.js");
        const cluster = new FakeCluster("cluster-for-heartbeat");
        const heartbeat = new OnCallHeartbeat(
            "heartbeat",
            {
                grafanaLocalApiUrl: "http://127.0.0.1:3000",
                grafanaUser: "admin",
                grafanaPassword: pulumi.secret(GRAFANA_PASSWORD),
                integrationId: "CINTEGRATION1",
                timeoutSeconds: 300,
                clusterId: "cluster-1",
            },
            { deletedWith: cluster, transformations: [recordOptions] },
        );

        expect(await valueOf(heartbeat.timeout.urn)).toBe(
            "urn:pulumi:test::oncall-lab::oncall-lab:index:OnCallHeartbeat$pulumi-nodejs:dynamic:Resource::heartbeat-timeout",
        );
        expect(optionsSeen.get("heartbeat-timeout")?.deletedWith).toBe(cluster);
        const child = registered.find((resource) => resource.name === "heartbeat-timeout");
        expect(child?.inputs.__provider).toContain("exports.handler");
        expect(child?.inputs).toMatchObject({
            grafanaLocalApiUrl: "http://127.0.0.1:3000",
            integrationId: "CINTEGRATION1",
            timeoutSeconds: 300,
            readyTimeoutSeconds: 120,
        });
        expect(await valueOf(heartbeat.heartbeatId)).toBe("BHEART");
    });
});
