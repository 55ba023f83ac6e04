// Local times around daylight-saving changes (src/team/time.ts): a rotation's start is wall-clock time in its zone.
// Europe/Berlin in 2025: 02:00-03:00 on 30 March does not exist (CET +1 to CEST +2 at 01:00 UTC); 02:00-03:00 on
// 26 October happens twice (CEST +2 to CET +1 at 01:00 UTC).
import { describe, expect, it } from "vitest";
import { validateRoster } from "../src/team/roster";
import { localTimeToInstant } from "../src/team/time";

const instant = (local: string, timeZone = "Europe/Berlin") => {
    const result = localTimeToInstant(local, timeZone);
    return result instanceof Date ? result.toISOString() : result;
};

describe("local times around the spring change (the skipped hour)", () => {
    it.each([
        // The hour before the gap: its offset is the one in force before the change, not the one at the same UTC
        // reading (a single pass would take CEST and refuse it).
        ["2025-03-30T01:30:00", "2025-03-30T00:30:00.000Z"],
        ["2025-03-30T01:59:59", "2025-03-30T00:59:59.000Z"],
        ["2025-03-30T03:00:00", "2025-03-30T01:00:00.000Z"],
        ["2025-03-30T03:30:00", "2025-03-30T01:30:00.000Z"],
    ])("accepts %s as %s", (local, utc) => {
        expect(instant(local)).toBe(utc);
    });

    it.each([["2025-03-30T02:00:00"], ["2025-03-30T02:30:00"], ["2025-03-30T02:59:59"]])(
        "refuses %s, which the clock skips",
        (local) => {
            expect(instant(local)).toBe("does not exist in Europe/Berlin (skipped by a daylight-saving change)");
        },
    );
});

describe("local times around the autumn change (the repeated hour)", () => {
    it.each([
        // Just before the repeated hour, still summer time (a single pass would refuse it too).
        ["2025-10-26T01:30:00", "2025-10-25T23:30:00.000Z"],
        // The repeated hour: accepted, as its first occurrence (still summer time).
        ["2025-10-26T02:00:00", "2025-10-26T00:00:00.000Z"],
        ["2025-10-26T02:30:00", "2025-10-26T00:30:00.000Z"],
        ["2025-10-26T02:59:59", "2025-10-26T00:59:59.000Z"],
        ["2025-10-26T03:00:00", "2025-10-26T02:00:00.000Z"],
    ])("accepts %s as %s", (local, utc) => {
        expect(instant(local)).toBe(utc);
    });

    it("works the same in a zone west of UTC (America/New_York, 9 March and 2 November 2025)", () => {
        expect(instant("2025-03-09T01:30:00", "America/New_York")).toBe("2025-03-09T06:30:00.000Z");
        expect(instant("2025-03-09T02:30:00", "America/New_York")).toMatch(/skipped by a daylight-saving change/);
        expect(instant("2025-03-09T03:30:00", "America/New_York")).toBe("2025-03-09T07:30:00.000Z");
        // 01:00-02:00 happens twice (EDT -4, then EST -5): the first occurrence.
        expect(instant("2025-11-02T00:30:00", "America/New_York")).toBe("2025-11-02T04:30:00.000Z");
        expect(instant("2025-11-02T01:30:00", "America/New_York")).toBe("2025-11-02T05:30:00.000Z");
        expect(instant("2025-11-02T02:30:00", "America/New_York")).toBe("2025-11-02T07:30:00.000Z");
    });
});

describe("a rotation starting next to a change", () => {
    const team = (start: string) => ({
        people: [
            {
                login: "alice",
                name: "Alice",
                email: "alice@oncall-lab.test",
                notificationRules: [{ type: "notify_by_email" }],
            },
        ],
        rotation: { name: "primary", timeZone: "Europe/Berlin", start, shift: "1d", people: ["alice"] },
        escalation: { name: "paging", steps: [{ type: "notify_on_call_from_schedule" }] },
    });

    it.each([["2025-03-30T01:30:00"], ["2025-10-26T02:30:00"]])("is accepted at %s", (start) => {
        expect(() => validateRoster(team(start), new Date("2026-01-01T00:00:00Z"))).not.toThrow();
    });
});
