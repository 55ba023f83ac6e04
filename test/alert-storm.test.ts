// Alert storms through Debian's Alertmanager with the lab's generated config, into a stand-in OnCall that answers and
// rate-limits as v1.16.9 does (src/tools/bench/oncallStandIn.ts), time-scaled: the lab's intervals and OnCall's 5-minute
// windows shrink alike. `npm run bench:storm` runs the storms at full size with OnCall's real limits.
import { describe, expect, it } from "vitest";
import { defaultAlertingSettings, durationSeconds } from "../src/monitoring/alerting";
import { runStorm } from "../src/tools/bench/storm";
import { distinctStorm, labStormConfig, oneNamespaceStorm } from "../src/tools/bench/stormScenarios";
import { missing, suiteTitle } from "./support/alert-path-fixtures";

const groupInterval = durationSeconds(defaultAlertingSettings.groupInterval);

describe.skipIf(missing.length > 0)(`${suiteTitle}: alert storms`, () => {
    it("shows OnCall every alert of a 320-pod group and keeps the page open while any still fails", async () => {
        // 8 lab minutes in 8 seconds.
        const result = await runStorm(oneNamespaceStorm, labStormConfig(60));
        expect.soft(result.alertsFired).toBe(320);
        expect.soft(result.hidden, "alerts never shown to OnCall").toBe(0);
        expect.soft(result.truncatedAlerts).toBe(0);
        expect.soft(result.earlyResolves, "resolved webhooks while alerts of the group still fired").toEqual([]);
        expect.soft(result.groupsPaged).toBe(1);
    }, 60_000);

    it("pages a storm of distinct alerts within minutes and never lets the heartbeat go silent past its timeout", async () => {
        // A tenth of the 2,000-alert storm against a tenth of OnCall's limits (the same load on them), 30x faster: a
        // stalled second on a busy machine is half a lab minute, well inside the heartbeat's 5. Resolved at 5 min,
        // watched until 9.
        const result = await runStorm(distinctStorm(200, 300, 540), labStormConfig(30, 10));
        expect.soft(result.groupsPaged, "groups paged").toBe(200);
        // One OnCall window (5 min) at most, not half an hour.
        expect.soft(result.lastPage!).toBeLessThanOrEqual(300);
        expect.soft(result.hidden).toBe(0);
        expect
            .soft(result.pings.longestGap, "longest heartbeat gap (lab seconds)")
            .toBeLessThanOrEqual(defaultAlertingSettings.heartbeatTimeoutSeconds);
        expect.soft(result.pings.refused).toBe(0);
        // Every group closes soon after its last alert: within a few group intervals.
        expect.soft(result.worstResolveLag!).toBeLessThanOrEqual(4 * groupInterval);
    }, 60_000);
});
