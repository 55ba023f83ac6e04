import * as fs from "node:fs";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import {
    escalationChainArgs,
    escalationStepArgs,
    integrationArgs,
    notificationRuleArgs,
    rotationShiftArgs,
    scheduleArgs,
    userIdOf,
} from "../src/oncall/objects";
import { DEFAULT_ROSTER_FILE, type Person, type Rotation, type Roster, validateRoster } from "../src/team/roster";

const person = (login: string, notificationRules: Person["notificationRules"]): Person => ({
    login,
    name: login.toUpperCase(),
    email: `${login}@oncall-lab.test`,
    notificationRules,
});

const roster: Roster = {
    people: [
        person("alice", [
            { type: "notify_by_telegram", important: false },
            { type: "wait", durationSeconds: 300 },
            { type: "notify_by_email", important: false },
        ]),
        person("bob", [{ type: "notify_by_email", important: false }]),
        person("carol", [{ type: "notify_by_telegram", important: false }]),
    ],
    rotation: {
        name: "Primary",
        timeZone: "Europe/Berlin",
        start: "2024-01-01T09:00:00",
        frequency: "daily",
        interval: 1,
        shiftSeconds: 86_400,
        people: ["alice", "bob", "carol"],
    },
    escalation: {
        name: "Paging",
        steps: [
            { type: "notify_on_call_from_schedule" },
            { type: "wait", durationSeconds: 600 },
            { type: "notify_persons", logins: ["bob", "alice"] },
            { type: "wait", durationSeconds: 900 },
            { type: "repeat_escalation" },
        ],
    },
};
const userIds = { alice: "UALICE", bob: "UBOB", carol: "UCAROL" };
const refs = { escalationChainId: "FCHAIN", scheduleId: "SSCHEDULE", userIds };
const rotation = (overrides: Partial<Rotation>): Rotation => ({ ...roster.rotation, ...overrides });

describe("escalation chain and steps", () => {
    it("names the chain after the team's escalation", () => {
        expect(escalationChainArgs(roster)).toEqual({ name: "Paging" });
    });

    it("maps every step, in order, onto the chain", () => {
        expect(escalationStepArgs(roster, refs)).toEqual([
            {
                escalationChainId: "FCHAIN",
                position: 0,
                type: "notify_on_call_from_schedule",
                important: false,
                notifyOnCallFromSchedule: "SSCHEDULE",
            },
            { escalationChainId: "FCHAIN", position: 1, type: "wait", duration: 600 },
            {
                escalationChainId: "FCHAIN",
                position: 2,
                type: "notify_persons",
                important: false,
                personsToNotifies: ["UBOB", "UALICE"],
            },
            { escalationChainId: "FCHAIN", position: 3, type: "wait", duration: 900 },
            { escalationChainId: "FCHAIN", position: 4, type: "repeat_escalation" },
        ]);
    });

    it("passes escalation waits on as validateRoster gave them (test/team.test.ts checks OnCall's range)", () => {
        const withWait = (durationSeconds: number): Roster => ({
            ...roster,
            escalation: { name: "Paging", steps: [{ type: "wait", durationSeconds }] },
        });
        expect(escalationStepArgs(withWait(60), refs)[0].duration).toBe(60);
        expect(escalationStepArgs(withWait(86_400), refs)[0].duration).toBe(86_400);
    });

    it("notifies only people of the team, by their OnCall ids", () => {
        const stranger: Roster = {
            ...roster,
            escalation: { name: "Paging", steps: [{ type: "notify_persons", logins: ["mallory"] }] },
        };
        expect(() => escalationStepArgs(stranger, refs)).toThrow(/no OnCall user id for "mallory"/);
    });
});

describe("schedule and rotation shift", () => {
    it("rolls one person per turn, in the rotation's order, from the first one", () => {
        expect(rotationShiftArgs(roster.rotation, userIds)).toEqual({
            name: "Primary",
            type: "rolling_users",
            timeZone: "Europe/Berlin",
            start: "2024-01-01T09:00:00",
            duration: 86_400,
            frequency: "daily",
            interval: 1,
            rollingUsers: [["UALICE"], ["UBOB"], ["UCAROL"]],
            startRotationFromUserIndex: 0,
        });
    });

    it("gives weekly rotations the week start 1.16.9 requires, and only them", () => {
        const weekly = rotationShiftArgs(
            rotation({ frequency: "weekly", interval: 2, shiftSeconds: 2 * 604_800 }),
            userIds,
        );
        expect(weekly).toMatchObject({ frequency: "weekly", interval: 2, duration: 1_209_600, weekStart: "MO" });
        expect(
            rotationShiftArgs(rotation({ frequency: "hourly", interval: 8, shiftSeconds: 8 * 3600 }), userIds),
        ).not.toHaveProperty("weekStart");
    });

    it("leaves what the shift serializer would reject to validateRoster, which refuses it before anything is declared", () => {
        const refusal = (edit: (file: any) => void) => {
            const file = parse(fs.readFileSync(DEFAULT_ROSTER_FILE, "utf8"));
            edit(file);
            return () => validateRoster(file, new Date("2026-03-15T12:00:00Z"));
        };
        for (const start of [
            "2024-01-01T09:00:00Z",
            "2024-01-01T09:00",
            "2024-01-01 09:00:00",
            "2024-02-30T09:00:00",
            "2024-01-01T09:00:00.000",
        ]) {
            expect(
                refusal((file) => (file.rotation.start = start)),
                start,
            ).toThrow(/rotation\.start/);
        }
        for (const zone of ["Mars/Olympus", "+01:00"])
            expect(
                refusal((file) => (file.rotation.timeZone = zone)),
                zone,
            ).toThrow(/rotation\.timeZone/);
        expect(refusal((file) => (file.rotation.people = []))).toThrow(/rotation\.people must list at least one login/);
        expect(refusal((file) => (file.rotation.people = ["alice", "mallory"]))).toThrow(/mallory/);
        expect(refusal((file) => (file.escalation.name = "x".repeat(101)))).toThrow(
            /escalation\.name must be at most 100 characters/,
        );
        for (const wait of ["59s", "1d1s", "90500ms"]) {
            expect(
                refusal((file) => (file.escalation.steps = [{ type: "wait", duration: wait }])),
                wait,
            ).toThrow(/escalation\.steps\[0\]\.duration must be/);
        }
        expect(refusal((file) => (file.people[0].notificationRules = [{ type: "wait", duration: "10m" }]))).toThrow(
            /one of 1m, 5m, 15m, 30m, 1h/,
        );
    });

    it("makes a calendar schedule of the shift, in the rotation's time zone", () => {
        expect(scheduleArgs(roster.rotation, "OSHIFT")).toEqual({
            name: "Primary",
            type: "calendar",
            timeZone: "Europe/Berlin",
            shifts: ["OSHIFT"],
        });
    });
});

