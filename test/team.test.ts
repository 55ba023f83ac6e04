import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import {
    DEFAULT_ROSTER_FILE,
    loadRoster,
    notificationRulesFor,
    type Person,
    RosterError,
    validateRoster,
} from "../src/team/roster";
import { localTimeToInstant } from "../src/team/time";

const NOW = new Date("2026-03-15T12:00:00Z");

/** The shipped file, parsed afresh for each test to mutate. */
function shipped(): any {
    return parse(fs.readFileSync(DEFAULT_ROSTER_FILE, "utf8"));
}

/** The RosterError `run` throws. */
function refused(run: () => unknown): RosterError {
    try {
        run();
    } catch (err) {
        expect(err).toBeInstanceOf(RosterError);
        return err as RosterError;
    }
    throw new Error("expected the team to be rejected");
}

function problemsOf(raw: unknown, now = NOW): string[] {
    return refused(() => validateRoster(raw, now)).problems;
}

describe("the shipped team file", () => {
    it("validates, and someone is on call from the first minute", () => {
        const team = loadRoster(undefined, NOW);
        expect(team.people.map((p) => [p.login, p.email])).toEqual([
            ["alice", "alice@oncall-lab.test"],
            ["bob", "bob@oncall-lab.test"],
        ]);
        expect(team.people.every((p) => /@(oncall-lab\.test|example\.com)$/.test(p.email))).toBe(true);
        expect(team.rotation).toEqual({
            name: "oncall-lab primary",
            timeZone: "Europe/Berlin",
            start: "2025-01-06T09:00:00",
            frequency: "daily",
            interval: 1,
            shiftSeconds: 86400,
            people: ["alice", "bob"],
        });
        expect(team.escalation.steps).toEqual([
            { type: "notify_on_call_from_schedule" },
            { type: "wait", durationSeconds: 300 },
            { type: "notify_persons", logins: ["alice", "bob"] },
            { type: "wait", durationSeconds: 900 },
            { type: "repeat_escalation" },
        ]);
        // Shifts follow each other without gaps from a start in the past: the shift covering now has a person.
        const start = localTimeToInstant(team.rotation.start, team.rotation.timeZone) as Date;
        expect(start.toISOString()).toBe("2025-01-06T08:00:00.000Z");
        expect(start.getTime()).toBeLessThanOrEqual(Date.now());
        const shiftIndex = Math.floor((NOW.getTime() - start.getTime()) / 1000 / team.rotation.shiftSeconds);
        expect(shiftIndex).toBeGreaterThanOrEqual(0);
        expect(team.rotation.people[shiftIndex % team.rotation.people.length]).toMatch(/^(alice|bob)$/);
    });

    it("is rejected with the file named when it does not parse", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "team-"));
        const file = path.join(dir, "team.yaml");
        fs.writeFileSync(file, "people: [\n");
        expect(() => loadRoster(file, NOW)).toThrow(new RegExp(`invalid on-call team file .*team\\.yaml`));
        fs.writeFileSync(file, "people: []\npeople: []\n");
        expect(() => loadRoster(file, NOW)).toThrow(/unique/i);
        fs.writeFileSync(file, "rotation: {}\n");
        expect(() => loadRoster(file, NOW)).toThrow(/team\.yaml:\n {2}- people is required/);
        fs.rmSync(dir, { recursive: true });
    });

    it("refuses a YAML alias bomb and a file that is not UTF-8, naming the file, in one short line", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "team-"));
        const file = path.join(dir, "team.yaml");
        const refusal = (text: string | Buffer) => {
            fs.writeFileSync(file, text);
            return refused(() => loadRoster(file, NOW)).message;
        };
        // Nine aliases of nine aliases of ...: the yaml library throws a ReferenceError while expanding them.
        const levels = ["a: &a [x, x, x, x, x, x, x, x, x]"];
        for (const [name, previous] of [
            ["b", "a"],
            ["c", "b"],
            ["d", "c"],
            ["people", "d"],
        ]) {
            levels.push(
                `${name}: ${name === "people" ? "" : `&${name} `}[${Array(9).fill(`*${previous}`).join(", ")}]`,
            );
        }
        expect(refusal(levels.join("\n"))).toMatch(
            /^invalid on-call team file .*team\.yaml:\n {2}- expands its YAML aliases too often \(an alias bomb\): refused$/,
        );
        const shippedText = fs.readFileSync(DEFAULT_ROSTER_FILE, "utf8");
        const notUtf8 = "is not UTF-8 text (UTF-16, as some Windows editors save, is not read): save it as UTF-8";
        expect(refusal(Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(shippedText, "utf16le")]))).toContain(
            notUtf8,
        );
        expect(refusal(Buffer.from(shippedText, "utf16le"))).toContain(notUtf8);
        expect(refusal(Buffer.from(shippedText.replace("Alice", "Alic\u00e9"), "latin1"))).toContain(notUtf8);
        fs.rmSync(dir, { recursive: true });
    });
});

