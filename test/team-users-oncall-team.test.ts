// TeamUsers and OnCallTeam under Pulumi's mocks: what the engine would be asked to create, through which
// provider, with which options. One stack per file (Pulumi's runtime is process-global).
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { beforeAll, describe, expect, it } from "vitest";
import { OnCallTeam } from "../components/OnCallTeam";
import { TeamUsers } from "../components/TeamUsers";
import { type Roster } from "../src/team/roster";
import { isSecretValue, reveal } from "./support/program";

interface Recorded {
    type: string;
    inputs: Record<string, unknown>;
    provider?: string;
    opts: pulumi.CustomResourceOptions;
    resource: pulumi.Resource;
}

const roster: Roster = {
    people: [
        {
            login: "alice",
            name: "Alice",
            email: "alice@oncall-lab.test",
            notificationRules: [
                { type: "notify_by_telegram", important: false },
                { type: "wait", durationSeconds: 300 },
                { type: "notify_by_email", important: false },
            ],
        },
        {
            login: "bob",
            name: "Bob",
            email: "bob@oncall-lab.test",
            notificationRules: [{ type: "notify_by_email", important: false }],
        },
    ],
    rotation: {
        name: "Primary",
        timeZone: "Europe/Berlin",
        start: "2024-01-01T09:00:00",
        frequency: "weekly",
        interval: 1,
        shiftSeconds: 604_800,
        people: ["alice", "bob"],
    },
    escalation: {
        name: "Paging",
        steps: [
            { type: "notify_on_call_from_schedule" },
            { type: "wait", durationSeconds: 300 },
            { type: "notify_persons", logins: ["alice", "bob"] },
            { type: "repeat_escalation" },
        ],
    },
};
const USER_IDS = { alice: "UALICE", bob: "UBOB" };
const LINK = "http://127.0.0.1:8080/integrations/v1/alertmanager/SECRETTOKEN/";
const HEARTBEAT_LINK = "http://127.0.0.1:8080/integrations/v1/alertmanager/HEARTBEATTOKEN/";

const resources = new Map<string, Recorded>();
let oncallTeam: OnCallTeam;
let users: TeamUsers;
let cluster: pulumi.Resource;
let wiring: pulumi.Resource;

const get = (name: string): Recorded => {
    const resource = resources.get(name);
    if (!resource) throw new Error(`no resource named ${name}; have: ${[...resources.keys()].join(", ")}`);
    return resource;
};
const ofType = (type: string) =>
    [...resources.entries()].filter(([, r]) => r.type === type).map(([name, r]) => ({ name, ...r }));
const valueOf = <T>(output: pulumi.Output<T>) => new Promise<T>((resolve) => output.apply(resolve));

beforeAll(async () => {
    const engineView = new Map<string, Pick<Recorded, "inputs" | "provider">>();
    const constructed = new Map<string, Pick<Recorded, "type" | "opts" | "resource">>();
    await pulumi.runtime.setMocks(
        {
            newResource: (args) => {
                engineView.set(args.name, { inputs: args.inputs, provider: args.provider });
                const state: Record<string, unknown> = { ...args.inputs };
                if (args.type === "grafana:onCall/integration:Integration")
                    state.link = args.name.endsWith("-heartbeat-integration") ? HEARTBEAT_LINK : LINK;
                if (args.type === "random:index/randomPassword:RandomPassword") state.result = `pw-${args.name}`;
                return { id: `${args.name}-id`, state };
            },
            call: (args) => args.inputs,
        },
        "oncall-lab",
        "test",
        false,
    );

    await pulumi.runtime.runInPulumiStack(async () => {
        pulumi.runtime.registerStackTransformation((args) => {
            constructed.set(args.name, { type: args.type, opts: args.opts, resource: args.resource });
            return undefined;
        });
        cluster = new random.RandomString("cluster", { length: 4 });
        const wiringResource = new random.RandomString("wiring", { length: 4 });
        wiring = wiringResource;
        users = new TeamUsers(
            "team-users",
            {
                people: roster.people,
                grafanaLocalApiUrl: "http://127.0.0.1:3000",
                grafanaUser: "admin",
                grafanaPassword: pulumi.secret("admin-password"),
            },
            { deletedWith: cluster },
        );
        oncallTeam = new OnCallTeam(
            "team",
            {
                roster,
                telegramEnabled: true,
                oncallPublicUrl: "http://127.0.0.1:8080",
                oncallApiToken: "oncall-api-token",
                // As the wiring would hand them over: known only once the wiring has run.
                userIds: wiringResource.result.apply(() => USER_IDS),
                integrationName: "Team Alertmanager",
            },
            { deletedWith: cluster, replaceWith: [wiring] },
        );
        return {};
    });
    await Promise.all(
        [...constructed.values()].map(({ resource }) => new Promise((resolve) => resource.urn.apply(resolve))),
    );
    for (const [name, { type, opts, resource }] of constructed) {
        resources.set(name, {
            type,
            opts,
            resource,
            inputs: engineView.get(name)?.inputs ?? {},
            provider: engineView.get(name)?.provider,
        });
    }
});