describe("personal notification rules", () => {
    const rulesOf = (telegramEnabled: boolean) =>
        new Map(
            roster.people.map((p) => [p.login, notificationRuleArgs(p, telegramEnabled, userIdOf(userIds, p.login))]),
        );

    it("gives every person rules in order, waits with their duration, none important", () => {
        expect(rulesOf(true).get("alice")).toEqual([
            { userId: "UALICE", position: 0, type: "notify_by_telegram", important: false },
            { userId: "UALICE", position: 1, type: "wait", important: false, duration: 300 },
            { userId: "UALICE", position: 2, type: "notify_by_email", important: false },
        ]);
        for (const [login, rules] of rulesOf(true)) {
            expect(rules.length, login).toBeGreaterThan(0);
            expect(
                rules.map((r) => r.position),
                login,
            ).toEqual(rules.map((_, i) => i));
            expect(
                rules.every((r) => r.userId === userIdOf(userIds, login)),
                login,
            ).toBe(true);
        }
    });

    it("uses Telegram only with a bot token, and falls back to e-mail", () => {
        const withoutBot = rulesOf(false);
        expect([...withoutBot.values()].flat().some((r) => r.type === "notify_by_telegram")).toBe(false);
        expect(withoutBot.get("alice")).toEqual([
            { userId: "UALICE", position: 0, type: "notify_by_email", important: false },
        ]);
        expect(withoutBot.get("carol")).toEqual([
            { userId: "UCAROL", position: 0, type: "notify_by_email", important: false },
        ]);
        expect([...rulesOf(true).values()].flat().some((r) => r.type === "notify_by_telegram")).toBe(true);
    });

    it("numbers the default and the important list separately; a wait joins the notification after it", () => {
        const both = person("dave", [
            { type: "notify_by_email", important: false },
            { type: "wait", durationSeconds: 60 },
            { type: "notify_by_telegram", important: true },
            { type: "wait", durationSeconds: 900 },
            { type: "notify_by_email", important: true },
        ]);
        expect(
            notificationRuleArgs(both, true, "UDAVE").map(({ position, type, important }) => ({
                position,
                type,
                important,
            })),
        ).toEqual([
            { position: 0, type: "notify_by_email", important: false },
            { position: 0, type: "wait", important: true },
            { position: 1, type: "notify_by_telegram", important: true },
            { position: 2, type: "wait", important: true },
            { position: 3, type: "notify_by_email", important: true },
        ]);
    });

    it("passes the personal waits OnCall 1.16.9 offers on in seconds", () => {
        const waits = (durationSeconds: number) =>
            person("erin", [
                { type: "notify_by_email", important: false },
                { type: "wait", durationSeconds },
                { type: "notify_by_email", important: false },
            ]);
        for (const ok of [60, 300, 900, 1800, 3600])
            expect(notificationRuleArgs(waits(ok), false, "U")[1].duration).toBe(ok);
    });
});

describe("integration and routes", () => {
    it("is an Alertmanager integration whose only route runs the team's chain", () => {
        const integration = integrationArgs("Team Alertmanager", "FCHAIN");
        expect(integration).toEqual({
            name: "Team Alertmanager",
            type: "alertmanager",
            defaultRoute: { escalationChainId: "FCHAIN" },
        });
        // 1.16.9's integration serializer drops labels: setting them would be a permanent diff.
        expect(integration).not.toHaveProperty("labels");
        expect(integration).not.toHaveProperty("dynamicLabels");
        expect(() => integrationArgs("", "FCHAIN")).toThrow(/name/);
    });
});

describe("the whole team", () => {
    it("puts every person in a rotation turn and gives each one rules; every reference is an OnCall id", () => {
        const ids = new Set(Object.values(userIds));
        const shift = rotationShiftArgs(roster.rotation, userIds);
        expect(shift.rollingUsers.flat().sort()).toEqual([...ids].sort());
        const steps = escalationStepArgs(roster, refs);
        const referenced = [...shift.rollingUsers.flat(), ...steps.flatMap((s) => s.personsToNotifies ?? [])];
        for (const id of referenced) expect(ids.has(id), id).toBe(true);
        for (const p of roster.people)
            expect(notificationRuleArgs(p, false, userIdOf(userIds, p.login)).length, p.login).toBeGreaterThan(0);
    });
});