describe("validateRoster", () => {
    const mutate = (change: (raw: any) => void) => {
        const raw = shipped();
        change(raw);
        return raw;
    };

    it.each<[string, (raw: any) => void, string]>([
        [
            "an unknown person in the rotation",
            (r) => r.rotation.people.push("carol"),
            'rotation.people[2] "carol" is not in people (known: alice, bob)',
        ],
        [
            "an unknown person in the chain",
            (r) => r.escalation.steps[2].persons.push("dave"),
            'escalation.steps[2].persons[2] "dave" is not in people',
        ],
        [
            "a duplicate login",
            (r) => (r.people[1].login = "alice"),
            'people[1].login "alice" is already the login of people[0]',
        ],
        [
            "a duplicate login in another case",
            (r) => (r.people[1].login = "Alice"),
            "people[1].login must be a Grafana login",
        ],
        [
            "a duplicate e-mail",
            (r) => (r.people[1].email = "ALICE@oncall-lab.test"),
            'people[1].email "ALICE@oncall-lab.test" is already the e-mail of people[0]',
        ],
        [
            "a bad e-mail",
            (r) => (r.people[0].email = "alice@"),
            'people[0].email must be an e-mail address such as alice@oncall-lab.test (got "alice@")',
        ],
        [
            "an e-mail with a space",
            (r) => (r.people[0].email = "alice smith@example.com"),
            "people[0].email must be an e-mail address",
        ],
        [
            "a login with a space",
            (r) => (r.people[0].login = "alice smith"),
            "people[0].login must be a Grafana login of lowercase letters",
        ],
        [
            "a login that is an e-mail",
            (r) => (r.people[0].login = "alice@oncall-lab.test"),
            "people[0].login must be a Grafana login",
        ],
        [
            "the admin login",
            (r) => (r.people[0].login = "admin"),
            'people[0].login "admin" is the lab\'s Grafana admin user',
        ],
        [
            "a duration that is not one",
            (r) => (r.escalation.steps[1].duration = "5 minutes"),
            'escalation.steps[1].duration must be a duration such as 30s, 5m or 1h30m (whole numbers with units y, w, d, h, m, s, ms, largest first, each at most once; got "5 minutes")',
        ],
        [
            "a duration with its units out of order",
            (r) => (r.escalation.steps[1].duration = "1s1m"),
            'escalation.steps[1].duration must be a duration such as 30s, 5m or 1h30m (whole numbers with units y, w, d, h, m, s, ms, largest first, each at most once; got "1s1m")',
        ],
        [
            "a personal wait with its units out of order",
            (r) => (r.people[0].notificationRules[1].duration = "0s5m"),
            "people[0].notificationRules[1].duration must be a duration such as 30s, 5m or 1h30m",
        ],
        [
            "a duration given as a number",
            (r) => (r.escalation.steps[1].duration = 300),
            "escalation.steps[1].duration must be a duration such as 30s, 5m or 1h30m (whole numbers with units y, w, d, h, m, s, ms, largest first, each at most once; got 300)",
        ],
        [
            "a missing wait duration",
            (r) => delete r.escalation.steps[1].duration,
            "escalation.steps[1].duration is required",
        ],
        [
            "an escalation wait under a minute",
            (r) => (r.escalation.steps[1].duration = "30s"),
            'escalation.steps[1].duration must be from 1m to 1d, the range OnCall 1.16.9 accepts for escalation waits (got "30s")',
        ],
        [
            "an escalation wait over a day",
            (r) => (r.escalation.steps[1].duration = "1d1h"),
            "escalation.steps[1].duration must be from 1m to 1d",
        ],
        [
            "an escalation wait of part seconds",
            (r) => (r.escalation.steps[1].duration = "1m500ms"),
            'escalation.steps[1].duration must be whole seconds: OnCall 1.16.9 drops fractions of a second from escalation waits (got "1m500ms")',
        ],
        [
            "an escalation chain name OnCall cannot store",
            (r) => (r.escalation.name = "x".repeat(101)),
            "escalation.name must be at most 100 characters, OnCall's limit for escalation chain names",
        ],
        [
            "a personal wait OnCall does not offer",
            (r) => (r.people[0].notificationRules[1].duration = "10m"),
            'people[0].notificationRules[1].duration must be one of 1m, 5m, 15m, 30m, 1h: the waits OnCall 1.16.9 offers in personal rules (got "10m")',
        ],
        [
            "a bad time zone",
            (r) => (r.rotation.timeZone = "Europe/Atlantis"),
            'rotation.timeZone must be an IANA time zone such as Europe/Berlin or UTC (got "Europe/Atlantis")',
        ],
        [
            "an offset for a time zone",
            (r) => (r.rotation.timeZone = "+01:00"),
            "rotation.timeZone must be an IANA time zone",
        ],
        [
            "a start that is not a local datetime",
            (r) => (r.rotation.start = "2025-01-06T09:00:00Z"),
            'rotation.start must be a local date and time "YYYY-MM-DDTHH:MM:SS", without offset (got "2025-01-06T09:00:00Z")',
        ],
        [
            "a start that is not a date",
            (r) => (r.rotation.start = "2025-02-30T09:00:00"),
            'rotation.start is not a valid date and time (got "2025-02-30T09:00:00")',
        ],
        [
            "a start at 24 o'clock",
            (r) => (r.rotation.start = "2025-01-06T24:00:00"),
            "rotation.start is not a valid date and time",
        ],
        [
            "a start skipped by daylight saving",
            (r) => (r.rotation.start = "2025-03-30T02:30:00"),
            "rotation.start does not exist in Europe/Berlin (skipped by a daylight-saving change)",
        ],
        [
            "a start in the future",
            (r) => (r.rotation.start = "2026-03-15T13:30:00"),
            'rotation.start must not be in the future, or nobody is on call until then (got "2026-03-15T13:30:00" in Europe/Berlin, which is 2026-03-15T12:30:00.000Z; now is 2026-03-15T12:00:00.000Z)',
        ],
        [
            "an empty rotation",
            (r) => (r.rotation.people = []),
            "rotation.people must list at least one login: an empty rotation pages nobody",
        ],
        [
            "a shift in minutes",
            (r) => (r.rotation.shift = "30m"),
            'rotation.shift must be a whole number of hours, days or weeks such as 12h, 1d or 1w (got "30m")',
        ],
        [
            "a shift of no length",
            (r) => (r.rotation.shift = "0d"),
            "rotation.shift must be a whole number of hours, days or weeks",
        ],
        [
            "a shift of part hours",
            (r) => (r.rotation.shift = "1h30m"),
            "rotation.shift must be a whole number of hours, days or weeks",
        ],
        [
            "a shift in months",
            (r) => (r.rotation.shift = "1mo"),
            "rotation.shift must be a whole number of hours, days or weeks",
        ],
        ["a missing shift", (r) => delete r.rotation.shift, "rotation.shift is required (such as 1d)"],
        [
            "notify_next_on_call_from_schedule",
            (r) => (r.escalation.steps[0].type = "notify_next_on_call_from_schedule"),
            'escalation.steps[0].type "notify_next_on_call_from_schedule" is not accepted by OnCall 1.16.9 (accepted: notify_on_call_from_schedule, wait, notify_persons, repeat_escalation)',
        ],
        [
            "an escalation step the lab does not support",
            (r) => (r.escalation.steps[0].type = "notify_team_members"),
            'escalation.steps[0].type "notify_team_members" is an OnCall type this lab\'s team file does not support (accepted: notify_on_call_from_schedule, wait, notify_persons, repeat_escalation)',
        ],
        [
            "notify_by_msteams",
            (r) => (r.people[0].notificationRules[2].type = "notify_by_msteams"),
            'people[0].notificationRules[2].type "notify_by_msteams" is not accepted by OnCall 1.16.9 (accepted: notify_by_email, notify_by_telegram, wait)',
        ],
        [
            "a rule type the lab does not support",
            (r) => (r.people[1].notificationRules[0].type = "notify_by_sms"),
            'people[1].notificationRules[0].type "notify_by_sms" is an OnCall type this lab\'s team file does not support',
        ],
        [
            "a step without a type",
            (r) => delete r.escalation.steps[0].type,
            "escalation.steps[0].type is required (accepted: notify_on_call_from_schedule, wait, notify_persons, repeat_escalation)",
        ],
        [
            "a chain without a notify step",
            (r) => (r.escalation.steps = [{ type: "wait", duration: "5m" }, { type: "repeat_escalation" }]),
            "escalation.steps must notify someone: add a notify_on_call_from_schedule or notify_persons step",
        ],
        ["an empty chain", (r) => (r.escalation.steps = []), "escalation.steps must list at least one step"],
        [
            "a repeat without a wait",
            (r) => r.escalation.steps.splice(1, 1) && r.escalation.steps.splice(2, 1),
            "escalation.steps[2] would repeat the chain at once: put a wait step before repeat_escalation",
        ],
        [
            "a notify_persons step without persons",
            (r) => (r.escalation.steps[2].persons = []),
            "escalation.steps[2].persons must list at least one login",
        ],
        [
            "a person listed twice in a step",
            (r) => r.escalation.steps[2].persons.push("bob"),
            'escalation.steps[2].persons[2] "bob" is listed twice',
        ],
        [
            "a person listed twice in the rotation",
            (r) => r.rotation.people.push("Alice"),
            'rotation.people[2] "alice" is listed twice',
        ],
        // Limits of OnCall 1.16.9 and Grafana (src/oncall/vocabulary.ts), checked before any user or object exists.
        [
            "a rotation name OnCall cannot store",
            (r) => (r.rotation.name = "x".repeat(201)),
            "rotation.name must be at most 200 characters, OnCall's limit for schedule and shift names",
        ],
        [
            "a name Grafana cannot store",
            (r) => (r.people[0].name = "x".repeat(256)),
            "people[0].name must be at most 255 characters: Grafana's limit for a user's name (OnCall's is 300)",
        ],
        [
            "an e-mail Grafana cannot store",
            (r) => (r.people[0].email = `${"a".repeat(179)}@example.com`),
            "people[0].email must be at most 190 characters: Grafana's limit for e-mails (OnCall's is 254)",
        ],
        [
            "an e-mail without a dotted domain",
            (r) => (r.people[0].email = "alice@localhost"),
            "people[0].email must be an e-mail address",
        ],
        [
            "a typo in a top-level key",
            (r) => (r.escalaton = r.escalation),
            "escalaton is not a known key (known: people, rotation, escalation)",
        ],
        [
            "a typo in a person's key",
            (r) => (r.people[0].emial = "x"),
            "people[0].emial is not a known key (known: login, name, email, notificationRules)",
        ],
        [
            "a typo in a rotation key",
            (r) => (r.rotation.timezone = "UTC"),
            "rotation.timezone is not a known key (known: name, timeZone, start, shift, people)",
        ],
        [
            "a key of another step type",
            (r) => (r.escalation.steps[0].duration = "5m"),
            "escalation.steps[0].duration is not a key of type notify_on_call_from_schedule (it takes: type)",
        ],
        [
            "a typo in a step key",
            (r) => (r.escalation.steps[2].person = ["bob"]),
            "escalation.steps[2].person is not a known key (known: type, duration, persons)",
        ],
        [
            "a person without rules",
            (r) => (r.people[1].notificationRules = []),
            "people[1].notificationRules must list at least one rule",
        ],
        [
            "rules starting with a wait",
            (r) => r.people[1].notificationRules.unshift({ type: "wait", duration: "1m" }),
            "people[1].notificationRules[0] must be a notify rule: a leading wait only delays the first notification",
        ],
        [
            "rules ending with a wait",
            (r) => r.people[1].notificationRules.push({ type: "wait", duration: "1m" }),
            "people[1].notificationRules[1] must be a notify rule: a wait at the end does nothing",
        ],
        ["a missing name", (r) => delete r.people[0].name, "people[0].name is required"],
        ["no people", (r) => (r.people = []), "people must list at least one person"],
        ["a missing rotation", (r) => delete r.rotation, "rotation is required"],
    ])("rejects %s", (_, change, message) => {
        expect(problemsOf(mutate(change))).toContainEqual(expect.stringContaining(message));
    });

    it("takes names and e-mails up to the limits", () => {
        const team = validateRoster(
            mutate((r) => {
                r.rotation.name = "x".repeat(200);
                r.people[0].name = "x".repeat(255);
                r.people[0].email = `${"a".repeat(178)}@example.com`;
            }),
            NOW,
        );
        expect(team.people[0].email).toHaveLength(190);
    });

    it("cuts a long value short where it quotes it back", () => {
        const problems = problemsOf(
            mutate((r) => {
                r.people[0].email = "x".repeat(1_000_000);
                r.rotation.timeZone = "y".repeat(1_000_000);
                r.rotation.people.push("z".repeat(1_000_000));
            }),
        );
        expect(problems).toContain(
            `people[0].email must be an e-mail address such as alice@oncall-lab.test (got "${"x".repeat(59)}… (1000002 characters))`,
        );
        expect(problems.every((problem) => problem.length < 300)).toBe(true);
    });

    it("reports every problem at once, each with its path", () => {
        const raw = mutate((r) => {
            r.people[1].login = "Bob";
            r.people[1].email = "alice@oncall-lab.test";
            r.rotation.timeZone = "Nowhere/Town";
            r.rotation.people.push("carol");
            r.escalation.steps[0].type = "notify_by_msteams";
        });
        let error: unknown;
        try {
            validateRoster(raw, NOW);
        } catch (err) {
            error = err;
        }
        expect(error).toBeInstanceOf(RosterError);
        const problems = (error as RosterError).problems;
        expect(problems.map((p) => p.split(" ")[0])).toEqual([
            "people[1].login",
            "people[1].email",
            "rotation.timeZone",
            "rotation.people[2]",
            "escalation.steps[0].type",
        ]);
        expect((error as Error).message).toBe(`invalid on-call team:\n  - ${problems.join("\n  - ")}`);
    });

    it("rejects input that is not a mapping", () => {
        expect(problemsOf("people")).toEqual(['the team file must be a mapping (got "people")']);
        expect(problemsOf(null)).toEqual(["the team file is empty"]);
    });

    it("reads the file's types as OnCall's values", () => {
        const team = validateRoster(
            mutate((r) => {
                r.people[1].notificationRules = [
                    { type: "notify_by_telegram" },
                    { type: "wait", duration: "1h" },
                    { type: "notify_by_email" },
                ];
                r.rotation.timeZone = "UTC";
                r.escalation.steps[1].duration = "1h30m";
            }),
            NOW,
        );
        expect(team.people[1].notificationRules).toEqual([
            { type: "notify_by_telegram", important: false },
            { type: "wait", durationSeconds: 3600 },
            { type: "notify_by_email", important: false },
        ]);
        expect(team.escalation.steps[1]).toEqual({ type: "wait", durationSeconds: 5400 });
    });

    it.each([
        ["1h", "hourly", 1, 3600],
        ["12h", "hourly", 12, 43200],
        ["24h", "daily", 1, 86400],
        ["1d", "daily", 1, 86400],
        ["36h", "hourly", 36, 129600],
        ["3d", "daily", 3, 259200],
        ["7d", "weekly", 1, 604800],
        ["2w", "weekly", 2, 1209600],
    ] as const)("maps shift %s to %s x%i", (shift, frequency, interval, shiftSeconds) => {
        const team = validateRoster(
            mutate((r) => (r.rotation.shift = shift)),
            NOW,
        );
        expect(team.rotation).toMatchObject({ frequency, interval, shiftSeconds });
    });

    it("accepts a start at exactly now", () => {
        expect(() =>
            validateRoster(
                mutate((r) => Object.assign(r.rotation, { timeZone: "UTC", start: "2026-03-15T12:00:00" })),
                NOW,
            ),
        ).not.toThrow();
    });
});

