// Alert storms through Debian's Alertmanager with the lab's generated config, into a stand-in OnCall that answers and
// rate-limits as v1.16.9 does (src/tools/oncallStandIn.ts), at 60 times real speed: the lab's intervals and OnCall's
// 5-minute windows shrink alike, so 20 minutes of storm take 20 seconds. `npm run bench:storm` runs them full size.
import { describe, expect, it } from "vitest";
import { defaultAlertingSettings, durationSeconds } from "../src/monitoring/alerting";
import { runStorm } from "../src/tools/storm";
import { distinctStorm, labStormConfig, oneNamespaceStorm } from "../src/tools/stormScenarios";
import { missing, suiteTitle } from "./support/alert-path-fixtures";

const config = labStormConfig(60);
const groupInterval = durationSeconds(defaultAlertingSettings.groupInterval);

describe.skipIf(missing.length > 0)(`${suiteTitle}: alert storms`, () => {
    it("shows OnCall every alert of a 320-pod group and keeps the page open while any still fails", async () => {
        const result = await runStorm(oneNamespaceStorm, config);
        expect.soft(result.alertsFired).toBe(320);
        expect.soft(result.hidden, "alerts never shown to OnCall").toBe(0);
        expect.soft(result.truncatedAlerts).toBe(0);
        expect.soft(result.earlyResolves, "resolved webhooks while alerts of the group still fired").toEqual([]);
        expect.soft(result.groupsPaged).toBe(1);
    }, 60_000);

    it("pages 2,000 distinct alerts within minutes and never lets the heartbeat go silent past its timeout", async () => {
        const result = await runStorm(distinctStorm(2000, 1200), config);
        expect.soft(result.groupsPaged, "groups paged").toBe(2000);
        // One OnCall window (5 min) at most, not half an hour.
        expect.soft(result.lastPage!).toBeLessThanOrEqual(300);
        expect.soft(result.hidden).toBe(0);
        expect.soft(result.pings.longestGap, "longest heartbeat gap (lab seconds)").toBeLessThanOrEqual(defaultAlertingSettings.heartbeatTimeoutSeconds);
        expect.soft(result.pings.refused).toBe(0);
        // Every group closes soon after its last alert: within a few group intervals.
        expect.soft(result.worstResolveLag!).toBeLessThanOrEqual(4 * groupInterval);
    }, 90_000);
});
