// The target-down drill's timeline through Debian's VictoriaMetrics, vmalert and Alertmanager on 127.0.0.1: a real
// scrape target that stops answering, watched with the drill's own probes (vmalert's /api/v1/alerts, Alertmanager's
// notification counter) up to the webhook a local receiver takes in OnCall's place, each stage within the drill's
// bound for these settings (the lab's builders with seconds instead of minutes).
import { createServer } from "node:http";
import { afterAll, describe, expect, it } from "vitest";
import { drills } from "../src/tools/drills/catalog";
import { DrillLab } from "../src/tools/drills/probes";
import { Timeline } from "../src/tools/drills/timeline";
import { type AlertPath, freePort, startAlertPath, waitFor, WebhookReceiver } from "./support/alert-path";
import { fastSettings, integrationPath, missing, suiteTitle } from "./support/alert-path-fixtures";

// One heartbeat ping at the start and none after: Debian's Alertmanager 0.25 counts notifications without receiver names.
const settings = { ...fastSettings, heartbeatTimeoutSeconds: 86400, heartbeatInterval: "12h" };
const job = "drill-target-down-t1";

describe.skipIf(missing.length > 0)(`${suiteTitle}: the target-down drill`, () => {
    const stops: (() => Promise<unknown>)[] = [];
    afterAll(async () => {
        for (const stop of stops.reverse()) await stop();
    });

    it("a target that stops answering: pending, firing, sent and the webhook, in order and within the drill's bounds", async () => {
        const target = createServer((_request, response) => response.end("oncall_lab_drill_target 1\n"));
        const targetPort = await freePort();
        await new Promise<void>((ready) => target.listen(targetPort, "127.0.0.1", ready));
        const receiver = new WebhookReceiver(await freePort());
        await receiver.start();
        stops.push(() => receiver.stop());
        const path = integrationPath();
        const alertPath: AlertPath = await startAlertPath(
            settings,
            { pagingUrl: receiver.url(path), heartbeatUrl: receiver.url(`${integrationPath()}heartbeat/`) },
            {
                scrapeComponents: true,
                scrapeTargets: { [job]: `127.0.0.1:${targetPort}` },
            },
        );
        stops.push(() => alertPath.stop());
        await waitFor(
            "the heartbeat's one ping",
            () => receiver.received.find((call) => call.path.endsWith("heartbeat/")),
            30_000,
            200,
        );
        const scraped = async () => {
            const answer = await fetch(
                `${alertPath.victoriaMetricsUrl}/api/v1/query?query=${encodeURIComponent(`up{job="${job}"} == 1`)}`,
            );
            return ((await answer.json()) as { data: { result: unknown[] } }).data.result.length > 0 ? true : undefined;
        };
        await waitFor("a first healthy scrape of the target", scraped, 30_000, 200);

        const drill = drills(settings).find((candidate) => candidate.name === "target-down")!;
        const lab = new DrillLab({
            vmalertUrl: alertPath.vmalertUrl,
            alertmanagerUrl: alertPath.alertmanagerUrl,
            oncallUrl: "http://127.0.0.1:9/",
            oncallApiToken: "-",
            grafanaUrl: "http://127.0.0.1:9/",
            grafanaAdminUser: "-",
            grafanaAdminPassword: "-",
        });
        const baseline = await lab.notificationsSent();
        // The fault: the target goes away; its address stays in the scrape config, so every scrape fails (up == 0).
        target.closeAllConnections();
        await new Promise((closed) => target.close(closed));
        const lines: string[] = [];
        const timeline = new Timeline(drill.stages, Date.now(), (line) => lines.push(line));
        timeline.record("injected", timeline.faultAtMs, `127.0.0.1:${targetPort} closed`);
        const webhook = () =>
            receiver.received.find(
                (call) =>
                    call.path === path &&
                    call.payload.alerts.some(
                        (alert) => alert.labels.alertname === "TargetDown" && alert.labels.job === job,
                    ),
            );
        await waitFor(
            "the TargetDown webhook",
            async () => {
                const rule = await lab.ruleState("TargetDown", job);
                if (rule && !timeline.seen("pending"))
                    timeline.record("pending", rule.activeAtMs ?? Date.now(), "TargetDown pending");
                if (rule?.state === "firing" && !timeline.seen("firing"))
                    timeline.record("firing", Date.now(), "TargetDown firing");
                if (timeline.seen("firing") && !timeline.seen("sent") && (await lab.notificationsSent()) > baseline)
                    timeline.record("sent", Date.now(), "webhook");
                const call = webhook();
                if (call && timeline.seen("sent") && !timeline.seen("opened"))
                    timeline.record("opened", call.receivedAt, "the receiver took the page");
                timeline.checkLate(Date.now());
                return timeline.seen("opened");
            },
            60_000,
            200,
        );

        const at = (key: "pending" | "firing" | "sent" | "opened") => timeline.seen(key)!.afterMs;
        console.log(
            `target-down through Debian's vmalert and Alertmanager (scrape and evaluation 1 s, for 2 s, group_wait 1 s):\n${lines.join("\n")}`,
        );
        expect(timeline.events.map((event) => event.key)).toEqual(["injected", "pending", "firing", "sent", "opened"]);
        expect(timeline.lateStages).toEqual([]);
        expect(timeline.events.filter((event) => event.late)).toEqual([]);
        // Measured, not assumed: pending comes after the fault, the rule's `for` (2 s) lies between pending and firing.
        expect(at("pending")).toBeGreaterThanOrEqual(0);
        expect(at("firing") - at("pending")).toBeGreaterThanOrEqual(2_000 - 1_000);
        expect(at("opened")).toBeLessThanOrEqual(drill.stages.find((stage) => stage.key === "opened")!.boundMs!);
    }, 120_000);
});
