// The tests that need Debian's programs or Chromium: skipped locally with one line saying what and how to install
// it, a failure under CI (test/support/requirements.ts, run by vitest's globalSetup).
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { REQUIREMENTS, skippedLine } from "./support/requirements";

const nothing = { PATH: "/nonexistent", CHROMIUM_PATH: "" };
const everything = { tests: "x", missing: () => [], install: "" };

describe("tests that need programs npm does not bring", () => {
    it("says in one line what is skipped and how to install it, locally", () => {
        const line = skippedLine(
            nothing,
            REQUIREMENTS.map((r) => (r.tests.startsWith("browser") ? { ...r, missing: () => ["chromium"] } : r)),
        );
        expect(line).toBe(
            "skipped tests: alert path (alert-path, alert-path-outage, duration): victoria-metrics, vmalert, " +
                "prometheus-alertmanager, amtool missing (apt-get install -y victoria-metrics prometheus-alertmanager); " +
                "browser step (browser): chromium missing (apt-get install -y chromium, or set CHROMIUM_PATH)",
        );
        expect(line).not.toContain("\n");
    });

    it.each([["true"], ["1"], ["yes"]])("fails instead under CI=%s", (ci) => {
        expect(() => skippedLine({ ...nothing, CI: ci })).toThrow(
            /^CI is set, and tests would be skipped: alert path .*victoria-metrics.* missing \(apt-get install/,
        );
    });

    it("says nothing, and does not fail under CI, when nothing is missing", () => {
        expect(skippedLine({ CI: "true" }, [everything])).toBeUndefined();
        expect(skippedLine({ ...nothing, CI: "false" }, [REQUIREMENTS[0]])).toMatch(/^skipped tests: alert path/);
    });

    it("is what vitest runs first: a CI run without the programs fails before any test", () => {
        const repo = path.join(__dirname, "..");
        // A PATH with node alone: no victoria-metrics, vmalert, Alertmanager or amtool.
        const bin = fs.mkdtempSync(path.join(os.tmpdir(), "requirements-"));
        fs.symlinkSync(process.execPath, path.join(bin, "node"));
        const result = spawnSync(
            process.execPath,
            [path.join(repo, "node_modules", "vitest", "vitest.mjs"), "run", "test/duration.test.ts"],
            {
                cwd: repo,
                encoding: "utf8",
                env: { ...process.env, PATH: bin, CHROMIUM_PATH: "", CI: "true" },
            },
        );
        fs.rmSync(bin, { recursive: true, force: true });
        expect(result.status).not.toBe(0);
        expect(result.stdout + result.stderr).toContain("CI is set, and tests would be skipped");
    }, 60_000);
});
