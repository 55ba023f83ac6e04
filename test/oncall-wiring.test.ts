import { describe, expect, it } from "vitest";
import { pluginJsonData } from "../src/oncall/pluginJsonData";
import { inClusterWebhookUrl } from "../src/oncall/wiring/webhook";
import {
    type FakeLab,
    GRAFANA_PASSWORD,
    IN_CLUSTER_ENGINE,
    GRAFANA_PUBLIC_URL,
    INSTALL,
    PLUGIN,
    STATUS,
    USERS,
} from "./support/fake-grafana-oncall";
import { createWiring, failure, fakeLabPerTest, wiringProvider } from "./support/wiring-providers";

const provider = wiringProvider;

describe("pluginJsonData", () => {
    it("uses the self-hosted stack and org ids, the engine's in-cluster URL and Grafana's public URL", () => {
        expect(pluginJsonData({ oncallInClusterUrl: IN_CLUSTER_ENGINE, grafanaPublicUrl: GRAFANA_PUBLIC_URL })).toEqual(
            {
                stackId: 5,
                orgId: 100,
                onCallApiUrl: IN_CLUSTER_ENGINE,
                grafanaUrl: GRAFANA_PUBLIC_URL,
            },
        );
    });
});

describe("inClusterWebhookUrl", () => {
    const token = "Zx8kQ2vN5mP7rT1wY4bC6dF9h";

    it("moves the integration path, trailing slash included, onto the in-cluster engine", () => {
        const link = `http://127.0.0.1:8080/integrations/v1/alertmanager/${token}/`;
        const expected = `${IN_CLUSTER_ENGINE}/integrations/v1/alertmanager/${token}/`;
        expect(inClusterWebhookUrl(link, IN_CLUSTER_ENGINE)).toBe(expected);
        expect(inClusterWebhookUrl(link, `${IN_CLUSTER_ENGINE}/`)).toBe(expected);
    });

    it("drops a path prefix of OnCall's public base URL", () => {
        const link = `https://lab.example/oncall/integrations/v1/alertmanager/${token}/`;
        expect(inClusterWebhookUrl(link, IN_CLUSTER_ENGINE)).toBe(
            `${IN_CLUSTER_ENGINE}/integrations/v1/alertmanager/${token}/`,
        );
    });

    it.each([
        ["without the trailing slash", `http://127.0.0.1:8080/integrations/v1/alertmanager/${token}`],
        ["of another integration type", `http://127.0.0.1:8080/integrations/v1/webhook/${token}/`],
        ["without a token", "http://127.0.0.1:8080/integrations/v1/alertmanager/"],
        ["that is not a URL", `integrations/v1/alertmanager/${token}/`],
    ])("rejects a link %s, without echoing its token", (_case, link) => {
        let message = "";
        try {
            inClusterWebhookUrl(link, IN_CLUSTER_ENGINE);
        } catch (error) {
            message = (error as Error).message;
        }
        expect(message).toMatch(/integrations\/v1\/alertmanager\/<token>\//);
        expect(message).not.toContain(token);
    });
});

describe("oncallWiringProvider.create and update against a fake Grafana and OnCall", () => {
    let lab: FakeLab;
    fakeLabPerTest((started) => (lab = started));

    it("connects the plugin enabled and pinned, issues a token and returns the OnCall id of every login", async () => {
        lab.grafanaUsers.set("alice", "Editor").set("bob", "Admin");
        const inputs = lab.inputs({ userLogins: ["alice", "Bob"] });

        const { id, outs } = await createWiring(inputs);

        expect(lab.requestsTo("POST", `${PLUGIN}/settings`).map((request) => request.body)).toEqual([
            {
                enabled: true,
                pinned: true,
                jsonData: { stackId: 5, orgId: 100, onCallApiUrl: IN_CLUSTER_ENGINE, grafanaUrl: GRAFANA_PUBLIC_URL },
            },
        ]);
        // The first install meets an engine still starting; the step retries until the status is connected.
        expect(lab.requestsTo("POST", INSTALL)).toHaveLength(2);
        // The status call already syncs users and holds the plugin's 5-minute lock: never force another sync.
        expect(lab.requestsTo("POST", `${PLUGIN}/resources/plugin/sync`)).toHaveLength(0);

        const [[tokenId, token]] = [...lab.tokens];
        expect(token.name).toBe("pulumi oncall-lab");
        expect(id).toBe("grafana-oncall-app@cluster-1");
        expect(outs).toEqual({
            ...inputs,
            pluginConnected: true,
            apiToken: token.token,
            apiTokenId: tokenId,
            apiTokenValid: true,
            userIds: { alice: lab.oncallUsers.get("alice")!.id, Bob: lab.oncallUsers.get("bob")!.id },
        });

        // The public API takes the bare token, without "Bearer"; users are looked up by the username filter.
        const oncallRequests = lab.requests.filter((request) => request.server === "oncall");
        expect(oncallRequests.every((request) => request.authorization === token.token)).toBe(true);
        const lookups = lab.requestsTo("GET", `${USERS}?`);
        expect(
            lookups.map((request) => new URL(request.path, lab.oncallPublicUrl).searchParams.get("username")),
        ).toEqual(["alice", "Bob"]);
        expect(lookups.every((request) => request.userAgent?.includes("terraform-provider-grafana"))).toBe(true);
    });

    it("finds a person added to Grafana after the plugin's own sync, through the engine's user pull", async () => {
        lab.grafanaUsers.set("alice", "Editor");
        lab.connectedAlready();
        lab.grafanaUsers.set("carol", "Editor");

        const { outs } = await createWiring(lab.inputs({ userLogins: ["alice", "carol"], readyTimeoutSeconds: 2 }));

        expect(outs.userIds).toEqual({
            alice: lab.oncallUsers.get("alice")!.id,
            carol: lab.oncallUsers.get("carol")!.id,
        });
        expect(lab.requestsTo("POST", `${PLUGIN}/resources/plugin/sync`)).toHaveLength(0);
    });

    it("keeps waiting, within readyTimeoutSeconds, for a person who shows up in Grafana later", async () => {
        lab.connectedAlready();
        lab.syncPeriodMs = 300;
        setTimeout(() => lab.grafanaUsers.set("dave", "Editor"), 500);

        const { outs } = await createWiring(lab.inputs({ userLogins: ["dave"], readyTimeoutSeconds: 5 }));

        expect(outs.userIds).toEqual({ dave: lab.oncallUsers.get("dave")!.id });
    });

    it("gives up after readyTimeoutSeconds naming who is missing and who cannot be paged, and revokes its token", async () => {
        lab.grafanaUsers.set("alice", "Editor").set("victor", "Viewer");
        const started = Date.now();

        const error = await failure(
            provider.create(lab.inputs({ userLogins: ["alice", "victor", "nobody"], readyTimeoutSeconds: 1 })),
        );

        expect(Date.now() - started).toBeLessThan(5_000);
        expect(error.message).toMatch(
            /^OnCall wiring gave up waiting until OnCall knows every person after 1s; last answer: GET /,
        );
        expect(error.message).toContain("not in OnCall: nobody");
        expect(error.message).toContain("not pageable: victor (role viewer)");
        expect(error.message).toContain(
            "exists there with role Editor or Admin (Viewers are synced but cannot be paged)",
        );
        expect(error.message).not.toContain("alice,");
        // A failed create leaves no state behind, so it must not leave its token behind either.
        expect(lab.tokens.size).toBe(0);
    });

    it("fails at once on rejected Grafana credentials, naming step, URL and status but not the password", async () => {
        const started = Date.now();

        const error = await failure(provider.create(lab.inputs({ grafanaPassword: `${GRAFANA_PASSWORD}-wrong` })));

        expect(Date.now() - started).toBeLessThan(2_000);
        expect(error.message).toContain("connecting the OnCall plugin");
        expect(error.message).toContain(`GET ${lab.grafanaLocalApiUrl}${PLUGIN}/settings -> HTTP 401`);
        expect(error.message).toContain('Grafana rejected the credentials of user "admin"');
        expect(error.message).not.toContain(GRAFANA_PASSWORD);
        expect(lab.requests).toHaveLength(1);
    });

    it("gives up after readyTimeoutSeconds with the last answer, and no password in the message", async () => {
        lab.neverConnects = true;
        const started = Date.now();

        const error = await failure(provider.create(lab.inputs({ readyTimeoutSeconds: 1 })));

        expect(Date.now() - started).toBeGreaterThanOrEqual(1_000);
        expect(Date.now() - started).toBeLessThan(5_000);
        expect(error.message).toMatch(/^OnCall wiring gave up connecting the OnCall plugin after 1s; last answer: /);
        expect(error.message).toContain(`POST ${lab.grafanaLocalApiUrl}${INSTALL} -> HTTP 400`);
        expect(error.message).toContain("connection refused");
        expect(error.message).not.toContain(GRAFANA_PASSWORD);
        expect(lab.requestsTo("POST", INSTALL).length).toBeGreaterThan(1);
    });

    it("stops at once with the engine's reason when the engine refuses the install inside an HTTP 200", async () => {
        lab.installFailuresLeft = 0;
        lab.installRefusal = { code: 1001, message: "Invalid stack or org id for self-hosted organization" };
        const started = Date.now();

        const error = await failure(provider.create(lab.inputs({ readyTimeoutSeconds: 5 })));

        expect(Date.now() - started).toBeLessThan(2_000);
        expect(error.message).toContain(
            `failed while connecting the OnCall plugin: POST ${lab.grafanaLocalApiUrl}${INSTALL} -> HTTP 200`,
        );
        expect(error.message).toContain(
            "the engine refused the install: Invalid stack or org id for self-hosted organization (code 1001)",
        );
        expect(error.message).toContain("stackId 5 and orgId 100");
        expect(error.message).not.toContain(GRAFANA_PASSWORD);
        expect(lab.requestsTo("POST", INSTALL)).toHaveLength(1);
        expect(lab.tokens.size).toBe(0);
    });

    it("retries an install refusal that may pass, and names it when time runs out", async () => {
        lab.installFailuresLeft = 0;
        lab.installRefusal = { code: 1000, message: "Install failed check /status for details" };

        const error = await failure(provider.create(lab.inputs({ readyTimeoutSeconds: 1 })));

        expect(error.message).toMatch(
            /^OnCall wiring gave up connecting the OnCall plugin after 1s; last answer: POST /,
        );
        expect(error.message).toContain(
            "the engine refused the install: Install failed check /status for details (code 1000)",
        );
        expect(lab.requestsTo("POST", INSTALL).length).toBeGreaterThan(1);
    });

    it.each([
        ["service_account_token", `Grafana ${GRAFANA_PUBLIC_URL}/api/org, status code 401`, "externalServiceAccounts"],
        [
            "oncall_api_url",
            'Error checking OnCall API health. Get "http://oncall-engine:8080/api/internal/v1/health/": timeout. Status code: 400',
            "the engine's in-cluster URL",
        ],
        [
            "grafana_url_from_plugin",
            `Grafana ${GRAFANA_PUBLIC_URL}/api/org, status code 502`,
            "Grafana's public URL, which must also answer inside the cluster",
        ],
    ] as const)(
        "names the status entry %s that stays not ok after install, with what to do",
        async (entry, reason, hint) => {
            lab.installFailuresLeft = 0;
            lab.statusFailures[entry] = reason;

            const error = await failure(provider.create(lab.inputs({ readyTimeoutSeconds: 1 })));

            expect(error.message).toMatch(
                /^OnCall wiring gave up connecting the OnCall plugin after 1s; last answer: GET /,
            );
            expect(error.message).toContain(`${STATUS} -> HTTP 200 (not connected: ${entry}: ${reason} (`);
            expect(error.message).toContain(hint);
            // Only the failing entry is named.
            expect(error.message.match(/: [a-z_]+: /g)).toEqual([`: ${entry}: `]);
        },
    );
});