describe("TeamUsers", () => {
    it("creates each person as a Grafana user through an admin-authenticated provider", () => {
        const provider = get("team-users-provider");
        expect(provider.type).toBe("pulumi:providers:grafana");
        expect(provider.inputs.url).toBe("http://127.0.0.1:3000");
        expect(isSecretValue(provider.inputs.auth)).toBe(true);
        expect(reveal(provider.inputs.auth)).toBe("admin:admin-password");

        const created = ofType("grafana:oss/user:User");
        expect(created.map((u) => u.name).sort()).toEqual(["team-users-alice", "team-users-bob"]);
        for (const user of created) {
            const person = roster.people.find((p) => p.login === user.inputs.login)!;
            expect(user.inputs).toMatchObject({ login: person.login, name: person.name, email: person.email });
            expect(user.inputs).not.toHaveProperty("isAdmin", true);
            expect(isSecretValue(user.inputs.password)).toBe(true);
            expect(reveal(user.inputs.password)).toBe(`pw-team-users-${person.login}-password`);
            expect(user.provider).toMatch(/::team-users-provider::team-users-provider-id$/);
            expect(user.opts.parent).toBe(get("team-users").resource);
            expect(user.opts.deletedWith).toBe(cluster);
        }
    });

    it("exports the logins and, only as a secret, the passwords", async () => {
        expect(users.users).toHaveLength(2);
        expect(await valueOf(users.logins)).toEqual(["alice", "bob"]);
        expect(await pulumi.isSecret(users.passwords)).toBe(true);
        expect(await valueOf(users.passwords)).toEqual({
            alice: "pw-team-users-alice-password",
            bob: "pw-team-users-bob-password",
        });
    });
});