describe("notificationRulesFor", () => {
    const person = (types: string[]): Person => ({
        login: "alice",
        name: "Alice",
        email: "alice@oncall-lab.test",
        notificationRules: types.map((t) =>
            t.startsWith("wait")
                ? { type: "wait", durationSeconds: Number(t.slice(4)) }
                : { type: t as "notify_by_email" | "notify_by_telegram", important: false },
        ),
    });
    const types = (rules: ReturnType<typeof notificationRulesFor>) =>
        rules.map((r) => (r.type === "wait" ? `wait${r.durationSeconds}` : r.type));

    it("keeps every rule when Telegram is configured", () => {
        const alice = person(["notify_by_email", "wait300", "notify_by_telegram"]);
        expect(types(notificationRulesFor(alice, true))).toEqual(["notify_by_email", "wait300", "notify_by_telegram"]);
    });

    it("drops Telegram rules and the waits they leave at either end without a bot token", () => {
        expect(
            types(notificationRulesFor(person(["notify_by_email", "wait300", "notify_by_telegram"]), false)),
        ).toEqual(["notify_by_email"]);
        expect(types(notificationRulesFor(person(["notify_by_telegram", "wait60", "notify_by_email"]), false))).toEqual(
            ["notify_by_email"],
        );
        expect(
            types(
                notificationRulesFor(
                    person(["notify_by_email", "wait60", "notify_by_telegram", "wait300", "notify_by_email"]),
                    false,
                ),
            ),
        ).toEqual(["notify_by_email", "wait60", "wait300", "notify_by_email"]);
    });

    it("falls back to e-mail rather than return no rules", () => {
        expect(notificationRulesFor(person(["notify_by_telegram"]), false)).toEqual([
            { type: "notify_by_email", important: false },
        ]);
    });

    it("does not change the person", () => {
        const alice = person(["notify_by_email", "wait300", "notify_by_telegram"]);
        const result = notificationRulesFor(alice, true);
        (result[0] as { important: boolean }).important = true;
        expect(alice.notificationRules).toHaveLength(3);
        expect(alice.notificationRules[0]).toEqual({ type: "notify_by_email", important: false });
    });
});
