// The lab's one duration grammar (Prometheus'), and proof with Debian's vmalert and amtool that what it accepts,
// they accept.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { durationProblem, durationSeconds, formatDuration, parseDuration } from "../src/shared/duration";
import { installCommand, missingBinaries, runToCompletion } from "./support/alert-path";

const accepted: [string, number][] = [
    ["0", 0],
    ["0s", 0],
    ["30s", 30],
    ["5m", 300],
    ["1h30m", 5400],
    ["1d", 86_400],
    ["2w", 1_209_600],
    ["1y", 31_536_000],
    ["500ms", 0.5],
    ["1m0s", 60],
    ["1y2w3d4h5m6s7ms", 33_019_506.007],
    ["90m", 5400],
];
// Out of order, repeated, fractional, negative, unitless, unknown units, spaces, empty.
const refused = [
    "1s1m",
    "1m1h",
    "30m1h",
    "1h1h",
    "1ms1s",
    "1.5m",
    "-1m",
    "1",
    "10",
    "1mo",
    "1M",
    "5 minutes",
    " 5m",
    "",
    "m",
    "1x",
];

describe("the duration grammar", () => {
    it.each(accepted)("reads %s as %d seconds", (text, seconds) => {
        expect(durationSeconds(text)).toBe(seconds);
        expect(durationProblem(text)).toBeUndefined();
    });

    it.each(refused)("refuses %j, saying what a duration is", (text) => {
        expect(parseDuration(text)).toBeUndefined();
        expect(durationProblem(text)).toBe(
            `must be a duration such as 30s, 5m or 1h30m (whole numbers with units y, w, d, h, m, s, ms, largest first, each at most once; got ${JSON.stringify(text)})`,
        );
        expect(() => durationSeconds(text)).toThrow(
            `${JSON.stringify(text)} is not a Prometheus duration: use whole numbers with units`,
        );
    });

    it("refuses what is not text", () => {
        expect(durationProblem(300)).toContain(
            "(whole numbers with units y, w, d, h, m, s, ms, largest first, each at most once; got 300)",
        );
        expect(durationProblem(undefined)).toContain("got undefined");
    });

    it("refuses durations longer than Prometheus holds (2^63-1 ns, about 292 years)", () => {
        expect(durationSeconds("292y")).toBe(292 * 31_536_000);
        expect(durationProblem("293y")).toBe(
            'must be shorter than 293y, the longest duration Prometheus holds (got "293y")',
        );
    });

    it("writes seconds back in the grammar, largest units first", () => {
        expect([60, 300, 3600, 86_400, 90, 0.5, 0, 1_209_600].map(formatDuration)).toEqual([
            "1m",
            "5m",
            "1h",
            "1d",
            "1m30s",
            "500ms",
            "0s",
            "2w",
        ]);
        for (const [, seconds] of accepted) expect(durationSeconds(formatDuration(seconds))).toBe(seconds);
    });
});

const missing = missingBinaries();
describe.skipIf(missing.length > 0)(
    `what vmalert and Alertmanager read${missing.length > 0 ? ` (SKIPPED: ${missing.join(", ")} missing; ${installCommand})` : ""}`,
    () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "duration-"));
        afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
        const write = (name: string, content: unknown) => {
            const file = path.join(dir, name);
            fs.writeFileSync(file, stringify(content));
            return file;
        };
        const alertmanagerConfig = (durations: string[]) => ({
            route: { receiver: "null", routes: durations.map((d) => ({ receiver: "null", group_wait: d })) },
            receivers: [{ name: "null" }],
        });

        it("vmalert accepts every accepted duration as a rule's `for`", async () => {
            const rules = write("rules.yaml", {
                groups: [
                    {
                        name: "durations",
                        rules: accepted.map(([d], i) => ({ alert: `A${i}`, expr: "vector(1)", for: d })),
                    },
                ],
            });
            const check = await runToCompletion("vmalert", ["-dryRun", `-rule=${rules}`]);
            expect(check.exitCode, check.output).toBe(0);
        });

        it("amtool check-config accepts every accepted duration in a route", async () => {
            const check = await runToCompletion("amtool", [
                "check-config",
                write("accepted.yml", alertmanagerConfig(accepted.map(([d]) => d))),
            ]);
            expect(check.exitCode, check.output).toBe(0);
        });

        // Alertmanager parses with the same grammar (prometheus/common's model.ParseDuration), so it refuses them too.
        it.each(refused.filter((d) => d.trim() !== ""))("amtool check-config refuses %j too", async (d) => {
            const check = await runToCompletion("amtool", [
                "check-config",
                write("refused.yml", alertmanagerConfig([d])),
            ]);
            expect(check.exitCode, check.output).not.toBe(0);
            expect(check.output).toMatch(/duration/i);
        });
    },
);