describe("OnCallTeam", () => {
    const oncallObjects = () =>
        [...resources.entries()]
            .filter(([, r]) => r.type.startsWith("grafana:onCall/"))
            .map(([name, r]) => ({ name, ...r }));

    it("reaches OnCall with its API token, kept secret", () => {
        const provider = get("team-provider");
        expect(provider.type).toBe("pulumi:providers:grafana");
        expect(provider.inputs.oncallUrl).toBe("http://127.0.0.1:8080");
        expect(isSecretValue(provider.inputs.oncallAccessToken)).toBe(true);
        expect(reveal(provider.inputs.oncallAccessToken)).toBe("oncall-api-token");
        expect(provider.inputs).not.toHaveProperty("auth");
    });

    it("creates every OnCall object through that provider, inside the component, following the cluster and the wiring", () => {
        const objects = oncallObjects();
        expect(objects.map((o) => o.name).sort()).toEqual([
            "team-alice-rule-0",
            "team-alice-rule-1",
            "team-alice-rule-2",
            "team-bob-rule-0",
            "team-escalation-chain",
            "team-heartbeat-integration",
            "team-integration",
            "team-schedule",
            "team-shift",
            "team-step-0",
            "team-step-1",
            "team-step-2",
            "team-step-3",
        ]);
        for (const object of objects) {
            expect(object.provider, object.name).toMatch(/::team-provider::team-provider-id$/);
            expect(object.opts.parent, object.name).toBe(get("team").resource);
            expect(object.opts.deletedWith, object.name).toBe(cluster);
            expect(object.opts.replaceWith, object.name).toEqual([wiring]);
        }
    });

    it("gives every person their rules, Telegram included when the bot is on", () => {
        const rules = ofType("grafana:onCall/userNotificationRule:UserNotificationRule");
        const of = (userId: string) =>
            rules
                .filter((r) => r.inputs.userId === userId)
                .map(({ inputs }) => ({
                    position: inputs.position,
                    type: inputs.type,
                    important: inputs.important,
                    duration: inputs.duration,
                }));
        expect(of("UALICE")).toEqual([
            { position: 0, type: "notify_by_telegram", important: false, duration: undefined },
            { position: 1, type: "wait", important: false, duration: 300 },
            { position: 2, type: "notify_by_email", important: false, duration: undefined },
        ]);
        expect(of("UBOB")).toEqual([{ position: 0, type: "notify_by_email", important: false, duration: undefined }]);
    });

    it("rotates the people weekly in a calendar schedule", () => {
        expect(get("team-shift").inputs).toMatchObject({
            type: "rolling_users",
            name: "Primary",
            timeZone: "Europe/Berlin",
            start: "2024-01-01T09:00:00",
            duration: 604_800,
            frequency: "weekly",
            interval: 1,
            weekStart: "MO",
            startRotationFromUserIndex: 0,
            rollingUsers: [["UALICE"], ["UBOB"]],
        });
        expect(get("team-schedule").inputs).toMatchObject({
            type: "calendar",
            name: "Primary",
            timeZone: "Europe/Berlin",
            shifts: ["team-shift-id"],
        });
    });

    it("escalates step by step on the chain", () => {
        expect(get("team-escalation-chain").inputs).toMatchObject({ name: "Paging" });
        expect(get("team-escalation-chain").opts.deleteBeforeReplace).toBe(true);
        const step = (i: number) => get(`team-step-${i}`).inputs;
        for (let i = 0; i < 4; i++)
            expect(step(i), `step ${i}`).toMatchObject({ escalationChainId: "team-escalation-chain-id", position: i });
        expect(step(0)).toMatchObject({
            type: "notify_on_call_from_schedule",
            notifyOnCallFromSchedule: "team-schedule-id",
            important: false,
        });
        expect(step(1)).toMatchObject({ type: "wait", duration: 300 });
        expect(step(2)).toMatchObject({ type: "notify_persons", personsToNotifies: ["UALICE", "UBOB"] });
        expect(step(3)).toEqual({
            escalationChainId: "team-escalation-chain-id",
            position: 3,
            type: "repeat_escalation",
        });
    });

    it("routes the integration's alerts to the chain and keeps its link secret", async () => {
        const integration = get("team-integration");
        expect(integration.inputs).toEqual({
            name: "Team Alertmanager",
            type: "alertmanager",
            defaultRoute: { escalationChainId: "team-escalation-chain-id" },
        });
        expect(integration.opts.additionalSecretOutputs).toEqual(["link"]);
        expect(integration.opts.deleteBeforeReplace).toBe(true);
        expect(await pulumi.isSecret(oncallTeam.integrationLink)).toBe(true);
        expect(await valueOf(oncallTeam.integrationLink)).toBe(LINK);
        expect(await valueOf(oncallTeam.integrationId)).toBe("team-integration-id");
        expect(await valueOf(oncallTeam.scheduleId)).toBe("team-schedule-id");
    });

    it("gives the Watchdog's heartbeat an integration of its own, on the same chain, its link secret too", async () => {
        // OnCall counts heartbeats against their integration's rate limit: on the paging one a storm would starve them.
        const integration = get("team-heartbeat-integration");
        expect(integration.inputs).toEqual({
            name: "Team Alertmanager heartbeat",
            type: "alertmanager",
            defaultRoute: { escalationChainId: "team-escalation-chain-id" },
        });
        expect(integration.opts.additionalSecretOutputs).toEqual(["link"]);
        expect(integration.opts.deleteBeforeReplace).toBe(true);
        expect(await pulumi.isSecret(oncallTeam.heartbeatIntegrationLink)).toBe(true);
        expect(await valueOf(oncallTeam.heartbeatIntegrationLink)).toBe(HEARTBEAT_LINK);
        expect(await valueOf(oncallTeam.heartbeatIntegrationId)).toBe("team-heartbeat-integration-id");
        expect(await valueOf(oncallTeam.escalationChainId)).toBe("team-escalation-chain-id");
    });

    it("names people only by the OnCall ids the wiring handed over", () => {
        const ids = new Set(Object.values(USER_IDS));
        const logins = new Set(roster.people.map((p) => p.login));
        const referenced = [
            ...ofType("grafana:onCall/userNotificationRule:UserNotificationRule").map((r) => r.inputs.userId),
            ...(get("team-shift").inputs.rollingUsers as string[][]).flat(),
            ...ofType("grafana:onCall/escalation:Escalation").flatMap(
                (s) => (s.inputs.personsToNotifies as string[] | undefined) ?? [],
            ),
        ];
        expect(referenced.length).toBeGreaterThan(0);
        for (const id of referenced) {
            expect(ids.has(id as string), String(id)).toBe(true);
            expect(logins.has(id as string), String(id)).toBe(false);
        }
    });
});
